/**
 * Timeseries for charts: one point per step, per group and metric. Several metrics cost one pass
 * over the buckets; each series then carries its metric in `labels.metric`. Grouped, only the
 * `maxGroups` most active groups of the window get series, and `groups_total` says how many there were.
 *
 * The metrics service as it was before series-keyed rollups (ranking by merging every group),
 * over the reference rollup index: the differential tests compare the real service with it.
 * Its steps follow the exact definition: aligned, from the one holding the window's start to the one holding its end, none
 * before the minute tier unless whole hours, the one holding `now` marked partial; groups without
 * a value of the grouping have no series.
 */
import type { Metrics, TimeseriesResponse } from "@vigil/contract";
import { metricsOf } from "../core/metrics.js";
import { HOUR, MINUTE, type DimFilter } from "../core/rollup-index.js";
import type { ReferenceRollupIndex as RollupIndex } from "./reference-rollup-index.js";
import { ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { comparator, sortValue, type Ranked } from "../services/group-page.js";

/** A resolved window [from, to), read at `now` (absent: complete). */
type Window = { from: number; to: number; now?: number };

const ISO = (ms: number) => new Date(ms).toISOString();

/**
 * `GET /metrics/timeseries`: one point per step, per group and metric. Several metrics cost one
 * pass over the buckets; each series then carries its metric in `labels.metric`. Grouped, only
 * the `maxGroups` most active groups of the window get series (`groups_total` says how many there were).
 */
export function* timeseriesOf(index: Pick<RollupIndex, "scan" | "minuteFloor">, names: readonly (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter, maxGroups: number): Stepped<TimeseriesResponse & { groups_total?: number }> {
  const several = names.length > 1;
  const first = Math.floor(w.from / stepMs) * stepMs;
  const last = Math.floor((w.to - 1) / stepMs) * stepMs;
  const steps: number[] = [];
  for (let t = first; t <= last; t += stepMs) if (stepMs % HOUR === 0 || t >= index.minuteFloor(w.to)) steps.push(t);
  const now = w.now;
  const partial = now === undefined ? null : (steps.find((t) => t <= now && now < t + stepMs) ?? null);
  const span = { from: steps[0] ?? last + stepMs, to: last + stepMs };
  let chosen: Set<string> | null = null;
  let groupsTotal: number | undefined;
  if (groupBy) {
    const page = yield* rank(index, groupBy, span, w.to, filter, maxGroups);
    chosen = new Set(page.keys);
    groupsTotal = page.total;
  }
  const series = new Map<string, { labels: Record<string, string>; points: [number, number | null][] }>();
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i]!;
    const r = yield* index.scan(t, t + stepMs, w.to, filter, groupBy ? [groupBy] : []);
    for (const [key, { dims, bucket }] of r) {
      if (chosen && groupBy && (dims[groupBy] === undefined || !chosen.has(dims[groupBy]))) continue;
      const m = metricsOf(bucket, (t === partial ? now! - t : stepMs) / MINUTE);
      for (const name of names) {
        const id = several ? `${key}\u0000${name}` : key;
        let s = series.get(id);
        if (!s) {
          const labels: Record<string, string> = {};
          if (groupBy && dims[groupBy] !== undefined) labels[groupBy] = dims[groupBy]!;
          if (several) labels.metric = name;
          series.set(id, (s = { labels, points: steps.map((st) => [st, null]) }));
        }
        const v = m[name];
        s.points[i]![1] = typeof v === "number" ? v : null;
      }
    }
  }
  return { metric: names.join(","), step_ms: stepMs, window: { start: ISO(span.from), end: ISO(span.to) }, partial_from: partial, series: [...series.values()], ...(groupsTotal !== undefined ? { groups_total: groupsTotal } : {}) };
}

/** The `limit` most active values of `dim` in the window, and how many there were. */
function* rank(index: Pick<RollupIndex, "scan">, dim: Dimension, w: Window, now: number, filter: DimFilter, limit: number): Stepped<{ keys: string[]; total: number }> {
  const byGroup = yield* index.scan(w.from, w.to, now, filter, [dim]);
  const named = [...byGroup.values()].filter((g) => g.dims[dim] !== undefined);
  const top = new TopK<Ranked>(Math.min(limit, named.length), comparator("desc"));
  const tick = ticker(256);
  for (const { dims, bucket } of named) {
    if (tick()) yield;
    top.offer({ key: dims[dim]!, v: sortValue(bucket, "activity", minutes(w)), bucket });
  }
  return { keys: top.sorted().map((r) => r.key), total: named.length };
}
function minutes(w: Window): number {
  return (w.to - w.from) / MINUTE;
}
