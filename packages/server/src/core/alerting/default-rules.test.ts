import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket } from "../bucket.js";
import { EventDelta } from "../event-delta.js";
import { metricsOf } from "../metrics.js";
import type { StoredEvent } from "../stored-event.js";
import { ALERT_METRICS, catalogueEntry } from "./catalogue.js";
import { defaultRules } from "./default-rules.js";
import { evaluateRule } from "./evaluator.js";
import type { AlertRule } from "./types.js";

let seq = 0;
const ev = (type: StoredEvent["type"], body: Record<string, unknown>, ts = 60_000): StoredEvent => ({ id: `${type}-${seq++}`, type, ts, receivedAt: ts, body });

function metrics(events: StoredEvent[], minutes = 10) {
  const b = new Bucket();
  const d = new EventDelta();
  for (const e of events) d.prepare(e).applyTo(b);
  return metricsOf(b, minutes);
}

const shipped = (name: string): AlertRule => defaultRules().find((r) => r.name === name)!;

/** Whether a shipped rule fires at once on a window with these events (its `for` left aside). */
function fires(name: string, events: StoredEvent[]): { fired: boolean; summary: string | undefined } {
  const rule = { ...shipped(name), for_ms: 0 };
  const m = metrics(events, rule.window_ms / 60_000);
  const entry = catalogueEntry(rule.metric)!;
  const res = evaluateRule(rule, [{ group: {}, value: entry.value(m, rule.window_ms / 60_000), samples: entry.samples(m), threshold: rule.threshold }], [], 0);
  const a = res.upserts[0];
  return { fired: a?.state === "firing", summary: a?.annotations.summary };
}

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe("the catalogue", () => {
  it("offers every figure of the cache, tool, retrieval and degradation fields", () => {
    for (const k of ["degraded_tasks", "degradation_rate", "warnings", "warning_rate", "tool_calls", "tool_failed_calls", "tool_error_rate", "tool_avg_latency_ms", "tool_cost", "retrievals", "retrieval_failed_calls", "retrieval_error_rate", "retrieval_avg_latency_ms", "retrieval_cost", "cache_operations", "cache_lookup_hit_rate", "cache_evictions", "cache_evictions_per_s", "cache_invalidations", "cache_entries", "cache_capacity", "cache_fill_ratio"]) {
      assert.ok(catalogueEntry(k), k);
    }
  });

  it("counts samples in the events each figure rests on", () => {
    const m = metrics([
      ...times(3, () => ev("run", { agent_name: "a", status: "success", duration_ms: 1 })),
      ...times(4, () => ev("tool_call", { tool: "t", status: "success" })),
      ...times(5, () => ev("retrieval", { status: "success" })),
      ev("cache", { operation: "hit", count: 6 }),
      ev("cache", { operation: "write", count: 2 }),
    ]);
    const samples = (k: string) => ALERT_METRICS[k]!.samples(m);
    assert.equal(samples("degradation_rate"), 3);
    assert.equal(samples("warning_rate"), 3);
    assert.equal(samples("tool_error_rate"), 4);
    assert.equal(samples("tool_avg_latency_ms"), 4);
    assert.equal(samples("retrieval_error_rate"), 5);
    assert.equal(samples("cache_lookup_hit_rate"), 6, "lookups only: writes are not lookups");
    assert.equal(samples("cache_evictions_per_s"), 8);
    assert.equal(samples("cache_entries"), 8);
    assert.equal(samples("tool_calls"), Number.MAX_SAFE_INTEGER, "a count is its own evidence");
  });
});

describe("the shipped rule pack", () => {
  it("reads seed 004's tool, retrieval, degradation and cache alerts from the event figures, not custom metrics", () => {
    const pick = (n: string) => {
      const r = shipped(n);
      return { metric: r.metric, comparator: r.comparator, threshold: r.threshold, window: r.window_ms / 60_000, for: r.for_ms / 60_000, min_samples: r.min_samples, aggregate: r.aggregate };
    };
    assert.deepEqual(pick("ToolFailureRateHigh"), { metric: "tool_error_rate", comparator: ">", threshold: 0.1, window: 10, for: 10, min_samples: 10, aggregate: null });
    assert.deepEqual(pick("RagFailureRateHigh"), { metric: "retrieval_error_rate", comparator: ">", threshold: 0.05, window: 10, for: 10, min_samples: 10, aggregate: null });
    assert.deepEqual(pick("HighDegradationRate"), { metric: "degradation_rate", comparator: ">", threshold: 0.2, window: 10, for: 10, min_samples: 10, aggregate: null });
    assert.deepEqual(pick("HighCacheEvictionRate"), { metric: "cache_evictions_per_s", comparator: ">", threshold: 10, window: 5, for: 10, min_samples: 1, aggregate: null });
    assert.deepEqual(pick("CacheNearCapacity"), { metric: "cache_entries", comparator: ">", threshold: 950, window: 1, for: 10, min_samples: 1, aggregate: null });
    assert.equal(defaultRules().length, 27);
    assert.ok(defaultRules().every((r) => !r.metric.startsWith("custom.")));
  });

  it("ships anomaly rules for p95 latency, error rate and cost per task, per route and per model, on by default", () => {
    const anomalies = defaultRules().filter((r) => r.anomaly);
    assert.deepEqual(anomalies.map((r) => `${r.metric} by ${r.group_by.join(",")}`).sort(), ["cost_per_task by model", "cost_per_task by route", "error_rate by model", "error_rate by route", "p95_latency_ms by model", "p95_latency_ms by route"]);
    for (const r of anomalies) {
      assert.equal(r.enabled, true);
      assert.deepEqual(r.anomaly, { threshold: 0.6, sensitivity: "medium", min_history_ms: 86_400_000, step_ms: 300_000 });
      assert.equal(r.threshold, null);
    }
  });

  it("fires ToolFailureRateHigh on 2 failed tool calls in 12, not on 1, nor on too few calls", () => {
    const calls = (failed: number, n: number) => times(n, (i) => ev("tool_call", { tool: "search", status: i < failed ? "failure" : "success" }));
    const hot = fires("ToolFailureRateHigh", calls(2, 12));
    assert.equal(hot.fired, true);
    assert.equal(hot.summary, "Tool failure rate is 16.7%, above 10%");
    assert.equal(fires("ToolFailureRateHigh", calls(1, 12)).fired, false);
    assert.equal(fires("ToolFailureRateHigh", calls(5, 9)).fired, false, "fewer than min_samples calls is no data");
  });

  it("fires RagFailureRateHigh above 5% of retrievals", () => {
    assert.equal(fires("RagFailureRateHigh", times(10, (i) => ev("retrieval", { status: i === 0 ? "failure" : "success" }))).fired, true);
    assert.equal(fires("RagFailureRateHigh", times(20, (i) => ev("retrieval", { status: i === 0 ? "failure" : "success" }))).fired, false);
  });

  it("fires HighDegradationRate on degraded runs and on partial runs alike", () => {
    const runs = (extra: (i: number) => Record<string, unknown>) => times(10, (i) => ev("run", { agent_name: "a", status: "success", duration_ms: 1, ...extra(i) }));
    assert.equal(fires("HighDegradationRate", runs((i) => (i < 3 ? { degraded: true } : {}))).fired, true);
    assert.equal(fires("HighDegradationRate", runs((i) => (i < 3 ? { status: "partial" } : {}))).fired, true, "clients that only send partial keep their alert");
    assert.equal(fires("HighDegradationRate", runs((i) => (i < 2 ? { degraded: true, status: "partial" } : {}))).fired, false, "a run both partial and degraded counts once");
  });

  it("fires HighCacheEvictionRate above 10 evictions per second of window", () => {
    // 5-minute window: more than 3,000 evictions.
    const hot = fires("HighCacheEvictionRate", [ev("cache", { operation: "evict", count: 3300 })]);
    assert.equal(hot.fired, true);
    assert.equal(hot.summary, "Cache evicts 11.00 entries per second, above 10");
    assert.equal(fires("HighCacheEvictionRate", [ev("cache", { operation: "evict", count: 3000 })]).fired, false);
    assert.equal(fires("HighCacheEvictionRate", []).fired, false);
  });

  it("fires CacheNearCapacity on the latest entries reported above 950", () => {
    const hot = fires("CacheNearCapacity", [ev("cache", { operation: "write", entries: 940, capacity: 1000 }, 1000), ev("cache", { operation: "write", entries: 962 }, 2000)]);
    assert.equal(hot.fired, true);
    assert.equal(hot.summary, "Cache holds 962 entries, above 950 of 1000");
    assert.equal(fires("CacheNearCapacity", [ev("cache", { operation: "write", entries: 990 }, 1000), ev("cache", { operation: "evict", entries: 900 }, 2000)]).fired, false, "an older, fuller report does not count");
    assert.equal(fires("CacheNearCapacity", [ev("cache", { operation: "hit" })]).fired, false, "no entries reported is no data");
  });
});
