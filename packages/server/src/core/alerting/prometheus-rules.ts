/**
 * Vigil's alert rules written as a Prometheus rules file over the `/metrics` families
 * (prometheus/exposition.ts), for teams that alert from Prometheus itself. Each catalogue metric
 * becomes the PromQL that computes the same figure from those families over the rule's window
 * (promql-mappings.ts); `for`, `keep_firing_for`, labels and annotations carry over (annotations
 * as Go templates).
 * The file is written by prometheus-rules-yaml.ts, annotations translated by go-template.ts.
 */
import { DEFAULT_MIN_SAMPLES } from "../threshold-model.js";
import type { Dimension } from "../stored-event.js";
import { CUSTOM_PREFIX } from "./catalogue.js";
import { formatRuleDuration } from "./duration.js";
import { toGoTemplate } from "./go-template.js";
import { rulesYaml, type PrometheusAlertingRule } from "./prometheus-rules-yaml.js";
import { mappingOf, Query, tenantMappingOf, type Family } from "./promql-mappings.js";
import type { AlertRule } from "./types.js";

export { EXPORTABLE_METRICS, TENANT_EXPORTABLE_METRICS, exportLabels } from "./promql-mappings.js";

/** A rule left out of the export, and why. */
export interface SkippedRule {
  rule: string;
  reason: string;
}

/** Where an exported rule behaves differently from Vigil's, so users are not surprised. */
export interface ExportNote {
  rule: string;
  note: string;
}

/** The rules file and what it could not carry. */
export interface PrometheusRulesExport {
  yaml: string;
  skipped: SkippedRule[];
  notes: ExportNote[];
}

const CUSTOM_FAMILY: Family = { name: "vigil_custom_metric", labels: [], samples: "vigil_custom_metric_count" };

/** PromQL of a custom metric's aggregate over the window, or null for aggregates without a family (min, max). */
function customExpr(rule: AlertRule, name: string, q: Query): string | null {
  switch (rule.aggregate) {
    case "avg":
      return `${q.increase("vigil_custom_metric_sum", name)} / (${q.increase("vigil_custom_metric_count", name)} > 0)`;
    case "sum":
      return q.increase("vigil_custom_metric_sum", name);
    case "count":
      return q.increase("vigil_custom_metric_count", name);
    case "rate":
      return q.rate("vigil_custom_metric_sum", name);
    case "last":
      // The gauge outlives its samples; like Vigil, only a value reported within the window counts.
      return `max(${q.instant("vigil_custom_metric_last", name)}) and on() (${q.increase("vigil_custom_metric_count", name)} > 0)`;
    default:
      return null;
  }
}

/** A PromQL string literal (PromQL reads Go escapes, a superset of JSON's). */
function promString(s: string): string {
  return JSON.stringify(s);
}

/** What a rule reads: its family, how to build its value at an offset, and how that differs from Vigil. */
interface Plan {
  family: Family;
  build(q: Query): string | null;
  note: string | null;
  /** Matchers a custom metric adds to every selector (its name). */
  extra: string[];
}

/**
 * Picks the family a rule reads: the metric's own, or its tenant family when the rule names only
 * `tenant_id`; a rule scoped or grouped by a label neither carries cannot be written.
 */
function plan(rule: AlertRule): Plan | { reason: string } {
  const custom = rule.metric.startsWith(CUSTOM_PREFIX);
  const used = [...new Set([...Object.keys(rule.scope), ...rule.group_by])] as Dimension[];
  const lacking = (f: Family) => used.filter((d) => !f.labels.includes(d));
  const carries = (f: Family) => `it carries ${f.labels.join(", ") || "no dimensions"}`;
  if (custom) {
    // A custom rule's component is the metric event's, which the family does not label.
    if (rule.component) return { reason: `${CUSTOM_FAMILY.name} has no component label (${carries(CUSTOM_FAMILY)})` };
    const missing = lacking(CUSTOM_FAMILY);
    if (missing.length) return { reason: `${CUSTOM_FAMILY.name} has no ${missing.join(", ")} label (${carries(CUSTOM_FAMILY)})` };
    const name = `name=${promString(rule.metric.slice(CUSTOM_PREFIX.length))}`;
    return { family: CUSTOM_FAMILY, build: (q) => customExpr(rule, name, q), note: null, extra: [name] };
  }
  const mapping = mappingOf(rule.metric);
  if (!mapping) return { reason: `metric "${rule.metric}" has no family in Vigil's /metrics yet` };
  const tenant = tenantMappingOf(rule.metric);
  const chosen = !lacking(mapping.family).length ? mapping : tenant && !lacking(tenant.family).length ? tenant : null;
  if (!chosen) {
    const missing = lacking(mapping.family);
    let reason = `${mapping.family.name} has no ${missing.join(", ")} label (${carries(mapping.family)})`;
    if (tenant) reason += `, and ${tenant.family.name} carries only tenant_id`;
    else if (missing.includes("tenant_id")) reason += `, and no vigil_tenant_* family has ${rule.metric}`;
    return { reason };
  }
  return { family: chosen.family, build: (q) => chosen.expr(q), note: chosen.note ?? null, extra: [] };
}

const scopeMatchers = (rule: AlertRule): string[] => Object.entries(rule.scope).map(([k, v]) => `${k}=${promString(v!)}`);

/** The alerting expression of a rule at a threshold, or why it cannot be written in PromQL. */
export function ruleExpression(rule: AlertRule, threshold: number, minSamples = rule.min_samples ?? 1): { expr: string; notes: string[] } | { reason: string } {
  const p = plan(rule);
  if ("reason" in p) return p;
  const w = formatRuleDuration(rule.window_ms);
  const at = (offset: string | null) => new Query(scopeMatchers(rule), rule.group_by, w, offset);
  const cur = p.build(at(null));
  if (cur === null) return { reason: `aggregate "${rule.aggregate}" of custom metrics has no family in Vigil's /metrics (exportable: avg, sum, count, rate, last)` };
  const notes = p.note ? [p.note] : [];

  let value = cur;
  if (rule.change) {
    const prev = p.build(at(w))!;
    // Vigil has no value when the previous window's is zero (ratio, percent): `!= 0` drops it likewise.
    if (rule.change === "ratio") value = `(${cur}) / ((${prev}) != 0)`;
    else if (rule.change === "delta") value = `(${cur}) - (${prev})`;
    else value = `((${cur}) - (${prev})) / ((${prev}) != 0) * 100`;
  }
  let expr = `(${value}) ${rule.comparator} ${threshold}`;
  if (minSamples > 1 && p.family.samples !== null) {
    expr += ` and on(${rule.group_by.join(", ")}) (${at(null).increase(p.family.samples, ...(p.family.sampleMatchers ?? []), ...p.extra)} >= ${minSamples})`;
  }
  if (rule.no_data === "keep_state") notes.push("no_data: keep_state has no Prometheus equivalent: missing data resolves the alert (as no_data: ok)");
  if (rule.no_data === "alerting") notes.push("no_data: alerting has no Prometheus equivalent: missing data does not fire the alert");
  return { expr, notes };
}

/**
 * `$samples` as a Go template: Prometheus does not know it, so the annotation queries the sample
 * counter of the alert's own group (`printf %q` quotes each label value as a PromQL string).
 */
function goSamples(rule: AlertRule, p: Plan): string | null {
  if (p.family.samples === null) return null;
  const w = formatRuleDuration(rule.window_ms);
  const show = '{{ . | first | value | printf "%.0f" }}';
  const extra = [...(p.family.sampleMatchers ?? []), ...p.extra];
  if (!rule.group_by.length) return `{{ with query ${JSON.stringify(new Query(scopeMatchers(rule), [], w, null).increase(p.family.samples, ...extra))} }}${show}{{ end }}`;
  const pct = (s: string) => s.replace(/%/g, "%%");
  const matchers = [...scopeMatchers(rule).map(pct), ...rule.group_by.map((d) => `${d}=%q`)];
  const format = new Query(matchers, [], w, null).increase(p.family.samples, ...extra.map(pct));
  return `{{ with printf ${JSON.stringify(format)} ${rule.group_by.map((d) => `$labels.${d}`).join(" ")} | query }}${show}{{ end }}`;
}

/** One Vigil rule as a Prometheus alerting rule, or why it cannot be. */
export function toPrometheusRule(rule: AlertRule, thresholds: Readonly<Record<string, number>>): { rule: PrometheusAlertingRule; notes: string[] } | { reason: string } {
  if (!rule.enabled) return { reason: "the rule is disabled" };
  if (rule.anomaly) return { reason: "an anomaly rule scores each step against what Vigil's detector learnt of the series (docs/anomaly.md); PromQL has no equivalent" };
  if (rule.forecast) return { reason: "a forecast rule fires on the robust trend Vigil fits to the series (docs/anomaly.md#forecasts); predict_linear is a least-squares fit of the raw samples and would fire at other times" };
  if (rule.baseline && rule.threshold === null) return { reason: `baseline "${rule.baseline.name}" has no value in the baselines given (--baselines), or is inactive` };
  const threshold = rule.threshold ?? (rule.threshold_key !== null ? thresholds[rule.threshold_key] : undefined);
  if (threshold === undefined || threshold === null || !Number.isFinite(threshold)) return { reason: `threshold_key "${rule.threshold_key}" has no value in the thresholds given` };
  // A rule without its own minimum takes the thresholds' (global) one when it reads a threshold key.
  const e = ruleExpression(rule, threshold, rule.min_samples ?? (rule.threshold_key !== null ? (thresholds.min_samples ?? DEFAULT_MIN_SAMPLES) : 1));
  if ("reason" in e) return e;
  const notes = [...e.notes];
  if (rule.threshold_key !== null) notes.push("threshold_key is exported as the global threshold; per-agent, model and route overrides are not");
  if (rule.baseline) notes.push("a baseline threshold is exported as the number in force (factor × the baseline's value); export again after the baseline changes");
  const p = plan(rule) as Plan;
  const samples = goSamples(rule, p);
  const annotations: Record<string, string> = {};
  for (const [k, t] of Object.entries(rule.annotations)) annotations[k] = toGoTemplate(t, rule, threshold, samples);
  return {
    rule: {
      alert: rule.name,
      expr: e.expr,
      ...(rule.for_ms > 0 ? { for: formatRuleDuration(rule.for_ms) } : {}),
      ...(rule.keep_firing_for_ms > 0 ? { keep_firing_for: formatRuleDuration(rule.keep_firing_for_ms) } : {}),
      labels: { ...rule.labels, severity: rule.severity },
      annotations,
    },
    notes,
  };
}

/**
 * Writes a Prometheus rules file (`groups: [{name: vigil, rules: [...]}]`) for every rule whose
 * metric maps onto the exposition's families; `thresholds` supplies rules that use `threshold_key`.
 * Rules that cannot be written are listed in `skipped`, approximations in `notes`.
 */
export function exportPrometheusRules(rules: readonly AlertRule[], thresholds: Readonly<Record<string, number>>): PrometheusRulesExport {
  const out: PrometheusAlertingRule[] = [];
  const skipped: SkippedRule[] = [];
  const notes: ExportNote[] = [];
  for (const r of rules) {
    const p = toPrometheusRule(r, thresholds);
    if ("reason" in p) {
      skipped.push({ rule: r.name, reason: p.reason });
      continue;
    }
    out.push(p.rule);
    for (const note of p.notes) notes.push({ rule: r.name, note });
  }
  return { yaml: rulesYaml(out, skipped), skipped, notes };
}
