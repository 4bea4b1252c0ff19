/**
 * Per-agent scores of seed 003, each in 0..1, or null when the agent has no runs in the window.
 *
 * - reliability: lower bound of the 95% Wilson score interval of the success proportion,
 *   `(2k + z² - z·sqrt(z² + 4k(n-k)/n)) / (2(n + z²))` with k successes of n runs and z = 1.96.
 *   Consistency earns trust: 9/10 scores 0.596, 900/1000 scores 0.880.
 * - efficiency: weighted mean of speed (0.4), quality (0.4) and cost (0.2); a part without data
 *   hands its weight pro rata to the others.
 *     speed   = S / (S + latency)  with S = latency_p95_max_ms / 2 and latency = avg_latency_ms
 *               (p50_latency_ms when no mean): 1 at 0 ms, 1/2 at S, falling towards 0.
 *     quality = avg_quality_score, else avg_accuracy, else the success rate k/n.
 *     cost    = C / (C + cost_per_task)  with C = cost_per_task_max / 2: 1 when free, 1/2 at C.
 *   A mean latency at half the p95 limit is the midpoint because a mean sits well below its p95.
 * - specialization: mean of the parts that have data: success rate on the agent's primary route
 *   (the route it runs most; the whole agent when it has no route with runs), quality on that
 *   route (avg_quality_score, else avg_accuracy; skipped when both are null), and consistency
 *   `1 - min(1, latency_stddev_ms / avg_latency_ms)` (skipped when either is null; 1 when the
 *   stddev is 0).
 *
 * A threshold that is not a positive number turns its hyperbola into a step (1 at 0, else 0);
 * an infinite one means "no limit" (1). Non-finite inputs count as no data.
 */
import type { AgentScores } from "@vigil/contract";
import type { Thresholds } from "./thresholds.js";
import { clamp01, finiteOrNull, proRataMean } from "./score-math.js";

/** What the scores read about one agent over a window; null means no samples. */
export interface ScoreInputs {
  total: number;
  successful: number;
  p50_latency_ms: number | null;
  avg_latency_ms: number | null;
  latency_stddev_ms: number | null;
  avg_quality_score: number | null;
  avg_accuracy: number | null;
  cost_per_task: number | null;
  /** The route this agent runs most in the window, null when its runs carry no route. */
  primary_route: { total: number; successful: number; avg_quality_score: number | null; avg_accuracy: number | null } | null;
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Weights of efficiency's parts. */
export const EFFICIENCY_WEIGHTS = Object.freeze({ speed: 0.4, quality: 0.4, cost: 0.2 });

/** Reliability, efficiency and specialization of one agent by the definitions of this file's top comment. */
export function agentScores(x: ScoreInputs, t: Pick<Thresholds, "latency_p95_max_ms" | "cost_per_task_max">): AgentScores {
  const total = finiteOrNull(x.total) ?? 0;
  if (!(total > 0)) return { reliability: null, efficiency: null, specialization: null };
  const successful = Math.min(total, Math.max(0, finiteOrNull(x.successful) ?? 0));
  const successRate = successful / total;
  const quality = finiteOrNull(x.avg_quality_score) ?? finiteOrNull(x.avg_accuracy);
  const latency = finiteOrNull(x.avg_latency_ms) ?? finiteOrNull(x.p50_latency_ms);
  const cost = finiteOrNull(x.cost_per_task);

  const efficiency = proRataMean([
    { weight: EFFICIENCY_WEIGHTS.speed, value: latency === null ? null : halfAt(latency, t.latency_p95_max_ms / 2) },
    { weight: EFFICIENCY_WEIGHTS.quality, value: clamp01(quality ?? successRate) },
    { weight: EFFICIENCY_WEIGHTS.cost, value: cost === null ? null : halfAt(cost, t.cost_per_task_max / 2) },
  ]);

  const route = x.primary_route !== null && x.primary_route.total > 0 ? x.primary_route : null;
  const routeSuccess = route === null ? successRate : clamp01(route.successful / route.total);
  const routeQuality = route === null ? quality : (finiteOrNull(route.avg_quality_score) ?? finiteOrNull(route.avg_accuracy));
  const specialization = proRataMean([
    { weight: 1, value: routeSuccess },
    { weight: 1, value: routeQuality === null ? null : clamp01(routeQuality) },
    { weight: 1, value: consistency(finiteOrNull(x.latency_stddev_ms), finiteOrNull(x.avg_latency_ms)) },
  ]);

  return { reliability: wilsonLowerBound(successful, total), efficiency, specialization };
}

/**
 * Lower bound of the Wilson score interval for k successes in n trials (95% by default), in the
 * form that stays accurate at k = 0 and k = n; null when n is not positive.
 */
export function wilsonLowerBound(k: number, n: number, z = Z95): number | null {
  if (!(n > 0)) return null;
  const s = Math.min(n, Math.max(0, k));
  const z2 = z * z;
  return clamp01((2 * s + z2 - z * Math.sqrt(z2 + (4 * s * (n - s)) / n)) / (2 * (n + z2)));
}

/** `half / (half + value)`: 1 at 0, 1/2 at `half`; a step or a constant 1 for unusable thresholds. */
function halfAt(value: number, half: number): number {
  const v = Math.max(0, value);
  if (half === Infinity) return 1;
  if (!(half > 0)) return v <= 0 ? 1 : 0;
  return clamp01(half / (half + v));
}

function consistency(stddev: number | null, mean: number | null): number | null {
  if (stddev === null || mean === null) return null;
  if (stddev <= 0) return 1;
  if (mean <= 0) return 0;
  return 1 - Math.min(1, stddev / mean);
}
