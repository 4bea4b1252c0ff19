/** Seed 003's seven thresholds and their defaults: the global limits the threshold model (threshold-model.ts) starts from. */

/** The threshold keys (SPEC §3 Alerts). A missing key means "not checked". */
export interface Thresholds {
  /** Alert when the success rate falls below this (0..1). */
  success_rate_min: number;
  /** Alert when the error rate rises above this (0..1). */
  error_rate_max: number;
  /** Alert when p95 run latency rises above this, in milliseconds. */
  latency_p95_max_ms: number;
  /** Alert when the mean cost per task rises above this, in USD. */
  cost_per_task_max: number;
  /** Alert when the mean outcome accuracy falls below this (0..1). */
  accuracy_min: number;
  /** Alert when mean memory per run rises above this, in MB. */
  memory_mb_max: number;
  /** Alert when mean tokens per task rise above this. */
  tokens_per_task_max: number;
}

/** Seed 003's default thresholds. */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  success_rate_min: 0.8,
  error_rate_max: 0.15,
  latency_p95_max_ms: 5000,
  cost_per_task_max: 1.0,
  accuracy_min: 0.7,
  memory_mb_max: 1024,
  tokens_per_task_max: 5000,
});
