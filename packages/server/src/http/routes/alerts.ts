/**
 * Alerting routes (SPEC §3 Alerts): alerts and their lifecycle, summary, rules, thresholds,
 * silences, channels and the delivery log.
 */
import type { FastifyInstance } from "fastify";
import { formatRuleDuration } from "../../core/alerting/duration.js";
import { checkMatcher, MatcherError, parseMatcher } from "../../core/alerting/matchers.js";
import { ruleToInput } from "../../core/alerting/rule.js";
import { silenceActive } from "../../core/alerting/routing.js";
import { SEVERITIES, type AlertLifecycle, type AlertRecord, type AlertStore, type Matcher, type Severity, type Silence } from "../../core/alerting/types.js";
import { VigilError } from "../../core/errors.js";
import type { AlertEngine } from "../../services/alert-engine.js";
import type { NotificationPipeline } from "../../services/notification-pipeline.js";
import type { RuleBook } from "../../services/rule-book.js";
import { num, str, windowMs, type Query } from "../query.js";
import { DIM_FILTERS, NO_QUERY, WINDOW, param, params, query } from "../schemas.js";

/** What the alerting routes need. */
export interface AlertingDeps {
  engine: AlertEngine;
  pipeline: NotificationPipeline;
  rules: RuleBook;
  store: AlertStore;
  /** Configured channels (secrets redacted). */
  channels: () => { name: string; type: string; config: Record<string, unknown> }[];
  now: () => number;
  newId: () => string;
}

const STATES: readonly AlertLifecycle[] = ["pending", "firing", "acknowledged", "resolved"];
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function invalid(path: string, message: string): VigilError {
  return new VigilError("VALIDATION_FAILED", `${path.replace(/^\//, "").replace(/\//g, ".") || "body"}: ${message}`, [{ path, message }]);
}

function list<T extends string>(q: Query, name: string, allowed: readonly T[]): T[] | undefined {
  const v = str(q, name);
  if (v === undefined || v === "") return undefined;
  const items = v.split(",").map((s) => s.trim());
  for (const i of items) if (!(allowed as readonly string[]).includes(i)) throw new VigilError("VALIDATION_FAILED", `query parameter "${name}" must be one or more of ${allowed.join(", ")} (comma-separated), got "${i}"`, [{ path: `/query/${name}`, message: "unknown value" }]);
  return items as T[];
}

/** The body of `acknowledge` / `resolve`: who, and an optional note. */
function actor(body: unknown): { by: string; note: string | null } {
  const b = body ?? {};
  if (!isObj(b)) throw invalid("/", "must be an object {by, note?}");
  if (typeof b.by !== "string" || b.by.trim() === "" || b.by.length > 256) throw invalid("/by", "is required: who is acting (a name or email, at most 256 characters)");
  if (b.note !== undefined && b.note !== null && (typeof b.note !== "string" || b.note.length > 4096)) throw invalid("/note", "must be a string of at most 4096 characters");
  for (const k of Object.keys(b)) if (k !== "by" && k !== "note") throw invalid(`/${k}`, "is not a known field");
  return { by: b.by.trim(), note: typeof b.note === "string" ? b.note : null };
}

/** Path parameters of the routes below. */
type Id = { Params: { id: string } };
type Name = { Params: { name: string } };

/** Registers the alerting routes. */
export function alertRoutes(app: FastifyInstance, d: AlertingDeps): void {
  const read = (querystring: Record<string, unknown> = NO_QUERY, path?: string) => ({ config: { scope: "read" }, schema: { querystring, ...(path ? { params: params(path) } : {}) } });
  const admin = (path?: string) => ({ config: { scope: "admin" }, schema: { querystring: NO_QUERY, ...(path ? { params: params(path) } : {}) } });

  const view = (a: AlertRecord) => {
    const mute = a.state === "firing" || a.state === "acknowledged" ? d.pipeline.muteState(a.fingerprint) : { silenced_by: null, inhibited_by: null };
    return {
      alert_id: a.id,
      rule: a.rule,
      level: a.severity,
      state: a.state,
      metric_type: a.metric,
      message: a.annotations.summary ?? `${a.rule} is ${a.state}`,
      current_value: a.value,
      threshold: a.threshold,
      ...(a.labels.agent_name !== undefined ? { agent_name: a.labels.agent_name } : {}),
      ...(a.labels.model !== undefined ? { model: a.labels.model } : {}),
      ...(a.labels.route !== undefined ? { route: a.labels.route } : {}),
      labels: a.labels,
      annotations: a.annotations,
      starts_at: iso(a.active_at),
      fired_at: iso(a.fired_at),
      last_evaluated_at: iso(a.last_evaluated_at),
      acknowledged_by: a.acknowledged_by,
      acknowledged_at: iso(a.acknowledged_at),
      ack_note: a.ack_note,
      resolved_at: iso(a.resolved_at),
      resolved_by: a.resolved_by,
      resolve_note: a.resolve_note,
      recommendation: a.annotations.recommendation ?? null,
      business_impact: a.annotations.business_impact ?? null,
      fingerprint: a.fingerprint,
      silenced: mute.silenced_by !== null,
      silenced_by: mute.silenced_by,
      inhibited: mute.inhibited_by !== null,
      inhibited_by: mute.inhibited_by,
    };
  };

  const listQuery = query({
    ...DIM_FILTERS,
    state: param("pending, firing, acknowledged or resolved; several comma-separated", 256),
    level: param("info, warning or critical; several comma-separated", 256),
    rule: param("only alerts of this rule", 256),
    limit: param("most alerts in the answer (1..1000, default 100)", 16),
  });
  app.get<{ Querystring: Query }>("/api/v1/alerts", read(listQuery), async (req) => {
    const q = req.query;
    const labels: Record<string, string> = {};
    for (const k of ["agent_name", "model", "route", "tenant_id", "mode"]) {
      const v = str(q, k);
      if (v) labels[k] = v;
    }
    const states = list(q, "state", STATES);
    const severities = list(q, "level", SEVERITIES);
    const rule = str(q, "rule");
    const limit = num(q, "limit", 100, 1, 1000);
    const r = await d.store.listAlerts({ ...(states ? { states } : {}), ...(severities ? { severities } : {}), ...(rule ? { rule } : {}), labels, limit });
    return { alerts: r.alerts.map(view), total_count: r.total };
  });

  app.get<{ Querystring: Query }>("/api/v1/alerts/summary", read(query(WINDOW)), async (req) => {
    const w = windowMs(req.query, 7 * 86_400_000);
    const since = d.now() - w;
    const { alerts } = await d.store.listAlerts({ since, limit: 100_000 });
    const byLevel: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    const byState: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
    const byRule: Record<string, { total: number; open: number }> = {};
    let ackN = 0;
    let ackSum = 0;
    let resN = 0;
    let resSum = 0;
    for (const a of alerts) {
      byLevel[a.severity] = (byLevel[a.severity] ?? 0) + 1;
      byState[a.state] = (byState[a.state] ?? 0) + 1;
      const r = (byRule[a.rule] ??= { total: 0, open: 0 });
      r.total++;
      if (a.state !== "resolved") r.open++;
      const fired = a.fired_at ?? a.active_at;
      if (a.acknowledged_at !== null) {
        ackN++;
        ackSum += a.acknowledged_at - fired;
      }
      if (a.resolved_at !== null && a.fired_at !== null) {
        resN++;
        resSum += a.resolved_at - fired;
      }
    }
    return {
      window: { start: iso(since), end: iso(d.now()) },
      total: alerts.length,
      open: alerts.filter((a) => a.state !== "resolved").length,
      by_level: byLevel,
      by_state: byState,
      by_rule: byRule,
      mean_time_to_acknowledge_s: ackN ? Math.round(ackSum / ackN / 10) / 100 : null,
      mean_time_to_resolve_s: resN ? Math.round(resSum / resN / 10) / 100 : null,
      acknowledged_samples: ackN,
      resolved_samples: resN,
      evaluation: d.engine.stats(),
    };
  });

  app.get<Id>("/api/v1/alerts/:id", read(NO_QUERY, "id"), async (req) => {
    const id = req.params.id;
    const a = await d.store.getAlert(id);
    if (!a) throw new VigilError("NOT_FOUND", `no alert with id "${id}"`);
    const history = await d.store.history(id);
    return { ...view(a), history: history.map((h) => ({ ...h, at: iso(h.at) })) };
  });

  app.post<Id>("/api/v1/alerts/:id/acknowledge", admin("id"), async (req) => {
    const { by, note } = actor(req.body);
    return view(await d.engine.acknowledge(req.params.id, by, note));
  });

  app.post<Id>("/api/v1/alerts/:id/resolve", admin("id"), async (req) => {
    const { by, note } = actor(req.body);
    return view(await d.engine.resolve(req.params.id, by, note));
  });

  app.post("/api/v1/alerts/test", admin(), async (req, reply) => {
    const b = req.body ?? {};
    if (!isObj(b)) throw invalid("/", "must be an object {level?, channel?, by?}");
    for (const k of Object.keys(b)) if (k !== "level" && k !== "channel" && k !== "by") throw invalid(`/${k}`, "is not a known field (level, channel, by)");
    if (b.by !== undefined && (typeof b.by !== "string" || b.by.trim() === "" || b.by.length > 256)) throw invalid("/by", "must be who sends the test (a name or email, at most 256 characters)");
    const level = (b.level ?? "info") as Severity;
    if (!SEVERITIES.includes(level)) throw invalid("/level", `must be one of ${SEVERITIES.join(", ")}`);
    let channel: string | null = null;
    if (b.channel !== undefined && b.channel !== null) {
      if (typeof b.channel !== "string") throw invalid("/channel", "must be a channel name");
      channel = b.channel;
      if (!d.channels().some((c) => c.name === channel)) throw new VigilError("NOT_FOUND", `no channel named "${channel}"; GET /api/v1/channels lists them`);
    }
    const ns = await d.pipeline.test(level, channel, typeof b.by === "string" ? b.by : "the API");
    return reply.code(202).send({ queued: ns.map((n) => ({ notification_id: n.id, channel: n.channel })), note: "delivery is asynchronous: GET /api/v1/notifications shows each attempt" });
  });

  // Rules.
  const ruleView = (r: ReturnType<RuleBook["rules"]>[number]) => ruleToInput(r, formatRuleDuration);
  app.get("/api/v1/alert-rules", read(), async () => ({ rules: d.rules.rules().map(ruleView) }));
  app.post("/api/v1/alert-rules", admin(), async (req, reply) => {
    const name = isObj(req.body) && typeof req.body.name === "string" ? req.body.name : undefined;
    if (name !== undefined && d.rules.get(name)?.source === "api") throw new VigilError("CONFLICT", `rule "${name}" exists; PUT /api/v1/alert-rules/${name} replaces it`);
    const { rule } = await d.rules.put(req.body);
    return reply.code(201).send(ruleView(rule));
  });
  app.get<Name>("/api/v1/alert-rules/:name", read(NO_QUERY, "name"), async (req) => {
    const name = req.params.name;
    const r = d.rules.get(name);
    if (!r) throw new VigilError("NOT_FOUND", `no rule named "${name}"`);
    return ruleView(r);
  });
  app.put<Name>("/api/v1/alert-rules/:name", admin("name"), async (req, reply) => {
    const { rule, created } = await d.rules.put(req.body, req.params.name);
    return reply.code(created ? 201 : 200).send(ruleView(rule));
  });
  app.delete<Name>("/api/v1/alert-rules/:name", admin("name"), async (req, reply) => {
    const name = req.params.name;
    const gone = await d.rules.delete(name);
    if (!gone) throw new VigilError("NOT_FOUND", `no rule named "${name}"`);
    return reply.code(204).send();
  });

  // Thresholds.
  app.get("/api/v1/thresholds", read(), async () => d.rules.thresholds());
  app.put("/api/v1/thresholds", admin(), async (req) => d.rules.setThresholds(req.body));

  // Silences.
  const silenceView = (s: Silence) => ({ ...s, starts_at: iso(s.starts_at), ends_at: iso(s.ends_at), created_at: iso(s.created_at), state: d.now() < s.starts_at ? "pending" : silenceActive(s, d.now()) ? "active" : "expired" });
  app.get("/api/v1/silences", read(), async () => ({ silences: (await d.store.listSilences()).map(silenceView) }));
  app.post("/api/v1/silences", admin(), async (req, reply) => {
    const s = parseSilence(req.body, d.now(), d.newId());
    await d.store.putSilence(s);
    return reply.code(201).send(silenceView(s));
  });
  app.delete<Id>("/api/v1/silences/:id", admin("id"), async (req) => {
    const id = req.params.id;
    const s = (await d.store.listSilences()).find((x) => x.id === id);
    if (!s) throw new VigilError("NOT_FOUND", `no silence with id "${id}"`);
    // Expiring rather than deleting keeps the record of who silenced what.
    const expired = { ...s, ends_at: Math.min(s.ends_at, d.now()) };
    await d.store.putSilence(expired);
    return silenceView(expired);
  });

  // Channels and deliveries.
  app.get("/api/v1/channels", read(), async () => ({ channels: d.channels() }));
  app.post<Name>("/api/v1/channels/:name/test", admin("name"), async (req, reply) => {
    const name = req.params.name;
    if (!d.channels().some((c) => c.name === name)) throw new VigilError("NOT_FOUND", `no channel named "${name}"; GET /api/v1/channels lists them`);
    const b = req.body ?? {};
    if (!isObj(b)) throw invalid("/", "must be an object {level?}");
    for (const k of Object.keys(b)) if (k !== "level") throw invalid(`/${k}`, "is not a known field (level)");
    const level = (b.level ?? "info") as Severity;
    if (!SEVERITIES.includes(level)) throw invalid("/level", `must be one of ${SEVERITIES.join(", ")}`);
    const ns = await d.pipeline.test(level, name, "the API");
    return reply.code(202).send({ queued: ns.map((n) => ({ notification_id: n.id, channel: n.channel })) });
  });
  const deliveriesQuery = query({ alert_id: param("only the notifications that carried this alert", 256), limit: param("most delivery attempts in the answer (1..1000, default 100)", 16) });
  app.get<{ Querystring: Query }>("/api/v1/notifications", read(deliveriesQuery), async (req) => {
    const q = req.query;
    const alertId = str(q, "alert_id") ?? null;
    const rows = await d.store.deliveries(alertId, num(q, "limit", 100, 1, 1000));
    return { deliveries: rows.map((r) => ({ ...r, at: iso(r.at) })), outbox: await d.store.outboxCounts() };
  });
}

/** Validates a silence body: matchers (text or objects), starts_at/ends_at or duration, created_by, comment. */
function parseSilence(body: unknown, now: number, id: string): Silence {
  if (!isObj(body)) throw invalid("/", "must be an object {matchers, ends_at | duration, created_by, comment?, starts_at?}");
  for (const k of Object.keys(body)) if (!["matchers", "starts_at", "ends_at", "duration", "created_by", "comment"].includes(k)) throw invalid(`/${k}`, "is not a known field");
  if (!Array.isArray(body.matchers) || body.matchers.length === 0) throw invalid("/matchers", 'must be a non-empty list such as ["alertname=HighErrorRate", "agent_name=~react.*"]');
  const matchers: Matcher[] = body.matchers.map((m, i) => {
    try {
      return typeof m === "string" ? parseMatcher(m) : checkMatcher(m as Matcher);
    } catch (err) {
      const field = typeof m !== "string" && err instanceof MatcherError && err.field ? `/${err.field}` : "";
      throw invalid(`/matchers/${i}${field}`, (err as Error).message);
    }
  });
  const time = (v: unknown, path: string): number => {
    const t = typeof v === "string" ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) throw invalid(path, "must be an ISO 8601 time");
    return t;
  };
  const starts = body.starts_at !== undefined ? time(body.starts_at, "/starts_at") : now;
  let ends: number;
  if (body.ends_at !== undefined) ends = time(body.ends_at, "/ends_at");
  else if (typeof body.duration === "string") {
    const m = /^(\d+)(m|h|d)$/.exec(body.duration);
    if (!m) throw invalid("/duration", "must be a duration such as 30m, 2h or 1d");
    ends = starts + Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
  } else throw invalid("/ends_at", "is required (or duration)");
  if (ends <= starts) throw invalid("/ends_at", "must be after starts_at");
  if (typeof body.created_by !== "string" || body.created_by.trim() === "") throw invalid("/created_by", "is required: who creates the silence");
  if (body.comment !== undefined && typeof body.comment !== "string") throw invalid("/comment", "must be a string");
  return { id, matchers, starts_at: starts, ends_at: ends, created_by: body.created_by.trim(), comment: typeof body.comment === "string" ? body.comment : "", created_at: now };
}
