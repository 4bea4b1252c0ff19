/**
 * Vigil's alert rules written as a Prometheus rules file over the `/metrics` families
 * (prometheus/exposition.ts), for teams that alert from Prometheus itself. Each catalogue metric
 * becomes the PromQL that computes the same figure from those families over the rule's window;
 * `for`, `keep_firing_for`, labels and annotations carry over (annotations as Go templates).
 * The file is written by prometheus-rules-yaml.ts, annotations translated by go-template.ts.
 */
import { DIMENSIONS, type Dimension } from "../stored-event.js";
import { CUSTOM_PREFIX } from "./catalogue.js";
import { formatRuleDuration } from "./duration.js";
import { toGoTemplate } from "./go-template.js";
import { rulesYaml, type PrometheusAlertingRule } from "./prometheus-rules-yaml.js";
import type { AlertRule } from "./types.js";

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

/** A metric family of the exposition: the dimension labels it carries and the counter of its samples. */
interface Family {
  name: string;
  labels: readonly Dimension[];
  /** Counter whose increase over the window is the sample count `min_samples` is checked against, or null when the metric is itself a count. */
  samples: string | null;
}
const RUNS: Family = { name: "vigil_runs_total", labels: DIMENSIONS, samples: "vigil_runs_total" };
const RUN_COUNTS: Family = { ...RUNS, samples: null };
const LLM: Family = { name: "vigil_llm_calls_total", labels: ["model", "route"], samples: "vigil_llm_calls_total" };
const LLM_COUNTS: Family = { ...LLM, samples: null };
const OUTCOMES: Family = { name: "vigil_outcome_accuracy", labels: DIMENSIONS, samples: "vigil_outcome_accuracy_count" };
const FEEDBACK: Family = { name: "vigil_feedback_satisfaction", labels: DIMENSIONS, samples: "vigil_feedback_satisfaction_count" };

/** Builds selectors and aggregations for one rule, at an optional offset (for change functions). */
class Query {
  constructor(
    private readonly matchers: string[],
    private readonly groupBy: readonly string[],
    private readonly window: string,
    private readonly offset: string | null,
  ) {}

  /** Range selector `metric{...}[w]` with the rule's scope and any extra matchers. */
  range(metric: string, ...extra: string[]): string {
    return `${metric}${this.labels(extra)}[${this.window}]${this.offset ? ` offset ${this.offset}` : ""}`;
  }

  /** Instant selector `metric{...}` with the rule's scope. */
  instant(metric: string, ...extra: string[]): string {
    return `${metric}${this.labels(extra)}${this.offset ? ` offset ${this.offset}` : ""}`;
  }

  /** `sum by (<group_by>) (inner)`, or `sum(inner)` without grouping; `extra` labels are kept too (`le`). */
  sum(inner: string, ...extra: string[]): string {
    const by = [...extra, ...this.groupBy];
    return by.length ? `sum by (${by.join(", ")}) (${inner})` : `sum(${inner})`;
  }

  rate(metric: string, ...extra: string[]): string {
    return this.sum(`rate(${this.range(metric, ...extra)})`);
  }

  increase(metric: string, ...extra: string[]): string {
    return this.sum(`increase(${this.range(metric, ...extra)})`);
  }

  /**
   * The share of a counter's increase that matches `extra`. The `or ... * 0` makes the share 0
   * rather than absent when nothing matched (a success rate with no successes must still be
   * compared), and `> 0` leaves a group without samples with no value, as Vigil's null.
   */
  share(metric: string, ...extra: string[]): string {
    const all = this.rate(metric);
    return `(${this.rate(metric, ...extra)} or ${all} * 0) / (${all} > 0)`;
  }

  /** Mean of observations from a histogram or summary's `_sum` and `_count`, times `scale`. */
  mean(base: string, scale = 1): string {
    const m = `${this.rate(`${base}_sum`)} / (${this.rate(`${base}_count`)} > 0)`;
    return scale === 1 ? m : `${m} * ${scale}`;
  }

  /** A quantile of a histogram in seconds, written in milliseconds so thresholds stay in ms. */
  quantileMs(q: number, histogram: string): string {
    return `histogram_quantile(${q}, ${this.sum(`rate(${this.range(`${histogram}_bucket`)})`, "le")}) * 1000`;
  }

  private labels(extra: string[]): string {
    const all = [...extra, ...this.matchers];
    return all.length ? `{${all.join(", ")}}` : "";
  }
}

interface Mapping {
  family: Family;
  expr(q: Query): string;
  /** How the PromQL figure differs from Vigil's, when it does. */
  note?: string;
}

const ERRORS = 'status=~"failure|timeout"';
const PER_RUN_NOTE = "Prometheus divides by every run, Vigil only by runs that reported the figure, so the value is lower when some runs do not report it";

/** Catalogue metric → PromQL over the exposition's families. Metrics missing here have no family yet. */
const MAPPINGS: Readonly<Record<string, Mapping>> = {
  success_rate: { family: RUNS, expr: (q) => q.share("vigil_runs_total", 'status="success"') },
  error_rate: { family: RUNS, expr: (q) => q.share("vigil_runs_total", ERRORS) },
  partial_rate: { family: RUNS, expr: (q) => q.share("vigil_runs_total", 'status="partial"') },
  timeout_rate: { family: RUNS, expr: (q) => q.share("vigil_runs_total", 'status="timeout"') },
  total_tasks: { family: RUN_COUNTS, expr: (q) => q.increase("vigil_runs_total") },
  failed_tasks: { family: RUN_COUNTS, expr: (q) => `(${q.increase("vigil_runs_total", 'status="failure"')} or ${q.increase("vigil_runs_total")} * 0)` },
  throughput_per_min: { family: RUN_COUNTS, expr: (q) => `${q.rate("vigil_runs_total")} * 60` },
  avg_latency_ms: { family: RUNS, expr: (q) => q.mean("vigil_run_duration_seconds", 1000) },
  p50_latency_ms: { family: RUNS, expr: (q) => q.quantileMs(0.5, "vigil_run_duration_seconds"), note: "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches" },
  p95_latency_ms: { family: RUNS, expr: (q) => q.quantileMs(0.95, "vigil_run_duration_seconds"), note: "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches" },
  p99_latency_ms: { family: RUNS, expr: (q) => q.quantileMs(0.99, "vigil_run_duration_seconds"), note: "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches" },
  total_cost: { family: RUNS, expr: (q) => q.increase("vigil_run_cost_usd_total") },
  projected_daily_cost: { family: RUNS, expr: (q) => `${q.rate("vigil_run_cost_usd_total")} * 86400` },
  cost_per_task: { family: RUNS, expr: (q) => `${q.rate("vigil_run_cost_usd_total")} / (${q.rate("vigil_runs_total")} > 0)`, note: PER_RUN_NOTE },
  total_tokens: { family: RUNS, expr: (q) => q.increase("vigil_run_tokens_total"), note: "counts input_tokens + output_tokens; a run reporting only tokens_used is not counted" },
  tokens_per_task: { family: RUNS, expr: (q) => `${q.rate("vigil_run_tokens_total")} / (${q.rate("vigil_runs_total")} > 0)`, note: `${PER_RUN_NOTE}; only input_tokens + output_tokens are counted` },
  avg_quality_score: { family: RUNS, expr: (q) => q.mean("vigil_run_quality_score") },
  cache_hit_rate: { family: RUNS, expr: (q) => q.share("vigil_run_cache_lookups_total", 'result="hit"') },
  avg_accuracy: { family: OUTCOMES, expr: (q) => q.mean("vigil_outcome_accuracy") },
  avg_satisfaction: { family: FEEDBACK, expr: (q) => q.mean("vigil_feedback_satisfaction") },
  llm_calls: { family: LLM_COUNTS, expr: (q) => q.increase("vigil_llm_calls_total") },
  llm_error_rate: { family: LLM, expr: (q) => q.share("vigil_llm_calls_total", 'status="failure"') },
  llm_avg_latency_ms: { family: LLM, expr: (q) => q.mean("vigil_llm_call_duration_seconds", 1000) },
  llm_p95_latency_ms: { family: LLM, expr: (q) => q.quantileMs(0.95, "vigil_llm_call_duration_seconds"), note: "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches" },
  llm_p99_latency_ms: { family: LLM, expr: (q) => q.quantileMs(0.99, "vigil_llm_call_duration_seconds"), note: "quantiles are interpolated within histogram buckets (0.05 to 60 s), coarser than Vigil's sketches" },
  llm_cost: { family: LLM, expr: (q) => q.increase("vigil_llm_cost_usd_total") },
};

/** The metrics that export to PromQL (catalogue names; custom metrics export with avg, sum, count, rate and last). */
export const EXPORTABLE_METRICS: readonly string[] = Object.freeze(Object.keys(MAPPINGS));

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

function plan(rule: AlertRule): Plan | { reason: string } {
  const custom = rule.metric.startsWith(CUSTOM_PREFIX);
  const mapping = custom ? undefined : MAPPINGS[rule.metric];
  if (!custom && !mapping) return { reason: `metric "${rule.metric}" has no family in Vigil's /metrics yet` };
  const family = mapping ? mapping.family : CUSTOM_FAMILY;
  const missing = [...new Set([...Object.keys(rule.scope), ...rule.group_by])].filter((d) => !family.labels.includes(d as Dimension));
  if (missing.length) return { reason: `${family.name} has no ${missing.join(", ")} label (it carries ${family.labels.join(", ") || "no dimensions"})` };
  if (mapping) return { family, build: (q) => mapping.expr(q), note: mapping.note ?? null, extra: [] };
  const name = `name=${promString(rule.metric.slice(CUSTOM_PREFIX.length))}`;
  return { family, build: (q) => customExpr(rule, name, q), note: null, extra: [name] };
}

const scopeMatchers = (rule: AlertRule): string[] => Object.entries(rule.scope).map(([k, v]) => `${k}=${promString(v!)}`);

/** The alerting expression of a rule at a threshold, or why it cannot be written in PromQL. */
export function ruleExpression(rule: AlertRule, threshold: number): { expr: string; notes: string[] } | { reason: string } {
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
  if (rule.min_samples > 1 && p.family.samples !== null) {
    expr += ` and on(${rule.group_by.join(", ")}) (${at(null).increase(p.family.samples, ...p.extra)} >= ${rule.min_samples})`;
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
  if (!rule.group_by.length) return `{{ with query ${JSON.stringify(new Query(scopeMatchers(rule), [], w, null).increase(p.family.samples, ...p.extra))} }}${show}{{ end }}`;
  const pct = (s: string) => s.replace(/%/g, "%%");
  const matchers = [...scopeMatchers(rule).map(pct), ...rule.group_by.map((d) => `${d}=%q`)];
  const format = new Query(matchers, [], w, null).increase(p.family.samples, ...p.extra.map(pct));
  return `{{ with printf ${JSON.stringify(format)} ${rule.group_by.map((d) => `$labels.${d}`).join(" ")} | query }}${show}{{ end }}`;
}

/** One Vigil rule as a Prometheus alerting rule, or why it cannot be. */
export function toPrometheusRule(rule: AlertRule, thresholds: Readonly<Record<string, number>>): { rule: PrometheusAlertingRule; notes: string[] } | { reason: string } {
  if (!rule.enabled) return { reason: "the rule is disabled" };
  const threshold = rule.threshold ?? (rule.threshold_key !== null ? thresholds[rule.threshold_key] : undefined);
  if (threshold === undefined || threshold === null || !Number.isFinite(threshold)) return { reason: `threshold_key "${rule.threshold_key}" has no value in the thresholds given` };
  const e = ruleExpression(rule, threshold);
  if ("reason" in e) return e;
  const notes = [...e.notes];
  if (rule.threshold_key !== null) notes.push("threshold_key is exported as the global threshold; per-agent, model and route overrides are not");
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
