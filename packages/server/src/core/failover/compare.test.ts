import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareModels, type ComparedModel } from "./compare.js";

const side = (model: string, calls: number, figures: ComparedModel["figures"]): ComparedModel => ({ model, calls, figures, health: { status: "unknown", reasons: [], samples: calls } });
const f = (value: number | null, samples = 100) => ({ value, samples });

describe("comparing two models", () => {
  it("prefers the model ahead on more metrics, naming them", () => {
    const c = compareModels(side("a", 100, { error_rate: f(0.1), p95_latency_ms: f(900), accuracy: f(0.9) }), side("b", 100, { error_rate: f(0.02), p95_latency_ms: f(1500), accuracy: f(0.95) }));
    assert.deepEqual(c.better, { a: ["p95_latency_ms"], b: ["error_rate", "accuracy"] });
    assert.equal(c.recommendation.prefer, "b");
    assert.equal(c.recommendation.reason, "b is better than a on error_rate, accuracy; a is better on p95_latency_ms");
  });

  it("calls differences within 2%, metrics with few samples and throughput no difference", () => {
    const c = compareModels(side("a", 100, { error_rate: f(0.1), accuracy: f(0.5, 5), throughput_per_min: f(100) }), side("b", 100, { error_rate: f(0.101), accuracy: f(0.9, 5), throughput_per_min: f(10) }));
    assert.deepEqual(c.better, { a: [], b: [] });
    assert.equal(c.recommendation.prefer, null);
    assert.equal(c.recommendation.reason, "no metric differs by more than 2%");
  });

  it("recommends nothing on a tie or with too little traffic", () => {
    const tie = compareModels(side("a", 100, { error_rate: f(0.1), cost_per_call: f(0.01) }), side("b", 100, { error_rate: f(0.2), cost_per_call: f(0.002) }));
    assert.equal(tie.recommendation.prefer, null);
    assert.match(tie.recommendation.reason, /a tie/);
    const thin = compareModels(side("a", 5, { error_rate: f(0, 5) }), side("b", 100, { error_rate: f(0.5) }));
    assert.match(thin.recommendation.reason, /not enough data: a has 5 calls/);
  });
});
