/**
 * Shapes of an anomaly rule's readings (docs/anomaly.md "Anomaly rules"; `GET /api/v1/anomalies`):
 * per whole step of one group, the value its detector was fed, what the detector expected with its
 * band, the score, and whether the rule's condition held there. Shared by the server, which keeps
 * them as its detectors read each step, and the dashboard, which draws them. Times are ISO-8601 strings.
 */

/** One whole step of a group as the rule's detector read it. */
export interface AnomalyPoint {
  /** Start of the step. */
  at: string;
  /** The rule's metric over the step, as the detector was fed it (in the metric's unit). */
  value: number;
  /** What the detector expected, and the band around it; null while it learns (its warm-up). */
  expected: number | null;
  lower: number | null;
  upper: number | null;
  /** The anomaly score (0..1); null while the detector learns. */
  score: number | null;
  /** Whether the rule's condition held at this step: the score at or above the rule's threshold once the group had `min_history` of history. */
  anomalous: boolean;
}

/** Answer of `GET /api/v1/anomalies?rule=…&<dimension>=…`: one group's readings over a time range, oldest first. */
export interface AnomalySeriesResponse {
  rule: string;
  /** The rule's catalogue metric, and its unit (`ms`, `ratio`, `usd`, `count`…). */
  metric: string;
  unit: string;
  /** The group (the rule's `group_by` dimensions and their values; empty for an ungrouped rule). */
  group: Record<string, string>;
  step_seconds: number;
  /** The score the rule fires at (from its sensitivity). */
  threshold: number;
  /** Whether the rule follows this group now (false: never seen in the history held, past the rule's group cap, or the rule is disabled or not evaluated yet). */
  followed: boolean;
  /** The latest steps kept per group: older readings are dropped. */
  kept_steps: number;
  /** The range asked for. */
  from: string;
  to: string;
  points: AnomalyPoint[];
}
