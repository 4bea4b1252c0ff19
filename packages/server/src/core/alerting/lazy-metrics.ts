/**
 * The metrics block of one window group, computed field by field as an alert rule reads it: a rule
 * on error_rate costs one division, not the whole block with its six quantiles. Each field is the
 * expression of `metricsOf` (core/metrics.ts); the test checks every field against it. `needOf`
 * says which bucket fields and sketches a metric reads, so a window kept for it keeps only those.
 */
import type { Metrics } from "@vigil/contract";
import { F } from "../bucket.js";
import { DDSketch } from "../ddsketch.js";
import { NANO } from "../event-delta.js";
import { round } from "../metrics.js";
import { LLM_SKETCH, need, RUN_SKETCH, type Need } from "../window-need.js";

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const sumOrNull = (sum: number, n: number): number | null => (n > 0 ? sum : null);

/** What a group of a window holds: fields indexed by F and the two latency sketches. */
export interface FieldsAndSketches {
  readonly f: Float64Array;
  readonly runLatency: DDSketch;
  readonly llmLatency: DDSketch;
}

/** The counts of the metrics block that are one bucket field each (the field, indexed by F): `raw` reads them without a getter. */
export const COUNTS: Readonly<Partial<Record<keyof Metrics, number>>> = Object.freeze({ total_tasks: F.runs, llm_calls: F.llm, tool_calls: F.tool, retrievals: F.retrieval });

/** The metrics of a window group, each computed when read (error types are not kept: always empty). */
export class LazyMetrics implements Metrics {
  private readonly f: Float64Array;
  constructor(
    private readonly g: FieldsAndSketches,
    /** Minutes the window's rates are per (those elapsed in it: set again at each evaluation). */
    public minutes: number,
  ) {
    this.f = g.f;
  }
  /** A bucket field of the group (indexed by F), as `COUNTS` names them. */
  raw(i: number): number {
    return this.f[i]!;
  }
  /** Forgets the quantiles read (the group's sketches have changed since). */
  forget(): void {
    this.quantiles?.clear();
  }
  /** Quantiles read so far (several rules read the same group's p95). */
  private quantiles: Map<number, number | null> | null = null;
  /** A latency quantile of the runs (0) or LLM calls (1), rounded as the metrics block rounds it. */
  private quantile(which: 0 | 1, q: number): number | null {
    const key = which * 2 + q;
    const hit = this.quantiles?.get(key);
    if (hit !== undefined) return hit;
    const v = round((which === 0 ? this.g.runLatency : this.g.llmLatency).quantile(q), 3);
    (this.quantiles ??= new Map()).set(key, v);
    return v;
  }
  private get lookups(): number {
    return this.f[F.cacheHits]! + this.f[F.cacheMisses]!;
  }
  private get cacheOps(): number {
    return this.lookups + this.f[F.cacheWrites]! + this.f[F.cacheEvictions]! + this.f[F.cacheInvalidations]!;
  }
  private get entries(): number | null {
    return this.f[F.cacheEntriesN]! > 0 ? this.f[F.cacheEntries]! : null;
  }
  private get capacity(): number | null {
    return this.f[F.cacheCapacityN]! > 0 ? this.f[F.cacheCapacity]! : null;
  }
  get total_tasks() {
    return this.f[F.runs]!;
  }
  get successful_tasks() {
    return this.f[F.success]!;
  }
  get failed_tasks() {
    return this.f[F.failure]!;
  }
  get partial_tasks() {
    return this.f[F.partial]!;
  }
  get timeout_tasks() {
    return this.f[F.timeout]!;
  }
  get success_rate() {
    return round(div(this.f[F.success]!, this.f[F.runs]!));
  }
  get error_rate() {
    return round(div((this.f[F.failure]! + this.f[F.timeout]!), this.f[F.runs]!));
  }
  get avg_latency_ms() {
    return round(div(this.f[F.durSum]!, this.f[F.runs]!), 3);
  }
  get p50_latency_ms() {
    return this.quantile(0, 0.5);
  }
  get p95_latency_ms() {
    return this.quantile(0, 0.95);
  }
  get p99_latency_ms() {
    return this.quantile(0, 0.99);
  }
  get total_tokens() {
    return sumOrNull(this.f[F.tokSum]!, this.f[F.tokN]!);
  }
  get input_tokens() {
    return sumOrNull(this.f[F.inSum]!, this.f[F.inN]!);
  }
  get output_tokens() {
    return sumOrNull(this.f[F.outSum]!, this.f[F.outN]!);
  }
  get total_cost() {
    return round(sumOrNull(this.f[F.costSum]! / NANO, this.f[F.costN]!), 9);
  }
  // Per task over the runs that reported a cost, so unreported costs do not dilute it.
  get cost_per_task() {
    return round(div(this.f[F.costSum]! / NANO, this.f[F.costN]!), 9);
  }
  get tokens_per_task() {
    return round(div(this.f[F.tokSum]!, this.f[F.tokN]!), 3);
  }
  get avg_quality_score() {
    return round(div(this.f[F.qualSum]!, this.f[F.qualN]!));
  }
  get avg_confidence() {
    return round(div(this.f[F.confSum]!, this.f[F.confN]!));
  }
  get avg_memory_mb() {
    return round(div(this.f[F.memSum]!, this.f[F.memN]!), 3);
  }
  get max_memory_mb() {
    return this.f[F.memN]! > 0 ? round(this.f[F.memMax]!, 3) : null;
  }
  get total_retries() {
    return this.f[F.retries]!;
  }
  get avg_accuracy() {
    return round(div(this.f[F.accSum]!, this.f[F.accN]!));
  }
  get accuracy_samples() {
    return this.f[F.accN]!;
  }
  get avg_satisfaction() {
    return round(div(this.f[F.satSum]!, this.f[F.satN]!));
  }
  get avg_rating() {
    return round(div(this.f[F.ratingSum]!, this.f[F.ratingN]!), 3);
  }
  get feedback_samples() {
    return this.f[F.satN]!;
  }
  get cache_hit_rate() {
    return round(div(this.f[F.cacheHit]!, this.f[F.cacheN]!));
  }
  get llm_calls() {
    return this.f[F.llm]!;
  }
  get llm_failed_calls() {
    return this.f[F.llmFail]!;
  }
  get llm_error_rate() {
    return round(div(this.f[F.llmFail]!, this.f[F.llm]!));
  }
  get llm_avg_latency_ms() {
    return round(div(this.f[F.llmLatSum]!, this.f[F.llm]!), 3);
  }
  get llm_p50_latency_ms() {
    return this.quantile(1, 0.5);
  }
  get llm_p95_latency_ms() {
    return this.quantile(1, 0.95);
  }
  get llm_p99_latency_ms() {
    return this.quantile(1, 0.99);
  }
  get llm_avg_ttft_ms() {
    return round(div(this.f[F.ttftSum]!, this.f[F.ttftN]!), 3);
  }
  get llm_input_tokens() {
    return sumOrNull(this.f[F.llmInSum]!, this.f[F.llmInN]!);
  }
  get llm_output_tokens() {
    return sumOrNull(this.f[F.llmOutSum]!, this.f[F.llmOutN]!);
  }
  get llm_cached_input_tokens() {
    return sumOrNull(this.f[F.llmCachedInSum]!, this.f[F.llmCachedInN]!);
  }
  get llm_cost() {
    return round(sumOrNull(this.f[F.llmCostSum]! / NANO, this.f[F.llmCostN]!), 9);
  }
  get llm_cache_hit_rate() {
    return round(div(this.f[F.llmCached]!, this.f[F.llmCachedN]!));
  }
  get cost_saved_by_cache() {
    return round(sumOrNull(this.f[F.savedSum]! / NANO, this.f[F.savedN]!), 9);
  }
  get throughput_per_min() {
    return round(this.minutes > 0 ? this.f[F.runs]! / this.minutes : 0, 3) ?? 0;
  }
  get degraded_tasks() {
    return this.f[F.degraded]!;
  }
  get degradation_rate() {
    return round(div(this.f[F.degraded]!, this.f[F.runs]!));
  }
  get warnings() {
    return this.f[F.warnings]!;
  }
  get warning_rate() {
    return round(div(this.f[F.warnings]!, this.f[F.runs]!));
  }
  get tool_calls() {
    return this.f[F.tool]!;
  }
  get tool_failed_calls() {
    return this.f[F.toolFail]!;
  }
  get tool_error_rate() {
    return round(div(this.f[F.toolFail]!, this.f[F.tool]!));
  }
  get tool_avg_latency_ms() {
    return round(div(this.f[F.toolDurSum]!, this.f[F.toolDurN]!), 3);
  }
  get tool_cost() {
    return round(sumOrNull(this.f[F.toolCostSum]! / NANO, this.f[F.toolCostN]!), 9);
  }
  get retrievals() {
    return this.f[F.retrieval]!;
  }
  get retrieval_failed_calls() {
    return this.f[F.retrievalFail]!;
  }
  get retrieval_error_rate() {
    return round(div(this.f[F.retrievalFail]!, this.f[F.retrieval]!));
  }
  get retrieval_avg_latency_ms() {
    return round(div(this.f[F.retrievalDurSum]!, this.f[F.retrievalDurN]!), 3);
  }
  get retrieval_cost() {
    return round(sumOrNull(this.f[F.retrievalCostSum]! / NANO, this.f[F.retrievalCostN]!), 9);
  }
  get cache_operations() {
    return this.cacheOps;
  }
  get cache_lookups() {
    return this.lookups;
  }
  get cache_lookup_hit_rate() {
    return round(div(this.f[F.cacheHits]!, this.lookups));
  }
  get cache_evictions() {
    return this.f[F.cacheEvictions]!;
  }
  // A rate needs cache events to mean anything: without any, "no evictions" is unknown, not 0.
  get cache_evictions_per_s() {
    return this.cacheOps > 0 && this.minutes > 0 ? round(this.f[F.cacheEvictions]! / (this.minutes * 60), 6) : null;
  }
  get cache_invalidations() {
    return this.f[F.cacheInvalidations]!;
  }
  get cache_entries() {
    return this.entries;
  }
  get cache_capacity() {
    return this.capacity;
  }
  get cache_fill_ratio() {
    return this.entries !== null && this.capacity !== null ? round(div(this.entries, this.capacity)) : null;
  }
  get error_types(): Record<string, number> {
    return {};
  }
}

/** A sketch holding one value: what the recording group of `needOf` answers for a sketch. */
const ONE = new DDSketch();
ONE.add(1);

/**
 * The bucket fields and sketches a metric reads (for its value and its sample count), found by
 * reading it once from a group whose every field is 1 and recording what was read: every branch
 * of the expressions above reads all its fields when they are non-zero.
 */
export function needOf(read: (m: Metrics) => unknown): Need {
  const fields = new Set<number>();
  let sketches = 0;
  const f = new Proxy(
    {},
    {
      get(_t, p) {
        if (typeof p === "string" && /^\d+$/.test(p)) fields.add(Number(p));
        return 1;
      },
    },
  ) as Float64Array;
  const g: FieldsAndSketches = {
    f,
    get runLatency() {
      sketches |= RUN_SKETCH;
      return ONE;
    },
    get llmLatency() {
      sketches |= LLM_SKETCH;
      return ONE;
    },
  };
  read(new LazyMetrics(g, 1));
  return need(fields, sketches);
}
