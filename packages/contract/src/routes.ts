/**
 * Shapes of the models-and-routes API (SPEC §3 "Models and routes"), shared by the server, the
 * SDK's gateway connector and router, and `vigil relay`. Times are ISO-8601 strings.
 */
import type { ThresholdScope } from "./thresholds.js";

/** How a route is being served. */
export type RouteStateName = "normal" | "failed_over" | "degraded" | "pinned";
/** Health of one model on one route over the evaluation window. */
export type ModelHealthStatus = "healthy" | "degraded" | "unhealthy" | "unknown";
/** What caused a route decision. */
export type SwitchTrigger = "auto" | "manual" | "recovery" | "probe" | "ramp" | "pin_expired";
/** Whether a route goes back to its primary once the primary recovers. */
export type SwitchBack = "auto" | "manual" | "never";

/** The route metrics a threshold can watch, and which way is worse. */
export const ROUTE_METRICS = {
  error_rate: "higher",
  p95_latency_ms: "higher",
  ttft_ms: "higher",
  cost_per_call: "higher",
  accuracy: "lower",
  quality: "lower",
  throughput_per_min: "lower",
} as const;
/** A metric a route threshold watches. */
export type RouteMetric = keyof typeof ROUTE_METRICS;

/** One threshold: trip beyond `trip`, count as recovered only beyond `recover` (hysteresis). */
export interface MetricThreshold {
  /** The value past which the model is unhealthy (above for "higher is worse" metrics, below otherwise). */
  trip: number;
  /** The value the model must get back past to count as healthy again; default: `trip` itself. */
  recover?: number;
  /** Fewest samples in the window before the metric is judged at all; default: the thresholds' minimum (10). */
  min_samples?: number;
  /** Where the threshold in force came from (answers only). */
  scope?: ThresholdScope;
}

/** One reason a model is not healthy. */
export interface HealthReason {
  metric: RouteMetric;
  value: number;
  threshold: number;
  /** Where the threshold came from (global, or the override of a tenant, route, model or agent). */
  scope?: ThresholdScope;
  /** Samples the metric was judged on. */
  samples?: number;
  /** The route this reason was found on (model health without `route=`). */
  route?: string;
}

/** Health of a model on a route. */
export interface ModelHealth {
  status: ModelHealthStatus;
  reasons: HealthReason[];
  samples: number;
  /** Without `route=`: the health on each route the model serves, which the verdict aggregates (the worst known status). */
  routes?: Record<string, ModelHealth>;
}

/** A share of a route's traffic sent to a model other than the active one. */
export interface TrafficSplit {
  model: string;
  /** 0..1 */
  share: number;
  /** `probe`: a small share to a recovering model (half-open); `ramp`: stepping back up to all traffic. */
  phase: "probe" | "ramp";
}

/** A manual pin: the route stays on `model` until `until` (or until unpinned when null). */
export interface RoutePin {
  model: string;
  until: string | null;
  by: string | null;
  reason: string | null;
}

/** `GET /api/v1/routes/:route`: where a route's traffic goes now, and why. */
export interface RouteView {
  route: string;
  /** The model that takes the route's traffic (besides `split`). */
  active_model: string;
  primary: string;
  backups: string[];
  state: RouteStateName;
  since: string;
  reason: string | null;
  /** Increases by one on every change; gateways keep the highest they have seen. */
  revision: number;
  split: TrafficSplit | null;
  pin: RoutePin | null;
  switch_back: SwitchBack;
  /** Health of each candidate model at the last evaluation. */
  health: Record<string, ModelHealth>;
}

/** One entry of `GET /api/v1/routes/:route/history`. */
export interface RouteDecision {
  at: string;
  route: string;
  from: string | null;
  to: string;
  trigger: SwitchTrigger;
  metric: RouteMetric | null;
  value: number | null;
  threshold: number | null;
  reason: string;
  state: RouteStateName;
  revision: number;
}

/** Body of `POST /api/v1/routes/:route/switch` (a manual switch, pinned for `ttl_s` or until unpinned). */
export interface SwitchRequest {
  to: string;
  reason?: string;
  ttl_s?: number;
  by?: string;
}
