/**
 * Verdicts on a window's figures, made once for every view (report breaches, recommendations,
 * health scores, `/api/v1/health`, the dashboard): each key's figure and its sample count are
 * judged against the subject's limit (core/threshold-model.ts), never on fewer samples than the
 * minimum. The system health adds what the figures alone cannot see: open critical alerts and
 * routes that are not `normal` (docs/metrics.md, "Health score"). Pure.
 */
import type { HealthResponse, HealthStatus, Metrics, RouteConcern, ThresholdBreach } from "@vigil/contract";
import { formatFigure, formatThreshold, type FigureUnit } from "./figure-format.js";
import { healthBand, healthScore, healthStatus, type HealthInputs } from "./health-score.js";
import { judge, KEY_SPECS, scopeText, THRESHOLD_KEYS, type Limit, type ThresholdKey, type Verdict } from "./threshold-model.js";

/** A figure of a metrics block and the samples behind it. */
export interface KeyFigure {
  value: number | null;
  samples: number;
}

const ratio = (a: number | null, n: number): number | null => (a === null || n <= 0 ? null : a / n);

/** The figure each key judges in a metrics block, and its samples (runs; scored outcomes for accuracy; LLM calls for call figures). */
const FIGURES: Readonly<Record<ThresholdKey, (m: Metrics) => KeyFigure>> = {
  success_rate_min: (m) => ({ value: m.success_rate, samples: m.total_tasks }),
  error_rate_max: (m) => ({ value: m.error_rate, samples: m.total_tasks }),
  latency_p95_max_ms: (m) => ({ value: m.p95_latency_ms, samples: m.total_tasks }),
  cost_per_task_max: (m) => ({ value: m.cost_per_task, samples: m.total_tasks }),
  accuracy_min: (m) => ({ value: m.avg_accuracy, samples: m.accuracy_samples }),
  memory_mb_max: (m) => ({ value: m.avg_memory_mb, samples: m.total_tasks }),
  tokens_per_task_max: (m) => ({ value: m.tokens_per_task, samples: m.total_tasks }),
  ttft_max_ms: (m) => ({ value: m.llm_avg_ttft_ms, samples: m.llm_calls }),
  cost_per_call_max: (m) => ({ value: ratio(m.llm_cost, m.llm_calls), samples: m.llm_calls }),
  quality_min: (m) => ({ value: m.avg_quality_score, samples: m.total_tasks }),
  throughput_per_min_min: (m) => ({ value: m.total_tasks > 0 ? m.throughput_per_min : null, samples: m.total_tasks }),
};

/** The figure of `key` in a metrics block. */
export function figureOf(key: ThresholdKey, m: Metrics): KeyFigure {
  return FIGURES[key](m);
}

/** Every limited key of a metrics block judged. */
export function verdictsOf(m: Metrics, limits: Partial<Record<ThresholdKey, Limit>>): Verdict[] {
  const out: Verdict[] = [];
  for (const key of THRESHOLD_KEYS) {
    const l = limits[key];
    if (!l) continue;
    const f = FIGURES[key](m);
    out.push(judge(l, f.value, f.samples));
  }
  return out;
}

/** How each key is named and shown in a sentence. */
const WORDS: Readonly<Record<ThresholdKey, [name: string, unit: FigureUnit]>> = {
  success_rate_min: ["success rate", "ratio"],
  error_rate_max: ["error rate", "ratio"],
  latency_p95_max_ms: ["p95 latency", "ms"],
  cost_per_task_max: ["cost per task", "usd"],
  accuracy_min: ["accuracy", "ratio"],
  memory_mb_max: ["memory per run", "mb"],
  tokens_per_task_max: ["tokens per task", "count"],
  ttft_max_ms: ["time to first token", "ms"],
  cost_per_call_max: ["cost per LLM call", "usd"],
  quality_min: ["quality score", "score"],
  throughput_per_min_min: ["throughput", "per_min"],
};

/** A key's name and unit for sentences. */
export function keyWords(key: ThresholdKey): [name: string, unit: FigureUnit] {
  return WORDS[key];
}

/**
 * The breaches of a subject's figures, each with its threshold, scope and samples; critical first.
 * `subject` null is the system as a whole.
 */
export function breachesOf(m: Metrics, limits: Partial<Record<ThresholdKey, Limit>>, subject: string | null): ThresholdBreach[] {
  const out: ThresholdBreach[] = [];
  for (const v of verdictsOf(m, limits)) {
    if (v.standing !== "breach" || v.value === null) continue;
    const spec = KEY_SPECS[v.key];
    const [name, unit] = WORDS[v.key];
    const where = v.scope.kind === "global" ? "" : ` (${scopeText(v.scope)} threshold)`;
    out.push({
      level: spec.level,
      metric: v.key,
      subject: subject === null ? { kind: "system", name: null } : { kind: "agent", name: subject },
      current_value: v.value,
      threshold: v.threshold,
      threshold_scope: v.scope,
      samples: v.samples,
      min_samples: v.min_samples,
      message: `${subject === null ? "system" : `agent ${subject}`}: ${name} is ${formatFigure(v.value, unit)}, ${spec.bound === "min" ? "below" : "above"} the threshold of ${formatThreshold(v.threshold, unit)}${where} over ${v.samples} samples`,
    });
  }
  return out;
}

/** Critical breaches first, the rest in the order given. */
export function byLevel(breaches: ThresholdBreach[]): ThresholdBreach[] {
  return [...breaches].sort((a, b) => (a.level === b.level ? 0 : a.level === "critical" ? -1 : 1));
}

/**
 * The health score's inputs with every component judged on too few samples left out (success rate,
 * latency and error rate need `minSamples` runs; accuracy `minSamples` scored outcomes).
 */
export function healthInputs(m: Metrics, minSamples: number): HealthInputs {
  const runs = m.total_tasks >= minSamples;
  return {
    success_rate: runs ? m.success_rate : null,
    p95_latency_ms: runs ? m.p95_latency_ms : null,
    error_rate: runs ? m.error_rate : null,
    avg_accuracy: m.accuracy_samples >= minSamples ? m.avg_accuracy : null,
  };
}

/** The limits the health score reads (a key no scope sets is no limit). */
export function healthLimits(limits: Partial<Record<ThresholdKey, Limit>>): { latency_p95_max_ms: number; error_rate_max: number } {
  return { latency_p95_max_ms: limits.latency_p95_max_ms?.trip ?? Infinity, error_rate_max: limits.error_rate_max?.trip ?? Infinity };
}

/** The health score of a subject's figures: 0..100, null without enough data for any component. */
export function scoreOf(m: Metrics, limits: Partial<Record<ThresholdKey, Limit>>, minSamples: number): number | null {
  return healthScore(healthInputs(m, minSamples), healthLimits(limits));
}

/** What the system health knows beyond the figures. */
export interface HealthSignals {
  /** Critical alerts firing or acknowledged. */
  open_critical_alerts: number;
  /** Every route's state. */
  routes: readonly { route: string; state: string; active_model: string }[];
}

/** Points taken off for each open critical alert (at most three count). */
export const CRITICAL_ALERT_PENALTY = 15;
/** Points taken off for each route failed over or degraded (at most three count). */
export const ROUTE_PENALTY = 10;
const MAX_COUNTED = 3;

/**
 * The system health (docs/metrics.md, "Health score"):
 *
 *   score  = max(0, S - 15 × min(A, 3) - 10 × min(R, 3))
 *
 * where S is the figures' score (100 when there are no figures but A or R is not 0), A the open
 * critical alerts and R the routes failed over or degraded (a pinned route is listed, not
 * penalised: someone chose it). The status is the score's, made worse by the signals: any open
 * critical alert or degraded route (no healthy candidate) makes it `unhealthy`, any route failed
 * over at least `degraded`. Every term only lowers the score or worsens the status, so more alerts,
 * more routes off normal or worse figures never give a better answer.
 */
export function systemHealth(metricsScore: number | null, samples: number, signals: HealthSignals, now: number): HealthResponse {
  const concerns: RouteConcern[] = signals.routes.filter((r) => r.state !== "normal").map((r) => ({ route: r.route, state: r.state as RouteConcern["state"], active_model: r.active_model }));
  const penalised = concerns.filter((r) => r.state !== "pinned").length;
  const alerts = signals.open_critical_alerts;
  const penalty = CRITICAL_ALERT_PENALTY * Math.min(alerts, MAX_COUNTED) + ROUTE_PENALTY * Math.min(penalised, MAX_COUNTED);
  const base = metricsScore ?? (penalty > 0 ? 100 : null);
  const score = base === null ? null : Math.max(0, Math.round((base - penalty) * 10) / 10);
  const reasons: string[] = [];
  let status: HealthStatus = healthStatus(score);
  if (score !== null && status !== "healthy") reasons.push(`the health score is ${score}, ${status === "unhealthy" ? "under 50" : "under 70"}`);
  if (alerts > 0) {
    status = "unhealthy";
    reasons.push(`${alerts} critical alert${alerts === 1 ? " is" : "s are"} open`);
  }
  for (const r of concerns) {
    if (r.state === "degraded") status = "unhealthy";
    else if (r.state === "failed_over" && status === "healthy") status = "degraded";
    reasons.push(r.state === "pinned" ? `route ${r.route} is pinned to ${r.active_model}` : r.state === "degraded" ? `route ${r.route} has no healthy model (serving ${r.active_model})` : `route ${r.route} failed over to ${r.active_model}`);
  }
  return {
    status,
    health_score: score,
    band: score === null ? null : healthBand(score),
    timestamp: new Date(now).toISOString(),
    metrics_score: metricsScore,
    samples,
    open_critical_alerts: alerts,
    routes_not_normal: concerns,
    reasons,
  };
}

/** Critical alerts firing or acknowledged (a pending one has not held for its `for` yet). */
export function openCriticalAlerts(alerts: Iterable<{ severity: string; state: string }>): number {
  let n = 0;
  for (const a of alerts) if (a.severity === "critical" && (a.state === "firing" || a.state === "acknowledged")) n++;
  return n;
}
