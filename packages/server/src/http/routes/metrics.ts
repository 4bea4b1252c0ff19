/** Read routes: health, metrics per window and group, timeseries, report. */
import type { FastifyInstance } from "fastify";
import type { Metrics } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import { HOUR, MINUTE } from "../../core/rollup-index.js";
import type { Dimension } from "../../core/stored-event.js";
import type { MetricsService } from "../../services/metrics-service.js";
import { dimension, dimFilter, duration, flag, str, windowMs, type Query } from "../query.js";

const GROUPS: [string, Dimension, string][] = [
  ["agents", "agent_name", "agents"],
  ["models", "model", "models"],
  ["routes", "route", "routes"],
  ["tenants", "tenant_id", "tenants"],
  ["modes", "mode", "modes"],
];

/** Most points one timeseries answer may hold per series. */
const MAX_POINTS = 2000;
/** Most metrics one timeseries request may name (`metric=a,b,c`). */
const MAX_METRICS = 20;

/** Registers the read routes. */
export function metricsRoutes(app: FastifyInstance, metrics: MetricsService, openAlerts: () => Promise<unknown[]>): void {
  const read = { config: { scope: "read" } };

  app.get("/api/v1/health", read, async (req) => metrics.health(metrics.window(windowMs(req.query as Query))));

  app.get("/api/v1/metrics/system", read, async (req) => {
    const q = req.query as Query;
    return metrics.system(metrics.window(windowMs(q)), dimFilter(q));
  });

  for (const [path, dim, key] of GROUPS) {
    app.get(`/api/v1/metrics/${path}`, read, async (req) => {
      const q = req.query as Query;
      const w = metrics.window(windowMs(q));
      const filter = dimFilter(q);
      if (dim === "agent_name") return { [key]: metrics.agents(w, filter), window: iso(w) };
      return { [key]: metrics.groups(dim, w, filter).map(({ key: k, ...g }) => ({ [dim]: k, ...g })), window: iso(w) };
    });
    app.get(`/api/v1/metrics/${path}/:name`, read, async (req) => {
      const q = req.query as Query;
      const name = (req.params as { name: string }).name;
      const w = metrics.window(windowMs(q));
      const found = metrics.groups(dim, w, { ...dimFilter(q), [dim]: name })[0];
      if (!found) throw new VigilError("NOT_FOUND", `no data for ${dim} "${name}" in the last ${(w.to - w.from) / MINUTE} minutes`);
      const { key: k, ...g } = found;
      return dim === "agent_name" ? { agent_name: k, ...g } : { [dim]: k, ...g };
    });
  }

  app.get("/api/v1/metrics/timeseries", read, async (req) => {
    const q = req.query as Query;
    const names = (str(q, "metric") ?? "p95_latency_ms").split(",").map((m) => m.trim());
    const sample = metrics.metrics(metrics.window(MINUTE));
    if (names.length > MAX_METRICS) throw new VigilError("VALIDATION_FAILED", `query parameter "metric" names at most ${MAX_METRICS} metrics, got ${names.length}`, [{ path: "/query/metric", message: "too many metrics" }]);
    for (const metric of names) {
      if (!(metric in sample) || metric === "error_types") throw new VigilError("VALIDATION_FAILED", `query parameter "metric" must be one of the metrics fields (e.g. p95_latency_ms, success_rate), got "${metric}"`, [{ path: "/query/metric", message: "unknown metric" }]);
    }
    const wms = windowMs(q, 6 * 3_600_000);
    const w = metrics.window(wms);
    const hoursOnly = w.from < metrics.minuteResolutionFrom();
    const unit = hoursOnly ? HOUR : MINUTE;
    const step = duration(q, "step", null) ?? Math.max(unit, Math.ceil(wms / 120 / unit) * unit);
    if (step < MINUTE || step % MINUTE !== 0) throw new VigilError("VALIDATION_FAILED", 'query parameter "step" must be a whole number of minutes (at least 1m)', [{ path: "/query/step", message: "must be whole minutes" }]);
    if (wms / step > MAX_POINTS) throw new VigilError("VALIDATION_FAILED", `window/step gives more than ${MAX_POINTS} points: use a larger step`, [{ path: "/query/step", message: "too small for the window" }]);
    if (hoursOnly && step % HOUR !== 0) {
      throw new VigilError("VALIDATION_FAILED", 'query parameter "step" must be whole hours when the window reaches back past the minute rollups (kept 48h by default); use e.g. step=1h', [{ path: "/query/step", message: "must be whole hours for this window" }]);
    }
    return metrics.timeseries(names as (keyof Metrics)[], w, step, dimension(q, "group_by"), dimFilter(q));
  });

  app.get("/api/v1/metrics/custom", read, async (req) => {
    const q = req.query as Query;
    const filter: { name?: string; component?: string; category?: string } = {};
    for (const k of ["name", "component", "category"] as const) {
      const v = str(q, k);
      if (v) filter[k] = v;
    }
    return metrics.custom(metrics.window(windowMs(q)), filter);
  });

  app.get("/api/v1/report", read, async (req) => {
    const q = req.query as Query;
    const report = metrics.report(metrics.window(windowMs(q), 2), flag(q, "include_agents", true));
    return { ...report, alerts: await openAlerts() };
  });
}

function iso(w: { from: number; to: number }) {
  return { start: new Date(w.from).toISOString(), end: new Date(w.to).toISOString() };
}
