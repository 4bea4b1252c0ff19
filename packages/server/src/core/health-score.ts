/**
 * Health score 0..100 (SPEC §3, seed 003): success rate 40 points, latency 30, error rate 20,
 * accuracy 10. Each component scores s in 0..1:
 *
 *   success  = clamp(success_rate)
 *   latency  = clamp(1 - (p95 - T/2) / (1.5 T))      T = latency_p95_max_ms: 1 up to T/2, 2/3 at T, 0 from 2T
 *   error    = clamp(1 - error_rate / (2 E))          E = error_rate_max: 1 at 0, 1/2 at E, 0 from 2E
 *   accuracy = clamp(avg_accuracy)
 *
 *   score = round1(100 * Σ w_i s_i / Σ w_i)          over the components whose input is not null
 *
 * so a component without data hands its points pro rata to the others, and the score is null
 * when no component has data. clamp pins to 0..1 (NaN → 0); a non-finite input counts as no data.
 * A threshold that is not a positive number degrades its component to a step (1 at or below 0,
 * else 0); an infinite threshold means "no limit" (1). Every s is non-increasing in badness and
 * rounding is monotone, so worse input never scores higher. Bands: 90-100 excellent, 70-89 good,
 * 50-69 fair, 0-49 poor, applied to the rounded score (`>= 90`, `>= 70`, `>= 50`).
 */
import type { HealthBand, HealthStatus } from "@vigil/contract";
import type { Thresholds } from "./thresholds.js";
import { clamp01, finiteOrNull, proRataMean } from "./score-math.js";

/** The figures the health score reads; null means no samples in the window. */
export interface HealthInputs {
  success_rate: number | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  avg_accuracy: number | null;
}

/** The thresholds the health score reads. */
export type HealthThresholds = Pick<Thresholds, "latency_p95_max_ms" | "error_rate_max">;

/** Names of the health score's components. */
export type HealthComponentName = "success_rate" | "latency" | "error_rate" | "accuracy";

/** Points each component is worth when every component has data. */
export const HEALTH_WEIGHTS: Readonly<Record<HealthComponentName, number>> = Object.freeze({
  success_rate: 40,
  latency: 30,
  error_rate: 20,
  accuracy: 10,
});

/** One component's part of the score, for documentation and debugging. */
export interface HealthComponent {
  /** Whether the window had data for this component. */
  has_data: boolean;
  /** The component's score in 0..1, null without data. */
  score: number | null;
  /** Points it can earn after pro-rata redistribution (0 without data). */
  max_points: number;
  /** Points it earned: `max_points * score` (0 without data); the points sum to the unrounded score. */
  points: number;
}

/** Each component's score and points, the parts that `healthScore` adds up. */
export function healthComponents(m: HealthInputs, t: HealthThresholds): Record<HealthComponentName, HealthComponent> {
  const scores = componentScores(m, t);
  let weights = 0;
  for (const name of NAMES) if (scores[name] !== null) weights += HEALTH_WEIGHTS[name];
  const out = {} as Record<HealthComponentName, HealthComponent>;
  for (const name of NAMES) {
    const s = scores[name];
    const max = s === null ? 0 : (100 * HEALTH_WEIGHTS[name]) / weights;
    out[name] = { has_data: s !== null, score: s, max_points: max, points: s === null ? 0 : max * s };
  }
  return out;
}

/** The health score in 0..100, rounded to one decimal; null when no component has data. */
export function healthScore(m: HealthInputs, t: HealthThresholds): number | null {
  const scores = componentScores(m, t);
  const mean = proRataMean(NAMES.map((name) => ({ weight: HEALTH_WEIGHTS[name], value: scores[name] })));
  if (mean === null) return null;
  return Math.round(clamp01(mean) * 1000) / 10;
}

/** The seed's band for a score: 90-100 excellent, 70-89 good, 50-69 fair, below 50 poor. */
export function healthBand(score: number): HealthBand {
  if (score >= 90) return "excellent";
  if (score >= 70) return "good";
  if (score >= 50) return "fair";
  return "poor";
}

/** Status word for `GET /health`; no data means nothing is known to be wrong, so it is healthy. */
export function healthStatus(score: number | null): HealthStatus {
  if (score === null || score >= 70) return "healthy";
  if (score >= 50) return "degraded";
  return "unhealthy";
}

const NAMES: readonly HealthComponentName[] = ["success_rate", "latency", "error_rate", "accuracy"];

function componentScores(m: HealthInputs, t: HealthThresholds): Record<HealthComponentName, number | null> {
  const success = finiteOrNull(m.success_rate);
  const p95 = finiteOrNull(m.p95_latency_ms);
  const errors = finiteOrNull(m.error_rate);
  const accuracy = finiteOrNull(m.avg_accuracy);
  const T = t.latency_p95_max_ms;
  const E = t.error_rate_max;
  return {
    success_rate: success === null ? null : clamp01(success),
    latency: p95 === null ? null : limited(T, () => clamp01(1 - (p95 - T / 2) / (1.5 * T)), p95),
    error_rate: errors === null ? null : limited(E, () => clamp01(1 - errors / (2 * E)), errors),
    accuracy: accuracy === null ? null : clamp01(accuracy),
  };
}

/** Applies `formula` when the threshold is usable; otherwise the step rule of the top comment. */
function limited(threshold: number, formula: () => number, value: number): number {
  if (threshold === Infinity) return 1;
  if (!(threshold > 0)) return value <= 0 ? 1 : 0;
  return formula();
}
