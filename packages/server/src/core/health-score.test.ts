import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type HealthInputs, healthBand, healthComponents, healthScore, healthStatus } from "./health-score.js";
import { DEFAULT_THRESHOLDS } from "./thresholds.js";
import { rng } from "./seeded-random.test-support.js";

const T = DEFAULT_THRESHOLDS; // p95 limit 5000 ms, error-rate limit 0.15

const perfect: HealthInputs = { success_rate: 1, p95_latency_ms: 100, error_rate: 0, avg_accuracy: 1 };
const empty: HealthInputs = { success_rate: null, p95_latency_ms: null, error_rate: null, avg_accuracy: null };


describe("healthScore", () => {
  it("scores perfect input 100", () => {
    assert.equal(healthScore(perfect, T), 100);
    assert.equal(healthScore({ ...perfect, p95_latency_ms: 0 }, T), 100);
  });

  it("scores the worst input 0", () => {
    assert.equal(healthScore({ success_rate: 0, p95_latency_ms: 10_000, error_rate: 0.3, avg_accuracy: 0 }, T), 0);
  });

  it("matches a worked example", () => {
    // success 0.9 → 36; p95 5000 = T → 1 - 2500/7500 = 2/3 → 20; error 0.075 = E/2 → 0.75 → 15; accuracy 0.8 → 8.
    assert.equal(healthScore({ success_rate: 0.9, p95_latency_ms: 5000, error_rate: 0.075, avg_accuracy: 0.8 }, T), 79);
    // p95 2500 = T/2 → full 30 points; p95 7500 → 1 - 5000/7500 = 1/3 → 10 points.
    assert.equal(healthScore({ success_rate: 0.9, p95_latency_ms: 2500, error_rate: 0.075, avg_accuracy: 0.8 }, T), 89);
    assert.equal(healthScore({ success_rate: 0.9, p95_latency_ms: 7500, error_rate: 0.075, avg_accuracy: 0.8 }, T), 69);
  });

  it("rounds to one decimal", () => {
    // 40 * 0.8765 = 35.06 + 30 + 20 + 10 = 95.06 → 95.1
    assert.equal(healthScore({ ...perfect, success_rate: 0.8765 }, T), 95.1);
  });

  it("gives a component without data its points pro rata to the others", () => {
    // Without accuracy: (36 + 20 + 15) / 90 = 71 / 90 = 78.888… → 78.9
    assert.equal(healthScore({ success_rate: 0.9, p95_latency_ms: 5000, error_rate: 0.075, avg_accuracy: null }, T), 78.9);
    assert.equal(healthScore({ ...empty, avg_accuracy: 0.5 }, T), 50);
    assert.equal(healthScore({ ...empty, p95_latency_ms: 100 }, T), 100);
  });

  it("is null when no component has data", () => {
    assert.equal(healthScore(empty, T), null);
  });

  it("treats a non-finite input as no data rather than answering NaN", () => {
    assert.equal(healthScore({ ...perfect, success_rate: NaN, avg_accuracy: 0 }, T), healthScore({ ...perfect, success_rate: null, avg_accuracy: 0 }, T));
    assert.equal(healthScore({ ...empty, error_rate: NaN }, T), null);
  });

  it("reads the thresholds it is given", () => {
    const strict = { latency_p95_max_ms: 1000, error_rate_max: 0.05 };
    // latency 1 - (1000 - 500) / 1500 = 2/3 → 20; error 1 - 0.05 / 0.1 = 0.5 → 10.
    assert.equal(healthScore({ success_rate: 1, p95_latency_ms: 1000, error_rate: 0.05, avg_accuracy: 1 }, strict), 80);
  });

  it("stays finite when a threshold is zero or infinite", () => {
    const zero = { latency_p95_max_ms: 0, error_rate_max: 0 };
    assert.equal(healthScore({ ...perfect, p95_latency_ms: 0 }, zero), 100);
    assert.equal(healthScore({ ...empty, p95_latency_ms: 1, error_rate: 0.1 }, zero), 0);
    assert.equal(healthScore({ ...empty, p95_latency_ms: 1e12 }, { latency_p95_max_ms: Infinity, error_rate_max: 0.1 }), 100);
  });

  it("never scores worse input higher, and stays within 0..100 (20,000 seeded cases)", () => {
    const rand = rng(0x5eed);
    const pick = <V>(values: readonly V[]): V => values[Math.floor(rand() * values.length)]!;
    const unit = () => pick([0, 1, rand(), rand(), rand()]);
    const latency = () => pick([0, 1, rand() * 20_000, rand() * 20_000, 1e12, Number.MAX_VALUE]);
    // Moves a value towards the worse end, or leaves it.
    const lower = (v: number) => pick([v, v * rand(), 0, v - Number.EPSILON]);
    const higher = (v: number, max: number) => Math.min(max, pick([v, v + rand() * (max - v), max, v * (1 + rand()), v + 1e-9]));
    for (let i = 0; i < 20_000; i++) {
      const t = i % 2 === 0 ? T : { latency_p95_max_ms: pick([1, 10, rand() * 1e5, 5000]), error_rate_max: pick([0.01, rand(), 1, 0.15]) };
      const nullable = <V>(v: V): V | null => (rand() < 0.2 ? null : v);
      const a: HealthInputs = {
        success_rate: nullable(unit()),
        p95_latency_ms: nullable(latency()),
        error_rate: nullable(unit()),
        avg_accuracy: nullable(unit()),
      };
      const b: HealthInputs = {
        success_rate: a.success_rate === null ? null : Math.max(0, lower(a.success_rate)),
        p95_latency_ms: a.p95_latency_ms === null ? null : higher(a.p95_latency_ms, Number.MAX_VALUE),
        error_rate: a.error_rate === null ? null : higher(a.error_rate, 1),
        avg_accuracy: a.avg_accuracy === null ? null : Math.max(0, lower(a.avg_accuracy)),
      };
      const sa = healthScore(a, t);
      const sb = healthScore(b, t);
      const context = JSON.stringify({ i, t, a, b, sa, sb });
      if (sa === null || sb === null) {
        assert.ok(sa === null && sb === null, context);
        continue;
      }
      assert.ok(sb <= sa, context);
      for (const s of [sa, sb]) assert.ok(Number.isFinite(s) && s >= 0 && s <= 100, context);
    }
  });
});

describe("healthComponents", () => {
  it("reports each component's points, which add up to the score", () => {
    const c = healthComponents({ success_rate: 0.9, p95_latency_ms: 5000, error_rate: 0.075, avg_accuracy: null }, T);
    assert.equal(c.accuracy.has_data, false);
    assert.equal(c.accuracy.points, 0);
    assert.equal(c.success_rate.has_data, true);
    assert.ok(Math.abs(c.success_rate.max_points - 400 / 9) < 1e-9);
    assert.ok(Math.abs(c.latency.score! - 2 / 3) < 1e-12);
    const total = c.success_rate.points + c.latency.points + c.error_rate.points + c.accuracy.points;
    assert.ok(Math.abs(total - 7100 / 90) < 1e-9);
  });

  it("gives every component its nominal points when all have data", () => {
    const c = healthComponents(perfect, T);
    assert.deepEqual(
      [c.success_rate.max_points, c.latency.max_points, c.error_rate.max_points, c.accuracy.max_points],
      [40, 30, 20, 10],
    );
  });
});

describe("healthBand", () => {
  it("maps scores to the seed's bands at their edges", () => {
    assert.equal(healthBand(100), "excellent");
    assert.equal(healthBand(90), "excellent");
    assert.equal(healthBand(89.9), "good");
    assert.equal(healthBand(70), "good");
    assert.equal(healthBand(69.9), "fair");
    assert.equal(healthBand(50), "fair");
    assert.equal(healthBand(49.9), "poor");
    assert.equal(healthBand(0), "poor");
  });
});

describe("healthStatus", () => {
  it("is healthy from 70, degraded from 50, unhealthy below", () => {
    assert.equal(healthStatus(70), "healthy");
    assert.equal(healthStatus(69.9), "degraded");
    assert.equal(healthStatus(50), "degraded");
    assert.equal(healthStatus(49.9), "unhealthy");
  });

  it("is healthy without data, since nothing is known to be wrong", () => {
    assert.equal(healthStatus(null), "healthy");
  });
});
