/**
 * The steps at which Vigil counts events exactly: one latency ladder for the whole product (the
 * rollups' per-bin counts and the `/metrics` duration histograms both use it, so a Prometheus
 * user's `le="3"` bucket and Vigil's count of requests ≤ 3000 ms are the same number), the five
 * ratings, and accuracy in steps of 0.05.
 */

/**
 * Latency boundaries in milliseconds, ascending: every boundary of the earlier `/metrics`
 * histograms plus seed 002's targets. Only ever extended at the end (stored buckets count per bin).
 */
export const LATENCY_LADDER_MS: readonly number[] = Object.freeze([
  50, 100, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000, 15000, 20000, 30000, 60000,
]);

/** Number of latency bins (one per ladder boundary). */
export const LADDER_BINS = 22;

/** The ladder as a typed array (the fold's binary search reads it without bounds checks on a plain array). */
const LADDER = Float64Array.from(LATENCY_LADDER_MS);

/**
 * The bin of a latency: i such that `ms` is in (b[i-1], b[i]] (the first bin is [0, b[0]], and
 * below zero counts there too), or -1 above the last boundary or for NaN.
 */
export function latencyBin(ms: number): number {
  if (!(ms <= LADDER[LADDER_BINS - 1]!)) return -1;
  let lo = 0;
  let hi = LADDER_BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LADDER[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The ladder index of a boundary, or -1 when `ms` is not on the ladder. */
export function ladderIndex(ms: number): number {
  const i = latencyBin(ms);
  return i >= 0 && LADDER[i] === ms ? i : -1;
}

/** Accuracy steps per unit: thresholds on a multiple of 1 / ACCURACY_STEPS (0.05) count exactly. */
export const ACCURACY_STEPS = 20;
/**
 * Number of accuracy bins: [0, 0.05), …, [0.95, 1), and exactly 1 on its own (a perfect score is
 * common — enums and booleans score 0 or 1 — so "accuracy ≥ 1" is counted exactly too).
 */
export const ACCURACY_BINS = ACCURACY_STEPS + 1;

/**
 * Scores within this much below a step (scaled by ACCURACY_STEPS) count as on it: 0.7 computed as
 * 0.6999999999999 is 0.7, as a user reading "accuracy ≥ 0.7" means.
 */
export const ACCURACY_TOLERANCE = 1e-9;

/** The accuracy bin of a score in 0..1 (lower-inclusive; out-of-range scores are clamped), or -1 for NaN. */
export function accuracyBin(score: number): number {
  if (!(score === score)) return -1;
  const k = Math.floor(score * ACCURACY_STEPS + ACCURACY_TOLERANCE);
  return k < 0 ? 0 : k > ACCURACY_STEPS ? ACCURACY_STEPS : k;
}

/**
 * The first accuracy bin wholly at or above `min`: counting from it gives the scores ≥ `min`,
 * exactly when `min` is on a step, else the scores ≥ the next step up. ACCURACY_BINS when none is.
 */
export function accuracyFrom(min: number): number {
  if (!(min > 0)) return 0;
  const k = Math.ceil(min * ACCURACY_STEPS - ACCURACY_TOLERANCE);
  return k > ACCURACY_BINS ? ACCURACY_BINS : k;
}

/** Whether counting scores ≥ `min` from the bins is exact: `min` on a 0.05 step, or outside 0..1. */
export function onAccuracyStep(min: number): boolean {
  if (min !== min) return false;
  if (!(min > 0 && min <= 1)) return true;
  const x = min * ACCURACY_STEPS;
  return Math.abs(x - Math.round(x)) <= ACCURACY_TOLERANCE;
}
