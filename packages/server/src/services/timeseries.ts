/**
 * Timeseries for charts: one point per step, per group and metric. Several metrics cost one pass
 * over the buckets; each series then carries its metric in `labels.metric`. Grouped, only the
 * `maxGroups` most active groups of the window get series, and `groups_total` says how many there were.
 *
 * Steps are aligned, `[t, t + step)` with `t` a multiple of the step, from the step holding the
 * window's start to the step holding its end: the answer's window spans those whole steps (it may
 * start up to a step before the window asked for), and the step still filling is named by `partial_from`.
 */
import type { Metrics, OverflowNote, TimeseriesResponse } from "@vigil/contract";
import { metricsOf } from "../core/metrics.js";
import { HOUR, MINUTE, type DimFilter, type RollupIndex } from "../core/rollup-index.js";
import { ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { sliceEnd, type Window } from "../core/window-bounds.js";
import { comparator } from "./group-page.js";

const ISO = (ms: number) => new Date(ms).toISOString();

/** What a timeseries reads of the rollups. */
export type TimeseriesIndex = Pick<RollupIndex, "scan" | "rank" | "overflowOf" | "minuteFloor">;

/** The steps of a timeseries: their starts, the window they span and the first one still filling. */
export interface Steps {
  starts: number[];
  from: number;
  to: number;
  partialFrom: number | null;
}

/**
 * The aligned steps covering window `w`: from the step that holds its start to the step that holds
 * its last millisecond. A step that is not whole hours is never answered from hour buckets: steps
 * before `minuteFloor` (the earliest minute the scans read from the minute tier) are left out.
 */
export function stepsOf(w: Window, stepMs: number, minuteFloor: number): Steps {
  const to = sliceEnd(w.to - 1, stepMs);
  let from = sliceEnd(w.from, stepMs) - stepMs;
  if (stepMs % HOUR !== 0) while (from < minuteFloor && from < to) from += stepMs;
  const starts: number[] = [];
  for (let t = from; t < to; t += stepMs) starts.push(t);
  const now = w.now;
  const partialFrom = now === undefined || now >= to ? null : Math.max(from, now - (now % stepMs));
  return { starts, from, to, partialFrom };
}

/**
 * `GET /metrics/timeseries`: one point per step, per group and metric. Several metrics cost one
 * pass over the buckets; each series then carries its metric in `labels.metric`. Grouped, only
 * the `maxGroups` most active groups of the window get series (`groups_total` says how many there
 * were); events without a value for the grouping are left out. Rates of the step still filling are
 * per the time elapsed in it.
 */
export function* timeseriesOf(index: TimeseriesIndex, names: readonly (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter, maxGroups: number): Stepped<TimeseriesResponse & { groups_total?: number; overflow?: OverflowNote }> {
  const several = names.length > 1;
  const { starts: steps, from, to, partialFrom } = stepsOf(w, stepMs, index.minuteFloor(w.to));
  let chosen: Set<string> | null = null;
  let groupsTotal: number | undefined;
  if (groupBy) {
    const page = yield* rank(index, groupBy, from, to, w.to, filter, maxGroups);
    chosen = new Set(page.keys);
    groupsTotal = page.total;
  }
  const overflow = groupBy ? index.overflowOf(groupBy) : null;
  const series = new Map<string, { labels: Record<string, string>; points: [number, number | null][] }>();
  // Grouped: the chosen groups only, read from their series (the series without a value are in none).
  const only = chosen && groupBy ? { dim: groupBy, values: chosen } : undefined;
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i]!;
    const r = yield* index.scan(t, t + stepMs, w.to, filter, groupBy ? [groupBy] : [], false, only);
    const elapsed = partialFrom !== null && t >= partialFrom ? Math.max(0, w.now! - t) : stepMs;
    for (const [key, { dims, bucket }] of r) {
      if (groupBy && (dims[groupBy] === undefined || !chosen!.has(dims[groupBy]))) continue;
      const m = metricsOf(bucket, elapsed / MINUTE);
      for (const name of names) {
        const id = several ? `${key}\u0000${name}` : key;
        let s = series.get(id);
        if (!s) {
          const labels: Record<string, string> = {};
          if (groupBy) labels[groupBy] = dims[groupBy]!;
          if (several) labels.metric = name;
          series.set(id, (s = { labels, points: steps.map((st) => [st, null]) }));
        }
        const v = m[name];
        s.points[i]![1] = typeof v === "number" ? v : null;
      }
    }
  }
  return { metric: names.join(","), step_ms: stepMs, window: { start: ISO(from), end: ISO(to) }, partial_from: partialFrom, series: [...series.values()], ...(groupsTotal !== undefined ? { groups_total: groupsTotal } : {}), ...(overflow ? { overflow } : {}) };
}

/** The `limit` most active values of `dim` in the window, and how many there were (a sum per bucket, no merging; events without a value are no group). */
function* rank(index: Pick<RollupIndex, "rank">, dim: Dimension, from: number, to: number, now: number, filter: DimFilter, limit: number): Stepped<{ keys: string[]; total: number }> {
  const byGroup = yield* index.rank(from, to, now, filter, dim);
  const top = new TopK<{ key: string; v: number | null }>(Math.min(limit, byGroup.size), comparator("desc"));
  const tick = ticker(256);
  let total = 0;
  for (const [key, v] of byGroup) {
    if (tick()) yield;
    if (key === "") continue;
    total++;
    top.offer({ key, v });
  }
  return { keys: top.sorted().map((r) => r.key), total };
}
