/**
 * The series forecasts are fitted to: catalogue metrics per step and per group, read from the
 * rollups (one scan per step, no event is read). One read serves every rule with the same scope and
 * grouping; a grouped read keeps only its most active groups (runs and LLM calls over the span) and
 * says how many there were. A step's value is the metric over that whole step alone (the step still
 * filling is left out: a few minutes of sparse events make a point far noisier than the others);
 * `pointsFor` turns it into what a rule over a longer window reads (sums scaled to the window).
 */
import { catalogueEntry } from "../core/alerting/catalogue.js";
import { LazyMetrics } from "../core/alerting/lazy-metrics.js";
import { F } from "../core/bucket.js";
import type { TrendPoint } from "../core/forecast-fit.js";
import { MINUTE, type DimFilter, type OnlyValues, type RollupIndex } from "../core/rollup-index.js";
import { ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { sliceEnd } from "../core/window-bounds.js";
import { stepsOf } from "./timeseries.js";

/** What the series reads of the rollups. */
export type ForecastIndex = Pick<RollupIndex, "scan" | "sums" | "rank" | "minuteFloor">;

/**
 * Metrics that are sums over the window (counts, costs, tokens): a step holds a share of the
 * window's value, so a step's value is scaled by window / step, and a quiet step counts 0.
 */
const SUMS: ReadonlySet<string> = new Set(["total_tasks", "failed_tasks", "total_cost", "total_tokens", "llm_calls", "llm_cost", "cost_saved_by_cache", "degraded_tasks", "warnings", "tool_calls", "tool_failed_calls", "tool_cost", "retrievals", "retrieval_failed_calls", "retrieval_cost", "cache_operations", "cache_evictions", "cache_invalidations"]);
/** Rates per unit of time: comparable between a step and a window as they are; a quiet step counts 0. */
const RATES: ReadonlySet<string> = new Set(["throughput_per_min", "projected_daily_cost", "cache_evictions_per_s"]);

/** One read: a scope and a grouping, and the metrics wanted of it. */
export interface SeriesRead {
  scope: DimFilter;
  groupBy: readonly Dimension[];
  metrics: ReadonlySet<string>;
}

/** One group's values: per metric, one value per step (undefined: no data in that step). */
export interface GroupSeries {
  key: string;
  group: Record<string, string>;
  values: Map<string, (number | undefined)[]>;
}

/** The steps read and the groups found. */
export interface SeriesResult {
  stepMs: number;
  /** The middle of each whole step read. */
  mids: number[];
  groups: GroupSeries[];
  /** Groups of the span in all (grouped reads); `groups.length` of them were read. */
  groupsTotal: number;
}

/** How much a series reaches back and how fine it is. */
export interface SeriesShape {
  lookbackMs: number;
  stepMs: number;
  maxGroups: number;
}

/** Reads `read`'s metrics per whole step over the `lookbackMs` before `now`; steps older than the minute tier are left out. */
export function* readSeries(index: ForecastIndex, read: SeriesRead, now: number, shape: SeriesShape): Stepped<SeriesResult> {
  const { stepMs } = shape;
  // The minute floor as the scans see it (they plan with the end of the current minute as their clock).
  const { starts, from, to, partialFrom } = stepsOf({ from: now - shape.lookbackMs, to: now, now }, stepMs, index.minuteFloor(sliceEnd(now, MINUTE)));
  const groupBy = [...read.groupBy];
  let chosen: Set<string> | null = null;
  let only: OnlyValues | undefined;
  let groupsTotal = 1;
  if (groupBy.length) {
    // Ranked over the whole steps, which are all that is read.
    const ranked = yield* rankGroups(index, read.scope, groupBy, from, partialFrom ?? to, now, shape.maxGroups);
    groupsTotal = ranked.total;
    chosen = ranked.keys;
    const first = new Set<string>();
    for (const dims of ranked.dims) if (dims[groupBy[0]!] !== undefined) first.add(dims[groupBy[0]!]!);
    // Only the chosen groups' series are read (a group without the first dimension is read with the rest).
    if (ranked.total > chosen.size && ranked.dims.every((d) => d[groupBy[0]!] !== undefined)) only = { dim: groupBy[0]!, values: first, groups: chosen };
  }
  const mids: number[] = [];
  const minutes = stepMs / MINUTE;
  const groups = new Map<string, GroupSeries>();
  const metrics = [...read.metrics].map((name) => ({ name, entry: catalogueEntry(name)! }));
  const tick = ticker(64);
  for (const t of starts) {
    if (partialFrom !== null && t >= partialFrom) break;
    const i = mids.length;
    mids.push(t + stepMs / 2);
    const scanned = yield* index.scan(t, t + stepMs, now, read.scope, groupBy, false, only);
    for (const [key, g] of scanned) {
      if (tick()) yield;
      if (chosen !== null && !chosen.has(key)) continue;
      let s = groups.get(key);
      if (!s) {
        const group: Record<string, string> = {};
        for (const d of groupBy) if (g.dims[d] !== undefined) group[d] = g.dims[d]!;
        groups.set(key, (s = { key, group, values: new Map(metrics.map((m) => [m.name, []])) }));
      }
      const m = new LazyMetrics(g.bucket, minutes);
      for (const { name, entry } of metrics) {
        const v = entry.value(m, minutes);
        if (v !== null && Number.isFinite(v) && entry.samples(m) > 0) s.values.get(name)![i] = v;
      }
    }
  }
  return { stepMs, mids, groups: [...groups.values()], groupsTotal };
}

/**
 * The `max` most active groups of the span (runs and LLM calls), and how many there were: one pass
 * adding a number per bucket for one dimension, two (runs, then LLM calls) for several.
 */
function* rankGroups(index: ForecastIndex, scope: DimFilter, groupBy: Dimension[], from: number, to: number, now: number, max: number): Stepped<{ keys: Set<string>; dims: Record<string, string | undefined>[]; total: number }> {
  const top = new TopK<{ key: string; v: number; dims: Record<string, string | undefined> }>(max, (a, b) => b.v - a.v || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const tick = ticker(256);
  let total = 0;
  if (groupBy.length === 1) {
    const dim = groupBy[0]!;
    for (const [key, v] of yield* index.rank(from, to, now, scope, dim)) {
      if (tick()) yield;
      total++;
      top.offer({ key, v, dims: key === "" ? {} : { [dim]: key } });
    }
  } else {
    const runs = yield* index.sums(from, to, now, scope, groupBy, undefined, F.runs);
    const llm = yield* index.sums(from, to, now, scope, groupBy, undefined, F.llm);
    for (const [key, g] of runs) {
      if (tick()) yield;
      total++;
      top.offer({ key, v: g.sum + (llm.get(key)?.sum ?? 0), dims: g.dims });
    }
  }
  const kept = top.sorted();
  return { keys: new Set(kept.map((k) => k.key)), dims: kept.map((k) => k.dims), total };
}

/**
 * A group's points for a rule over a window of `windowMs`: sums scaled from the step to the
 * window, a quiet step counted 0 for sums and rates (from the group's first step with data), any
 * other metric left out where the step has no data.
 */
export function pointsFor(series: SeriesResult, g: GroupSeries, metric: string, windowMs: number): TrendPoint[] {
  const values = g.values.get(metric);
  if (!values) return [];
  const sum = SUMS.has(metric);
  const zeroWhenQuiet = sum || RATES.has(metric);
  const out: TrendPoint[] = [];
  let started = false;
  for (let i = 0; i < series.mids.length; i++) {
    const raw = values[i];
    if (raw !== undefined) started = true;
    const v = raw ?? (zeroWhenQuiet && started ? 0 : undefined);
    if (v === undefined) continue;
    out.push({ t: series.mids[i]!, v: sum ? (v * windowMs) / series.stepMs : v });
  }
  return out;
}
