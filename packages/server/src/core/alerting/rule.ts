/**
 * Validation of alert rules as written (YAML file or API body) into `AlertRule`. Every problem is
 * reported with the rule's name and the field, so `vigil serve --rules` and `PUT /alert-rules/:name`
 * can say exactly what to fix; a rule set with any error is refused whole. The readers of single
 * fields, the scope and group_by, and the threshold's source are in `rule-fields.ts`.
 */
import type { AlertRuleView } from "@vigil/contract";
import { VigilError } from "../errors.js";
import { DIMENSIONS } from "../stored-event.js";
import { anomalyForProblem, anomalyInput, parseAnomaly } from "./anomaly-rule.js";
import { parseForecast } from "./forecast-rule.js";
import { fieldReaders, isObj, parseGroupBy, parseScope, parseThresholdSource, RULE_NAME } from "./rule-fields.js";
import { catalogueEntry, CUSTOM_PREFIX } from "./catalogue.js";
import { checkTemplate } from "./template.js";
import { COMPARATORS, SEVERITIES, type AlertRule, type ChangeFunction, type Comparator, type CustomAggregate, type NoDataBehaviour, type Severity } from "./types.js";

/** One problem in a rule. */
export interface RuleProblem {
  /** JSON pointer to the field, e.g. `/rules/2/for`. */
  path: string;
  rule: string;
  field: string;
  message: string;
}

/** Shortest window a rule may use. */
export const MIN_WINDOW_MS = 30_000;
/** Longest window a rule may use (with a change function, twice this is read). */
export const MAX_WINDOW_MS = 7 * 86_400_000;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const RESERVED_LABELS = new Set(["alertname", "severity", ...DIMENSIONS]);
const AGGREGATES: readonly CustomAggregate[] = ["avg", "min", "max", "sum", "last", "count", "rate"];
const CHANGES: readonly ChangeFunction[] = ["ratio", "delta", "percent"];
const NO_DATA: readonly NoDataBehaviour[] = ["ok", "keep_state", "alerting"];
const KNOWN_FIELDS = new Set(["source", "name", "description", "metric", "aggregate", "scope", "group_by", "comparator", "threshold", "threshold_key", "baseline", "factor", "window", "for", "keep_firing_for", "min_samples", "change", "severity", "labels", "annotations", "no_data", "enabled", "anomaly", "forecast"]);

/** Keys of the thresholds settings a rule may take its threshold from. */
export { THRESHOLD_KEYS } from "../threshold-model.js";

/** Validates one rule; `path` is where it sits in the document (e.g. `/rules/3`). */
export function validateRule(input: unknown, path: string, source: AlertRule["source"]): { rule: AlertRule | null; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const ruleName = isObj(input) && typeof input.name === "string" ? input.name : `(rule at ${path || "/"})`;
  const bad = (field: string, message: string) => problems.push({ path: `${path}/${field}`, rule: ruleName, field, message });
  if (!isObj(input)) {
    problems.push({ path: path || "/", rule: ruleName, field: "", message: "a rule must be an object" });
    return { rule: null, problems };
  }
  for (const k of Object.keys(input)) if (!KNOWN_FIELDS.has(k)) bad(k, `unknown field "${k}"`);

  const { str, dur, oneOf, stringMap } = fieldReaders(input, bad);

  const name = str("name", true);
  if (name !== null && !RULE_NAME.test(name)) bad("name", "must start with a letter and hold only letters, digits, _ . : - (at most 128)");
  const description = str("description", false);

  const metric = str("metric", true);
  const custom = metric !== null && metric.startsWith(CUSTOM_PREFIX);
  if (metric !== null) {
    if (custom) {
      if (!isCustomName(metric.slice(CUSTOM_PREFIX.length))) bad("metric", `"${metric}" needs a custom metric name after "${CUSTOM_PREFIX}"`);
    } else if (!catalogueEntry(metric)) {
      bad("metric", `unknown metric "${metric}"; see docs/alerting.md for the catalogue, or use custom.<name> for custom metric events`);
    }
  }
  const aggregate = oneOf("aggregate", AGGREGATES, custom ? "avg" : null);
  if (!custom && input.aggregate !== undefined) bad("aggregate", "applies only to custom metrics (custom.<name>)");

  const { scope, component } = parseScope(input, custom, bad);
  const groupBy = parseGroupBy(input, custom, bad);

  // An anomaly rule fires on its detector's score: no comparator, threshold, change or window.
  const isAnomaly = input.anomaly !== undefined && input.anomaly !== null;
  const anomaly = isAnomaly ? parseAnomaly(input, metric, bad) : null;
  const forecast = input.forecast !== undefined && input.forecast !== null ? parseForecast(input, metric, bad) : null;
  const comparator = isAnomaly ? ">=" : oneOf<Comparator>("comparator", COMPARATORS, null);
  if (input.comparator === undefined && !isAnomaly) bad("comparator", `is required: one of ${COMPARATORS.join(" ")}`);

  const { threshold, thresholdKey, baseline } = parseThresholdSource(input, isAnomaly, custom, bad);

  const windowMs = dur("window", 300_000, MIN_WINDOW_MS, MAX_WINDOW_MS);
  if (windowMs % 1000 !== 0) bad("window", "must be whole seconds");
  const forMs = dur("for", 0, 0, MAX_WINDOW_MS);
  const forProblem = anomaly ? anomalyForProblem(forMs, anomaly) : null;
  if (forProblem !== null) bad("for", forProblem);
  const keepMs = dur("keep_firing_for", 0, 0, MAX_WINDOW_MS);

  let minSamples: number | null = null;
  if (input.min_samples !== undefined && input.min_samples !== null) {
    if (typeof input.min_samples !== "number" || !Number.isInteger(input.min_samples) || input.min_samples < 0 || input.min_samples > 1e9) bad("min_samples", "must be a whole number from 0");
    else minSamples = input.min_samples;
  }
  const change = oneOf("change", CHANGES, null);
  const severity = oneOf<Severity>("severity", SEVERITIES, "warning")!;
  const labels = stringMap("labels", LABEL_NAME);
  for (const k of Object.keys(labels)) if (RESERVED_LABELS.has(k)) bad(`labels/${k}`, `"${k}" is set by Vigil (alertname, severity and the group_by dimensions)`);
  const annotations = stringMap("annotations", LABEL_NAME);
  for (const [k, text] of Object.entries(annotations)) for (const m of checkTemplate(text, isAnomaly)) bad(`annotations/${k}`, m);
  const noData = oneOf("no_data", NO_DATA, "ok")!;
  let enabled = true;
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== "boolean") bad("enabled", "must be true or false");
    else enabled = input.enabled;
  }
  if (problems.length) return { rule: null, problems };
  return {
    rule: {
      name: name!,
      description,
      metric: metric!,
      aggregate: custom ? aggregate : null,
      scope,
      ...(component !== null ? { component } : {}),
      group_by: groupBy,
      comparator: comparator!,
      threshold,
      threshold_key: thresholdKey,
      ...(baseline !== null ? { baseline } : {}),
      window_ms: anomaly ? anomaly.step_ms : windowMs,
      for_ms: forMs,
      keep_firing_for_ms: keepMs,
      min_samples: minSamples,
      change,
      ...(anomaly ? { anomaly } : {}),
      ...(forecast ? { forecast } : {}),
      severity,
      labels,
      annotations,
      no_data: noData,
      enabled,
      source,
    },
    problems,
  };
}

/**
 * Validates a rules document: `{rules: [...]}` or a bare list. Throws VALIDATION_FAILED naming
 * every problem (rule and field) when any rule is invalid or two rules share a name.
 */
export function parseRuleSet(doc: unknown, source: AlertRule["source"], origin: string): AlertRule[] {
  const list = Array.isArray(doc) ? doc : isObj(doc) ? doc.rules : undefined;
  const base = Array.isArray(doc) ? "" : "/rules";
  if (!Array.isArray(list)) {
    if (doc === null || doc === undefined) return [];
    throw new VigilError("VALIDATION_FAILED", `${origin}: expected a "rules:" list`, [{ path: "/rules", message: "must be a list of rules" }]);
  }
  const problems: RuleProblem[] = [];
  const rules: AlertRule[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const r = validateRule(item, `${base}/${i}`, source);
    problems.push(...r.problems);
    if (r.rule) {
      if (seen.has(r.rule.name)) problems.push({ path: `${base}/${i}/name`, rule: r.rule.name, field: "name", message: `another rule is already named "${r.rule.name}"` });
      seen.add(r.rule.name);
      rules.push(r.rule);
    }
  });
  if (problems.length) throw rulesError(origin, problems);
  return rules;
}

/** The error for invalid rules: one line per problem, naming rule and field. */
export function rulesError(origin: string, problems: RuleProblem[]): VigilError {
  const lines = problems.map((p) => `rule "${p.rule}", field "${p.field || "(rule)"}": ${p.message}`);
  return new VigilError("VALIDATION_FAILED", `${origin}: ${problems.length === 1 ? "invalid rule" : `${problems.length} problems in the rules`}: ${lines.join("; ")}`, problems.map((p) => ({ path: p.path, rule: p.rule, field: p.field, message: p.message })));
}

/** The rule written back in its input form (durations as text), as the API answers it and for exports. */
export function ruleToInput(r: AlertRule, fmt: (ms: number) => string): AlertRuleView {
  return {
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    metric: r.metric,
    ...(r.aggregate !== null ? { aggregate: r.aggregate } : {}),
    ...(r.component ? { scope: { component: r.component } as AlertRuleView["scope"] } : Object.keys(r.scope).length ? { scope: r.scope } : {}),
    ...(r.group_by.length ? { group_by: r.group_by } : {}),
    ...(r.anomaly ? { anomaly: anomalyInput(r.anomaly, fmt) } : { comparator: r.comparator }),
    ...(r.anomaly ? {} : r.baseline ? { baseline: r.baseline.name, factor: r.baseline.factor } : r.threshold_key !== null ? { threshold_key: r.threshold_key } : { threshold: r.threshold }),
    ...(r.anomaly ? {} : { window: fmt(r.window_ms) }),
    for: fmt(r.for_ms),
    keep_firing_for: fmt(r.keep_firing_for_ms),
    ...(r.min_samples !== null ? { min_samples: r.min_samples } : {}),
    ...(r.change !== null ? { change: r.change } : {}),
    ...(r.forecast ? { forecast: { within: fmt(r.forecast.within_ms) } } : {}),
    severity: r.severity,
    labels: r.labels,
    annotations: r.annotations,
    no_data: r.no_data,
    enabled: r.enabled,
    source: r.source,
  };
}

/** A custom metric name: 1–256 characters, no whitespace or control characters. */
function isCustomName(name: string): boolean {
  if (name.length < 1 || name.length > 256) return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) <= 0x20) return false;
  return true;
}
