/**
 * Compact buckets answer exactly as full ones: the same events folded into both give the same
 * fields and figures, merging either form into a full bucket gives the same result, a full bucket
 * converted to compact reads back the same, and the shared empty sketch of a compact bucket
 * refuses writes rather than corrupting every bucket that reads it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, F } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import { metricsOf } from "./metrics.js";
import type { StoredEvent } from "./stored-event.js";

function events(seed: number, n: number): StoredEvent[] {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = 1_800_000_000_000 + Math.floor(r() * 60_000);
    const k = r();
    let ev: StoredEvent;
    if (k < 0.5) ev = { id: `r${i}`, type: "run", ts, receivedAt: ts, body: { status: r() < 0.8 ? "success" : "failure", duration_ms: Math.round(r() * 5000), cost: r() < 0.5 ? r() / 100 : undefined, memory_mb: r() < 0.3 ? r() * 900 : undefined, quality_score: r(), error_type: "boom", agent_type: r() < 0.5 ? "a" : "b", degraded: r() < 0.1 } };
    else if (k < 0.8) ev = { id: `l${i}`, type: "llm_call", ts, receivedAt: ts, body: { status: "success", latency_ms: Math.round(r() * 900), input_tokens: 10, cached: r() < 0.5 } };
    else if (k < 0.9) ev = { id: `c${i}`, type: "cache", ts, receivedAt: ts, body: { operation: "hit", entries: Math.floor(r() * 100), capacity: 100 } };
    else ev = { id: `f${i}`, type: "feedback", ts, receivedAt: ts, body: { satisfaction: r(), rating: 3 } };
    out.push(ev);
  }
  return out;
}

const figures = (b: Bucket) => ({ f: [...b.f], m: metricsOf(b, 1), types: b.errorTypes ? [...b.errorTypes] : [], agentType: b.agentType });

describe("compact buckets", () => {
  for (const n of [1, 2, 7, 60]) {
    it(`hold the same figures as full buckets (${n} events)`, () => {
      const d = new EventDelta();
      const full = new Bucket();
      const compact = Bucket.compact();
      for (const ev of events(n, n)) {
        d.prepare(ev);
        d.applyTo(full);
        d.applyTo(compact);
      }
      assert.deepEqual(figures(compact), figures(full));
      for (let i = 0; i < full.f.length; i++) assert.equal(compact.field(i), full.field(i));
      const a = new Bucket();
      a.merge(full);
      const b = new Bucket();
      b.merge(compact);
      assert.deepEqual(figures(b), figures(a), "merging either form gives the same");
      assert.deepEqual(figures(Bucket.compactOf(full)), figures(full), "a full bucket turned compact reads back the same");
      assert.deepEqual(figures(Bucket.decode(compact.encode())), figures(full), "and encodes the same");
    });
  }

  it("keep only the fields they received, and no sketch they do not need", () => {
    const d = new EventDelta();
    const b = Bucket.compact();
    d.prepare({ id: "x", type: "run", ts: 1_800_000_000_000, receivedAt: 0, body: { status: "success", duration_ms: 120 } }).applyTo(b);
    assert.equal(b.isCompact, true);
    assert.equal(b.field(F.runs), 1);
    assert.equal(b.field(F.llm), 0);
    assert.equal(b.llmLatency.count, 0);
    assert.throws(() => b.llmLatency.add(5), TypeError, "the shared empty sketch is frozen");
    assert.equal(Bucket.compact().runLatency.count, 0, "and stays empty");
  });
});
