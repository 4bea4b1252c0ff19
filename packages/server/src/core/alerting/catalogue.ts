/**
 * The metrics an alert rule can watch: every figure of the metrics block (rates, percentiles,
 * averages, totals) plus a few derived ones, each with its unit and the sample count that
 * `min_samples` is checked against. Custom metric events are watched as `custom.<name>`.
 */
import type { Metrics } from "@vigil/contract";
import type { FigureUnit } from "../figure-format.js";
import type { CustomAggregate } from "./types.js";

/** What is known about one watchable metric. */
export interface CatalogueEntry {
  unit: FigureUnit;
  description: string;
  /** Reads the value from a metrics block of a window of `windowMinutes` minutes (null: no data). */
  value(m: Metrics, windowMinutes: number): number | null;
  /** The number of samples behind the value (runs, LLM calls, outcomes, feedback, tool calls, retrievals, cache operations). */
  samples(m: Metrics): number;
  /** Where the value comes from: the rollups (default) or the routes' current state. */
  source?: "routes";
  /** The field of the metrics block the value is, when it is one (readers may take it straight from there). */
  field?: keyof Metrics;
}

/** A route's current state, as the route metrics read it. */
export interface RouteSample {
  route: string;
  state: "normal" | "failed_over" | "degraded" | "pinned";
  active_model: string;
  primary: string;
}

/** Route metrics: read from each route's state, one value per route (1 true, 0 false). */
export const ROUTE_ALERT_METRICS: Readonly<Record<string, (r: RouteSample) => number>> = Object.freeze({
  route_off_primary: (r) => (r.state === "failed_over" || r.state === "degraded" ? 1 : 0),
  route_degraded: (r) => (r.state === "degraded" ? 1 : 0),
});
const routeEntry = (description: string): CatalogueEntry => ({ unit: "count", description, value: () => null, samples: always, source: "routes" });

const runs = (m: Metrics) => m.total_tasks;
const calls = (m: Metrics) => m.llm_calls;
const toolCalls = (m: Metrics) => m.tool_calls;
const retrievals = (m: Metrics) => m.retrievals;
const cacheOps = (m: Metrics) => m.cache_operations;
/** The metrics-block count each sample reader above is. */
const SAMPLE_FIELDS = new Map<(m: Metrics) => number, keyof Metrics>([
  [runs, "total_tasks"],
  [calls, "llm_calls"],
  [toolCalls, "tool_calls"],
  [retrievals, "retrievals"],
]);
/** The field of the metrics block an entry's sample count is, when it is one (readers may take it straight from there). */
export function samplesField(e: CatalogueEntry): keyof Metrics | undefined {
  return SAMPLE_FIELDS.get(e.samples);
}
/** A count is its own evidence: any group that has data passes `min_samples`. */
const always = () => Number.MAX_SAFE_INTEGER;
const count = (description: string, k: keyof Metrics): CatalogueEntry => ({ unit: "count", description, value: field(k), samples: always, field: k });
const field =
  (k: keyof Metrics) =>
  (m: Metrics): number | null => {
    const v = m[k];
    return typeof v === "number" ? v : null;
  };
const entry = (unit: FigureUnit, description: string, k: keyof Metrics, samples: (m: Metrics) => number): CatalogueEntry => ({ unit, description, value: field(k), samples, field: k });

/** Every metric of the metrics block a rule may name, with its unit and sample count. */
export const ALERT_METRICS: Readonly<Record<string, CatalogueEntry>> = Object.freeze({
  success_rate: entry("ratio", "share of runs that succeeded (0..1)", "success_rate", runs),
  error_rate: entry("ratio", "share of runs that failed or timed out (0..1)", "error_rate", runs),
  partial_rate: {
    unit: "ratio",
    description: "share of runs with status partial (0..1); degradation_rate also counts runs sent with degraded: true",
    value: (m) => (m.total_tasks > 0 ? m.partial_tasks / m.total_tasks : null),
    samples: runs,
  },
  timeout_rate: {
    unit: "ratio",
    description: "share of runs that timed out (0..1)",
    value: (m) => (m.total_tasks > 0 ? m.timeout_tasks / m.total_tasks : null),
    samples: runs,
  },
  total_tasks: { unit: "count", description: "runs in the window", value: (m) => m.total_tasks, samples: () => Number.MAX_SAFE_INTEGER },
  failed_tasks: { unit: "count", description: "failed runs in the window", value: (m) => m.failed_tasks, samples: () => Number.MAX_SAFE_INTEGER },
  throughput_per_min: { unit: "per_min", description: "runs per minute", value: (m) => m.throughput_per_min, samples: () => Number.MAX_SAFE_INTEGER },
  avg_latency_ms: entry("ms", "mean run duration", "avg_latency_ms", runs),
  p50_latency_ms: entry("ms", "median run duration", "p50_latency_ms", runs),
  p95_latency_ms: entry("ms", "95th percentile run duration", "p95_latency_ms", runs),
  p99_latency_ms: entry("ms", "99th percentile run duration", "p99_latency_ms", runs),
  total_cost: entry("usd", "cost of the runs in the window, USD", "total_cost", runs),
  projected_daily_cost: {
    unit: "usd",
    description: "cost of the window extrapolated to 24 hours, USD",
    value: (m, minutes) => (m.total_cost === null || minutes <= 0 ? null : (m.total_cost * 1440) / minutes),
    samples: runs,
  },
  cost_per_task: entry("usd", "mean cost per run, USD", "cost_per_task", runs),
  total_tokens: entry("count", "tokens used by runs in the window", "total_tokens", runs),
  tokens_per_task: entry("count", "mean tokens per run", "tokens_per_task", runs),
  avg_quality_score: entry("score", "mean quality score of runs (0..1)", "avg_quality_score", runs),
  avg_confidence: entry("score", "mean confidence of runs (0..1)", "avg_confidence", runs),
  avg_memory_mb: entry("mb", "mean peak memory per run, MB", "avg_memory_mb", runs),
  max_memory_mb: entry("mb", "highest peak memory of a run, MB", "max_memory_mb", runs),
  cache_hit_rate: entry("ratio", "share of runs answered from a cache (0..1)", "cache_hit_rate", runs),
  avg_accuracy: entry("ratio", "mean accuracy of outcomes against predictions (0..1)", "avg_accuracy", (m) => m.accuracy_samples),
  avg_satisfaction: entry("ratio", "mean user satisfaction from feedback (0..1)", "avg_satisfaction", (m) => m.feedback_samples),
  llm_calls: { unit: "count", description: "LLM calls in the window", value: (m) => m.llm_calls, samples: () => Number.MAX_SAFE_INTEGER },
  llm_error_rate: entry("ratio", "share of LLM calls that failed (0..1)", "llm_error_rate", calls),
  llm_avg_latency_ms: entry("ms", "mean LLM call latency", "llm_avg_latency_ms", calls),
  llm_p95_latency_ms: entry("ms", "95th percentile LLM call latency", "llm_p95_latency_ms", calls),
  llm_p99_latency_ms: entry("ms", "99th percentile LLM call latency", "llm_p99_latency_ms", calls),
  llm_avg_ttft_ms: entry("ms", "mean time to first token", "llm_avg_ttft_ms", calls),
  llm_cost: entry("usd", "cost of LLM calls in the window, USD", "llm_cost", calls),
  llm_cache_hit_rate: entry("ratio", "share of LLM calls answered from a cache (0..1)", "llm_cache_hit_rate", calls),
  cost_saved_by_cache: entry("usd", "cost saved by cached LLM answers, USD", "cost_saved_by_cache", calls),
  degraded_tasks: count("degraded runs in the window (degraded: true or status partial)", "degraded_tasks"),
  degradation_rate: entry("ratio", "share of runs that were degraded: degraded: true or status partial (0..1)", "degradation_rate", runs),
  warnings: count("warnings raised by runs in the window", "warnings"),
  warning_rate: entry("score", "warnings per run (written with two decimals)", "warning_rate", runs),
  tool_calls: count("tool calls in the window", "tool_calls"),
  tool_failed_calls: count("failed tool calls in the window", "tool_failed_calls"),
  tool_error_rate: entry("ratio", "share of tool calls that failed (0..1)", "tool_error_rate", toolCalls),
  tool_avg_latency_ms: entry("ms", "mean tool call duration", "tool_avg_latency_ms", toolCalls),
  tool_cost: entry("usd", "cost of tool calls in the window, USD", "tool_cost", toolCalls),
  retrievals: count("retrievals in the window", "retrievals"),
  retrieval_failed_calls: count("failed retrievals in the window", "retrieval_failed_calls"),
  retrieval_error_rate: entry("ratio", "share of retrievals that failed (0..1)", "retrieval_error_rate", retrievals),
  retrieval_avg_latency_ms: entry("ms", "mean retrieval duration", "retrieval_avg_latency_ms", retrievals),
  retrieval_cost: entry("usd", "cost of retrievals in the window, USD", "retrieval_cost", retrievals),
  cache_operations: count("cache operations in the window (hits, misses, writes, evictions, invalidations)", "cache_operations"),
  cache_lookup_hit_rate: entry("ratio", "share of cache lookups that hit, from cache events (0..1)", "cache_lookup_hit_rate", (m) => m.cache_lookups),
  cache_evictions: count("cache entries evicted in the window", "cache_evictions"),
  cache_evictions_per_s: entry("score", "cache entries evicted per second of window (written with two decimals)", "cache_evictions_per_s", cacheOps),
  cache_invalidations: count("cache entries invalidated in the window", "cache_invalidations"),
  cache_entries: entry("count", "entries a cache held at its latest report in the window", "cache_entries", cacheOps),
  cache_capacity: entry("count", "capacity a cache reported last in the window, in entries", "cache_capacity", cacheOps),
  cache_fill_ratio: entry("ratio", "latest entries / latest capacity (0..1)", "cache_fill_ratio", cacheOps),
  route_off_primary: routeEntry("1 while a route serves a backup automatically (failed_over or degraded), else 0; per route"),
  route_degraded: routeEntry("1 while every candidate of a route is unhealthy (degraded), else 0; per route"),
});

/** Prefix of a custom metric in a rule's `metric`. */
export const CUSTOM_PREFIX = "custom.";

/** The catalogue entry of a metric name, or null when it is not in the catalogue (custom or unknown). */
export function catalogueEntry(metric: string): CatalogueEntry | null {
  return Object.prototype.hasOwnProperty.call(ALERT_METRICS, metric) ? ALERT_METRICS[metric]! : null;
}

/**
 * Units of the metrics of rules Vigil generates from SLOs (docs/slo.md): a burn rate is written
 * with two decimals like any score (a burn of 0.4 must not read "0"), breaches are counted.
 */
const GENERATED_METRIC_UNITS: Readonly<Record<string, FigureUnit>> = Object.freeze({ slo_burn_rate: "score", slo_max_latency_breaches: "count" });

/** Unit of any metric a rule may name (custom metrics are plain counts). */
export function metricUnit(metric: string): FigureUnit {
  return catalogueEntry(metric)?.unit ?? (Object.prototype.hasOwnProperty.call(GENERATED_METRIC_UNITS, metric) ? GENERATED_METRIC_UNITS[metric]! : "count");
}

/** Per name: the aggregates of custom metric samples in a window. */
export interface CustomSamples {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

/** Combines custom metric samples into one value (null without samples: the rule's no-data behaviour applies); `rate` is per second. */
export function aggregateCustom(s: CustomSamples | null, agg: CustomAggregate, windowMs: number): number | null {
  if (!s || s.count === 0) return null;
  switch (agg) {
    case "avg":
      return s.sum / s.count;
    case "min":
      return s.min;
    case "max":
      return s.max;
    case "sum":
      return s.sum;
    case "last":
      return s.last;
    case "count":
      return s.count;
    case "rate":
      return s.sum / (windowMs / 1000);
  }
}
