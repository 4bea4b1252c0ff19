/**
 * Shapes of the HTTP API's answers (SPEC §3), shared by the server, the SDK and the tests.
 * A figure that has no samples is `null`, never 0 or NaN.
 */
import type { RouteConcern } from "./thresholds.js";

/** Per-event success in a 207 ingest answer. */
export interface IngestSuccess {
  index: number;
  id: string;
  duplicate?: true;
}

/** Per-event rejection in a 207 ingest answer. */
export interface IngestError {
  index: number;
  id?: string;
  status: number;
  code: string;
  message: string;
  /** JSON pointer to the offending field, e.g. `/events/3/body/duration_ms`. */
  path: string;
  /** Every problem found in the event when there is more than one. */
  details?: { path: string; message: string }[];
}

/** Answer of `POST /api/v1/ingest` (status 207). */
export interface IngestResponse {
  successes: IngestSuccess[];
  errors: IngestError[];
}

/** Error body of every non-2xx answer. */
export interface ErrorResponse {
  error: { code: string; message: string; details?: unknown[] };
}

/** The metrics block M of SPEC §3. */
export interface Metrics {
  total_tasks: number;
  successful_tasks: number;
  failed_tasks: number;
  partial_tasks: number;
  timeout_tasks: number;
  success_rate: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
  total_tokens: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_cost: number | null;
  cost_per_task: number | null;
  tokens_per_task: number | null;
  avg_quality_score: number | null;
  avg_confidence: number | null;
  avg_memory_mb: number | null;
  max_memory_mb: number | null;
  total_retries: number;
  avg_accuracy: number | null;
  accuracy_samples: number;
  avg_satisfaction: number | null;
  avg_rating: number | null;
  feedback_samples: number;
  cache_hit_rate: number | null;
  llm_calls: number;
  llm_failed_calls: number;
  llm_error_rate: number | null;
  llm_avg_latency_ms: number | null;
  llm_p50_latency_ms: number | null;
  llm_p95_latency_ms: number | null;
  llm_p99_latency_ms: number | null;
  llm_avg_ttft_ms: number | null;
  llm_input_tokens: number | null;
  llm_output_tokens: number | null;
  llm_cached_input_tokens: number | null;
  llm_cost: number | null;
  llm_cache_hit_rate: number | null;
  cost_saved_by_cache: number | null;
  throughput_per_min: number;
  // Degradation and warnings, from runs: a run is degraded when it sent `degraded: true` or has status `partial`.
  degraded_tasks: number;
  degradation_rate: number | null;
  warnings: number;
  warning_rate: number | null;
  // Tools and retrievals, from `tool_call` and `retrieval` events.
  tool_calls: number;
  tool_failed_calls: number;
  tool_error_rate: number | null;
  tool_avg_latency_ms: number | null;
  tool_cost: number | null;
  retrievals: number;
  retrieval_failed_calls: number;
  retrieval_error_rate: number | null;
  retrieval_avg_latency_ms: number | null;
  retrieval_cost: number | null;
  // Caches, from `cache` events (operations add the event's `count`).
  cache_operations: number;
  cache_lookups: number;
  cache_lookup_hit_rate: number | null;
  cache_evictions: number;
  cache_evictions_per_s: number | null;
  cache_invalidations: number;
  cache_entries: number | null;
  cache_capacity: number | null;
  cache_fill_ratio: number | null;
  error_types: Record<string, number>;
}

/**
 * The bounds a window's figures were counted over: half-open, `[start, end)`, on slice boundaries
 * (minutes, or hours past the minute rollups). `end` is the end of the slice still filling, so it
 * may lie ahead of `generated_at`; the events counted are those up to `generated_at`.
 */
export interface WindowRange {
  start: string;
  end: string;
}

/** Answer of `GET /api/v1/metrics/system`. */
export interface SystemMetricsResponse {
  metrics: Metrics;
  window: WindowRange;
  generated_at: string;
}

/** Per-agent scores, each 0..1 or null without data. */
export interface AgentScores {
  reliability: number | null;
  efficiency: number | null;
  specialization: number | null;
}

/** One agent (or model, route, tenant) with its metrics. */
export interface GroupMetrics {
  status: "active" | "idle";
  last_run: string | null;
  metrics: Metrics;
  scores: AgentScores;
  health_score: number | null;
  /** Present (true) on the group `other` when it holds values folded past the cardinality limit. */
  other?: true;
}

/** Answer element of `GET /api/v1/metrics/agents`. */
export interface AgentMetrics extends GroupMetrics {
  agent_name: string;
  agent_type: string | null;
}

/** Health status words. */
export type HealthStatus = "healthy" | "degraded" | "unhealthy";
/** Health bands of the 0..100 score. */
export type HealthBand = "excellent" | "good" | "fair" | "poor";

/** Answer of `GET /api/v1/health`. */
export interface HealthResponse {
  status: HealthStatus;
  /** The metrics' score less the penalties for open critical alerts and routes off normal (docs/metrics.md, "Health score"). */
  health_score: number | null;
  band: HealthBand | null;
  timestamp: string;
  /** The score of the window's figures alone (components with fewer samples than the minimum count as no data). */
  metrics_score: number | null;
  /** Runs in the window. */
  samples: number;
  /** Critical alerts firing or acknowledged. */
  open_critical_alerts: number;
  /** Routes whose state is not `normal`. */
  routes_not_normal: RouteConcern[];
  /** Why the status is not `healthy`, one sentence each. */
  reasons: string[];
}

/** Direction of a metric between two equal windows. */
export type Trend = "improving" | "stable" | "degrading";

/**
 * Answer of `GET /api/v1/metrics/timeseries`. Each point `[t, value]` covers the step `[t, t + step_ms)`;
 * `window` spans the steps answered. Grouped, a series' labels always hold the grouping dimension:
 * events without a value for it are left out.
 */
export interface TimeseriesResponse {
  metric: string;
  step_ms: number;
  window: WindowRange;
  /** Start (epoch ms) of the first step still filling: points at or after it are partial. Null when every step is complete. */
  partial_from: number | null;
  series: { labels: Record<string, string>; points: [number, number | null][] }[];
}

/** The rollup dimensions, as named in filters and groupings. */
export type RollupDimension = "agent_name" | "model" | "route" | "tenant_id" | "mode" | "query_class" | "component" | "service" | "endpoint";

/**
 * How close the rollups are to their cardinality ceiling (`rollups` in `GET /api/v1/health/detailed`):
 * distinct dimension sets and values held, the configured limits, and the events whose rollups were
 * folded into the value `other` since this instance started (by the dimension that was full, or
 * `series` when the dimension-set limit was reached). The events themselves are stored whole.
 */
export interface RollupCardinality {
  series: number;
  max_series: number;
  values: Record<RollupDimension, number>;
  max_values_per_dimension: number;
  folded_events: Record<RollupDimension | "series", number>;
}

/**
 * Said by a listing or grouped answer when its dimension has reached its limit: values beyond it
 * are folded into the group `other` (marked `"other": true`), so that group's figures include them.
 */
export interface OverflowNote {
  dimension: RollupDimension;
  /** The group the folded values are counted under. */
  value: "other";
  max_values_per_dimension: number;
  /** Events folded into `other` for this dimension since the instance started. */
  folded_events: number;
}
