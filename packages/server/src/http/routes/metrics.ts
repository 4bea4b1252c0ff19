/** Read routes: health, metrics per window and group (paged), timeseries, report. */
import type { FastifyInstance } from "fastify";
import type { ComplianceSummary, ForecastSummary, Metrics } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import { HOUR, MINUTE } from "../../core/rollup-index.js";
import type { Dimension } from "../../core/stored-event.js";
import type { CooperativeRunner } from "../../services/cooperative-runner.js";
import { PAGE_LIMIT, type PageQuery, type SortField, type SortOrder } from "../../services/group-page.js";
import type { MetricsService } from "../../services/metrics-service.js";
import type { BaselineService } from "../../services/baseline-service.js";
import { badParam, dimension, dimFilter, duration, flag, int, str, windowMs, type Query } from "../query.js";
import { DIM_FILTERS, PAGING, WINDOW, param, params, query } from "../schemas.js";

const GROUPS: [string, Dimension, string][] = [
  ["agents", "agent_name", "agents"],
  ["models", "model", "models"],
  ["routes", "route", "routes"],
  ["tenants", "tenant_id", "tenants"],
  ["modes", "mode", "modes"],
  ["query-classes", "query_class", "query_classes"],
  ["components", "component", "components"],
  ["services", "service", "services"],
  ["endpoints", "endpoint", "endpoints"],
];

/** Most points one timeseries answer may hold per series. */
const MAX_POINTS = 2000;
/** Most metrics one timeseries request may name (`metric=a,b,c`). */
const MAX_METRICS = 20;
/** Most points (series × metrics × steps) in one timeseries answer: about a megabyte of JSON. */
const MAX_TOTAL_POINTS = 40_000;
/** Series a grouped timeseries answers with when `limit` is not given. */
const DEFAULT_SERIES = 20;

/** The query string of a read route, as its schema lets it through. */
type Q = { Querystring: Query };

/** Registers the read routes. */
export function metricsRoutes(app: FastifyInstance, metrics: MetricsService, runner: CooperativeRunner, openAlerts: () => Promise<unknown[]>, baselines?: Pick<BaselineService, "report">, compliance?: (m: Metrics) => Promise<ComplianceSummary>, forecasts?: { summary(): Promise<ForecastSummary> }): void {
  const read = (querystring: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ config: { scope: "read" }, schema: { querystring, ...extra } });
  // Every figure of the metrics block a listing may be sorted by.
  const sortable = new Set<string>(["activity", "name", ...Object.entries(metrics.metrics(metrics.window(MINUTE))).filter(([, v]) => typeof v === "number" || v === null).map(([k]) => k)]);
  const metricNames = new Set([...sortable].filter((k) => k !== "activity" && k !== "name"));

  app.get<Q>("/api/v1/health", read(query(WINDOW)), async (req) => metrics.health(metrics.window(windowMs(req.query))));

  app.get<Q>("/api/v1/metrics/system", read(query({ ...WINDOW, ...DIM_FILTERS })), async (req) => {
    const q = req.query;
    return runner.run(metrics.system(metrics.window(windowMs(q)), dimFilter(q)));
  });

  const listQuery = query({ ...WINDOW, ...DIM_FILTERS, ...PAGING, sort: param("activity, name, or a metrics field such as p95_latency_ms", 64), order: param("asc or desc", 8) });
  for (const [path, dim, key] of GROUPS) {
    app.get<Q>(`/api/v1/metrics/${path}`, read(listQuery), async (req) => {
      const q = req.query;
      const w = metrics.window(windowMs(q));
      const page = await runner.run(metrics.groups(dim, w, dimFilter(q), pageQuery(q, sortable)), `${path} listing`);
      return { [key]: page.items.map(({ key: k, ...g }) => ({ [dim]: k, ...g })), total_count: page.total_count, next_cursor: page.next_cursor, ...(page.overflow ? { overflow: page.overflow } : {}), window: iso(w) };
    });
    app.get<Q & { Params: { name: string } }>(`/api/v1/metrics/${path}/:name`, read(query({ ...WINDOW, ...DIM_FILTERS }), { params: params("name") }), async (req) => {
      const q = req.query;
      const name = req.params.name;
      const w = metrics.window(windowMs(q));
      const found = await runner.run(metrics.group(dim, name, w, dimFilter(q)));
      if (!found) throw new VigilError("NOT_FOUND", `no data for ${dim} "${name}" in the last ${(w.to - w.from) / MINUTE} minutes`);
      const { key: k, ...g } = found;
      return { [dim]: k, ...g };
    });
  }

  const tsQuery = query({ ...WINDOW, ...DIM_FILTERS, metric: param("metrics fields, comma-separated", 1024), step: param("step between points: 1m, 5m, 1h", 32), group_by: param("a dimension to split series by", 32), limit: param("most groups with series (grouped only)", 16) });
  app.get<Q>("/api/v1/metrics/timeseries", read(tsQuery), async (req) => {
    const q = req.query;
    const names = (str(q, "metric") ?? "p95_latency_ms").split(",").map((m) => m.trim());
    if (names.length > MAX_METRICS) throw badParam("metric", `names at most ${MAX_METRICS} metrics, got ${names.length}`);
    for (const metric of names) if (!metricNames.has(metric)) throw badParam("metric", `must be one of the metrics fields (e.g. p95_latency_ms, success_rate), got "${metric}"`);
    const wms = windowMs(q, 6 * 3_600_000);
    const w = metrics.window(wms);
    const hoursOnly = w.from < metrics.minuteResolutionFrom();
    const unit = hoursOnly ? HOUR : MINUTE;
    const step = duration(q, "step", null) ?? Math.max(unit, Math.ceil(wms / 120 / unit) * unit);
    if (step < MINUTE || step % MINUTE !== 0) throw badParam("step", "must be a whole number of minutes (at least 1m)");
    const points = Math.ceil(wms / step);
    if (points > MAX_POINTS) throw badParam("step", `gives more than ${MAX_POINTS} points for this window: use a larger step`);
    if (hoursOnly && step % HOUR !== 0) throw badParam("step", "must be whole hours when the window reaches back past the minute rollups (kept 48h by default); use e.g. step=1h");
    const groupBy = dimension(q, "group_by");
    const maxSeries = Math.max(1, Math.floor(MAX_TOTAL_POINTS / (points * names.length)));
    if (groupBy === null && q.limit !== undefined) throw badParam("limit", "applies only with group_by");
    const limit = int(q, "limit", Math.min(DEFAULT_SERIES, maxSeries), 1, maxSeries);
    return runner.run(metrics.timeseries(names as (keyof Metrics)[], w, step, groupBy, dimFilter(q), limit), "timeseries");
  });

  app.get<Q>("/api/v1/metrics/custom", read(query({ ...WINDOW, name: param("metric name", 256), component: param("component", 256), category: param("category", 256) })), async (req) => {
    const q = req.query;
    const filter: { name?: string; component?: string; category?: string } = {};
    for (const k of ["name", "component", "category"] as const) {
      const v = str(q, k);
      if (v) filter[k] = v;
    }
    return metrics.custom(metrics.window(windowMs(q)), filter);
  });

  app.get<Q>("/api/v1/report", read(query({ ...WINDOW, include_agents: param("true or false", 8) })), async (req) => {
    const q = req.query;
    const w = metrics.window(windowMs(q), 2);
    const report = await runner.run(metrics.report(w, flag(q, "include_agents", true)), "report");
    return { ...report, alerts: await openAlerts(), ...(baselines ? { baselines: await baselines.report(w) } : {}), ...(compliance ? { compliance: await compliance(report.metrics as Metrics) } : {}), ...(forecasts ? { forecasts: await forecasts.summary() } : {}) };
  });
}

/** `limit`, `cursor`, `sort` and `order` of a listing. */
function pageQuery(q: Query, sortable: Set<string>): PageQuery {
  const sort = str(q, "sort") ?? "activity";
  if (!sortable.has(sort)) throw badParam("sort", `must be activity, name or a numeric metrics field such as p95_latency_ms, got "${sort}"`);
  const order = str(q, "order");
  if (order !== undefined && order !== "asc" && order !== "desc") throw badParam("order", `must be asc or desc, got "${order}"`);
  return { limit: int(q, "limit", PAGE_LIMIT.default, 1, PAGE_LIMIT.max), cursor: str(q, "cursor") ?? null, sort: sort as SortField, order: (order as SortOrder | undefined) ?? null };
}


function iso(w: { from: number; to: number }) {
  return { start: new Date(w.from).toISOString(), end: new Date(w.to).toISOString() };
}
