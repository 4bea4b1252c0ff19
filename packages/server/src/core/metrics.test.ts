import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import { metricsOf } from "./metrics.js";
import type { StoredEvent } from "./stored-event.js";

let seq = 0;
const ev = (type: StoredEvent["type"], body: Record<string, unknown>, ts = 60_000): StoredEvent => ({ id: `${type}-${seq++}`, type, ts, receivedAt: ts, body });

function bucketOf(...events: StoredEvent[]): Bucket {
  const b = new Bucket();
  const d = new EventDelta();
  for (const e of events) d.prepare(e).applyTo(b);
  return b;
}

/** The fields added with the cache, tool_call and retrieval events and the run's degradation fields. */
const COUNTS = ["degraded_tasks", "warnings", "tool_calls", "tool_failed_calls", "retrievals", "retrieval_failed_calls", "cache_operations", "cache_lookups", "cache_evictions", "cache_invalidations"] as const;
const FIGURES = [
  "degradation_rate",
  "warning_rate",
  "tool_error_rate",
  "tool_avg_latency_ms",
  "tool_cost",
  "retrieval_error_rate",
  "retrieval_avg_latency_ms",
  "retrieval_cost",
  "cache_lookup_hit_rate",
  "cache_evictions_per_s",
  "cache_entries",
  "cache_capacity",
  "cache_fill_ratio",
] as const;

describe("metricsOf", () => {
  it("has counts of 0 and null figures for the new fields when nothing was reported", () => {
    const m = metricsOf(new Bucket(), 60);
    for (const k of COUNTS) assert.equal(m[k], 0, k);
    for (const k of FIGURES) assert.equal(m[k], null, k);
  });

  it("writes degradation and warnings per run, partial runs counting as degraded", () => {
    const run = (status: string, extra: Record<string, unknown> = {}) => ev("run", { agent_name: "a", status, duration_ms: 10, ...extra });
    const m = metricsOf(bucketOf(run("success", { degraded: true, warnings: ["w"] }), run("partial", { warnings: ["w", "x", "y"] }), run("success"), run("failure"), run("partial", { degraded: true })), 10);
    assert.equal(m.total_tasks, 5);
    assert.equal(m.partial_tasks, 2);
    assert.equal(m.degraded_tasks, 3);
    assert.equal(m.degradation_rate, 0.6);
    assert.equal(m.warnings, 4);
    assert.equal(m.warning_rate, 0.8);
  });

  it("reads no degradation or warning rate without runs, even when other events arrived", () => {
    const m = metricsOf(bucketOf(ev("tool_call", { tool: "t", status: "success" })), 10);
    assert.equal(m.degradation_rate, null);
    assert.equal(m.warning_rate, null);
    assert.equal(m.tool_calls, 1);
  });

  it("writes tool and retrieval figures: error rates, mean latency over the calls that reported one, costs exact to the nano-dollar", () => {
    const m = metricsOf(
      bucketOf(
        ev("tool_call", { tool: "search", status: "success", duration_ms: 100, cost: 0.1 }),
        ev("tool_call", { tool: "search", status: "success", duration_ms: 300, cost: 0.2 }),
        ev("tool_call", { tool: "search", status: "failure" }),
        ev("tool_call", { tool: "calc", status: "success" }),
        ev("retrieval", { status: "failure", duration_ms: 40 }),
        ev("retrieval", { status: "success" }),
      ),
      10,
    );
    assert.deepEqual([m.tool_calls, m.tool_failed_calls, m.tool_error_rate, m.tool_avg_latency_ms, m.tool_cost], [4, 1, 0.25, 200, 0.3]);
    assert.deepEqual([m.retrievals, m.retrieval_failed_calls, m.retrieval_error_rate, m.retrieval_avg_latency_ms, m.retrieval_cost], [2, 1, 0.5, 40, null]);
    assert.equal(m.total_tasks, 0, "tool calls and retrievals are not runs");
  });

  it("writes cache figures from cache events, leaving the run-based cache_hit_rate alone", () => {
    const m = metricsOf(
      bucketOf(
        ev("run", { agent_name: "a", status: "success", duration_ms: 1, cache_hit: false }),
        ev("cache", { operation: "hit", count: 3 }),
        ev("cache", { operation: "miss" }),
        ev("cache", { operation: "write" }),
        ev("cache", { operation: "evict", count: 120, entries: 1000, capacity: 1000 }, 50_000),
        ev("cache", { operation: "invalidate", count: 5, entries: 960 }, 70_000),
      ),
      2,
    );
    assert.equal(m.cache_hit_rate, 0);
    assert.equal(m.cache_operations, 3 + 1 + 1 + 120 + 5);
    assert.equal(m.cache_lookups, 4);
    assert.equal(m.cache_lookup_hit_rate, 0.75);
    assert.equal(m.cache_evictions, 120);
    assert.equal(m.cache_evictions_per_s, 1, "120 evictions over a 2-minute window");
    assert.equal(m.cache_invalidations, 5);
    assert.equal(m.cache_entries, 960, "the latest report, not the largest");
    assert.equal(m.cache_capacity, 1000);
    assert.equal(m.cache_fill_ratio, 0.96);
  });

  it("has an eviction rate of 0 when the caches reported but evicted nothing, and no fill ratio without a capacity", () => {
    const m = metricsOf(bucketOf(ev("cache", { operation: "hit", entries: 12 })), 5);
    assert.equal(m.cache_evictions_per_s, 0);
    assert.equal(m.cache_entries, 12);
    assert.equal(m.cache_capacity, null);
    assert.equal(m.cache_fill_ratio, null);
    assert.equal(m.cache_lookup_hit_rate, 1);
  });
});
