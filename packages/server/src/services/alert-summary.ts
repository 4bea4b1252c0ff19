/**
 * The alert summary (`GET /api/v1/alerts/summary`; docs/api.md): counts by level, state and rule
 * of the alerts whose latest change falls in a window, and the mean times to acknowledge and to
 * resolve them.
 */
import type { AlertEvaluationStats, AlertLevel, AlertState, AlertSummaryResponse } from "@vigil/contract";
import type { AlertRecord, AlertStore } from "../core/alerting/types.js";

/** What the summary needs. */
export interface AlertSummaryDeps {
  alerts: Pick<AlertStore, "listAlerts">;
  /** The last evaluation made by this instance, or null before its first. */
  evaluation: () => AlertEvaluationStats | null;
  now: () => number;
}

/** Most alerts a summary reads. */
const MOST_ALERTS = 100_000;

/** Summarises the alerts of a window ending now. */
export class AlertSummaryService {
  constructor(private readonly deps: AlertSummaryDeps) {}

  /** The summary of the alerts whose latest change is in the last `windowMs`. */
  async summary(windowMs: number): Promise<AlertSummaryResponse> {
    const now = this.deps.now();
    const since = now - windowMs;
    const { alerts } = await this.deps.alerts.listAlerts({ since, limit: MOST_ALERTS });
    return summarizeAlerts(alerts, since, now, this.deps.evaluation());
  }
}

/** Rounds a mean of milliseconds to seconds with two decimals; null without samples. */
const meanSeconds = (sumMs: number, n: number): number | null => (n ? Math.round(sumMs / n / 10) / 100 : null);

/**
 * The summary of these alerts over [since, now]. Mean times run from when an alert fired (or became
 * active, for one acknowledged while pending) to its acknowledgement, and from firing to resolution
 * for alerts that fired.
 */
export function summarizeAlerts(alerts: readonly AlertRecord[], since: number, now: number, evaluation: AlertEvaluationStats | null): AlertSummaryResponse {
  const byLevel: Record<AlertLevel, number> = { info: 0, warning: 0, critical: 0 };
  const byState: Record<AlertState, number> = { pending: 0, firing: 0, acknowledged: 0, resolved: 0 };
  // No prototype: a rule may be named `constructor` or `toString`.
  const byRule = Object.create(null) as Record<string, { total: number; open: number }>;
  let open = 0;
  let ackN = 0;
  let ackSum = 0;
  let resN = 0;
  let resSum = 0;
  for (const a of alerts) {
    byLevel[a.severity]++;
    byState[a.state]++;
    const r = (byRule[a.rule] ??= { total: 0, open: 0 });
    r.total++;
    if (a.state !== "resolved") {
      r.open++;
      open++;
    }
    const fired = a.fired_at ?? a.active_at;
    if (a.acknowledged_at !== null) {
      ackN++;
      ackSum += a.acknowledged_at - fired;
    }
    if (a.resolved_at !== null && a.fired_at !== null) {
      resN++;
      resSum += a.resolved_at - fired;
    }
  }
  return {
    window: { start: new Date(since).toISOString(), end: new Date(now).toISOString() },
    total: alerts.length,
    open,
    by_level: byLevel,
    by_state: byState,
    by_rule: byRule,
    mean_time_to_acknowledge_s: meanSeconds(ackSum, ackN),
    mean_time_to_resolve_s: meanSeconds(resSum, resN),
    acknowledged_samples: ackN,
    resolved_samples: resN,
    evaluation,
  };
}
