/**
 * Turns a merged bucket into the metrics block M of SPEC §3. Every figure without samples is
 * null; counts are numbers. Task figures come from runs, `llm_*` figures from LLM calls (a
 * client that sends both is not double-counted), accuracy from outcomes, satisfaction from
 * feedback, `tool_*`, `retrieval*` and `cache_*` (but `cache_hit_rate`, from runs) from their events.
 */
import type { Metrics } from "@vigil/contract";
import { type Bucket, F } from "./bucket.js";
import { NANO } from "./event-delta.js";

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const sumOrNull = (sum: number, n: number): number | null => (n > 0 ? sum : null);

/** Rounds to a fixed number of significant decimals so answers are stable and readable. */
export function round(v: number | null, digits = 6): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}

/** The metrics block for a bucket covering `windowMinutes` minutes. */
export function metricsOf(b: Bucket, windowMinutes: number): Metrics {
  const f = b.f;
  const runs = f[F.runs]!;
  const errors = f[F.failure]! + f[F.timeout]!;
  const llm = f[F.llm]!;
  const cost = sumOrNull(f[F.costSum]! / NANO, f[F.costN]!);
  const tokens = sumOrNull(f[F.tokSum]!, f[F.tokN]!);
  const tools = f[F.tool]!;
  const retrievals = f[F.retrieval]!;
  const lookups = f[F.cacheHits]! + f[F.cacheMisses]!;
  const cacheOps = lookups + f[F.cacheWrites]! + f[F.cacheEvictions]! + f[F.cacheInvalidations]!;
  const entries = f[F.cacheEntriesN]! > 0 ? f[F.cacheEntries]! : null;
  const capacity = f[F.cacheCapacityN]! > 0 ? f[F.cacheCapacity]! : null;
  const errorTypes: Record<string, number> = {};
  if (b.errorTypes) for (const [k, v] of [...b.errorTypes].sort((x, y) => y[1] - x[1])) errorTypes[k] = v;
  return {
    total_tasks: runs,
    successful_tasks: f[F.success]!,
    failed_tasks: f[F.failure]!,
    partial_tasks: f[F.partial]!,
    timeout_tasks: f[F.timeout]!,
    success_rate: round(div(f[F.success]!, runs)),
    error_rate: round(div(errors, runs)),
    avg_latency_ms: round(div(f[F.durSum]!, runs), 3),
    p50_latency_ms: round(b.runLatency.quantile(0.5), 3),
    p95_latency_ms: round(b.runLatency.quantile(0.95), 3),
    p99_latency_ms: round(b.runLatency.quantile(0.99), 3),
    total_tokens: tokens,
    input_tokens: sumOrNull(f[F.inSum]!, f[F.inN]!),
    output_tokens: sumOrNull(f[F.outSum]!, f[F.outN]!),
    total_cost: round(cost, 9),
    // Per task over the runs that reported a cost, so unreported costs do not dilute it.
    cost_per_task: round(div(f[F.costSum]! / NANO, f[F.costN]!), 9),
    tokens_per_task: round(div(f[F.tokSum]!, f[F.tokN]!), 3),
    avg_quality_score: round(div(f[F.qualSum]!, f[F.qualN]!)),
    avg_confidence: round(div(f[F.confSum]!, f[F.confN]!)),
    avg_memory_mb: round(div(f[F.memSum]!, f[F.memN]!), 3),
    max_memory_mb: f[F.memN]! > 0 ? round(f[F.memMax]!, 3) : null,
    total_retries: f[F.retries]!,
    avg_accuracy: round(div(f[F.accSum]!, f[F.accN]!)),
    accuracy_samples: f[F.accN]!,
    avg_satisfaction: round(div(f[F.satSum]!, f[F.satN]!)),
    avg_rating: round(div(f[F.ratingSum]!, f[F.ratingN]!), 3),
    feedback_samples: f[F.satN]!,
    cache_hit_rate: round(div(f[F.cacheHit]!, f[F.cacheN]!)),
    llm_calls: llm,
    llm_failed_calls: f[F.llmFail]!,
    llm_error_rate: round(div(f[F.llmFail]!, llm)),
    llm_avg_latency_ms: round(div(f[F.llmLatSum]!, llm), 3),
    llm_p50_latency_ms: round(b.llmLatency.quantile(0.5), 3),
    llm_p95_latency_ms: round(b.llmLatency.quantile(0.95), 3),
    llm_p99_latency_ms: round(b.llmLatency.quantile(0.99), 3),
    llm_avg_ttft_ms: round(div(f[F.ttftSum]!, f[F.ttftN]!), 3),
    llm_input_tokens: sumOrNull(f[F.llmInSum]!, f[F.llmInN]!),
    llm_output_tokens: sumOrNull(f[F.llmOutSum]!, f[F.llmOutN]!),
    llm_cached_input_tokens: sumOrNull(f[F.llmCachedInSum]!, f[F.llmCachedInN]!),
    llm_cost: round(sumOrNull(f[F.llmCostSum]! / NANO, f[F.llmCostN]!), 9),
    llm_cache_hit_rate: round(div(f[F.llmCached]!, f[F.llmCachedN]!)),
    cost_saved_by_cache: round(sumOrNull(f[F.savedSum]! / NANO, f[F.savedN]!), 9),
    throughput_per_min: round(windowMinutes > 0 ? runs / windowMinutes : 0, 3) ?? 0,
    degraded_tasks: f[F.degraded]!,
    degradation_rate: round(div(f[F.degraded]!, runs)),
    warnings: f[F.warnings]!,
    warning_rate: round(div(f[F.warnings]!, runs)),
    tool_calls: tools,
    tool_failed_calls: f[F.toolFail]!,
    tool_error_rate: round(div(f[F.toolFail]!, tools)),
    tool_avg_latency_ms: round(div(f[F.toolDurSum]!, f[F.toolDurN]!), 3),
    tool_cost: round(sumOrNull(f[F.toolCostSum]! / NANO, f[F.toolCostN]!), 9),
    retrievals,
    retrieval_failed_calls: f[F.retrievalFail]!,
    retrieval_error_rate: round(div(f[F.retrievalFail]!, retrievals)),
    retrieval_avg_latency_ms: round(div(f[F.retrievalDurSum]!, f[F.retrievalDurN]!), 3),
    retrieval_cost: round(sumOrNull(f[F.retrievalCostSum]! / NANO, f[F.retrievalCostN]!), 9),
    cache_operations: cacheOps,
    cache_lookups: lookups,
    cache_lookup_hit_rate: round(div(f[F.cacheHits]!, lookups)),
    cache_evictions: f[F.cacheEvictions]!,
    // A rate needs cache events to mean anything: without any, "no evictions" is unknown, not 0.
    cache_evictions_per_s: cacheOps > 0 && windowMinutes > 0 ? round(f[F.cacheEvictions]! / (windowMinutes * 60), 6) : null,
    cache_invalidations: f[F.cacheInvalidations]!,
    cache_entries: entries,
    cache_capacity: capacity,
    cache_fill_ratio: entries !== null && capacity !== null ? round(div(entries, capacity)) : null,
    error_types: errorTypes,
  };
}

/** A bucket's activity: its runs and LLM calls (a sum, so it adds up bucket by bucket). */
export function activityOf(b: Bucket): number {
  return b.field(F.runs) + b.field(F.llm);
}

/** Standard deviation of run latency in the bucket, or null with fewer than two runs. */
export function latencyStddev(b: Bucket): number | null {
  const n = b.f[F.runs]!;
  if (n < 2) return null;
  const mean = b.f[F.durSum]! / n;
  const v = Math.max(0, b.f[F.durSumSq]! / n - mean * mean);
  return Math.sqrt(v);
}

/** Time of the latest run in the bucket, or null. */
export function lastRunOf(b: Bucket): number | null {
  return b.f[F.lastRun]! > 0 ? b.f[F.lastRun]! : null;
}
