import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, F } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import type { StoredEvent } from "./stored-event.js";

const ev = (type: StoredEvent["type"], body: Record<string, unknown>, ts = 60_000): StoredEvent => ({ id: `${type}-${ts}`, type, ts, receivedAt: ts, body });

/** Folds events into one bucket with a single reused delta, as the rollup index does. */
function fold(...events: StoredEvent[]): Float64Array {
  const b = new Bucket();
  const d = new EventDelta();
  for (const e of events) d.prepare(e).applyTo(b);
  return b.f;
}

describe("EventDelta", () => {
  it("counts a run as degraded when it sends degraded: true or has status partial, once when both", () => {
    const f = fold(
      ev("run", { agent_name: "a", status: "success", duration_ms: 1, degraded: true, degradation_reason: "rag_timeout" }),
      ev("run", { agent_name: "a", status: "partial", duration_ms: 1 }),
      ev("run", { agent_name: "a", status: "partial", duration_ms: 1, degraded: true }),
      ev("run", { agent_name: "a", status: "success", duration_ms: 1, degraded: false }),
      ev("run", { agent_name: "a", status: "failure", duration_ms: 1 }),
    );
    assert.equal(f[F.runs], 5);
    assert.equal(f[F.degraded], 3);
    assert.equal(f[F.degradedFlag], 2);
    assert.equal(f[F.partial], 2);
  });

  it("counts every entry of a run's warnings list", () => {
    const f = fold(ev("run", { agent_name: "a", status: "success", duration_ms: 1, warnings: ["slow_tool", "slow_tool", "truncated"] }), ev("run", { agent_name: "a", status: "success", duration_ms: 1, warnings: [] }), ev("run", { agent_name: "a", status: "success", duration_ms: 1 }));
    assert.equal(f[F.warnings], 3);
  });

  it("folds tool calls: count, failures, duration and cost (in nano-dollars) over the calls that reported them", () => {
    const f = fold(
      ev("tool_call", { tool: "web_search", status: "success", duration_ms: 120, cost: 0.001 }),
      ev("tool_call", { tool: "web_search", status: "failure", duration_ms: 30, error_type: "http_503" }),
      ev("tool_call", { tool: "calculator", status: "success" }),
    );
    assert.deepEqual([f[F.tool], f[F.toolFail], f[F.toolDurSum], f[F.toolDurN], f[F.toolCostSum], f[F.toolCostN]], [3, 1, 150, 2, 1_000_000, 1]);
    assert.equal(f[F.runs], 0, "a tool call is not a run");
    assert.equal(f[F.failure], 0);
  });

  it("folds retrievals like tool calls", () => {
    const f = fold(ev("retrieval", { status: "failure", source: "pinecone", duration_ms: 800, cost: 0.0002 }), ev("retrieval", { status: "success", duration_ms: 50, documents: 5 }));
    assert.deepEqual([f[F.retrieval], f[F.retrievalFail], f[F.retrievalDurSum], f[F.retrievalDurN], f[F.retrievalCostSum], f[F.retrievalCostN]], [2, 1, 850, 2, 200_000, 1]);
    assert.equal(f[F.tool], 0);
  });

  it("adds each cache operation's count (default 1) under its kind", () => {
    const f = fold(
      ev("cache", { operation: "hit" }),
      ev("cache", { operation: "hit", count: 4 }),
      ev("cache", { operation: "miss" }),
      ev("cache", { operation: "write", count: 2 }),
      ev("cache", { operation: "evict", count: 7, reason: "capacity" }),
      ev("cache", { operation: "invalidate", count: 30, reason: "deploy" }),
    );
    assert.deepEqual([f[F.cacheHits], f[F.cacheMisses], f[F.cacheWrites], f[F.cacheEvictions], f[F.cacheInvalidations]], [5, 1, 2, 7, 30]);
    assert.equal(f[F.cacheHit], 0, "cache events leave the run-based cache hit rate alone");
    assert.equal(f[F.cacheEntriesN], 0);
  });

  it("keeps the latest entries and capacity by event time, whatever order the events are folded in", () => {
    const events = [
      ev("cache", { operation: "write", entries: 900, capacity: 1000 }, 1000),
      ev("cache", { operation: "write", entries: 960 }, 3000),
      ev("cache", { operation: "evict", entries: 955, capacity: 1200 }, 2000),
    ];
    for (const order of [events, [...events].reverse(), [events[1]!, events[0]!, events[2]!]]) {
      const f = fold(...order);
      assert.deepEqual([f[F.cacheEntries], f[F.cacheEntriesTs], f[F.cacheEntriesN]], [960, 3000, 3]);
      assert.deepEqual([f[F.cacheCapacity], f[F.cacheCapacityTs], f[F.cacheCapacityN]], [1200, 2000, 2]);
    }
  });

  it("resets between events: a reused delta carries nothing over", () => {
    const b = new Bucket();
    const d = new EventDelta();
    d.prepare(ev("cache", { operation: "evict", count: 3, entries: 10, capacity: 20 }, 5000)).applyTo(b);
    d.prepare(ev("tool_call", { tool: "t", status: "success" }, 1000)).applyTo(b);
    d.prepare(ev("run", { agent_name: "a", status: "partial", duration_ms: 1 }, 1000)).applyTo(b);
    assert.equal(b.f[F.cacheEvictions], 3);
    assert.equal(b.f[F.cacheEntries], 10);
    assert.equal(b.f[F.cacheEntriesN], 1);
    assert.equal(b.f[F.tool], 1);
    assert.equal(b.f[F.degraded], 1);
    assert.equal(b.f[F.lastSeen], 5000);
  });
});
