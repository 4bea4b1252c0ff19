import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket } from "../bucket.js";
import { EventDelta } from "../event-delta.js";
import type { StoredEvent } from "../stored-event.js";
import { routeFigures } from "./figures.js";

let n = 0;
function fold(b: Bucket, type: StoredEvent["type"], body: Record<string, unknown>): void {
  new EventDelta().prepare({ id: `e${++n}`, type, ts: 1000, receivedAt: 1000, body } as StoredEvent).applyTo(b);
}

describe("route figures from a rollup bucket", () => {
  it("uses LLM calls when there are any: error rate, p95, TTFT, cost per call, throughput", () => {
    const b = new Bucket();
    for (let i = 0; i < 100; i++) fold(b, "llm_call", { model: "m", route: "r", latency_ms: 100 + i, ttft_ms: 50, status: i < 10 ? "failure" : "success", cost: 0.002 });
    fold(b, "run", { agent_name: "a", status: "failure", duration_ms: 9_000 });
    const f = routeFigures(b, 5, null);
    assert.equal(f.calls, 100);
    assert.equal(f.error_rate!.value, 0.1);
    assert.ok(Math.abs(f.p95_latency_ms!.value! - 194) / 194 < 0.02);
    assert.equal(f.ttft_ms!.value, 50);
    assert.ok(Math.abs(f.cost_per_call!.value! - 0.002) < 1e-12);
    assert.equal(f.throughput_per_min!.value, 20);
  });

  it("falls back to runs without LLM calls, and counts slow calls as failures once", () => {
    const b = new Bucket();
    for (let i = 0; i < 50; i++) fold(b, "run", { agent_name: "a", status: i < 5 ? "timeout" : "success", duration_ms: i < 25 ? 100 : 5_000, quality_score: 0.8 });
    const f = routeFigures(b, 1, null);
    assert.equal(f.calls, 50);
    assert.equal(f.error_rate!.value, 0.1);
    assert.ok(Math.abs(f.quality!.value! - 0.8) < 1e-12);
    // 25 slow runs over 1 s. Which slow calls also failed is not known from the rollups, so slow
    // calls are added in the share of successes (1 - 5/50): 5 + 25 x 0.9 = 27.5 of 50.
    assert.ok(Math.abs(routeFigures(b, 1, 1_000).error_rate!.value! - (5 + 25 * 0.9) / 50) < 1e-9);
  });

  it("reports accuracy with its own sample count, and null figures without data", () => {
    const b = new Bucket();
    fold(b, "outcome", { run_id: "x", actual_outcome: 1, accuracy: 0.5 });
    fold(b, "outcome", { run_id: "y", actual_outcome: 1, accuracy: 1 });
    const f = routeFigures(b, 1, null);
    assert.deepEqual(f.accuracy, { value: 0.75, samples: 2 });
    assert.equal(f.error_rate!.value, null);
    assert.equal(f.p95_latency_ms!.value, null);
  });
});
