import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, F, FIELD_COUNT, FIELD_MERGE, LATEST_PAIRS, MERGE_LATEST, mergeLatest } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import { metricsOf } from "./metrics.js";
import type { StoredEvent } from "./stored-event.js";

/** Fields a bucket had before the cache, tool_call and retrieval events were added. */
const OLD_FIELD_COUNT = 52;

/** Writes a bucket as the layout-1 encoder did with `fields` numeric fields (sketches and tail unchanged). */
function encodeWithFields(b: Bucket, fields: number): Uint8Array {
  const extra = b.extraBytes();
  const size = 16 + fields * 8 + b.runLatency.encodedSize() + b.llmLatency.encodedSize() + 8 + extra.length;
  const buf = new ArrayBuffer(size);
  const h = new Float64Array(buf, 0, 2);
  h[0] = 1;
  h[1] = fields;
  new Float64Array(buf, 16, fields).set(b.f.subarray(0, fields));
  let at = b.runLatency.encode(buf, 16 + fields * 8);
  at = b.llmLatency.encode(buf, at);
  new Float64Array(buf, at, 1)[0] = extra.length;
  new Uint8Array(buf, at + 8, extra.length).set(extra);
  return new Uint8Array(buf);
}

const ev = (type: StoredEvent["type"], ts: number, body: Record<string, unknown>): StoredEvent => ({ id: `${type}-${ts}-${JSON.stringify(body)}`, type, ts, receivedAt: ts, body });

function bucketOf(...events: StoredEvent[]): Bucket {
  const b = new Bucket();
  const d = new EventDelta();
  for (const e of events) d.prepare(e).applyTo(b);
  return b;
}

/** A small deterministic generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe("Bucket", () => {
  it("decodes a bucket persisted before the new fields, reading them as no samples", () => {
    const old = bucketOf(
      ev("run", 1000, { agent_name: "a", status: "success", duration_ms: 120, cost: 0.25, agent_type: "react" }),
      ev("run", 2000, { agent_name: "a", status: "timeout", duration_ms: 900 }),
      ev("llm_call", 1500, { model: "m", latency_ms: 300, cost: 0.1 }),
    );
    const bytes = encodeWithFields(old, OLD_FIELD_COUNT);
    const b = Bucket.decode(bytes);
    for (let i = 0; i < OLD_FIELD_COUNT; i++) assert.equal(b.f[i], old.f[i], `field ${i}`);
    for (let i = OLD_FIELD_COUNT; i < FIELD_COUNT; i++) assert.equal(b.f[i], 0, `field ${i}`);
    assert.equal(b.agentType, "react");
    assert.deepEqual([...b.errorTypes!], [["timeout", 1]]);
    const m = metricsOf(b, 1);
    assert.equal(m.total_tasks, 2);
    assert.equal(m.p50_latency_ms, metricsOf(old, 1).p50_latency_ms);
    assert.equal(m.llm_cost, 0.1);
    assert.equal(m.degraded_tasks, 0);
    assert.equal(m.degradation_rate, 0);
    assert.equal(m.tool_calls, 0);
    assert.equal(m.tool_error_rate, null);
    assert.equal(m.cache_entries, null);
    assert.equal(m.cache_capacity, null);
    assert.equal(m.cache_evictions_per_s, null);
  });

  it("round-trips the new fields through its encoding", () => {
    const b = bucketOf(
      ev("run", 1000, { agent_name: "a", status: "partial", duration_ms: 10, degraded: true, warnings: ["w1", "w2"] }),
      ev("tool_call", 1100, { tool: "search", status: "failure", duration_ms: 40, cost: 0.002 }),
      ev("retrieval", 1200, { status: "success", duration_ms: 25, cost: 0.0001 }),
      ev("cache", 1300, { operation: "evict", count: 3, entries: 990, capacity: 1000 }),
    );
    const copy = Bucket.decode(b.encode());
    assert.deepEqual([...copy.f], [...b.f]);
    assert.deepEqual(metricsOf(copy, 1), metricsOf(b, 1));
  });

  it("merges the latest-value fields by event time, whatever the order of the merges", () => {
    const r = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      // Few distinct times, so ties (equal times, different values) are common.
      const events = Array.from({ length: 1 + Math.floor(r() * 6) }, () => {
        const list: StoredEvent[] = [];
        for (let i = Math.floor(r() * 4); i > 0; i--) {
          const body: Record<string, unknown> = { operation: "write" };
          if (r() < 0.8) body.entries = Math.floor(r() * 5);
          if (r() < 0.5) body.capacity = 10 + Math.floor(r() * 3);
          list.push(ev("cache", 1000 * Math.floor(r() * 4), body));
        }
        return list;
      });
      const parts = events.map((list) => bucketOf(...list));
      const merged = (order: Bucket[]) => {
        const b = new Bucket();
        for (const p of order) b.merge(p);
        return b;
      };
      const forward = merged(parts);
      const backward = merged([...parts].reverse());
      // Pairwise first, then merged, as minute buckets are merged into a window.
      const nested = new Bucket();
      for (let i = 0; i < parts.length; i += 2) nested.merge(merged(parts.slice(i, i + 2).reverse()));
      // Every event folded into one bucket, in reverse order.
      const folded = bucketOf(...events.flat().reverse());
      assert.deepEqual([...backward.f], [...forward.f], `trial ${trial}`);
      assert.deepEqual([...nested.f], [...forward.f], `trial ${trial}`);
      assert.deepEqual([...folded.f], [...forward.f], `trial ${trial}`);
      // And the value is that of the latest report (the largest among reports of that time).
      const reports = events.flat().filter((e) => e.body.entries !== undefined);
      const latest = reports.reduce<StoredEvent | null>((best, e) => (!best || e.ts > best.ts || (e.ts === best.ts && (e.body.entries as number) > (best.body.entries as number)) ? e : best), null);
      assert.equal(metricsOf(forward, 1).cache_entries, latest ? latest.body.entries : null, `trial ${trial}`);
    }
  });

  it("keeps the value of the latest report, and the larger value when two reports share a time", () => {
    const a = bucketOf(ev("cache", 5000, { operation: "write", entries: 700 }));
    const b = bucketOf(ev("cache", 9000, { operation: "evict", entries: 640, capacity: 1000 }));
    const c = bucketOf(ev("cache", 9000, { operation: "write", entries: 650 }));
    const w = new Bucket();
    w.merge(b);
    w.merge(a);
    assert.equal(w.f[F.cacheEntries], 640, "the older report does not replace the newer one");
    assert.equal(w.f[F.cacheCapacity], 1000);
    w.merge(c);
    assert.equal(w.f[F.cacheEntries], 650, "a tie on time keeps the larger value");
    assert.equal(w.f[F.cacheEntriesN], 3);
    assert.equal(w.f[F.cacheCapacityN], 1);
  });

  it("does not let an empty bucket or a report at time 0 lose against nothing", () => {
    const z = bucketOf(ev("cache", 0, { operation: "write", entries: 0, capacity: 0 }));
    const w = new Bucket();
    w.merge(new Bucket());
    w.merge(z);
    const m = metricsOf(w, 1);
    assert.equal(m.cache_entries, 0);
    assert.equal(m.cache_capacity, 0);
    assert.equal(m.cache_fill_ratio, null, "no capacity, no ratio");
    const into = new Float64Array(FIELD_COUNT);
    mergeLatest(into, new Float64Array(FIELD_COUNT));
    assert.ok(into.every((v) => v === 0));
  });

  it("marks exactly the latest-value pairs as merged by time", () => {
    const latest = [...FIELD_MERGE.keys()].filter((i) => FIELD_MERGE[i] === MERGE_LATEST);
    assert.deepEqual(latest, LATEST_PAIRS.flat().sort((x, y) => x - y));
    assert.deepEqual(LATEST_PAIRS, [
      [F.cacheEntriesTs, F.cacheEntries],
      [F.cacheCapacityTs, F.cacheCapacity],
    ]);
  });
});
