/**
 * Timeseries for charts: one point per step, per group and metric. Several metrics cost one pass
 * over the buckets; each series then carries its metric in `labels.metric`. Grouped, only the
 * `maxGroups` most active groups of the window get series, and `groups_total` says how many there were.
 */
import type { Metrics, OverflowNote, TimeseriesResponse } from "@vigil/contract";
import { metricsOf } from "../core/metrics.js";
import { MINUTE, type DimFilter, type RollupIndex } from "../core/rollup-index.js";
import { ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { comparator } from "./group-page.js";

/** A resolved window [from, to). */
type Window = { from: number; to: number };

const ISO = (ms: number) => new Date(ms).toISOString();

/**
 * `GET /metrics/timeseries`: one point per step, per group and metric. Several metrics cost one
 * pass over the buckets; each series then carries its metric in `labels.metric`. Grouped, only
 * the `maxGroups` most active groups of the window get series (`groups_total` says how many there were).
 */
export function* timeseriesOf(index: Pick<RollupIndex, "scan" | "rank" | "overflowOf">, names: readonly (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter, maxGroups: number): Stepped<TimeseriesResponse & { groups_total?: number; overflow?: OverflowNote }> {
  const several = names.length > 1;
  const start = w.from - (w.from % stepMs);
  let chosen: Set<string> | null = null;
  let groupsTotal: number | undefined;
  if (groupBy) {
    const page = yield* rank(index, groupBy, w, filter, maxGroups);
    chosen = new Set(page.keys);
    groupsTotal = page.total;
  }
  const overflow = groupBy ? index.overflowOf(groupBy) : null;
  const series = new Map<string, { labels: Record<string, string>; points: [number, number | null][] }>();
  const steps: number[] = [];
  for (let t = start; t < w.to; t += stepMs) steps.push(t);
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i]!;
    // The chosen groups only, read from their series (unless one of them is "no value", which no posting list holds).
    const only = chosen && groupBy && !chosen.has("") ? { dim: groupBy, values: chosen } : undefined;
    const r = yield* index.scan(t, Math.min(t + stepMs, w.to), w.to, filter, groupBy ? [groupBy] : [], false, only);
    for (const [key, { dims, bucket }] of r) {
      if (chosen && groupBy && !chosen.has(dims[groupBy] ?? "")) continue;
      const m = metricsOf(bucket, stepMs / MINUTE);
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
  return { metric: names.join(","), step_ms: stepMs, window: { start: ISO(w.from), end: ISO(w.to) }, series: [...series.values()], ...(groupsTotal !== undefined ? { groups_total: groupsTotal } : {}), ...(overflow ? { overflow } : {}) };
}

/** The `limit` most active values of `dim` in the window, and how many there were (a sum per bucket, no merging). */
function* rank(index: Pick<RollupIndex, "rank">, dim: Dimension, w: Window, filter: DimFilter, limit: number): Stepped<{ keys: string[]; total: number }> {
  const byGroup = yield* index.rank(w.from, w.to, w.to, filter, dim);
  const top = new TopK<{ key: string; v: number | null }>(Math.min(limit, byGroup.size), comparator("desc"));
  const tick = ticker(256);
  for (const [key, v] of byGroup) {
    if (tick()) yield;
    top.offer({ key, v });
  }
  return { keys: top.sorted().map((r) => r.key), total: byGroup.size };
}
