/**
 * Read side: metrics for any window, per group (agent, model, route, tenant), timeseries,
 * health, and the report with trends and recommendations — all answered from the rollups.
 */
import type { AgentMetrics, GroupMetrics, HealthResponse, Metrics, OverflowNote, ThresholdBreach, TimeseriesResponse } from "@vigil/contract";
import { agentScores } from "../core/agent-scores.js";
import { Bucket, F } from "../core/bucket.js";
import { lastRunOf, latencyStddev, metricsOf } from "../core/metrics.js";
import { recommendations } from "../core/recommendations.js";
import { VigilError } from "../core/errors.js";
import { MINUTE, type DimFilter, type RollupIndex } from "../core/rollup-index.js";
import { drain, ticker, type Stepped } from "../core/stepped.js";
import { TopK } from "../core/top-k.js";
import { timeseriesOf } from "./timeseries.js";
import { comparator, decodeCursor, defaultOrder, encodeCursor, sortValue, type Page, type PageQuery, type Ranked } from "./group-page.js";
import type { EventStore } from "../core/ports.js";
import type { Dimension } from "../core/stored-event.js";
import { defaultSettings, limitsFor, minSamplesFor, type ThresholdSettings } from "../core/threshold-model.js";
import { breachesOf, byLevel, healthLimits, scoreOf, systemHealth, type HealthSignals } from "../core/verdicts.js";
import { trends } from "../core/trends.js";
import { elapsedMinutes, previousWindow, sliceEnd, windowAt, type Window } from "../core/window-bounds.js";

export type { Window } from "../core/window-bounds.js";

/** What the metrics service needs. */
export interface MetricsDeps {
  index: RollupIndex;
  /** Raw events, for the custom metrics (answered from stored samples). */
  events: Pick<EventStore, "aggregateCustomMetrics">;
  now: () => number;
  /** The threshold model's settings in force (default: the defaults). */
  thresholds?: () => ThresholdSettings;
  /** Open critical alerts and route states, which the system health counts (default: none). */
  signals?: () => HealthSignals;
}

const ISO = (ms: number) => new Date(ms).toISOString();
/** Agents a report lists (the most active of the window). */
export const REPORT_AGENTS = 100;

/** A group of a listing: its name and figures. */
export type GroupEntry = GroupMetrics & { key: string; agent_type: string | null };
/** A group counts as active when it ran within the last 15 minutes. */
const ACTIVE_MS = 15 * MINUTE;

/** Metrics queries. */
export class MetricsService {
  private readonly settings: () => ThresholdSettings;

  constructor(private readonly deps: MetricsDeps) {
    const defaults = defaultSettings();
    this.settings = deps.thresholds ?? (() => defaults);
  }

  /** The threshold model's settings in force (health scores, agent scores, recommendations, breaches). */
  thresholds(): ThresholdSettings {
    return this.settings();
  }

  /** Earliest time answered at minute resolution; older spans come from hour buckets. */
  minuteResolutionFrom(): number {
    return this.deps.index.minuteFloor(this.deps.now());
  }

  /**
   * The window of length `ms` read now, on slice boundaries (see `windowAt`): `[to - ms, to)` with `to`
   * the end of the current minute, or in whole hours when `lookback` windows reach past the minute
   * tier. A window longer than the rollups reach is refused rather than answered with part of the
   * data; `lookback` is how many windows back the answer needs (2 for the report, which compares
   * with the previous window).
   */
  window(ms: number, lookback = 1): Window {
    const max = this.deps.index.maxSpanMs();
    if (ms * lookback > max) {
      const days = Math.floor(max / lookback / 86_400_000);
      throw new VigilError("VALIDATION_FAILED", `query parameter "window" reaches back further than the hour rollups are kept (retention.hour_rollups): at most ${days}d here`, [{ path: "/query/window", message: `must be at most ${days}d` }]);
    }
    const now = this.deps.now();
    // The minute floor as the scans see it (they plan with the window's end as their clock).
    return windowAt(ms, now, this.deps.index.minuteFloor(sliceEnd(now, MINUTE)), lookback);
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
   * One page of the values of `dim` seen in the window, sorted by `page.sort`. Sorted by activity
   * or name, the ranking adds one number per bucket and only the page's groups are merged; sorted
   * by another figure, every group is merged to compute it. Only the page's groups are described
   * (scores, health), and the ranking keeps at most `limit` groups in memory.
   */
  *groups(dim: Dimension, w: Window, filter: DimFilter, page: PageQuery): Stepped<Page<GroupEntry>> {
    const order = page.order ?? defaultOrder(page.sort);
    const after = page.cursor === null ? null : decodeCursor(page.cursor, page.sort, order);
    const cmp = comparator(order);
    const top = new TopK<Ranked>(page.limit + 1, cmp);
    const tick = ticker(64);
    let total = 0;
    const offer = (ranked: Ranked) => {
      total++;
      if (after === null || cmp(ranked, after) > 0) top.offer(ranked);
    };
    if (page.sort === "activity" || page.sort === "name") {
      const byName = yield* this.deps.index.rank(w.from, w.to, w.to, filter, dim);
      for (const [key, v] of byName) {
        if (key !== "") offer({ key, v: page.sort === "name" ? 0 : v });
        if (tick()) yield;
      }
    } else {
      const byGroup = yield* this.deps.index.scan(w.from, w.to, w.to, filter, [dim]);
      for (const { dims, bucket } of byGroup.values()) {
        const key = dims[dim];
        if (key !== undefined) offer({ key, v: sortValue(bucket, page.sort, minutes(w)), bucket });
        if (tick()) yield;
      }
    }
    const chosen = top.sorted();
    const more = chosen.length > page.limit;
    if (more) chosen.pop();
    const keys = new Set(chosen.map((c) => c.key));
    // Ranked by a sum: merge the page's groups now, reading only their series.
    const merged = chosen.some((c) => c.bucket === undefined) && keys.size ? yield* this.deps.index.scan(w.from, w.to, w.to, filter, [dim], false, { dim, values: keys }) : null;
    const routes = dim === "agent_name" && keys.size ? yield* this.primaryRoutes(w, filter, keys) : null;
    const overflow = this.deps.index.overflowOf(dim);
    const items: GroupEntry[] = [];
    for (const c of chosen) {
      const bucket = c.bucket ?? merged?.get(c.key)?.bucket ?? new Bucket();
      items.push({ key: c.key, ...this.describeGroup(bucket, w, routes?.get(c.key) ?? null, { [dim]: c.key }), ...(overflow && c.key === overflow.value ? { other: true as const } : {}) });
      if (tick()) yield;
    }
    const last = chosen[chosen.length - 1];
    return { items, total_count: total, next_cursor: more && last ? encodeCursor(page.sort, order, last) : null, ...(overflow ? { overflow } : {}) };
  }

  /**
   * The route each of `agents` ran most on in the window (for the specialization score): runs are
   * summed per agent and route without merging, then only each agent's best route is merged.
   */
  private *primaryRoutes(w: Window, filter: DimFilter, agents: Set<string>): Stepped<Map<string, { bucket: Bucket }>> {
    const by: Dimension[] = ["agent_name", "route"];
    const runs = yield* this.deps.index.sums(w.from, w.to, w.to, filter, by, { dim: "agent_name", values: agents }, F.runs);
    const best = new Map<string, { key: string; runs: number }>();
    const tick = ticker(256);
    for (const [key, g] of runs) {
      if (tick()) yield;
      const agent = g.dims.agent_name;
      if (agent === undefined || g.dims.route === undefined || !agents.has(agent)) continue;
      if (g.sum > (best.get(agent)?.runs ?? 0)) best.set(agent, { key, runs: g.sum });
    }
    const out = new Map<string, { bucket: Bucket }>();
    if (best.size === 0) return out;
    const chosen = yield* this.deps.index.scan(w.from, w.to, w.to, filter, by, false, { dim: "agent_name", values: agents, groups: new Set([...best.values()].map((b) => b.key)) });
    for (const [agent, b] of best) {
      const g = chosen.get(b.key);
      if (g) out.set(agent, g);
    }
    return out;
  }

  /** One group by name, or null when it has no data in the window. */
  *group(dim: Dimension, name: string, w: Window, filter: DimFilter = {}): Stepped<GroupEntry | null> {
    const page = yield* this.groups(dim, w, { ...filter, [dim]: name }, { limit: 1, cursor: null, sort: "activity", order: null });
    return page.items[0] ?? null;
  }

  private describeGroup(b: Bucket, w: Window, route: { bucket: Bucket } | null, labels: Readonly<Record<string, string>>): GroupMetrics & { agent_type: string | null } {
    const m = metricsOf(b, minutes(w));
    const s = this.thresholds();
    const limits = limitsFor(s, labels);
    const t = healthLimits(limits);
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
        { ...t, cost_per_task_max: limits.cost_per_task_max?.trip ?? Infinity },
      ),
      health_score: scoreOf(m, limits, minSamplesFor(s, labels)),
    };
  }

  /** `GET /health`: the system health of the window (docs/metrics.md, "Health score"). */
  health(w: Window): HealthResponse {
    return this.healthOf(this.metrics(w));
  }

  /** The system health for a window's figures: the one verdict `/health`, `/report` and the dashboard show. */
  private healthOf(m: Metrics): HealthResponse {
    const s = this.thresholds();
    const score = scoreOf(m, limitsFor(s, {}), minSamplesFor(s, {}));
    return systemHealth(score, m.total_tasks, this.deps.signals?.() ?? { open_critical_alerts: 0, routes: [] }, this.deps.now());
  }

  /** The thresholds a system (agent null) or agent's figures breach, each with its limit's scope and samples. */
  breaches(m: Metrics, agent: string | null): ThresholdBreach[] {
    return breachesOf(m, limitsFor(this.thresholds(), agent === null ? {} : { agent_name: agent }), agent);
  }

  /**
   * `GET /report`. It lists the REPORT_AGENTS most active agents of the window (and their threshold
   * breaches); `agents_total` says how many there were in all.
   */
  *report(w: Window, includeAgents: boolean): Stepped<Record<string, unknown>> {
    const m = yield* this.metricsOf(w);
    const prevW = previousWindow(w);
    const prev = yield* this.metricsOf(prevW);
    const page = yield* this.groups("agent_name", w, {}, { limit: REPORT_AGENTS, cursor: null, sort: "activity", order: "desc" });
    const agents: AgentMetrics[] = page.items.map(({ key, ...g }) => ({ agent_name: key, ...g }));
    const tr = trends(m, prev);
    const health = this.healthOf(m);
    const breaches = byLevel([...this.breaches(m, null), ...agents.flatMap((a) => this.breaches(a.metrics, a.agent_name))]);
    const settings = this.thresholds();
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
      recommendations: recommendations({ metrics: m, limits: (agent) => limitsFor(settings, agent === null ? {} : { agent_name: agent }), agents: agents.map((a) => ({ agent_name: a.agent_name, metrics: a.metrics })), trends: tr }),
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
  timeseries(metric: keyof Metrics | (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter = {}, maxGroups = Infinity): Stepped<TimeseriesResponse & { groups_total?: number; overflow?: OverflowNote }> {
    return timeseriesOf(this.deps.index, Array.isArray(metric) ? metric : [metric], w, stepMs, groupBy, filter, maxGroups);
  }
}

/** Minutes a window's rates are per: those elapsed in it (its last slice may still be filling). */
function minutes(w: Window): number {
  return elapsedMinutes(w);
}
