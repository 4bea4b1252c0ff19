/**
 * Numeric helpers shared by the scoring modules (accuracy, health score, agent scores), so that
 * every score they publish is finite and within its range: SPEC says a user never sees NaN.
 */

/** Clamps to 0..1 and maps NaN to 0, so a broken input degrades a score instead of poisoning it. */
export function clamp01(x: number): number {
  if (!(x > 0)) return 0;
  return x < 1 ? x : 1;
}

/** The value itself when it is a finite number, else null: upstream NaN or Infinity counts as "no data". */
export function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** A score component with its weight; a null value means the component has no data. */
export interface WeightedPart {
  weight: number;
  value: number | null;
}

/**
 * Weighted mean over the parts that have data, so a part without data hands its weight pro rata
 * to the others; null when no part has data.
 */
export function proRataMean(parts: readonly WeightedPart[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const { weight, value } of parts) {
    if (value === null || !(weight > 0)) continue;
    sum += weight * value;
    weights += weight;
  }
  return weights > 0 ? sum / weights : null;
}
