/**
 * The metrics an alert rule reads field by field equal the metrics block of the same bucket, for
 * every field of the block, over buckets holding every kind of event (and empty ones).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket } from "../bucket.js";
import { metricsOf } from "../metrics.js";
import { MINUTE, RollupIndex } from "../rollup-index.js";
import type { StoredEvent } from "../stored-event.js";
import { ALERT_METRICS } from "./catalogue.js";
import { COUNTS, LazyMetrics, needOf } from "./lazy-metrics.js";
import { LLM_SKETCH, RUN_SKETCH } from "../window-need.js";

const T = Date.UTC(2026, 11, 7, 15, 0, 0);

function events(n: number): StoredEvent[] {
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: StoredEvent[] = [];
  const kinds: [StoredEvent["type"], () => Record<string, unknown>][] = [
    ["run", () => ({ status: ["success", "failure", "timeout", "partial"][Math.floor(r() * 4)], duration_ms: r() * 5000, input_tokens: 100, output_tokens: Math.floor(r() * 900), cost: r() / 100, quality_score: r(), confidence: r(), memory_mb: r() * 900, cache_hit: r() < 0.5, degraded: r() < 0.2, warnings: ["w"] })],
    ["llm_call", () => ({ status: r() < 0.8 ? "success" : "failure", latency_ms: r() * 3000, ttft_ms: r() * 300, input_tokens: 50, output_tokens: 20, cost: r() / 1000, cached: r() < 0.3 })],
    ["outcome", () => ({ accuracy: r() })],
    ["feedback", () => ({ satisfaction: r(), rating: 1 + Math.floor(r() * 5) })],
    ["cache", () => ({ operation: ["hit", "miss", "write", "evict", "invalidate"][Math.floor(r() * 5)], count: 1 + Math.floor(r() * 3), entries: Math.floor(r() * 100), capacity: 100 })],
    ["tool_call", () => ({ status: r() < 0.8 ? "success" : "failure", duration_ms: r() * 400, cost: r() / 1e4 })],
    ["retrieval", () => ({ status: r() < 0.9 ? "success" : "failure", duration_ms: r() * 200, cost: r() / 1e4 })],
  ];
  for (let i = 0; i < n; i++) {
    const [type, body] = kinds[Math.floor(r() * kinds.length)]!;
    out.push({ id: `e${i}`, type, ts: T - Math.floor(r() * 5 * MINUTE), receivedAt: T, body: { agent_name: `a${i % 7}`, model: `m${i % 3}`, ...body() } });
  }
  return out;
}

describe("metrics read field by field", () => {
  it("equal the metrics block of the same bucket, field for field", () => {
    const index = new RollupIndex({ minuteMs: 6 * 3_600_000, hourMs: 7 * 86_400_000 });
    for (const ev of events(3000)) index.fold(ev);
    const groups = [...index.query(T - 5 * MINUTE, T, T, {}, ["agent_name", "model"]).values()].map((g) => g.bucket);
    groups.push(new Bucket());
    for (const b of groups) {
      for (const minutes of [0.5, 5, 15]) {
        const want = metricsOf(b, minutes) as unknown as Record<string, unknown>;
        const lazy = new LazyMetrics(b, minutes);
        const got = lazy as unknown as Record<string, unknown>;
        for (const k of Object.keys(want)) {
          if (k === "error_types") continue;
          assert.deepEqual(got[k], want[k], k);
        }
        for (const [k, i] of Object.entries(COUNTS)) assert.equal(lazy.raw(i), want[k], `${k} as a raw field`);
      }
    }
  });

  it("read only the fields and sketches their need names: a group holding just those gives the same value and samples", () => {
    const index = new RollupIndex({ minuteMs: 6 * 3_600_000, hourMs: 7 * 86_400_000 });
    for (const ev of events(3000)) index.fold(ev);
    const groups = [...index.query(T - 5 * MINUTE, T, T, {}, ["agent_name", "model"]).values()].map((g) => g.bucket);
    for (const [name, entry] of Object.entries(ALERT_METRICS)) {
      if (entry.source === "routes") continue;
      const n = needOf((m) => [entry.value(m, 5), entry.samples(m)]);
      for (const b of groups) {
        const f = new Float64Array(b.f.length);
        for (const i of n.fields) f[i] = b.f[i]!;
        const only = { f, runLatency: n.sketches & RUN_SKETCH ? b.runLatency : new Bucket().runLatency, llmLatency: n.sketches & LLM_SKETCH ? b.llmLatency : new Bucket().llmLatency };
        const full = new LazyMetrics(b, 5);
        const kept = new LazyMetrics(only, 5);
        assert.deepEqual([entry.value(kept, 5), entry.samples(kept)], [entry.value(full, 5), entry.samples(full)], name);
      }
      if (/p\d\d_latency/.test(name)) assert.ok(n.sketches !== 0, `${name} reads a sketch`);
    }
  });

  it("kept from one evaluation to the next, answer a quantile of the group as it is now once told to forget", () => {
    const b = new Bucket();
    const g = { f: b.f, runLatency: b.runLatency, llmLatency: b.llmLatency };
    for (let i = 1; i <= 100; i++) g.runLatency.add(i);
    const m = new LazyMetrics(g, 1);
    const before = m.p95_latency_ms!;
    for (let i = 0; i < 1000; i++) g.runLatency.add(5000);
    assert.equal(m.p95_latency_ms, before, "a quantile is read once per evaluation");
    m.forget();
    assert.ok(m.p95_latency_ms! > 4900, "and again at the next");
  });
});
