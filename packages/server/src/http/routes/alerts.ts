/**
 * Alerting routes (SPEC §3 Alerts): alerts and their lifecycle, summary, rules, thresholds,
 * silences, channels and the delivery log.
 */
import type { AlertDetailView, AlertListResponse, AlertRuleListResponse, AlertRuleView, AlertSummaryResponse, AlertView, ChannelListResponse, ChannelView, NotificationLogResponse, SilenceListResponse, SilenceView, TestNotificationResponse } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import { formatRuleDuration } from "../../core/alerting/duration.js";
import { ruleToInput } from "../../core/alerting/rule.js";
import { SEVERITIES, type AlertLifecycle, type AlertRecord, type AlertRule, type AlertStore, type Severity } from "../../core/alerting/types.js";
import { VigilError } from "../../core/errors.js";
import { DIMENSIONS } from "../../core/stored-event.js";
import type { AlertEngine } from "../../services/alert-engine.js";
import type { AlertSummaryService } from "../../services/alert-summary.js";
import type { NotificationPipeline } from "../../services/notification-pipeline.js";
import type { RuleBook } from "../../services/rule-book.js";
import type { SilenceService } from "../../services/silence-service.js";
import { num, str, windowMs, type Query } from "../query.js";
import { DIM_FILTERS, NO_QUERY, WINDOW, param, params, query } from "../schemas.js";

/** What the alerting routes need. */
export interface AlertingDeps {
  engine: AlertEngine;
  pipeline: NotificationPipeline;
  rules: RuleBook;
  store: AlertStore;
  /** Configured channels (secrets redacted). */
  channels: () => ChannelView[];
  now: () => number;
  /** The summary of `GET /api/v1/alerts/summary`. */
  summary: AlertSummaryService;
  /** The silence lifecycle: create, list, expire. */
  silences: SilenceService;
}

const STATES: readonly AlertLifecycle[] = ["pending", "firing", "acknowledged", "resolved"];
/** Epoch milliseconds as ISO 8601 text (null stays null). */
function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
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

  const { summary, silences } = d;

  const view = (a: AlertRecord): AlertView => {
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
      threshold_scope: a.threshold_scope ?? null,
      samples: a.samples ?? null,
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
  app.get<{ Querystring: Query }>("/api/v1/alerts", read(listQuery), async (req): Promise<AlertListResponse> => {
    const q = req.query;
    const labels: Record<string, string> = {};
    for (const k of DIMENSIONS) {
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

  app.get<{ Querystring: Query }>("/api/v1/alerts/summary", read(query(WINDOW)), async (req): Promise<AlertSummaryResponse> => summary.summary(windowMs(req.query, 7 * 86_400_000)));

  app.get<Id>("/api/v1/alerts/:id", read(NO_QUERY, "id"), async (req): Promise<AlertDetailView> => {
    const id = req.params.id;
    const a = await d.store.getAlert(id);
    if (!a) throw new VigilError("NOT_FOUND", `no alert with id "${id}"`);
    const history = await d.store.history(id);
    return { ...view(a), history: history.map((h) => ({ ...h, at: iso(h.at) })) };
  });

  app.post<Id>("/api/v1/alerts/:id/acknowledge", admin("id"), async (req): Promise<AlertView> => {
    const { by, note } = actor(req.body);
    return view(await d.engine.acknowledge(req.params.id, by, note));
  });

  app.post<Id>("/api/v1/alerts/:id/resolve", admin("id"), async (req): Promise<AlertView> => {
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
    const answer: TestNotificationResponse = { queued: ns.map((n) => ({ notification_id: n.id, channel: n.channel })), note: "delivery is asynchronous: GET /api/v1/notifications shows each attempt" };
    return reply.code(202).send(answer);
  });

  // Rules.
  const ruleView = (r: AlertRule): AlertRuleView => ruleToInput(r, formatRuleDuration);
  app.get("/api/v1/alert-rules", read(), async (): Promise<AlertRuleListResponse> => ({ rules: d.rules.rules().map(ruleView) }));
  app.post("/api/v1/alert-rules", admin(), async (req, reply) => {
    const name = isObj(req.body) && typeof req.body.name === "string" ? req.body.name : undefined;
    if (name !== undefined && d.rules.get(name)?.source === "api") throw new VigilError("CONFLICT", `rule "${name}" exists; PUT /api/v1/alert-rules/${name} replaces it`);
    const { rule } = await d.rules.put(req.body);
    return reply.code(201).send(ruleView(rule));
  });
  app.get<Name>("/api/v1/alert-rules/:name", read(NO_QUERY, "name"), async (req): Promise<AlertRuleView> => {
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

  // Silences.
  app.get("/api/v1/silences", read(), async (): Promise<SilenceListResponse> => ({ silences: await silences.list() }));
  app.post("/api/v1/silences", admin(), async (req, reply) => reply.code(201).send(await silences.create(req.body)));
  app.delete<Id>("/api/v1/silences/:id", admin("id"), async (req): Promise<SilenceView> => silences.expire(req.params.id));

  // Channels and deliveries.
  app.get("/api/v1/channels", read(), async (): Promise<ChannelListResponse> => ({ channels: d.channels() }));
  app.post<Name>("/api/v1/channels/:name/test", admin("name"), async (req, reply) => {
    const name = req.params.name;
    if (!d.channels().some((c) => c.name === name)) throw new VigilError("NOT_FOUND", `no channel named "${name}"; GET /api/v1/channels lists them`);
    const b = req.body ?? {};
    if (!isObj(b)) throw invalid("/", "must be an object {level?}");
    for (const k of Object.keys(b)) if (k !== "level") throw invalid(`/${k}`, "is not a known field (level)");
    const level = (b.level ?? "info") as Severity;
    if (!SEVERITIES.includes(level)) throw invalid("/level", `must be one of ${SEVERITIES.join(", ")}`);
    const ns = await d.pipeline.test(level, name, "the API");
    const answer: TestNotificationResponse = { queued: ns.map((n) => ({ notification_id: n.id, channel: n.channel })) };
    return reply.code(202).send(answer);
  });
  const deliveriesQuery = query({ alert_id: param("only the notifications that carried this alert", 256), limit: param("most delivery attempts in the answer (1..1000, default 100)", 16) });
  app.get<{ Querystring: Query }>("/api/v1/notifications", read(deliveriesQuery), async (req): Promise<NotificationLogResponse> => {
    const q = req.query;
    const alertId = str(q, "alert_id") ?? null;
    const rows = await d.store.deliveries(alertId, num(q, "limit", 100, 1, 1000));
    return { deliveries: rows.map((r) => ({ ...r, at: iso(r.at) })), outbox: await d.store.outboxCounts() };
  });
}
