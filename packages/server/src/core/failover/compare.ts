/**
 * Two models side by side (`GET /api/v1/models/compare`): which is better on which route metric,
 * and a recommendation — the one ahead on more metrics, or none on a tie or with too little data.
 */
import { ROUTE_METRICS, type ModelHealth, type RouteMetric } from "@vigil/contract";

/** Fewest calls each model needs for a comparison to recommend anything. */
export const COMPARE_MIN_SAMPLES = 20;

/** One side of a comparison. */
export interface ComparedModel {
  model: string;
  calls: number;
  figures: Partial<Record<RouteMetric, { value: number | null; samples: number }>>;
  health: ModelHealth;
}

/** `GET /api/v1/models/compare`. */
export interface ModelComparison extends Comparison {
  route: string | null;
  window: { start: string; end: string };
}

/** The comparison proper. */
export interface Comparison {
  a: ComparedModel;
  b: ComparedModel;
  /** The metrics on which each model is better (beyond 2%, with enough samples on both sides). */
  better: Record<string, RouteMetric[]>;
  recommendation: { prefer: string | null; reason: string };
}

/** Compares two models' figures: a metric counts when both have enough samples and they differ by more than 2%. */
export function compareModels(A: ComparedModel, B: ComparedModel): Comparison {
  const a = A.model;
  const b = B.model;
  const wins: Record<string, RouteMetric[]> = { [a]: [], [b]: [] };
  for (const k of Object.keys(ROUTE_METRICS) as RouteMetric[]) {
    if (k === "throughput_per_min") continue; // traffic share, not quality of service
    const x = A.figures[k];
    const y = B.figures[k];
    if (!x || !y || x.value === null || y.value === null || x.samples < COMPARE_MIN_SAMPLES || y.samples < COMPARE_MIN_SAMPLES) continue;
    if (Math.abs(x.value - y.value) <= 0.02 * Math.max(Math.abs(x.value), Math.abs(y.value))) continue; // within 2%: a tie
    const aBetter = ROUTE_METRICS[k] === "higher" ? x.value < y.value : x.value > y.value;
    wins[aBetter ? a : b]!.push(k);
  }
  const judged = wins[a]!.length + wins[b]!.length;
  let recommendation: ModelComparison["recommendation"];
  if (A.calls < COMPARE_MIN_SAMPLES || B.calls < COMPARE_MIN_SAMPLES) recommendation = { prefer: null, reason: `not enough data: ${a} has ${A.calls} calls and ${b} ${B.calls} in the window; ${COMPARE_MIN_SAMPLES} each are needed` };
  else if (judged === 0 || wins[a]!.length === wins[b]!.length) recommendation = { prefer: null, reason: judged === 0 ? "no metric differs by more than 2%" : `a tie: ${a} is better on ${wins[a]!.join(", ")}, ${b} on ${wins[b]!.join(", ")}` };
  else {
    const [w, l] = wins[a]!.length > wins[b]!.length ? [a, b] : [b, a];
    recommendation = { prefer: w, reason: `${w} is better than ${l} on ${wins[w]!.join(", ")}${wins[l]!.length ? `; ${l} is better on ${wins[l]!.join(", ")}` : ""}` };
  }
  return { a: A, b: B, better: wins, recommendation };
}
