/**
 * Timeseries for charts: one point per step, per group and metric. Several metrics cost one pass
 * over the buckets; each series then carries its metric in `labels.metric`. Grouped, only the
 * `maxGroups` most active groups of the window get series, and `groups_total` says how many there were.
 *
 * The metrics service as it was before series-keyed rollups (ranking by merging every group),
 * over the reference rollup index: the differential tests compare the real service with it.
 */
import type { Metrics, TimeseriesResponse } from "@vigil/contract";
import { metricsOf } from "../core/metrics.js";
import { MINUTE, type DimFilter } from "../core/rollup-index.js";
import type { ReferenceRollupIndex as RollupIndex } from "./reference-rollup-index.js";
import { ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { comparator, sortValue, type Ranked } from "../services/group-page.js";

/** A resolved window [from, to). */
type Window = { from: number; to: number };

const ISO = (ms: number) => new Date(ms).toISOString();

/**
 * `GET /metrics/timeseries`: one point per step, per group and metric. Several metrics cost one
 * pass over the buckets; each series then carries its metric in `labels.metric`. Grouped, only
 * the `maxGroups` most active groups of the window get series (`groups_total` says how many there were).
 */
export function* timeseriesOf(index: Pick<RollupIndex, "scan">, names: readonly (keyof Metrics)[], w: Window, stepMs: number, groupBy: Dimension | null, filter: DimFilter, maxGroups: number): Stepped<TimeseriesResponse & { groups_total?: number }> {
  const several = names.length > 1;
  const start = w.from - (w.from % stepMs);
  let chosen: Set<string> | null = null;
  let groupsTotal: number | undefined;
  if (groupBy) {
    const page = yield* rank(index, groupBy, w, filter, maxGroups);
    chosen = new Set(page.keys);
    groupsTotal = page.total;
  }
  const series = new Map<string, { labels: Record<string, string>; points: [number, number | null][] }>();
  const steps: number[] = [];
  for (let t = start; t < w.to; t += stepMs) steps.push(t);
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i]!;
    const r = yield* index.scan(t, Math.min(t + stepMs, w.to), w.to, filter, groupBy ? [groupBy] : []);
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
  return { metric: names.join(","), step_ms: stepMs, window: { start: ISO(w.from), end: ISO(w.to) }, series: [...series.values()], ...(groupsTotal !== undefined ? { groups_total: groupsTotal } : {}) };
}

/** The `limit` most active values of `dim` in the window, and how many there were. */
function* rank(index: Pick<RollupIndex, "scan">, dim: Dimension, w: Window, filter: DimFilter, limit: number): Stepped<{ keys: string[]; total: number }> {
  const byGroup = yield* index.scan(w.from, w.to, w.to, filter, [dim]);
  const top = new TopK<Ranked>(Math.min(limit, byGroup.size), comparator("desc"));
  const tick = ticker(256);
  for (const { dims, bucket } of byGroup.values()) {
    if (tick()) yield;
    top.offer({ key: dims[dim] ?? "", v: sortValue(bucket, "activity", minutes(w)), bucket });
  }
  return { keys: top.sorted().map((r) => r.key), total: byGroup.size };
}
function minutes(w: Window): number {
  return (w.to - w.from) / MINUTE;
}
