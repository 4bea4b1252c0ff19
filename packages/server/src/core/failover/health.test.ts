import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MIN_SAMPLES, aggregateHealth, badness, evaluateHealth, reasonText, routeThresholdsOf, thresholdProblems } from "./health.js";
import { defaultSettings, limitsFor } from "../threshold-model.js";
import { applyThresholdUpdate } from "../threshold-wire.js";

describe("model health on a route", () => {
  const t = { error_rate: { trip: 0.1, recover: 0.05 }, accuracy: { trip: 0.8, recover: 0.85, min_samples: 10 }, p95_latency_ms: { trip: 2000 } };

  it("is unhealthy past a trip value, naming each metric, value and threshold", () => {
    const h = evaluateHealth(t, { calls: 200, error_rate: { value: 0.2, samples: 200 }, accuracy: { value: 0.7, samples: 12 }, p95_latency_ms: { value: 1500, samples: 200 } });
    assert.equal(h.status, "unhealthy");
    assert.deepEqual(h.reasons, [{ metric: "error_rate", value: 0.2, threshold: 0.1, samples: 200 }, { metric: "accuracy", value: 0.7, threshold: 0.8, samples: 12 }]);
    assert.equal(h.samples, 200);
  });

  it("is degraded between trip and recover, healthy past recover, and exactly at a threshold is not past it", () => {
    assert.equal(evaluateHealth(t, { calls: 100, error_rate: { value: 0.07, samples: 100 } }).status, "degraded");
    assert.equal(evaluateHealth(t, { calls: 100, error_rate: { value: 0.1, samples: 100 } }).status, "degraded", "at trip: not past it, but not recovered");
    assert.equal(evaluateHealth(t, { calls: 100, error_rate: { value: 0.05, samples: 100 } }).status, "healthy");
    assert.equal(evaluateHealth(t, { calls: 100, accuracy: { value: 0.82, samples: 100 } }).status, "degraded", "lower is worse for accuracy");
    assert.equal(evaluateHealth(t, { calls: 100, accuracy: { value: 0.9, samples: 100 } }).status, "healthy");
    assert.equal(evaluateHealth(t, { calls: 100, p95_latency_ms: { value: 2000, samples: 100 } }).status, "healthy", "without recover, trip is both");
  });

  it("is unknown until a metric has its minimum samples, and ignores metrics without data", () => {
    assert.equal(evaluateHealth(t, { calls: DEFAULT_MIN_SAMPLES - 1, error_rate: { value: 1, samples: DEFAULT_MIN_SAMPLES - 1 } }).status, "unknown");
    assert.equal(evaluateHealth(t, { calls: 5, accuracy: { value: 0.1, samples: 9 } }).status, "unknown");
    assert.equal(evaluateHealth(t, { calls: 50, accuracy: { value: 0.1, samples: 10 } }).status, "unhealthy");
    assert.equal(evaluateHealth(t, { calls: 50, error_rate: { value: null, samples: 50 } }).status, "unknown");
    assert.equal(evaluateHealth({}, { calls: 50 }).status, "unknown");
  });

  it("ranks how far past its thresholds a model is", () => {
    const a = evaluateHealth(t, { calls: 100, error_rate: { value: 0.5, samples: 100 } });
    const b = evaluateHealth(t, { calls: 100, error_rate: { value: 0.12, samples: 100 } });
    assert.ok(badness(b) < badness(a));
    assert.equal(badness(evaluateHealth(t, { calls: 100, error_rate: { value: 0.01, samples: 100 } })), 0);
  });

  it("refuses thresholds that cannot work, naming the field", () => {
    assert.deepEqual(thresholdProblems({ error_rate: { trip: 0.1, recover: 0.2 } }), [{ path: "/thresholds/error_rate/recover", message: "must be on the healthy side of trip (<= 0.1)" }]);
    assert.deepEqual(thresholdProblems({ accuracy: { trip: 0.8, recover: 0.7 } }), [{ path: "/thresholds/accuracy/recover", message: "must be on the healthy side of trip (>= 0.8)" }]);
    assert.equal(thresholdProblems({ speed: { trip: 1 } })[0]!.path, "/thresholds/speed");
    assert.equal(thresholdProblems({ error_rate: { trip: "high" } })[0]!.path, "/thresholds/error_rate/trip");
    assert.equal(thresholdProblems({ error_rate: { trip: 0.1, min_samples: 0.5 } })[0]!.path, "/thresholds/error_rate/min_samples");
    assert.equal(thresholdProblems({ error_rate: { trip: 0.1, typo: 1 } })[0]!.path, "/thresholds/error_rate/typo");
    assert.deepEqual(thresholdProblems({ error_rate: { trip: 0.1, recover: 0.05, min_samples: 50 } }), []);
  });
});

describe("model health over the routes a model serves", () => {
  it("takes the worst known status, keeps each reason with its route and sums the samples", () => {
    const agg = aggregateHealth({
      chat: { status: "healthy", reasons: [], samples: 300 },
      summarise: { status: "unhealthy", reasons: [{ metric: "error_rate", value: 0.33, threshold: 0.15, samples: 76 }], samples: 76 },
      idle: { status: "unknown", reasons: [], samples: 0 },
    });
    assert.equal(agg.status, "unhealthy");
    assert.equal(agg.samples, 376);
    assert.deepEqual(agg.reasons, [{ metric: "error_rate", value: 0.33, threshold: 0.15, samples: 76, route: "summarise" }]);
    assert.equal(aggregateHealth({ a: { status: "unknown", reasons: [], samples: 3 } }).status, "unknown");
  });

  it("judges the threshold model's limits that have a model-health metric, with their scope", () => {
    const s = applyThresholdUpdate(defaultSettings(), { models: { m: { error_rate_max: { trip: 0.3, recover: 0.2 } } } });
    const th = routeThresholdsOf(limitsFor(s, { route: "r", model: "m" }));
    assert.deepEqual(Object.keys(th).sort(), ["accuracy", "error_rate", "p95_latency_ms"]);
    assert.deepEqual(th.error_rate, { trip: 0.3, recover: 0.2, min_samples: DEFAULT_MIN_SAMPLES, scope: { kind: "model", name: "m" } });
    const h = evaluateHealth(th, { calls: 50, error_rate: { value: 0.35, samples: 50 } });
    assert.deepEqual(h.reasons, [{ metric: "error_rate", value: 0.35, threshold: 0.3, scope: { kind: "model", name: "m" }, samples: 50 }]);
  });
});

describe("a reason in words", () => {
  it("names the metric, shows value and threshold in their units and says which side is worse", () => {
    assert.equal(reasonText({ metric: "error_rate", value: 0.33, threshold: 0.15 }), "error rate 33.0% above 15%");
    assert.equal(reasonText({ metric: "p95_latency_ms", value: 4989.337724, threshold: 4000 }), "p95 latency 5.0 s above 4 s");
    assert.equal(reasonText({ metric: "accuracy", value: 0.62, threshold: 0.7 }), "accuracy 62.0% below 70%");
  });
});
