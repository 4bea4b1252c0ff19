/**
 * The rule pack Vigil ships and loads by default (docs/alerting.md describes each rule and what
 * to do): the seven thresholds of seed 003, checked per agent against the thresholds settings
 * (`GET|PUT /api/v1/thresholds`), the twelve alerts of seed 004 with their durations and
 * severities, the two failover alerts, and six anomaly rules (p95 latency, error rate and cost per
 * task, per route and per model). A rule of the same name in the rules file or the API replaces the
 * shipped one.
 */
import { parseRuleSet } from "./rule.js";
import type { AlertRule } from "./types.js";

const perAgent = (name: string, metric: string, comparator: string, key: string, severity: string, summary: string, recommendation: string, impact: string, extra: Record<string, unknown> = {}) => ({
  name,
  metric,
  comparator,
  threshold_key: key,
  group_by: ["agent_name"],
  window: "15m",
  for: "2m",
  severity,
  labels: { pack: "seed-003", category: "agent" },
  annotations: { summary, description: `{{ $metric }} over the last {{ $window }} is {{ $value }} against a threshold of {{ $threshold }} ({{ $samples }} samples).`, recommendation, business_impact: impact },
  ...extra,
});

/** Seed 004's alert categories; the default inhibition rule mutes warnings under a critical alert of the same category. */
const CATEGORY: Record<string, string> = {
  HighErrorRate: "performance",
  HighLatency: "performance",
  VeryHighLatency: "performance",
  LowCacheHitRate: "cache",
  CacheNearCapacity: "cache",
  HighCacheEvictionRate: "cache",
  HighDailyCost: "cost",
  SuddenCostSpike: "cost",
  LowQualityScore: "quality",
  HighDegradationRate: "quality",
  ToolFailureRateHigh: "system",
  RagFailureRateHigh: "system",
};

const system = (name: string, metric: string, comparator: string, threshold: number, window: string, forDur: string, severity: string, notify: string, summary: string, recommendation: string, impact: string, extra: Record<string, unknown> = {}) => ({
  name,
  metric,
  comparator,
  threshold,
  window,
  for: forDur,
  min_samples: 10,
  severity,
  labels: { pack: "seed-004", category: CATEGORY[name] ?? "system", notify },
  annotations: { summary, description: `{{ $metric }} over the last {{ $window }} is {{ $value }} against a threshold of {{ $threshold }}.`, recommendation, business_impact: impact },
  ...extra,
});

/** Seed 000's failover alerts: a route moved to a backup, or no candidate of a route is healthy. */
const failover = (name: string, metric: string, severity: string, summary: string, recommendation: string, impact: string) => ({
  name,
  metric,
  comparator: ">",
  threshold: 0,
  window: "1m",
  for: "0s",
  min_samples: 1,
  group_by: ["route"],
  severity,
  labels: { pack: "failover", category: "failover" },
  annotations: { summary, description: "See GET /api/v1/routes/{{ $labels.route }} for the active model and GET /api/v1/routes/{{ $labels.route }}/history for the metric, value and threshold behind each decision.", recommendation, business_impact: impact },
});

/**
 * Anomaly rules (docs/anomaly.md#anomaly-rules): the metric per 5-minute step, per route or per
 * model, against what the detector learnt of that series; a group is judged after a day of history,
 * steps with fewer than 5 runs are skipped, and an alert stays firing 30 minutes after its detection.
 */
const anomaly = (name: string, metric: string, by: "route" | "model", category: string, what: string, recommendation: string, impact: string) => ({
  name,
  metric,
  group_by: [by],
  anomaly: { sensitivity: "medium", min_history: "1d", step: "5m" },
  for: "0s",
  keep_firing_for: "30m",
  min_samples: 5,
  severity: "warning",
  labels: { pack: "anomaly", category },
  annotations: {
    description: `${what} of {{ $labels.${by} }} over the last {{ $window }} step is {{ $value }}; from this ${by}'s own history Vigil expected {{ $expected }} ({{ $lower }}–{{ $upper }}), anomaly score {{ $score }}.`,
    recommendation,
    business_impact: impact,
  },
});

/** The shipped rules as written (input form). */
export const DEFAULT_RULE_INPUTS: readonly Record<string, unknown>[] = Object.freeze([
  // Seed 003: the alert thresholds table, per agent.
  perAgent("AgentSuccessRateLow", "success_rate", "<", "success_rate_min", "critical", "Success rate of {{ $labels.agent_name }} is {{ $value }}, below {{ $threshold }}", "Look at the agent's recent failures by error type; roll back a recent prompt, tool or model change.", "Tasks of this agent are failing; users get no answer or a wrong one."),
  perAgent("AgentErrorRateHigh", "error_rate", ">", "error_rate_max", "warning", "Error rate of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}", "Check the error types: provider errors and timeouts point at the model or network, tool errors at integrations.", "A share of tasks fails and is retried or lost, costing time and money."),
  perAgent("AgentLatencyP95High", "p95_latency_ms", ">", "latency_p95_max_ms", "warning", "p95 latency of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}", "Check agent workload and LLM performance; compare model latency and time to first token; consider a faster model or caching.", "Slow answers: users wait, and upstream timeouts may turn into failures."),
  perAgent("AgentCostPerTaskHigh", "cost_per_task", ">", "cost_per_task_max", "warning", "Cost per task of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}", "Check tokens per task and the model used; trim prompts, cache repeated calls or route to a cheaper model.", "Spend grows faster than the work done."),
  perAgent("AgentAccuracyLow", "avg_accuracy", "<", "accuracy_min", "critical", "Accuracy of {{ $labels.agent_name }} is {{ $value }}, below {{ $threshold }}", "Compare predictions with the recorded outcomes; look for data drift or a model change; consider retraining or switching model.", "Decisions based on this agent's predictions are wrong more often than accepted.", { window: "1h" }),
  perAgent("AgentMemoryHigh", "avg_memory_mb", ">", "memory_mb_max", "critical", "Memory per run of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}", "Look for growing context or caches held across runs; cap batch sizes.", "The host may run out of memory and kill the agent mid-task."),
  perAgent("AgentTokensPerTaskHigh", "tokens_per_task", ">", "tokens_per_task_max", "warning", "Tokens per task of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}", "Shorten prompts and retrieved context; check for loops that repeat calls.", "Cost and latency per task rise with every token."),
  // Seed 004: the twelve alerts.
  system("HighErrorRate", "error_rate", ">", 0.05, "5m", "5m", "warning", "slack,pagerduty", "Error rate is {{ $value }}, above {{ $threshold }}", "Check error types and the models' health; fail over a degraded model.", "Users see failed requests."),
  system("HighLatency", "p95_latency_ms", ">", 10_000, "5m", "5m", "warning", "slack", "p95 latency is {{ $value }}, above {{ $threshold }}", "Check model latency and time to first token; look for slow tools or retrieval.", "Users wait more than 10 seconds for one in twenty answers."),
  system("VeryHighLatency", "p99_latency_ms", ">", 30_000, "5m", "5m", "critical", "pagerduty", "p99 latency is {{ $value }}, above {{ $threshold }}", "Find the stuck dependency (model provider, tool, database) and fail over or shed load.", "Requests are close to client timeouts."),
  system("LowCacheHitRate", "cache_hit_rate", "<", 0.4, "15m", "15m", "warning", "slack", "Cache hit rate is {{ $value }}, below {{ $threshold }}", "Check cache keys, TTLs and recent invalidations; a deploy may have flushed the cache.", "More requests reach the model: higher cost and latency."),
  // cache_entries is the latest report in the window, so a 1m window keeps seed 004's "current size" reading.
  system("CacheNearCapacity", "cache_entries", ">", 950, "1m", "10m", "warning", "slack", "Cache holds {{ $value }} entries, above {{ $threshold }} of 1000", "Raise the cache size or shorten TTLs before evictions start.", "Useful entries will soon be evicted.", { min_samples: 1 }),
  system("HighCacheEvictionRate", "cache_evictions_per_s", ">", 10, "5m", "10m", "warning", "slack", "Cache evicts {{ $value }} entries per second, above {{ $threshold }}", "The cache is too small for the working set: raise its size.", "Hit rate will fall; cost and latency rise.", { min_samples: 1 }),
  system("HighDailyCost", "projected_daily_cost", ">", 100, "1h", "1h", "warning", "email", "Spend is on course for {{ $value }} a day, above {{ $threshold }}", "Find the most expensive agents, models and tenants; cache or move to cheaper models.", "The daily budget will be exceeded."),
  system("SuddenCostSpike", "total_cost", ">", 2, "10m", "10m", "critical", "pagerduty,email", "Cost rose {{ $value }} against the previous {{ $window }}", "Look for a runaway loop, a tenant surge, or a switch to a pricier model.", "Spend is doubling; left alone it can exhaust the budget within hours.", { change: "ratio" }),
  system("LowQualityScore", "avg_quality_score", "<", 0.8, "10m", "10m", "warning", "slack", "Mean quality score is {{ $value }}, below {{ $threshold }}", "Review low-scoring answers; check for a model or prompt change and for degraded retrieval.", "Users get worse answers."),
  system("HighDegradationRate", "degradation_rate", ">", 0.2, "10m", "10m", "warning", "slack", "{{ $value }} of responses are degraded, above {{ $threshold }}", "Check which fallbacks are taken and why (timeouts, tool failures, retrieval misses): the runs' degradation_reason and warnings say.", "One answer in five is a fallback."),
  system("ToolFailureRateHigh", "tool_error_rate", ">", 0.1, "10m", "10m", "warning", "slack", "Tool failure rate is {{ $value }}, above {{ $threshold }}", "Check the failing tools' upstreams and credentials.", "Agents cannot complete tasks that need tools."),
  system("RagFailureRateHigh", "retrieval_error_rate", ">", 0.05, "10m", "10m", "critical", "pagerduty", "Retrieval failure rate is {{ $value }}, above {{ $threshold }}", "Check the vector store and embedding service.", "Answers lose their grounding and may be wrong."),
  failover("RouteFailedOver", "route_off_primary", "warning", "Route {{ $labels.route }} failed over to a backup model", "Check the primary model's provider and recent changes; Vigil probes it and brings traffic back once it is healthy (switch_back: auto).", "Traffic is served by a backup: quality, latency or cost may differ from the primary's."),
  failover("RouteDegraded", "route_degraded", "critical", "Every model of route {{ $labels.route }} is unhealthy", "Vigil keeps the least bad model serving; check the providers, or pin a model by hand (POST /api/v1/routes/{{ $labels.route }}/switch).", "Requests on this route are served by an unhealthy model."),
  // Anomalies per route and per model: no threshold to set, each series judged against its own history.
  anomaly("LatencyAnomalyByRoute", "p95_latency_ms", "route", "performance", "p95 latency", "Compare the route's models' latency and time to first token with the hours before; look for a provider incident, a longer prompt or a slow tool.", "Answers on this route are slower than usual for this time of day."),
  anomaly("LatencyAnomalyByModel", "p95_latency_ms", "model", "performance", "p95 latency", "Check the model provider's status and the model's time to first token; fail over the routes that use it if it stays slow.", "Every agent and route on this model answers slower than usual."),
  anomaly("ErrorRateAnomalyByRoute", "error_rate", "route", "performance", "Error rate", "Look at the route's recent failures by error type; a provider error points at the model, a tool error at an integration.", "More requests on this route fail than usual."),
  anomaly("ErrorRateAnomalyByModel", "error_rate", "model", "performance", "Error rate", "Check the model provider's status and the error types (rate limits, timeouts, refusals); fail over if they persist.", "More requests to this model fail than usual."),
  anomaly("CostPerTaskAnomalyByRoute", "cost_per_task", "route", "cost", "Cost per task", "Check tokens per task and which model the route used; look for longer prompts, retries or a switch to a pricier model.", "Each task on this route costs more than usual."),
  anomaly("CostPerTaskAnomalyByModel", "cost_per_task", "model", "cost", "Cost per task", "Check tokens per task on this model and its price; look for a price change, longer contexts or loops.", "Spend on this model per task is above its usual level."),
]);

/** The shipped rules, validated. */
export function defaultRules(): AlertRule[] {
  return parseRuleSet([...DEFAULT_RULE_INPUTS], "default", "the default rule pack");
}
