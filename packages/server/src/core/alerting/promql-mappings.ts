/**
 * The PromQL of each catalogue metric over the `/metrics` families (docs/metrics.md lists them):
 * which family a figure reads, the Vigil dimensions that family carries as labels, its sample
 * counter for `min_samples`, and where the PromQL figure differs from Vigil's. The tenant figures
 * have families of their own, so a rule naming only `tenant_id` reads those instead.
 */
import type { Dimension } from "../stored-event.js";

/**
 * A metric family of the exposition as a rule reads it: the Vigil dimensions it carries as labels
 * and the counter of its samples. A figure that combines families carries only the labels they share.
 */
export interface Family {
  name: string;
  labels: readonly Dimension[];
  /** Counter whose increase over the window is the sample count `min_samples` is checked against, or null when the metric is itself a count. */
  samples: string | null;
  /** Matchers the sample counter is read with (a share of cache lookups counts only lookups). */
  sampleMatchers?: readonly string[];
}

/** Labels of the run families (group "agents"): no tenant_id, tenant figures have families of their own. */
const AGENT_LABELS: readonly Dimension[] = ["agent_name", "model", "route", "mode", "query_class", "component", "service", "endpoint"];
/** Labels of the LLM call families (group "llm"; `provider` is not a Vigil dimension). */
const LLM_LABELS: readonly Dimension[] = ["model", "route", "mode", "query_class", "component", "service", "endpoint"];
/** Labels of the tool, retrieval and warning families (their `tool`, `source` and `type` are not Vigil dimensions). */
const AGENT_MODE_LABELS: readonly Dimension[] = ["agent_name", "mode"];
/** Labels of the tenant families. */
const TENANT_LABELS: readonly Dimension[] = ["tenant_id"];
/** Labels of the cache operation families (beside `cache` and `operation`). */
const CACHE_OP_LABELS: readonly Dimension[] = ["mode"];

const family = (name: string, labels: readonly Dimension[], samples: string | null, sampleMatchers?: readonly string[]): Family => ({ name, labels, samples, ...(sampleMatchers ? { sampleMatchers } : {}) });
const OUTCOMES = family("vigil_outcome_accuracy", AGENT_LABELS, "vigil_outcome_accuracy_count");
const FEEDBACK = family("vigil_feedback_satisfaction", AGENT_LABELS, "vigil_feedback_satisfaction_count");

/** Builds selectors and aggregations for one rule, at an optional offset (for change functions). */
export class Query {
  constructor(
    private readonly matchers: string[],
    private readonly groupBy: readonly string[],
    private readonly window: string,
    private readonly offset: string | null,
  ) {}

  /** Range selector `metric{...}[w]` with the rule's scope and any extra matchers. */
  range(metric: string, ...extra: string[]): string {
    return `${metric}${this.labels(extra)}[${this.window}]${this.offset ? ` offset ${this.offset}` : ""}`;
  }

  /** Instant selector `metric{...}` with the rule's scope. */
  instant(metric: string, ...extra: string[]): string {
    return `${metric}${this.labels(extra)}${this.offset ? ` offset ${this.offset}` : ""}`;
  }

  /** `max by (<group_by>) (inner)`, or `max(inner)` without grouping. */
  max(inner: string): string {
    return this.groupBy.length ? `max by (${this.groupBy.join(", ")}) (${inner})` : `max(${inner})`;
  }

  /** `sum by (<group_by>) (inner)`, or `sum(inner)` without grouping; `extra` labels are kept too (`le`). */
  sum(inner: string, ...extra: string[]): string {
    const by = [...extra, ...this.groupBy];
    return by.length ? `sum by (${by.join(", ")}) (${inner})` : `sum(${inner})`;
  }

  rate(metric: string, ...extra: string[]): string {
    return this.sum(`rate(${this.range(metric, ...extra)})`);
  }

  increase(metric: string, ...extra: string[]): string {
    return this.sum(`increase(${this.range(metric, ...extra)})`);
  }

  /**
   * The share of a counter's increase that matches `part`, among the series matching `base` (all
   * of them without one). The `or ... * 0` makes the share 0 rather than absent when nothing
   * matched (a success rate with no successes must still be compared), and `> 0` leaves a group
   * without samples with no value, as Vigil's null.
   */
  share(metric: string, part: string, ...base: string[]): string {
    const all = this.rate(metric, ...base);
    return `(${this.rate(metric, part)} or ${all} * 0) / (${all} > 0)`;
  }

  /** The increase of the counter's series matching `part`, 0 rather than absent when the counter has data but none of them. */
  increaseOf(metric: string, part: string): string {
    return `(${this.increase(metric, part)} or ${this.increase(metric)} * 0)`;
  }

  /** Mean of observations from a histogram or summary's `_sum` and `_count`, times `scale` and divided by `divisor`. */
  mean(base: string, scale = 1, divisor = 1): string {
    const m = `${this.rate(`${base}_sum`)} / (${this.rate(`${base}_count`)} > 0)`;
    return `${m}${scale === 1 ? "" : ` * ${scale}`}${divisor === 1 ? "" : ` / ${divisor}`}`;
  }

  /**
   * The largest current value of a per-cache gauge (or gauge expression) among the caches that
   * reported operations in the window: a gauge outlives its reports, and like Vigil's latest value
   * only a cache heard from within the window counts.
   */
  cacheGauge(gauge: string): string {
    return `max(${gauge} and on(cache) (sum by (cache) (increase(${this.range("vigil_cache_operations_total")})) > 0))`;
  }

  /** A quantile of a histogram in seconds, written in milliseconds so thresholds stay in ms. */
  quantileMs(q: number, histogram: string): string {
    return `histogram_quantile(${q}, ${this.sum(`rate(${this.range(`${histogram}_bucket`)})`, "le")}) * 1000`;
  }

  private labels(extra: string[]): string {
    const all = [...extra, ...this.matchers];
    return all.length ? `{${all.join(", ")}}` : "";
  }
}

/** How one catalogue metric is computed from the families, and how that differs from Vigil. */
export interface Mapping {
  family: Family;
  expr(q: Query): string;
  /** How the PromQL figure differs from Vigil's, when it does. */
  note?: string;
}

const ERRORS = 'status=~"failure|timeout"';
const FAILURE = 'status="failure"';
const PER_RUN_NOTE = "Prometheus divides by every run, Vigil only by runs that reported the figure, so the value is lower when some runs do not report it";
const QUANTILE_NOTE = "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches";
const DEGRADED_NOTE = "a run both partial and degraded: true counts twice in Prometheus (the share is capped at 1), once in Vigil";
const CACHE_GAUGE_NOTE = "Prometheus takes the largest value among the caches heard from in the window, Vigil the latest report of any cache";

/**
 * The run figures Vigil and Prometheus can compute from a run counter by `status` and cost and
 * token counters: written once for the agent families and once for the tenant families.
 */
function runFigures(runs: string, cost: string, tokens: string, labels: readonly Dimension[]): Record<string, Mapping> {
  const RUNS = family(runs, labels, runs);
  const COUNTS = family(runs, labels, null);
  const COST = family(cost, labels, runs);
  const TOKENS = family(tokens, labels, runs);
  return {
    success_rate: { family: RUNS, expr: (q) => q.share(runs, 'status="success"') },
    error_rate: { family: RUNS, expr: (q) => q.share(runs, ERRORS) },
    partial_rate: { family: RUNS, expr: (q) => q.share(runs, 'status="partial"') },
    timeout_rate: { family: RUNS, expr: (q) => q.share(runs, 'status="timeout"') },
    total_tasks: { family: COUNTS, expr: (q) => q.increase(runs) },
    failed_tasks: { family: COUNTS, expr: (q) => q.increaseOf(runs, FAILURE) },
    throughput_per_min: { family: COUNTS, expr: (q) => `${q.rate(runs)} * 60` },
    total_cost: { family: COST, expr: (q) => q.increase(cost) },
    projected_daily_cost: { family: COST, expr: (q) => `${q.rate(cost)} * 86400` },
    cost_per_task: { family: COST, expr: (q) => `${q.rate(cost)} / (${q.rate(runs)} > 0)`, note: PER_RUN_NOTE },
    total_tokens: { family: TOKENS, expr: (q) => q.increase(tokens) },
    tokens_per_task: { family: TOKENS, expr: (q) => `${q.rate(tokens)} / (${q.rate(runs)} > 0)`, note: PER_RUN_NOTE },
  };
}

/** Figures of calls counted by `status` with a duration histogram and a cost counter (tool calls, retrievals). */
function callFigures(prefix: "tool" | "retrieval", calls: string, duration: string, cost: string, names: { calls: string; failed: string }): Record<string, Mapping> {
  const CALLS = family(calls, AGENT_MODE_LABELS, calls);
  const COUNTS = family(calls, AGENT_MODE_LABELS, null);
  return {
    [names.calls]: { family: COUNTS, expr: (q) => q.increase(calls) },
    [names.failed]: { family: COUNTS, expr: (q) => q.increaseOf(calls, FAILURE) },
    [`${prefix}_error_rate`]: { family: CALLS, expr: (q) => q.share(calls, FAILURE) },
    [`${prefix}_avg_latency_ms`]: { family: family(duration, AGENT_MODE_LABELS, calls), expr: (q) => q.mean(duration, 1000) },
    [`${prefix}_cost`]: { family: family(cost, AGENT_MODE_LABELS, calls), expr: (q) => q.increase(cost) },
  };
}

const DEGRADED = family("vigil_run_degraded_total", AGENT_LABELS, "vigil_runs_total");
const WARNINGS = family("vigil_run_warnings_total", AGENT_MODE_LABELS, "vigil_runs_total");
const LLM = family("vigil_llm_calls_total", LLM_LABELS, "vigil_llm_calls_total");
const CACHE_OPS = "vigil_cache_operations_total";
const ROUTE_NOTE = "read from vigil_route_state of every instance scraped: the leader's state is authoritative, followers report what they last read";
const LOOKUPS = 'operation=~"hit|miss"';

/** Catalogue metric → PromQL over the exposition's families (docs/alerting.md lists the ones without a family). */
const MAPPINGS: Readonly<Record<string, Mapping>> = {
  ...runFigures("vigil_runs_total", "vigil_run_cost_usd_total", "vigil_run_tokens_total", AGENT_LABELS),
  avg_latency_ms: { family: family("vigil_run_duration_seconds", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.mean("vigil_run_duration_seconds", 1000) },
  p50_latency_ms: { family: family("vigil_run_duration_seconds", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.quantileMs(0.5, "vigil_run_duration_seconds"), note: QUANTILE_NOTE },
  p95_latency_ms: { family: family("vigil_run_duration_seconds", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.quantileMs(0.95, "vigil_run_duration_seconds"), note: QUANTILE_NOTE },
  p99_latency_ms: { family: family("vigil_run_duration_seconds", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.quantileMs(0.99, "vigil_run_duration_seconds"), note: QUANTILE_NOTE },
  avg_quality_score: { family: family("vigil_run_quality_score", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.mean("vigil_run_quality_score") },
  avg_memory_mb: { family: family("vigil_run_memory_bytes", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.mean("vigil_run_memory_bytes", 1, 1048576) },
  cache_hit_rate: { family: family("vigil_run_cache_lookups_total", AGENT_LABELS, "vigil_runs_total"), expr: (q) => q.share("vigil_run_cache_lookups_total", 'result="hit"') },
  degraded_tasks: {
    family: { ...DEGRADED, samples: null },
    expr: (q) => `(${q.increase("vigil_run_degraded_total")} or ${q.increase("vigil_runs_total")} * 0) + ${q.increaseOf("vigil_runs_total", 'status="partial"')}`,
    note: DEGRADED_NOTE,
  },
  degradation_rate: {
    family: DEGRADED,
    expr: (q) => {
      const all = q.rate("vigil_runs_total");
      return `clamp_max(((${q.rate("vigil_run_degraded_total")} or ${all} * 0) + (${q.rate("vigil_runs_total", 'status="partial"')} or ${all} * 0)) / (${all} > 0), 1)`;
    },
    note: DEGRADED_NOTE,
  },
  warnings: { family: { ...WARNINGS, samples: null }, expr: (q) => `(${q.increase("vigil_run_warnings_total")} or ${q.increase("vigil_runs_total")} * 0)` },
  warning_rate: { family: WARNINGS, expr: (q) => `(${q.rate("vigil_run_warnings_total")} or ${q.rate("vigil_runs_total")} * 0) / (${q.rate("vigil_runs_total")} > 0)` },
  avg_accuracy: { family: OUTCOMES, expr: (q) => q.mean("vigil_outcome_accuracy") },
  avg_satisfaction: { family: FEEDBACK, expr: (q) => q.mean("vigil_feedback_satisfaction") },
  llm_calls: { family: { ...LLM, samples: null }, expr: (q) => q.increase("vigil_llm_calls_total") },
  llm_error_rate: { family: LLM, expr: (q) => q.share("vigil_llm_calls_total", FAILURE) },
  llm_avg_latency_ms: { family: family("vigil_llm_call_duration_seconds", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.mean("vigil_llm_call_duration_seconds", 1000) },
  llm_p95_latency_ms: { family: family("vigil_llm_call_duration_seconds", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.quantileMs(0.95, "vigil_llm_call_duration_seconds"), note: QUANTILE_NOTE },
  llm_p99_latency_ms: { family: family("vigil_llm_call_duration_seconds", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.quantileMs(0.99, "vigil_llm_call_duration_seconds"), note: QUANTILE_NOTE },
  llm_avg_ttft_ms: { family: family("vigil_llm_time_to_first_token_seconds", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.mean("vigil_llm_time_to_first_token_seconds", 1000) },
  llm_cost: { family: family("vigil_llm_cost_usd_total", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.increase("vigil_llm_cost_usd_total") },
  llm_cache_hit_rate: {
    family: LLM,
    expr: (q) => q.share("vigil_llm_calls_total", 'cached="true"'),
    note: "Prometheus counts a call that did not report cached as not cached, Vigil leaves it out of the share, so the value is lower when some calls do not report it",
  },
  cost_saved_by_cache: { family: family("vigil_llm_cost_saved_usd_total", LLM_LABELS, "vigil_llm_calls_total"), expr: (q) => q.increase("vigil_llm_cost_saved_usd_total") },
  ...callFigures("tool", "vigil_tool_calls_total", "vigil_tool_call_duration_seconds", "vigil_tool_cost_usd_total", { calls: "tool_calls", failed: "tool_failed_calls" }),
  ...callFigures("retrieval", "vigil_retrievals_total", "vigil_retrieval_duration_seconds", "vigil_retrieval_cost_usd_total", { calls: "retrievals", failed: "retrieval_failed_calls" }),
  cache_operations: { family: family(CACHE_OPS, CACHE_OP_LABELS, null), expr: (q) => q.increase(CACHE_OPS) },
  cache_lookup_hit_rate: { family: family(CACHE_OPS, CACHE_OP_LABELS, CACHE_OPS, [LOOKUPS]), expr: (q) => q.share(CACHE_OPS, 'operation="hit"', LOOKUPS) },
  cache_evictions: { family: family(CACHE_OPS, CACHE_OP_LABELS, null), expr: (q) => q.increaseOf(CACHE_OPS, 'operation="evict"') },
  cache_evictions_per_s: { family: family(CACHE_OPS, CACHE_OP_LABELS, CACHE_OPS), expr: (q) => `(${q.rate(CACHE_OPS, 'operation="evict"')} or ${q.rate(CACHE_OPS)} * 0)` },
  cache_invalidations: { family: family(CACHE_OPS, CACHE_OP_LABELS, null), expr: (q) => q.increaseOf(CACHE_OPS, 'operation="invalidate"') },
  cache_entries: { family: family("vigil_cache_entries", [], CACHE_OPS), expr: (q) => q.cacheGauge(q.instant("vigil_cache_entries")), note: CACHE_GAUGE_NOTE },
  cache_capacity: { family: family("vigil_cache_capacity_entries", [], CACHE_OPS), expr: (q) => q.cacheGauge(q.instant("vigil_cache_capacity_entries")), note: CACHE_GAUGE_NOTE },
  // Route state is a gauge per route (1 for the state it is in): the max over the matching states.
  route_off_primary: { family: family("vigil_route_state", ["route"], null), expr: (q) => q.max(q.instant("vigil_route_state", 'state=~"failed_over|degraded"')), note: ROUTE_NOTE },
  route_degraded: { family: family("vigil_route_state", ["route"], null), expr: (q) => q.max(q.instant("vigil_route_state", 'state="degraded"')), note: ROUTE_NOTE },
  cache_fill_ratio: {
    family: family("vigil_cache_entries", [], CACHE_OPS),
    expr: (q) => q.cacheGauge(`(${q.instant("vigil_cache_entries")} / (${q.instant("vigil_cache_capacity_entries")} > 0))`),
    note: "Prometheus takes the fullest of the caches heard from in the window, each cache's entries over its own capacity; Vigil divides the latest entries by the latest capacity reported",
  },
};

/** The same figures for rules that name only `tenant_id`, read from the tenant families. */
const TENANT_MAPPINGS: Readonly<Record<string, Mapping>> = {
  ...runFigures("vigil_tenant_runs_total", "vigil_tenant_cost_usd_total", "vigil_tenant_tokens_total", TENANT_LABELS),
  llm_calls: { family: family("vigil_tenant_llm_calls_total", TENANT_LABELS, null), expr: (q) => q.increase("vigil_tenant_llm_calls_total") },
  llm_cost: { family: family("vigil_tenant_llm_cost_usd_total", TENANT_LABELS, "vigil_tenant_llm_calls_total"), expr: (q) => q.increase("vigil_tenant_llm_cost_usd_total") },
};

/** The metrics that export to PromQL (catalogue names; custom metrics export with avg, sum, count, rate and last). */
export const EXPORTABLE_METRICS: readonly string[] = Object.freeze(Object.keys(MAPPINGS));
/** The metrics that also export for rules scoped or grouped by `tenant_id` (read from the tenant families). */
export const TENANT_EXPORTABLE_METRICS: readonly string[] = Object.freeze(Object.keys(TENANT_MAPPINGS));

const own = <T>(m: Readonly<Record<string, T>>, k: string): T | undefined => (Object.prototype.hasOwnProperty.call(m, k) ? m[k] : undefined);

/** How a catalogue metric is computed from its own families, or undefined when it has none. */
export function mappingOf(metric: string): Mapping | undefined {
  return own(MAPPINGS, metric);
}

/** How a catalogue metric is computed from the tenant families, or undefined when they do not give it. */
export function tenantMappingOf(metric: string): Mapping | undefined {
  return own(TENANT_MAPPINGS, metric);
}

/** The dimensions a rule on a catalogue metric may scope or group by in the export (tenant_id alone when a tenant family has it), or null when it does not export. */
export function exportLabels(metric: string): { labels: readonly Dimension[]; tenant: boolean } | null {
  const m = own(MAPPINGS, metric);
  return m ? { labels: m.family.labels, tenant: own(TENANT_MAPPINGS, metric) !== undefined } : null;
}
