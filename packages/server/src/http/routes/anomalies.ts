/**
 * An anomaly rule's readings (docs/api.md "Anomalies", docs/anomaly.md "Anomaly rules"):
 * `GET /api/v1/anomalies?rule=&<dimension>=&window=&to=`, one group's steps as its detector read
 * them — value, expected value and band, score, and whether the rule's condition held — over the
 * window ending at `to`. The group is named by the rule's `group_by` dimensions, each given once.
 */
import type { AnomalySeriesResponse } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import { catalogueEntry } from "../../core/alerting/catalogue.js";
import type { AlertRule } from "../../core/alerting/types.js";
import { READINGS_KEPT } from "../../core/anomaly/readings.js";
import { VigilError } from "../../core/errors.js";
import { DIMENSIONS } from "../../core/stored-event.js";
import type { AnomalyService } from "../../services/anomaly-service.js";
import { badParam, dimFilter, str, windowMs, type Query } from "../query.js";
import { DIM_FILTERS, param, query, WINDOW } from "../schemas.js";

/** What the anomalies route needs. */
export interface AnomalyRouteDeps {
  rules: { get(name: string): AlertRule | null };
  anomalies: Pick<AnomalyService, "readings">;
  now: () => number;
}

/** The window when none is given. */
const DEFAULT_WINDOW_MS = 6 * 3_600_000;

/** Registers the anomalies route. */
export function anomalyRoutes(app: FastifyInstance, d: AnomalyRouteDeps): void {
  const schema = query({
    rule: param("the anomaly rule", 256),
    ...WINDOW,
    to: param("end of the window: ISO-8601 time or epoch milliseconds (default now)", 64),
    ...DIM_FILTERS,
  });
  app.get<{ Querystring: Query }>("/api/v1/anomalies", { config: { scope: "read" }, schema: { querystring: schema } }, async (req): Promise<AnomalySeriesResponse> => {
    const q = req.query;
    const name = str(q, "rule");
    if (name === undefined || name === "") throw badParam("rule", "is required: the name of an anomaly rule");
    const rule = d.rules.get(name);
    if (rule === null) throw new VigilError("NOT_FOUND", `no rule named "${name}"`);
    if (!rule.anomaly) throw badParam("rule", `names "${name}", which is not an anomaly rule (it has no anomaly block)`);
    const group = groupOf(q, rule);
    const now = d.now();
    const to = endOf(q, now);
    const from = to - windowMs(q, DEFAULT_WINDOW_MS);
    const a = rule.anomaly;
    // A disabled rule is not evaluated: nothing is fed, nothing is followed.
    const read = rule.enabled ? await d.anomalies.readings(rule, group, from, to, now) : { followed: false, points: [] };
    return {
      rule: rule.name,
      metric: rule.metric,
      unit: catalogueEntry(rule.metric)?.unit ?? "count",
      group,
      step_seconds: a.step_ms / 1000,
      threshold: a.threshold,
      followed: read.followed,
      kept_steps: READINGS_KEPT,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points: read.points.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
    };
  });
}

/** The group named by the query: every `group_by` dimension of the rule, and no other. */
function groupOf(q: Query, rule: AlertRule): Record<string, string> {
  const given = dimFilter(q) as Record<string, string>;
  for (const d of DIMENSIONS) {
    if (given[d] !== undefined && !rule.group_by.includes(d)) throw badParam(d, rule.group_by.length ? `is not a dimension rule "${rule.name}" groups by (${rule.group_by.join(", ")})` : `does not apply: rule "${rule.name}" is not grouped`);
  }
  const group: Record<string, string> = {};
  for (const d of rule.group_by) {
    if (given[d] === undefined) throw badParam(d, `is required: rule "${rule.name}" groups by ${rule.group_by.join(", ")}, and a chart is of one group`);
    group[d] = given[d];
  }
  return group;
}

/** `to`: ISO-8601 or epoch milliseconds, not past now; default now. */
function endOf(q: Query, now: number): number {
  const v = str(q, "to");
  if (v === undefined || v === "") return now;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw badParam("to", `must be an ISO-8601 time or epoch milliseconds, got "${v}"`);
  return Math.min(t, now);
}
