/**
 * An SLO's alerts through the ordinary alert pipeline (docs/slo.md, "Alerts"): each SLO yields
 * generated alert rules — one per burn-rate condition of the SRE workbook's scheme and, for a latency
 * SLO with a maximum, one for the breach — which the alert engine evaluates like any rule (the
 * Prometheus state machine, routes, grouping, silences, the outbox). A burn-rate condition holds
 * when both its windows burn faster than its factor, so the rule watches the lesser of the two burn
 * rates against the factor: min(long, short) > factor exactly when long > factor and short > factor,
 * and the alert fires and resolves on the steps where the core's condition does.
 */
import type { SloAlertCondition } from "@vigil/contract";
import { formatRuleDuration } from "../core/alerting/duration.js";
import type { Observation } from "../core/alerting/evaluator.js";
import type { AlertRule } from "../core/alerting/types.js";
import type { SloFigures } from "../core/slo/budget.js";
import { BURN_SCHEME, burnFactor, conditionsFrom } from "../core/slo/burn.js";
import { BURN_WINDOW_MS } from "../core/slo/spans.js";
import type { BookSlo } from "./slo-book.js";

/** The metric of a generated burn-rate rule: the lesser of its two windows' burn rates. */
export const SLO_BURN_METRIC = "slo_burn_rate";
/** The metric of a generated maximum-latency rule: events over the maximum in the last 5 minutes. */
export const SLO_MAX_METRIC = "slo_max_latency_breaches";
/** The window the maximum-latency breach looks back over. */
const MAX_WINDOW_MS = 5 * 60_000;

/** The burn-rate conditions of an SLO at one reading, with the severities its alerting settings give them. */
export function sloConditions(slo: BookSlo, rates: SloFigures["burn_rates"]): SloAlertCondition[] {
  return conditionsFrom(slo.spec, rates).map((c) => ({ ...c, severity: c.kind === "page" ? slo.alerting.pageSeverity : slo.alerting.ticketSeverity }));
}

/** Name of one of an SLO's generated rules (`slo:<name>:page_1h`, `slo:<name>:max_ms`). */
export function sloRuleName(slo: string, part: string): string {
  return `slo:${slo}:${part}`;
}

/** Words for the budget left and the time to exhaustion, for the alerts' annotations. */
function budgetWords(f: SloFigures | null): { budget_remaining: string; exhaustion: string } {
  if (!f || f.budget.remaining_ratio === null) return { budget_remaining: "no events in the period yet", exhaustion: "not burning" };
  const pct = `${(f.budget.remaining_ratio * 100).toFixed(1)}% of the error budget left (${formatCount(f.budget.remaining)} of ${formatCount(f.budget.total)} ${f.budget.unit})`;
  let ex = "not burning at the 1-hour rate";
  if (f.budget.remaining <= 0) ex = "the error budget is spent";
  else if (f.exhaustion.in_ms !== null) ex = `exhausted in ${formatRuleDuration(Math.max(60_000, Math.round(f.exhaustion.in_ms / 60_000) * 60_000))} at the 1-hour burn rate`;
  return { budget_remaining: pct, exhaustion: ex };
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * Annotations whose `budget_remaining` and `exhaustion` are read when the alert is rendered, from
 * the SLO's latest figures: the rule stays one object while the SLO is unchanged, yet an alert
 * raised right after a refresh says the budget of that refresh, not of the one before.
 */
function liveAnnotations(fixed: Record<string, string>, figures: () => SloFigures | null, own: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...fixed };
  for (const k of ["budget_remaining", "exhaustion"] as const) Object.defineProperty(out, k, { enumerable: true, get: () => budgetWords(figures())[k] });
  return Object.assign(out, own);
}

/**
 * The alert rules an SLO generates (disabled when its alerting is); `figures` gives its latest
 * figures, which fill the annotations with the budget left and the time to exhaustion.
 */
export function sloAlertRules(slo: BookSlo, figures: () => SloFigures | null): AlertRule[] {
  const { spec, definition, alerting } = slo;
  const labels = { ...alerting.labels, slo: spec.name, slo_class: definition.class };
  const base = {
    aggregate: null,
    scope: { ...spec.filter },
    group_by: [],
    comparator: ">" as const,
    threshold_key: null,
    for_ms: 0,
    keep_firing_for_ms: 0,
    min_samples: 1,
    change: null,
    no_data: "ok" as const,
    enabled: alerting.enabled,
    source: "slo" as const,
  };
  const rules: AlertRule[] = BURN_SCHEME.map((r) => {
    const factor = burnFactor(spec, r);
    const severity = r.kind === "page" ? alerting.pageSeverity : alerting.ticketSeverity;
    const pct = `${Math.round(r.share * 100)}%`;
    return {
      ...base,
      name: sloRuleName(spec.name, `${r.kind}_${r.long}`),
      description: `SLO ${spec.name}: ${pct} of the error budget burning within ${r.long} (confirmed over ${r.short})`,
      metric: SLO_BURN_METRIC,
      threshold: factor,
      window_ms: BURN_WINDOW_MS[r.long],
      severity,
      labels,
      annotations: liveAnnotations({ summary: `SLO ${spec.name} is burning its error budget: burn rate {{ $value }} over ${r.long} and ${r.short}, above ${Number(factor.toFixed(2))} (${pct} of the budget in ${r.long})` }, figures, alerting.annotations),
    };
  });
  if (spec.maxMs !== null) {
    rules.push({
      ...base,
      name: sloRuleName(spec.name, "max_ms"),
      description: `SLO ${spec.name}: an event of class ${definition.class} took longer than its ${spec.maxMs} ms maximum in the last 5 minutes`,
      metric: SLO_MAX_METRIC,
      threshold: 0,
      window_ms: MAX_WINDOW_MS,
      // A breach pages: the SLO's page severity, as the exported Prometheus rule has it.
      severity: alerting.pageSeverity,
      labels,
      annotations: liveAnnotations({ summary: `SLO ${spec.name}: {{ $value }} events of class ${definition.class} over the ${spec.maxMs} ms maximum in the last 5 minutes` }, figures, alerting.annotations),
    });
  }
  return rules;
}

/** What a generated rule observes in a reading: the lesser burn rate of its windows (or the breaches) against its threshold. */
export function sloObservation(rule: AlertRule, figures: SloFigures, conditions: readonly SloAlertCondition[]): Observation[] {
  if (rule.metric === SLO_MAX_METRIC) {
    const n = figures.max_breaches;
    return n === null ? [] : [{ group: {}, value: n, samples: 1, threshold: 0, min_samples: 1 }];
  }
  const part = rule.name.slice(rule.name.lastIndexOf(":") + 1);
  const c = conditions.find((x) => `${x.kind}_${x.long_window}` === part);
  if (!c || c.long_burn === null || c.short_burn === null) return [];
  return [{ group: {}, value: Math.min(c.long_burn, c.short_burn), samples: 1, threshold: c.factor, min_samples: 1 }];
}
