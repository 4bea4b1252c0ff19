/**
 * Health of one model on one route (SPEC §3, `GET /api/v1/models/:id/health`): each watched metric
 * with enough samples is compared with its thresholds. Past `trip` the model is unhealthy; better
 * than `recover` it is healthy; in between it is degraded — the band that gives hysteresis, so a
 * signal hovering at the trip value never counts as recovered. Pure: the figures come in.
 */
import { ROUTE_METRICS, type HealthReason, type MetricThreshold, type ModelHealth, type RouteMetric } from "@vigil/contract";

/** Samples a metric needs before it is judged, unless the threshold says otherwise. */
export const DEFAULT_MIN_SAMPLES = 20;

/** One metric's value over the window and the samples behind it (null value: no data). */
export interface Figure {
  value: number | null;
  samples: number;
}

/** The figures of a model on a route over the evaluation window. */
export type RouteFigures = Partial<Record<RouteMetric, Figure>> & {
  /** Calls (LLM calls or runs) in the window: what `samples` reports. */
  calls: number;
};

/** Thresholds of a route, by metric. */
export type RouteThresholds = Partial<Record<RouteMetric, MetricThreshold>>;

/** True when `value` is worse than `limit` for this metric (strictly past it). */
export function worse(metric: RouteMetric, value: number, limit: number): boolean {
  return ROUTE_METRICS[metric] === "higher" ? value > limit : value < limit;
}

/** Judges a model's figures against a route's thresholds. */
export function evaluateHealth(thresholds: RouteThresholds, figures: RouteFigures): ModelHealth {
  const tripped: HealthReason[] = [];
  const banded: HealthReason[] = [];
  let judged = 0;
  for (const metric of Object.keys(thresholds) as RouteMetric[]) {
    const t = thresholds[metric]!;
    const f = figures[metric];
    if (!f || f.value === null || f.samples < (t.min_samples ?? DEFAULT_MIN_SAMPLES)) continue;
    judged++;
    if (worse(metric, f.value, t.trip)) tripped.push({ metric, value: f.value, threshold: t.trip });
    else if (worse(metric, f.value, t.recover ?? t.trip)) banded.push({ metric, value: f.value, threshold: t.recover ?? t.trip });
  }
  if (tripped.length) return { status: "unhealthy", reasons: tripped, samples: figures.calls };
  if (banded.length) return { status: "degraded", reasons: banded, samples: figures.calls };
  return { status: judged ? "healthy" : "unknown", reasons: [], samples: figures.calls };
}

/**
 * How far past its thresholds a model is: the sum over its reasons of the relative distance.
 * Used to keep the least bad model when every candidate is unhealthy.
 */
export function badness(h: ModelHealth): number {
  let s = 0;
  for (const r of h.reasons) s += Math.abs(r.value - r.threshold) / Math.max(Math.abs(r.threshold), 1e-9);
  return s;
}

/** Checks a threshold set: finite numbers, `recover` on the healthy side of `trip`, whole min_samples. */
export function thresholdProblems(thresholds: Record<string, unknown>): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [metric, raw] of Object.entries(thresholds)) {
    const path = `/thresholds/${metric}`;
    if (!(metric in ROUTE_METRICS)) {
      problems.push({ path, message: `is not a route metric; use ${Object.keys(ROUTE_METRICS).join(", ")}` });
      continue;
    }
    const t = raw as Partial<MetricThreshold> | null;
    if (typeof t !== "object" || t === null || Array.isArray(t)) {
      problems.push({ path, message: "must be an object {trip, recover?, min_samples?}" });
      continue;
    }
    for (const k of Object.keys(t)) if (!["trip", "recover", "min_samples"].includes(k)) problems.push({ path: `${path}/${k}`, message: "is not a known field" });
    if (typeof t.trip !== "number" || !Number.isFinite(t.trip)) problems.push({ path: `${path}/trip`, message: "must be a finite number" });
    if (t.recover !== undefined && (typeof t.recover !== "number" || !Number.isFinite(t.recover))) problems.push({ path: `${path}/recover`, message: "must be a finite number" });
    else if (typeof t.recover === "number" && typeof t.trip === "number" && worse(metric as RouteMetric, t.recover, t.trip)) {
      problems.push({ path: `${path}/recover`, message: `must be on the healthy side of trip (${ROUTE_METRICS[metric as RouteMetric] === "higher" ? "<=" : ">="} ${t.trip})` });
    }
    if (t.min_samples !== undefined && (!Number.isInteger(t.min_samples) || (t.min_samples as number) < 1)) problems.push({ path: `${path}/min_samples`, message: "must be a whole number >= 1" });
  }
  return problems;
}
