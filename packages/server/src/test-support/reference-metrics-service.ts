/**
 * Read side: metrics for any window, per group (agent, model, route, tenant), timeseries,
 * health, and the report with trends and recommendations — all answered from the rollups.
 *
 * The metrics service as it was before series-keyed rollups (ranking by merging every group),
 * over the reference rollup index: the differential tests compare the real service with it.
 * Its windows follow the exact definition (half-open, on minute or hour boundaries, the previous
 * window just before the current one), written out here on their own.
 */
import type { AgentMetrics, GroupMetrics, HealthResponse, Metrics, TimeseriesResponse } from "@vigil/contract";
import { agentScores } from "../core/agent-scores.js";
import { Bucket, F } from "../core/bucket.js";
import { DEFAULT_MIN_SAMPLES, defaultSettings, limitsFor } from "../core/threshold-model.js";
import { breachesOf, byLevel, scoreOf, systemHealth } from "../core/verdicts.js";
import { lastRunOf, latencyStddev, metricsOf } from "../core/metrics.js";
import { recommendations } from "../core/recommendations.js";
import { VigilError } from "../core/errors.js";
import { HOUR, MINUTE, type DimFilter } from "../core/rollup-index.js";
import type { ReferenceRollupIndex as RollupIndex } from "./reference-rollup-index.js";
import { drain, ticker, type Stepped } from "../core/stepped.js";
import { TopK } from "../core/top-k.js";
import { timeseriesOf } from "./reference-timeseries.js";
import { comparator, decodeCursor, defaultOrder, encodeCursor, sortValue, type Page, type PageQuery, type Ranked } from "../services/group-page.js";
import type { EventStore } from "../core/ports.js";
import type { Dimension } from "../core/stored-event.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../core/thresholds.js";
import { trends } from "../core/trends.js";

/** The default limits: this oracle runs with the default thresholds only. */
const DEFAULT_LIMITS = limitsFor(defaultSettings(), {});

/** A resolved window [from, to), read at `now` (absent: complete). */
export interface Window {
  from: number;
  to: number;
  now?: number;
}

/** What the metrics service needs. */
export interface ReferenceMetricsDeps {
  index: RollupIndex;
  /** Raw events, for the custom metrics (answered from stored samples). */
  events: Pick<EventStore, "aggregateCustomMetrics">;
  now: () => number;
  thresholds?: Thresholds;
}

/** A threshold breach found in a window (the report's `threshold_breaches`). */
export interface ThresholdBreach {
  level: "warning" | "critical";
  metric: keyof Thresholds;
  current_value: number;
  threshold: number;
  message: string;
}

const ISO = (ms: number) => new Date(ms).toISOString();
/** Agents a report lists (the most active of the window). */
export const REPORT_AGENTS = 100;

/** A group of a listing: its name and figures. */
export type GroupEntry = GroupMetrics & { key: string; agent_type: string | null };
/** A group counts as active when it ran within the last 15 minutes. */
const ACTIVE_MS = 15 * MINUTE;

/** Metrics queries. */
export class ReferenceMetricsService {
  private current: Thresholds;

  constructor(private readonly deps: ReferenceMetricsDeps) {
    this.current = deps.thresholds ?? DEFAULT_THRESHOLDS;
  }

  /** Thresholds in force (health score, agent scores, recommendations, threshold breaches). */
  thresholds(): Thresholds {
    return this.current;
  }

  /** Replaces the thresholds (after `PUT /api/v1/thresholds`). */
  setThresholds(t: Thresholds): void {
    this.current = t;
  }

  /** Earliest time answered at minute resolution; older spans come from hour buckets. */
  minuteResolutionFrom(): number {
    return this.deps.index.minuteFloor(this.deps.now());
  }

  /**
   * The window of length `ms` ending now. A window longer than the rollups reach is refused rather
   * than answered with part of the data; `lookback` is how many windows back the answer needs
   * (2 for the report, which compares with the previous window).
   */
  window(ms: number, lookback = 1): Window {
    const max = this.deps.index.maxSpanMs();
    if (ms * lookback > max) {
      const days = Math.floor(max / lookback / 86_400_000);
      throw new VigilError("VALIDATION_FAILED", `query parameter "window" reaches back further than the hour rollups are kept (retention.hour_rollups): at most ${days}d here`, [{ path: "/query/window", message: `must be at most ${days}d` }]);
    }
    const now = this.deps.now();
    // Whole minutes up to the end of the current one, unless `lookback` windows reach past the minute tier: then whole hours.
    const minuteEnd = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    const length = Math.ceil(ms / MINUTE) * MINUTE;
    if (minuteEnd - lookback * length >= this.deps.index.minuteFloor(minuteEnd)) return { from: minuteEnd - length, to: minuteEnd, now };
    const hourEnd = Math.floor(now / HOUR) * HOUR + HOUR;
    return { from: hourEnd - Math.ceil(ms / HOUR) * HOUR, to: hourEnd, now };
  }

  /** Metrics block for a window and filter, computed at once (cheap without a filter: the totals are kept apart). */
  metrics(w: Window, filter: DimFilter = {}): Metrics {
    return drain(this.metricsOf(w, filter));
  }

  /** Metrics block for a window and filter, as stepped work (a filter scans every series of the window). */
  *metricsOf(w: Window, filter: DimFilter = {}): Stepped<Metrics> {
    const r = yield* this.deps.index.scan(w.from, w.to, w.to, filter);
    return metricsOf(r.get("")?.bucket ?? new Bucket(), minutes(w));
  }

  /** `GET /metrics/system`. */
  *system(w: Window, filter: DimFilter = {}): Stepped<{ metrics: Metrics; window: { start: string; end: string }; generated_at: string }> {
    return { metrics: yield* this.metricsOf(w, filter), window: { start: ISO(w.from), end: ISO(w.to) }, generated_at: ISO(this.deps.now()) };
  }

  /**
   * One page of the values of `dim` seen in the window, sorted by `page.sort`. Every group is read
   * to rank it, but only the page's groups are described (scores, health), and the ranking keeps
   * at most `limit` groups in memory.
   */
  *groups(dim: Dimension, w: Window, filter: DimFilter, page: PageQuery): Stepped<Page<GroupEntry>> {
    const order = page.order ?? defaultOrder(page.sort);
    const after = page.cursor === null ? null : decodeCursor(page.cursor, page.sort, order);
    const cmp = comparator(order);
    const byGroup = yield* this.deps.index.scan(w.from, w.to, w.to, filter, [dim]);
    const top = new TopK<Ranked>(page.limit + 1, cmp);
    const tick = ticker(64);
    let total = 0;
    for (const { dims, bucket } of byGroup.values()) {
      const key = dims[dim];
      if (key === undefined) continue;
      total++;
      const ranked = { key, v: sortValue(bucket, page.sort, minutes(w)), bucket };
      if (after === null || cmp(ranked, after) > 0) top.offer(ranked);
      if (tick()) yield;
    }
    const chosen = top.sorted();
    const more = chosen.length > page.limit;
    if (more) chosen.pop();
    const routes = dim === "agent_name" && chosen.length ? yield* this.primaryRoutes(w, filter, new Set(chosen.map((c) => c.key))) : null;
    const items: GroupEntry[] = [];
    for (const c of chosen) {
      items.push({ key: c.key, ...this.describeGroup(c.bucket!, w, routes?.get(c.key) ?? null) });
      if (tick()) yield;
    }
    const last = chosen[chosen.length - 1];
    return { items, total_count: total, next_cursor: more && last ? encodeCursor(page.sort, order, last) : null };
  }

  /** The route each of `agents` ran most on in the window (for the specialization score), from one pass. */
  private *primaryRoutes(w: Window, filter: DimFilter, agents: Set<string>): Stepped<Map<string, { bucket: Bucket }>> {
    const perRoute = yield* this.deps.index.scan(w.from, w.to, w.to, filter, ["agent_name", "route"], false, (d) => d.agent_name !== undefined && d.route !== undefined && agents.has(d.agent_name));
    const best = new Map<string, { bucket: Bucket }>();
    const tick = ticker(256);
    for (const g of perRoute.values()) {
      if (tick()) yield;
      const agent = g.dims.agent_name;
      if (agent === undefined || g.dims.route === undefined || !agents.has(agent)) continue;
      const cur = best.get(agent);
      if (g.bucket.f[F.runs]! > (cur ? cur.bucket.f[F.runs]! : 0)) best.set(agent, g);
    }
    return best;
  }

  /** One group by name, or null when it has no data in the window. */
  *group(dim: Dimension, name: string, w: Window, filter: DimFilter = {}): Stepped<GroupEntry | null> {
    const page = yield* this.groups(dim, w, { ...filter, [dim]: name }, { limit: 1, cursor: null, sort: "activity", order: null });
    return page.items[0] ?? null;
  }

  private describeGroup(b: Bucket, w: Window, route: { bucket: Bucket } | null): GroupMetrics & { agent_type: string | null } {
    const m = metricsOf(b, minutes(w));
    const t = this.thresholds();
    const last = lastRunOf(b);
    const rm = route ? metricsOf(route.bucket, minutes(w)) : null;
    return {
      agent_type: b.agentType,
      status: last !== null && this.deps.now() - last <= ACTIVE_MS ? "active" : "idle",
      last_run: last !== null ? ISO(last) : null,
      metrics: m,
      scores: agentScores(
        {
          total: m.total_tasks,
          successful: m.successful_tasks,
          p50_latency_ms: m.p50_latency_ms,
          avg_latency_ms: m.avg_latency_ms,
          latency_stddev_ms: latencyStddev(b),
          avg_quality_score: m.avg_quality_score,
          avg_accuracy: m.avg_accuracy,
          cost_per_task: m.cost_per_task,
          primary_route: rm ? { total: rm.total_tasks, successful: rm.successful_tasks, avg_quality_score: rm.avg_quality_score, avg_accuracy: rm.avg_accuracy } : null,
        },
        t,
      ),
      // Verdicts are not what this oracle checks: it makes them with the shared functions.
      health_score: scoreOf(m, DEFAULT_LIMITS, DEFAULT_MIN_SAMPLES),
    };
  }

  /** `GET /health`, made with the shared verdict functions. */
  health(w: Window): HealthResponse {
    const m = this.metrics(w);
    return systemHealth(scoreOf(m, DEFAULT_LIMITS, DEFAULT_MIN_SAMPLES), m.total_tasks, { open_critical_alerts: 0, routes: [] }, this.deps.now());
  }

  /**
   * `GET /report`. It lists the REPORT_AGENTS most active agents of the window (and their threshold
   * breaches); `agents_total` says how many there were in all.
   */
  *report(w: Window, includeAgents: boolean): Stepped<Record<string, unknown>> {
    const m = yield* this.metricsOf(w);
    const prevW = { from: w.from - (w.to - w.from), to: w.from };
    const prev = yield* this.metricsOf(prevW);
    const page = yield* this.groups("agent_name", w, {}, { limit: REPORT_AGENTS, cursor: null, sort: "activity", order: "desc" });
    const agents: AgentMetrics[] = page.items.map(({ key, ...g }) => ({ agent_name: key, ...g }));
    const tr = trends(m, prev);
    const health = systemHealth(scoreOf(m, DEFAULT_LIMITS, DEFAULT_MIN_SAMPLES), m.total_tasks, { open_critical_alerts: 0, routes: [] }, this.deps.now());
    const breaches = byLevel([...breachesOf(m, DEFAULT_LIMITS, null), ...agents.flatMap((a) => breachesOf(a.metrics, DEFAULT_LIMITS, a.agent_name))]);
    return {
      generated_at: ISO(this.deps.now()),
      window: { start: ISO(w.from), end: ISO(w.to) },
      previous_window: { start: ISO(prevW.from), end: ISO(prevW.to) },
      health_score: health.health_score,
      status: health.status,
      band: health.band,
      health,
      metrics: m,
      ...(includeAgents ? { agents } : {}),
      agents_total: page.total_count,
      threshold_breaches: breaches,
      trends: tr,
      recommendations: recommendations({ metrics: m, limits: () => DEFAULT_LIMITS, agents: agents.map((a) => ({ agent_name: a.agent_name, metrics: a.metrics })), trends: tr }),
    };
  }

  /** `GET /metrics/custom`: count, sum, mean, min, max and latest value of each custom metric in the window. */
  async custom(w: Window, filter: { name?: string; component?: string; category?: string }) {
    const rows = await this.deps.events.aggregateCustomMetrics(w.from, w.to, filter);
    return {
      metrics: rows.map((r) => ({ ...r, avg: r.count > 0 ? r.sum / r.count : null, last_at: ISO(r.last_at) })),
      window: { start: ISO(w.from), end: ISO(w.to) },
      generated_at: ISO(this.deps.now()),
    };
  }

  /**
   * `GET /metrics/timeseries`: one point per step, per group and metric (see `timeseriesOf`); grouped,
   * only the `maxGroups` most active groups of the window get series.
   */
  timeseries(metric: keyof Metrics | (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter = {}, maxGroups = Infinity): Stepped<TimeseriesResponse & { groups_total?: number }> {
    return timeseriesOf(this.deps.index, Array.isArray(metric) ? metric : [metric], w, stepMs, groupBy, filter, maxGroups);
  }
}

function minutes(w: Window): number {
  const until = w.now === undefined ? w.to : Math.min(w.now, w.to);
  return (until - w.from) / MINUTE;
}
