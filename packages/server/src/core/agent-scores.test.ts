import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ScoreInputs, agentScores, wilsonLowerBound } from "./agent-scores.js";
import { DEFAULT_THRESHOLDS } from "./thresholds.js";

const T = DEFAULT_THRESHOLDS; // p95 limit 5000 ms → S = 2500 ms; cost limit $1 → C = $0.50
const close = (actual: number | null, expected: number, eps = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `${actual} ≠ ${expected}`);

const base: ScoreInputs = {
  total: 10,
  successful: 9,
  p50_latency_ms: 2000,
  avg_latency_ms: 2500,
  latency_stddev_ms: 500,
  avg_quality_score: 0.8,
  avg_accuracy: null,
  cost_per_task: 0.5,
  primary_route: null,
};

describe("wilsonLowerBound", () => {
  it("matches reference values of the 95% Wilson interval", () => {
    // Reference: statsmodels proportion_confint(9, 10, method="wilson") → (0.59584..., 0.98212...).
    close(wilsonLowerBound(9, 10), 0.5958499732, 1e-9);
    close(wilsonLowerBound(0, 10), 0, 1e-12);
    // All successes: n / (n + z²).
    close(wilsonLowerBound(10, 10), 10 / (10 + 1.959963984540054 ** 2), 1e-12);
  });

  it("trusts a long record more than a short one with the same proportion", () => {
    assert.ok(wilsonLowerBound(9, 10)! < wilsonLowerBound(900, 1000)!);
    close(wilsonLowerBound(900, 1000), 0.87985, 1e-5);
  });

  it("never lowers when successes rise at equal total", () => {
    for (const n of [1, 2, 3, 7, 10, 50, 101, 1000, 12_345]) {
      let previous = -1;
      const step = Math.max(1, Math.floor(n / 500));
      for (let k = 0; k <= n; k += step) {
        const r = wilsonLowerBound(k, n)!;
        assert.ok(r >= previous && r >= 0 && r <= 1, `n=${n} k=${k}`);
        previous = r;
      }
    }
  });

  it("is null without trials", () => {
    assert.equal(wilsonLowerBound(0, 0), null);
  });
});

describe("agentScores", () => {
  it("computes the three scores of a hand-worked example", () => {
    const s = agentScores(base, T);
    close(s.reliability, 0.5958499732, 1e-9);
    // speed 2500 / (2500 + 2500) = 0.5, quality 0.8, cost 0.5 / (0.5 + 0.5) = 0.5 → 0.2 + 0.32 + 0.1
    close(s.efficiency, 0.62);
    // success 0.9, quality 0.8, consistency 1 - 500 / 2500 = 0.8
    close(s.specialization, 2.5 / 3);
  });

  it("scores 1 at 0 ms and free, falling as latency and cost grow", () => {
    const fast = agentScores({ ...base, avg_latency_ms: 0, cost_per_task: 0, avg_quality_score: 1 }, T);
    close(fast.efficiency, 1);
    const slow = agentScores({ ...base, avg_latency_ms: 7500, cost_per_task: 1.5, avg_quality_score: 1 }, T);
    // speed 2500 / 10000 = 0.25, cost 0.5 / 2 = 0.25 → 0.1 + 0.4 + 0.05
    close(slow.efficiency, 0.55);
  });

  it("falls back from quality to accuracy to success rate", () => {
    const noCost = { ...base, avg_latency_ms: 0, latency_stddev_ms: null, cost_per_task: null };
    // speed 1 (0.4), quality (0.4): (0.4 + 0.4 q) / 0.8
    close(agentScores({ ...noCost, avg_quality_score: null, avg_accuracy: 0.5 }, T).efficiency, 0.75);
    close(agentScores({ ...noCost, avg_quality_score: null, avg_accuracy: null }, T).efficiency, 0.95);
  });

  it("uses the median latency when the mean is unknown", () => {
    const s = agentScores({ ...base, avg_latency_ms: null, p50_latency_ms: 2500, cost_per_task: null }, T);
    close(s.efficiency, (0.4 * 0.5 + 0.4 * 0.8) / 0.8);
  });

  it("gives missing efficiency parts their weight pro rata", () => {
    const s = agentScores({ ...base, avg_latency_ms: null, p50_latency_ms: null, cost_per_task: null }, T);
    close(s.efficiency, 0.8);
  });

  it("scores specialization on the primary route when there is one", () => {
    const s = agentScores({ ...base, primary_route: { total: 4, successful: 2, avg_quality_score: null, avg_accuracy: 0.6 } }, T);
    // route success 0.5, route accuracy 0.6, consistency 0.8
    close(s.specialization, 1.9 / 3);
  });

  it("skips absent quality and consistency in specialization", () => {
    const s = agentScores({ ...base, avg_quality_score: null, latency_stddev_ms: null }, T);
    close(s.specialization, 0.9);
    const r = agentScores({ ...base, primary_route: { total: 5, successful: 4, avg_quality_score: null, avg_accuracy: null } }, T);
    close(r.specialization, (0.8 + 0.8) / 2);
  });

  it("falls back to the whole agent when its primary route has no runs", () => {
    const s = agentScores({ ...base, primary_route: { total: 0, successful: 0, avg_quality_score: 0.1, avg_accuracy: null } }, T);
    close(s.specialization, 2.5 / 3);
  });

  it("caps the latency spread's penalty at a coefficient of variation of 1", () => {
    const s = agentScores({ ...base, latency_stddev_ms: 10_000, avg_quality_score: null }, T);
    close(s.specialization, 0.9 / 2);
    close(agentScores({ ...base, avg_latency_ms: 0, latency_stddev_ms: 0, avg_quality_score: null }, T).specialization, 0.95);
  });

  it("answers null for every score when the agent has no runs", () => {
    assert.deepEqual(agentScores({ ...base, total: 0, successful: 0 }, T), { reliability: null, efficiency: null, specialization: null });
  });

  it("never lowers reliability when successes rise at equal total", () => {
    let previous = -1;
    for (let k = 0; k <= 200; k++) {
      const r = agentScores({ ...base, total: 200, successful: k }, T).reliability!;
      assert.ok(r >= previous, `k=${k}`);
      previous = r;
    }
  });

  it("keeps every score in 0..1 for out-of-range input", () => {
    const s = agentScores(
      { ...base, successful: 50, avg_quality_score: 7, avg_latency_ms: -5, latency_stddev_ms: NaN, cost_per_task: Infinity },
      { ...T, latency_p95_max_ms: 0, cost_per_task_max: Infinity },
    );
    for (const v of [s.reliability, s.efficiency, s.specialization]) assert.ok(v !== null && v >= 0 && v <= 1, String(v));
  });
});
