import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Metrics } from "@vigil/contract";
import { recommendations } from "./recommendations.js";
import { defaultSettings, limitsFor } from "./threshold-model.js";
import { trends } from "./trends.js";

const DEFAULTS = limitsFor(defaultSettings(), {});
/** The default limits for every subject. */
const T = () => DEFAULTS;

/** Healthy metrics of a busy window, every figure within the default thresholds. */
function metrics(over: Partial<Metrics> = {}): Metrics {
  return {
    total_tasks: 100, successful_tasks: 95, failed_tasks: 5, partial_tasks: 0, timeout_tasks: 0,
    success_rate: 0.95, error_rate: 0.05, avg_latency_ms: 1000, p50_latency_ms: 900, p95_latency_ms: 2000,
    p99_latency_ms: 3000, total_tokens: 100000, input_tokens: 80000, output_tokens: 20000, total_cost: 5,
    cost_per_task: 0.05, tokens_per_task: 1000, avg_quality_score: 0.8, avg_confidence: 0.9,
    avg_memory_mb: 100, max_memory_mb: 200, total_retries: 0, avg_accuracy: 0.85, accuracy_samples: 20,
    avg_satisfaction: 0.7, avg_rating: 4, feedback_samples: 5, cache_hit_rate: 0.5, llm_calls: 100,
    llm_failed_calls: 1, llm_error_rate: 0.01, llm_avg_latency_ms: 500, llm_p50_latency_ms: 400,
    llm_p95_latency_ms: 1200, llm_p99_latency_ms: 1500, llm_avg_ttft_ms: 200, llm_input_tokens: 80000,
    llm_output_tokens: 20000, llm_cached_input_tokens: 1000, llm_cost: 5, llm_cache_hit_rate: 0.1,
    cost_saved_by_cache: 0.5, throughput_per_min: 1.7,
    degraded_tasks: 2, degradation_rate: 0.02, warnings: 5, warning_rate: 0.05, tool_calls: 40, tool_failed_calls: 1,
    tool_error_rate: 0.025, tool_avg_latency_ms: 300, tool_cost: 0.2, retrievals: 50, retrieval_failed_calls: 0,
    retrieval_error_rate: 0, retrieval_avg_latency_ms: 150, retrieval_cost: 0.1, cache_operations: 120, cache_lookups: 100,
    cache_lookup_hit_rate: 0.5, cache_evictions: 3, cache_evictions_per_s: 0.000833, cache_invalidations: 1,
    cache_entries: 400, cache_capacity: 1000, cache_fill_ratio: 0.4, error_types: { timeout: 3, rate_limit: 2 },
    ...over,
  };
}

/** A window without any sample: counts 0, every figure null. */
function emptyMetrics(): Metrics {
  const counts = new Set(["total_tasks", "successful_tasks", "failed_tasks", "partial_tasks", "timeout_tasks", "total_retries", "accuracy_samples", "feedback_samples", "llm_calls", "llm_failed_calls", "throughput_per_min", "degraded_tasks", "warnings", "tool_calls", "tool_failed_calls", "retrievals", "retrieval_failed_calls", "cache_operations", "cache_lookups", "cache_evictions", "cache_invalidations"]);
  const m: Record<string, unknown> = { error_types: {} };
  for (const k of Object.keys(metrics())) if (k !== "error_types") m[k] = counts.has(k) ? 0 : null;
  return m as unknown as Metrics;
}

describe("recommendations", () => {
  it("names the success rate, the threshold and the most common error type", () => {
    const r = recommendations({ metrics: metrics({ success_rate: 0.72, error_types: { timeout: 41, tool_error: 7 } }), limits: T, agents: [] });
    assert.deepEqual(r, ['Success rate is 72.0%, below the 80% threshold; the most common error type is "timeout" (41 runs): inspect those failures.']);
  });

  it("asks to inspect failed runs when no error type is recorded", () => {
    const r = recommendations({ metrics: metrics({ success_rate: 0.5, error_types: {} }), limits: T, agents: [] });
    assert.deepEqual(r, ["Success rate is 50.0%, below the 80% threshold: inspect the failed runs and their error messages."]);
  });

  it("names an agent whose p95 latency is above the threshold", () => {
    const r = recommendations({ metrics: metrics(), limits: T, agents: [{ agent_name: "react_agent", metrics: metrics({ p95_latency_ms: 6200 }) }] });
    assert.deepEqual(r, ['Agent "react_agent" has a p95 latency of 6.2 s, above the 5 s threshold: check its workload and model latency.']);
  });

  it("recommends reviewing predictions when accuracy is below the threshold", () => {
    const [first] = recommendations({ metrics: metrics({ avg_accuracy: 0.62, accuracy_samples: 25 }), limits: T, agents: [] });
    assert.equal(
      first,
      "Accuracy is 62.0% over 25 scored outcomes, below the 70% threshold: review the predictions against outcomes; consider retraining or switching models.",
    );
  });

  it("flags cost per task, tokens per task, memory and error rate above their thresholds", () => {
    const r = recommendations({
      metrics: metrics({ cost_per_task: 1.35, tokens_per_task: 6200, avg_memory_mb: 1500, error_rate: 0.2 }),
      limits: T,
      agents: [],
    });
    assert.deepEqual(r, [
      "Average memory use per run is 1,500 MB, above the 1,024 MB threshold: look for leaks, oversized contexts or caches that grow without bound.",
      'Error rate is 20.0%, above the 15% threshold; the most common error type is "timeout" (3 runs): retry transient errors with backoff and fix the recurring ones.',
      "Cost per task is $1.35, above the $1.00 threshold: shorten prompts, send simple tasks to a cheaper model, or cache repeated calls.",
      "Runs use an average of 6,200 tokens per task, above the 5,000 threshold: trim prompts and retrieved context, or summarise long histories.",
    ]);
  });

  it("flags a cache hit rate under 40% only when it is known", () => {
    const low = recommendations({ metrics: metrics({ cache_hit_rate: 0.25 }), limits: T, agents: [] });
    assert.equal(low.length, 1);
    assert.match(low[0]!, /^Cache hit rate is 25\.0%, under 40%: /);
    const unknown = recommendations({ metrics: metrics({ cache_hit_rate: null }), limits: T, agents: [] });
    assert.deepEqual(unknown, ["All metrics are within thresholds: no action needed."]);
  });

  it("names degrading trends with both windows' values, after threshold breaches", () => {
    const previous = metrics();
    const current = metrics({ p95_latency_ms: 4100 * 1.3, success_rate: 0.85, cache_hit_rate: 0.55 });
    const r = recommendations({ metrics: current, limits: T, agents: [], trends: trends(current, { ...previous, p95_latency_ms: 4100 }) });
    assert.deepEqual(r, [
      "P95 latency is 5.3 s, above the 5 s threshold: check the workload and model latency.",
      "Compared with the previous window, success rate fell from 95.0% to 85.0% and p95 latency rose from 4.1 s to 5.3 s: " +
        "look for what changed, such as a deploy, a traffic shift or a new model version.",
    ]);
  });

  it("puts critical breaches before warnings, the system before agents, and agents by name", () => {
    const r = recommendations({
      metrics: metrics({ p95_latency_ms: 6000 }),
      limits: T,
      agents: [
        { agent_name: "zeta", metrics: metrics({ success_rate: 0.5, error_types: {} }) },
        { agent_name: "alpha", metrics: metrics({ success_rate: 0.6, error_types: {}, p95_latency_ms: 7000 }) },
      ],
    });
    assert.deepEqual(r, [
      'Agent "alpha" has a success rate of 60.0%, below the 80% threshold: inspect the failed runs and their error messages.',
      'Agent "zeta" has a success rate of 50.0%, below the 80% threshold: inspect the failed runs and their error messages.',
      "P95 latency is 6.0 s, above the 5 s threshold: check the workload and model latency.",
      'Agent "alpha" has a p95 latency of 7.0 s, above the 5 s threshold: check its workload and model latency.',
    ]);
  });

  it("names the top error type once when both the success and error rates breach", () => {
    const r = recommendations({ metrics: metrics({ success_rate: 0.7, error_rate: 0.3 }), limits: T, agents: [] });
    assert.equal(r.length, 2);
    assert.match(r[0]!, /"timeout" \(3 runs\)/);
    assert.doesNotMatch(r[1]!, /timeout/);
  });

  it("never mentions a null figure", () => {
    const m = { ...emptyMetrics(), total_tasks: 3, successful_tasks: 3, success_rate: 1 };
    const r = recommendations({ metrics: m, limits: T, agents: [{ agent_name: "a", metrics: emptyMetrics() }], trends: trends(m, emptyMetrics()) });
    assert.deepEqual(r, ["All metrics are within thresholds: no action needed."]);
    for (const s of r) assert.doesNotMatch(s, /null|NaN|undefined/);
  });

  it("says nothing when there is no data at all", () => {
    assert.deepEqual(recommendations({ metrics: emptyMetrics(), limits: T, agents: [] }), []);
  });

  it("writes a figure at the threshold's edge with enough digits to show the breach", () => {
    const r = recommendations({ metrics: metrics({ success_rate: 0.7999 }), limits: T, agents: [] });
    assert.match(r[0]!, /^Success rate is 79\.99%, below the 80% threshold/);
  });

  it("is deterministic whatever the order of the agents", () => {
    const agents = ["b", "c", "a"].map((agent_name) => ({ agent_name, metrics: metrics({ cost_per_task: 2 }) }));
    const one = recommendations({ metrics: metrics(), limits: T, agents });
    const two = recommendations({ metrics: metrics(), limits: T, agents: [...agents].reverse() });
    assert.deepEqual(one, two);
    assert.match(one[0]!, /^Agent "a"/);
  });
});

describe("recommendations on the threshold model", () => {
  it("say nothing of a breach judged on fewer samples than the minimum", () => {
    const few = metrics({ total_tasks: 3, successful_tasks: 2, failed_tasks: 1, success_rate: 2 / 3, error_rate: 1 / 3, error_types: {} });
    const r = recommendations({ metrics: metrics(), limits: T, agents: [{ agent_name: "new_agent", metrics: few }] });
    assert.ok(!r.some((s) => s.includes("new_agent")), r.join("\n"));
  });

  it("use an agent's own limit over the global one", () => {
    const settings = defaultSettings();
    settings.agents.slow_agent = { keys: { latency_p95_max_ms: { trip: 9000, recover: null, min_samples: null } }, min_samples: null };
    const limits = (agent: string | null) => limitsFor(settings, agent === null ? {} : { agent_name: agent });
    const r = recommendations({ metrics: metrics(), limits, agents: [{ agent_name: "slow_agent", metrics: metrics({ p95_latency_ms: 6200 }) }, { agent_name: "other", metrics: metrics({ p95_latency_ms: 6200 }) }] });
    assert.deepEqual(r, ['Agent "other" has a p95 latency of 6.2 s, above the 5 s threshold: check its workload and model latency.']);
  });
});
