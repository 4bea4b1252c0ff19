/**
 * Shapes of the thresholds settings (SPEC §3 Alerts, `GET|PUT /api/v1/thresholds`), shared by the
 * server and the dashboard.
 */

/** Where a threshold in force came from: the global settings or the override of one tenant, route, model or agent (`name`; null for global). */
export interface ThresholdScope {
  kind: "global" | "tenant" | "route" | "model" | "agent";
  name: string | null;
}
