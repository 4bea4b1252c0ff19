/** Seed 004's dashboard 2, "Cache Performance": hit rates, operations, size and entry ages from `cache` events (refresh 30 s). */
import { dashboard } from "./dashboard.js";
import type { GrafanaDashboard } from "./grafana.js";
import { bargauge, piechart, stat, steps, table, timeseries } from "./panels.js";
import { RANGE, RATE, mean, named, ratio } from "./promql.js";

const OPS = "vigil_cache_operations_total";

/** Label matcher of one operation (`hit`) or several (`hit|miss`). */
const operations = (operation: string) => `{operation${operation.includes("|") ? "=~" : "="}"${operation}"}`;

/** Operations per second (`rate`) or in the time range (`increase`), by `by`; zero for caches or modes that had none of them. */
function ops(fn: "rate" | "increase", by: string, operation: string): string {
  const window = fn === "rate" ? RATE : RANGE;
  const sum = (matchers: string) => `sum${by ? ` by (${by}) ` : ""}(${fn}(${OPS}${matchers}[${window}]))`;
  return `${sum(operations(operation))} or ${sum("")} * 0`;
}

const hitRate = (fn: "rate" | "increase", by: string) => {
  const window = fn === "rate" ? RATE : RANGE;
  const sum = (operation: string) => `sum${by ? ` by (${by}) ` : ""}(${fn}(${OPS}${operations(operation)}[${window}]))`;
  return ratio(sum("hit"), sum("hit|miss"));
};

const lifetime = (part: "sum" | "count") => `sum by (cache) (increase(vigil_cache_entry_age_seconds_${part}{operation=~"evict|invalidate"}[${RANGE}]))`;

/** The Cache Performance dashboard (10 panels, seed order). */
export function cachePerformance(): GrafanaDashboard {
  return dashboard({
    uid: "vigil-cache-performance",
    title: "Vigil / Cache Performance",
    description: "Caches as reported by `cache` events: hit rates, operations, size, memory and entry ages (seed 004, dashboard 2).",
    refresh: "30s",
    panels: [
      timeseries({
        title: "Cache hit rate over time",
        description: "Hits over lookups (hit + miss operations of vigil_cache_operations_total), all caches and per cache. The dashed line is the Low Cache Hit Rate alert level (40%).",
        w: 12, h: 8, unit: "percentunit", min: 0, max: 1, thresholdStyle: "dashed",
        thresholds: steps("red", [0.4, "green"]),
        queries: [
          { expr: hitRate("rate", ""), legend: "all caches" },
          { expr: hitRate("rate", "cache"), legend: "{{cache}}" },
        ],
      }),
      timeseries({
        title: "Cache operations breakdown",
        description: "Cache operations per second by kind: hit, miss, write, evict, invalidate (a `cache` event with count adds count operations).",
        w: 12, h: 8, unit: "ops", stack: true,
        queries: [{ expr: `sum by (operation) (rate(${OPS}[${RATE}]))`, legend: "{{operation}}" }],
      }),
      timeseries({
        title: "Cache size",
        description: "Entries each cache holds and its capacity, as last reported by `cache` events that carry entries and capacity (vigil_cache_entries, vigil_cache_capacity_entries).",
        w: 8, h: 8, unit: "short",
        queries: [
          { expr: "max by (cache) (vigil_cache_entries)", legend: "{{cache}} entries" },
          { expr: "max by (cache) (vigil_cache_capacity_entries)", legend: "{{cache}} capacity" },
        ],
      }),
      timeseries({
        title: "Cache memory usage",
        description: "Memory each cache uses, as last reported by `cache` events that carry memory_bytes (vigil_cache_memory_bytes).",
        w: 8, h: 8, unit: "bytes",
        queries: [{ expr: "max by (cache) (vigil_cache_memory_bytes)", legend: "{{cache}}" }],
      }),
      bargauge({
        title: "Cache entry age histogram",
        description: "Age of the entries hit, evicted or invalidated in the selected time range, by bucket upper bound in seconds (vigil_cache_entry_age_seconds; only events that carry entry_age_ms).",
        w: 8, h: 8, unit: "short", decimals: 0, format: "heatmap",
        queries: [{ expr: `sum by (le) (increase(vigil_cache_entry_age_seconds_bucket[${RANGE}]))`, legend: "{{le}}" }],
      }),
      piechart({
        title: "Hit/miss ratio",
        description: "Cache hits against misses in the selected time range, all caches.",
        w: 6, h: 8, unit: "short", decimals: 0,
        queries: [
          { expr: `sum(increase(${OPS}{operation="hit"}[${RANGE}]))`, legend: "hit" },
          { expr: `sum(increase(${OPS}{operation="miss"}[${RANGE}]))`, legend: "miss" },
        ],
      }),
      timeseries({
        title: "Evictions rate",
        description: "Entries evicted per second, per cache. The dashed line is the High Cache Eviction Rate alert level (10/s).",
        w: 12, h: 8, unit: "ops", thresholdStyle: "dashed",
        thresholds: steps("green", [10, "red"]),
        queries: [{ expr: ops("rate", "cache", "evict"), legend: "{{cache}}" }],
      }),
      stat({
        title: "Average entry lifetime",
        description: "Mean age of entries when they were evicted or invalidated in the selected time range, per cache: rate of vigil_cache_entry_age_seconds_sum over its _count. Needs evict/invalidate events that carry entry_age_ms.",
        w: 6, h: 8, unit: "s", decimals: 0, textMode: "value_and_name",
        queries: [{ expr: mean(lifetime("sum"), lifetime("count")), legend: "{{cache}}", instant: true }],
      }),
      table({
        title: "Per-mode cache stats",
        description: "Cache operations by workflow mode in the selected time range; operations without a mode show as (none).",
        w: 12, h: 9,
        labels: { mode: "Mode" },
        sortBy: "Hits",
        columns: [
          { name: "Hits", unit: "short", decimals: 0, expr: named(ops("increase", "mode", "hit"), "mode") },
          { name: "Misses", unit: "short", decimals: 0, expr: named(ops("increase", "mode", "miss"), "mode") },
          { name: "Hit rate", unit: "percentunit", decimals: 1, expr: named(hitRate("increase", "mode"), "mode") },
          { name: "Writes", unit: "short", decimals: 0, expr: named(ops("increase", "mode", "write"), "mode") },
          { name: "Evictions", unit: "short", decimals: 0, expr: named(ops("increase", "mode", "evict"), "mode") },
          { name: "Invalidations", unit: "short", decimals: 0, expr: named(ops("increase", "mode", "invalidate"), "mode") },
        ],
      }),
      timeseries({
        title: "Invalidation events",
        description: "Entries invalidated per minute, per cache (invalidate operations; an event with count invalidates count entries).",
        w: 12, h: 9, unit: "short", bars: true, axisLabel: "entries / min",
        queries: [{ expr: `(${ops("rate", "cache", "invalidate")}) * 60`, legend: "{{cache}}" }],
      }),
    ],
  });
}
