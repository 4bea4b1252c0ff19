/**
 * Trend of each metric between the current window and the previous one of equal length
 * (SPEC §3 report, seed 003): the relative change `(current - previous) / |previous|`; within
 * ±tolerance (5%, inclusive) is stable, beyond it improving or degrading by the metric's
 * direction. When the previous value is 0 the relative change is undefined, so 0 → 0 is stable
 * and any other change counts as beyond tolerance. No trend (null) when either value is null, and
 * none at all when the previous window holds no events: a figure is not "improving" against a
 * window with no data (its throughput of 0, say).
 */
import type { Metrics, Trend } from "@vigil/contract";

/** Whether a rise in a metric is good news or bad news. */
export type Direction = "higher_is_better" | "lower_is_better";

/** The trend of one metric between two windows. */
export interface MetricTrend {
  current: number | null;
  previous: number | null;
  /** Relative change `(current - previous) / |previous|`; null when either is null or previous is 0. */
  change: number | null;
  trend: Trend | null;
}

/** Trends keyed by metric name, in the order of METRIC_DIRECTIONS. */
export type TrendReport = Record<string, MetricTrend>;

/** The trend-bearing metrics and which way is better for each. */
export const METRIC_DIRECTIONS: Readonly<Partial<Record<keyof Metrics, Direction>>> = Object.freeze({
  success_rate: "higher_is_better",
  error_rate: "lower_is_better",
  avg_latency_ms: "lower_is_better",
  p50_latency_ms: "lower_is_better",
  p95_latency_ms: "lower_is_better",
  p99_latency_ms: "lower_is_better",
  cost_per_task: "lower_is_better",
  total_cost: "lower_is_better",
  tokens_per_task: "lower_is_better",
  avg_accuracy: "higher_is_better",
  avg_quality_score: "higher_is_better",
  avg_satisfaction: "higher_is_better",
  cache_hit_rate: "higher_is_better",
  throughput_per_min: "higher_is_better",
  llm_error_rate: "lower_is_better",
  llm_p95_latency_ms: "lower_is_better",
});

// Absorbs float noise so that an exact 5% change (0.8 → 0.84) is stable whichever way it rounds.
const EPSILON = 1e-9;

/** Trend of one figure by the rule of this file's top comment. */
export function trendOf(current: number | null, previous: number | null, direction: Direction, tolerance = 0.05): Trend | null {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) return null;
  if (current === previous) return "stable";
  const change = relativeChange(current, previous);
  if (change !== null && Math.abs(change) <= tolerance + EPSILON) return "stable";
  const rose = current > previous;
  return rose === (direction === "higher_is_better") ? "improving" : "degrading";
}

/** Trend of every metric in METRIC_DIRECTIONS between two windows' metrics (all null when the previous one holds no events). */
export function trends(current: Metrics, previous: Metrics, tolerance = 0.05): TrendReport {
  const out: TrendReport = {};
  const comparable = !isEmpty(previous);
  for (const [key, direction] of Object.entries(METRIC_DIRECTIONS) as [keyof Metrics, Direction][]) {
    const cur = numberOrNull(current[key]);
    const prev = numberOrNull(previous[key]);
    out[key] = {
      current: cur,
      previous: prev,
      change: !comparable || cur === null || prev === null ? null : relativeChange(cur, prev),
      trend: comparable ? trendOf(cur, prev, direction, tolerance) : null,
    };
  }
  return out;
}

/** The counts of a metrics block: all zero when its window held no event a figure is computed from. */
const COUNTS = ["total_tasks", "llm_calls", "tool_calls", "retrievals", "cache_operations", "accuracy_samples", "feedback_samples"] as const satisfies readonly (keyof Metrics)[];

/** True when a window's metrics come from no events at all. */
export function isEmpty(m: Metrics): boolean {
  return COUNTS.every((k) => !m[k]);
}

function relativeChange(current: number, previous: number): number | null {
  if (previous === 0) return null;
  const change = (current - previous) / Math.abs(previous);
  return Number.isFinite(change) ? change : null;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
