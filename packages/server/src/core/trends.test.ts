import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Metrics } from "@vigil/contract";
import { Bucket, F } from "./bucket.js";
import { metricsOf } from "./metrics.js";
import { METRIC_DIRECTIONS, trendOf, trends } from "./trends.js";

function metrics(over: Partial<Metrics> = {}): Metrics {
  return {
    total_tasks: 100, successful_tasks: 90, failed_tasks: 10, partial_tasks: 0, timeout_tasks: 0,
    success_rate: 0.9, error_rate: 0.1, avg_latency_ms: 1000, p50_latency_ms: 900, p95_latency_ms: 2000,
    p99_latency_ms: 3000, total_tokens: 10000, input_tokens: 8000, output_tokens: 2000, total_cost: 5,
    cost_per_task: 0.05, tokens_per_task: 100, avg_quality_score: 0.8, avg_confidence: 0.9,
    avg_memory_mb: 100, max_memory_mb: 200, total_retries: 0, avg_accuracy: 0.85, accuracy_samples: 20,
    avg_satisfaction: 0.7, avg_rating: 4, feedback_samples: 5, cache_hit_rate: 0.5, llm_calls: 100,
    llm_failed_calls: 1, llm_error_rate: 0.01, llm_avg_latency_ms: 500, llm_p50_latency_ms: 400,
    llm_p95_latency_ms: 1200, llm_p99_latency_ms: 1500, llm_avg_ttft_ms: 200, llm_input_tokens: 8000,
    llm_output_tokens: 2000, llm_cached_input_tokens: 1000, llm_cost: 5, llm_cache_hit_rate: 0.1,
    cost_saved_by_cache: 0.5, throughput_per_min: 1.7,
    degraded_tasks: 2, degradation_rate: 0.02, warnings: 5, warning_rate: 0.05, tool_calls: 40, tool_failed_calls: 1,
    tool_error_rate: 0.025, tool_avg_latency_ms: 300, tool_cost: 0.2, retrievals: 50, retrieval_failed_calls: 0,
    retrieval_error_rate: 0, retrieval_avg_latency_ms: 150, retrieval_cost: 0.1, cache_operations: 120, cache_lookups: 100,
    cache_lookup_hit_rate: 0.5, cache_evictions: 3, cache_evictions_per_s: 0.000833, cache_invalidations: 1,
    cache_entries: 400, cache_capacity: 1000, cache_fill_ratio: 0.4, error_types: {},
    ...over,
  };
}

describe("trendOf", () => {
  it("calls a change within ±5% stable, including exactly 5%", () => {
    assert.equal(trendOf(0.84, 0.8, "higher_is_better"), "stable");
    assert.equal(trendOf(0.76, 0.8, "higher_is_better"), "stable");
    assert.equal(trendOf(105, 100, "lower_is_better"), "stable");
  });

  it("reads a rise as improving or degrading by the metric's direction", () => {
    assert.equal(trendOf(0.9, 0.8, "higher_is_better"), "improving");
    assert.equal(trendOf(0.7, 0.8, "higher_is_better"), "degrading");
    assert.equal(trendOf(1200, 1000, "lower_is_better"), "degrading");
    assert.equal(trendOf(800, 1000, "lower_is_better"), "improving");
  });

  it("measures change relative to the magnitude of the previous value", () => {
    assert.equal(trendOf(-8, -10, "higher_is_better"), "improving");
    assert.equal(trendOf(-10.4, -10, "higher_is_better"), "stable");
  });

  it("honours a custom tolerance", () => {
    assert.equal(trendOf(1.08, 1, "higher_is_better", 0.1), "stable");
    assert.equal(trendOf(1.08, 1, "higher_is_better", 0.01), "improving");
  });

  it("treats any change from 0 as beyond tolerance, and 0 → 0 as stable", () => {
    assert.equal(trendOf(0, 0, "lower_is_better"), "stable");
    assert.equal(trendOf(0.001, 0, "lower_is_better"), "degrading");
    assert.equal(trendOf(0.001, 0, "higher_is_better"), "improving");
  });

  it("has no trend when either value is missing", () => {
    assert.equal(trendOf(null, 1, "higher_is_better"), null);
    assert.equal(trendOf(1, null, "higher_is_better"), null);
    assert.equal(trendOf(NaN, 1, "higher_is_better"), null);
  });
});

describe("METRIC_DIRECTIONS", () => {
  it("ranks latency, cost and errors lower-is-better and rates of good outcomes higher-is-better", () => {
    assert.equal(METRIC_DIRECTIONS.p95_latency_ms, "lower_is_better");
    assert.equal(METRIC_DIRECTIONS.cost_per_task, "lower_is_better");
    assert.equal(METRIC_DIRECTIONS.llm_error_rate, "lower_is_better");
    assert.equal(METRIC_DIRECTIONS.success_rate, "higher_is_better");
    assert.equal(METRIC_DIRECTIONS.throughput_per_min, "higher_is_better");
    assert.equal(METRIC_DIRECTIONS.error_types, undefined);
  });
});

describe("trends", () => {
  it("reports every directed metric with both values, the relative change and the trend", () => {
    const r = trends(metrics({ p95_latency_ms: 3000, success_rate: 0.72 }), metrics());
    assert.deepEqual(Object.keys(r), Object.keys(METRIC_DIRECTIONS));
    assert.deepEqual(r["p95_latency_ms"], { current: 3000, previous: 2000, change: 0.5, trend: "degrading" });
    assert.equal(r["success_rate"]!.trend, "degrading");
    assert.ok(Math.abs(r["success_rate"]!.change! + 0.2) < 1e-12);
    assert.deepEqual(r["avg_latency_ms"], { current: 1000, previous: 1000, change: 0, trend: "stable" });
  });

  it("leaves change and trend null for figures missing in either window", () => {
    const r = trends(metrics({ avg_accuracy: null }), metrics({ cache_hit_rate: null }));
    assert.deepEqual(r["avg_accuracy"], { current: null, previous: 0.85, change: null, trend: null });
    assert.deepEqual(r["cache_hit_rate"], { current: 0.5, previous: null, change: null, trend: null });
  });

  it("leaves change null but still reports a trend when the previous value is 0", () => {
    const r = trends(metrics({ total_cost: 2 }), metrics({ total_cost: 0 }));
    assert.deepEqual(r["total_cost"], { current: 2, previous: 0, change: null, trend: "degrading" });
  });

  it("calls nothing improving or degrading against a previous window with no events", () => {
    const none = metricsOf(new Bucket(), 60);
    const r = trends(metrics(), none);
    assert.equal(r["throughput_per_min"]!.previous, 0, "the empty window's throughput is 0 ...");
    assert.deepEqual(r["throughput_per_min"], { current: 1.7, previous: 0, change: null, trend: null }, "... and no trend is drawn from it");
    for (const [k, t] of Object.entries(r)) assert.equal(t.trend, null, k);
    // One event of any kind in the previous window makes its figures comparable again.
    const one = new Bucket();
    one.f[F.retrieval] = 1;
    assert.equal(trends(metrics(), metricsOf(one, 60))["throughput_per_min"]!.trend, "improving");
  });
});
