/**
 * Health of one model on one route (SPEC §3, `GET /api/v1/models/:id/health`): each watched metric
 * with enough samples is compared with its thresholds. Past `trip` the model is unhealthy; better
 * than `recover` it is healthy; in between it is degraded — the band that gives hysteresis, so a
 * signal hovering at the trip value never counts as recovered. The thresholds are the one
 * threshold model's limits for the model on the route (`routeThresholdsOf`). Pure: the figures come in.
 */
import { ROUTE_METRICS, type HealthReason, type MetricThreshold, type ModelHealth, type ModelHealthStatus, type RouteMetric } from "@vigil/contract";
import { formatBeside, formatThreshold, type FigureUnit } from "../figure-format.js";
import { DEFAULT_MIN_SAMPLES, KEY_SPECS, THRESHOLD_KEYS, type Limit, type ThresholdKey } from "../threshold-model.js";

export { DEFAULT_MIN_SAMPLES } from "../threshold-model.js";

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

/** How each model-health metric is named and shown in a sentence. */
const METRIC_WORDS: Readonly<Record<RouteMetric, [name: string, unit: FigureUnit]>> = {
  error_rate: ["error rate", "ratio"],
  p95_latency_ms: ["p95 latency", "ms"],
  ttft_ms: ["time to first token", "ms"],
  cost_per_call: ["cost per call", "usd"],
  accuracy: ["accuracy", "ratio"],
  quality: ["quality", "score"],
  throughput_per_min: ["throughput", "per_min"],
};

/** "error rate 33.0% above 15%": a reason as the route's `reason` and its history say it. */
export function reasonText(r: Pick<HealthReason, "metric" | "value" | "threshold">): string {
  const [name, unit] = METRIC_WORDS[r.metric];
  return `${name} ${formatBeside(r.value, r.threshold, unit)} ${ROUTE_METRICS[r.metric] === "higher" ? "above" : "below"} ${formatThreshold(r.threshold, unit)}`;
}

/** True when `value` is worse than `limit` for this metric (strictly past it). */
export function worse(metric: RouteMetric, value: number, limit: number): boolean {
  return ROUTE_METRICS[metric] === "higher" ? value > limit : value < limit;
}

/** The model-health thresholds among a subject's limits: each key that has a model-health metric, with its scope. */
export function routeThresholdsOf(limits: Partial<Record<ThresholdKey, Limit>>): RouteThresholds {
  const out: RouteThresholds = {};
  for (const key of THRESHOLD_KEYS) {
    const metric = KEY_SPECS[key].route_metric;
    const l = limits[key];
    if (metric === null || !l) continue;
    out[metric] = { trip: l.trip, recover: l.recover, min_samples: l.min_samples, scope: l.scope };
  }
  return out;
}

const RANK: Record<ModelHealthStatus, number> = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3 };

/** A model's health over the routes it serves: the worst known status, every reason with its route, the samples summed. */
export function aggregateHealth(byRoute: Record<string, ModelHealth>): ModelHealth {
  let status: ModelHealthStatus = "unknown";
  const reasons: HealthReason[] = [];
  let samples = 0;
  for (const h of Object.values(byRoute)) {
    if (RANK[h.status] > RANK[status]) status = h.status;
    samples += h.samples;
  }
  for (const [route, h] of Object.entries(byRoute)) if (h.status === status) for (const r of h.reasons) reasons.push({ ...r, route });
  return { status, reasons, samples, routes: byRoute };
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
    const about = { ...(t.scope ? { scope: t.scope } : {}), samples: f.samples };
    if (worse(metric, f.value, t.trip)) tripped.push({ metric, value: f.value, threshold: t.trip, ...about });
    else if (worse(metric, f.value, t.recover ?? t.trip)) banded.push({ metric, value: f.value, threshold: t.recover ?? t.trip, ...about });
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
