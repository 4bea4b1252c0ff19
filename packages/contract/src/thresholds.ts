/**
 * Shapes of the thresholds settings (SPEC §3 Alerts, `GET|PUT /api/v1/thresholds`), shared by the
 * server and the dashboard.
 */

/** Where a threshold in force came from: the global settings or the override of one tenant, route, model or agent (`name`; null for global). */
export interface ThresholdScope {
  kind: "global" | "tenant" | "route" | "model" | "agent";
  name: string | null;
}

/** One limit as a scope sets it on the wire: a bare number (its trip), or the trip with hysteresis and a minimum sample count. */
export type ThresholdValue = number | { trip: number; recover?: number; min_samples?: number };

/** A scope's limits on the wire: threshold keys, and `min_samples` for the scope's minimum sample count. */
export type ThresholdScopeSettings = Record<string, ThresholdValue>;

/** `GET /api/v1/thresholds`: the limits in force, globally and per tenant, route, model and agent (most specific last). */
export interface ThresholdsResponse {
  global: ThresholdScopeSettings;
  tenants: Record<string, ThresholdScopeSettings>;
  routes: Record<string, ThresholdScopeSettings>;
  models: Record<string, ThresholdScopeSettings>;
  agents: Record<string, ThresholdScopeSettings>;
}

/** A threshold breached in a window (the report's `threshold_breaches`): the figure, the limit, where the limit came from, and the samples it was judged on. */
export interface ThresholdBreach {
  level: "warning" | "critical";
  /** The threshold key (e.g. `success_rate_min`). */
  metric: string;
  /** `system`, or the agent the figure is of. */
  subject: { kind: "system" | "agent"; name: string | null };
  current_value: number;
  threshold: number;
  threshold_scope: ThresholdScope;
  samples: number;
  min_samples: number;
  message: string;
}

/** A route whose state is not `normal`, as the system health counts it. */
export interface RouteConcern {
  route: string;
  state: "failed_over" | "degraded" | "pinned";
  active_model: string;
}
