/**
 * Validation of alert rules as written (YAML file or API body) into `AlertRule`. Every problem is
 * reported with the rule's name and the field, so `vigil serve --rules` and `PUT /alert-rules/:name`
 * can say exactly what to fix; a rule set with any error is refused whole.
 */
import type { AlertRuleView } from "@vigil/contract";
import { VigilError } from "../errors.js";
import { DIMENSIONS, type Dimension } from "../stored-event.js";
import { anomalyForProblem, anomalyInput, parseAnomaly } from "./anomaly-rule.js";
import { parseForecast } from "./forecast-rule.js";
import { catalogueEntry, CUSTOM_PREFIX } from "./catalogue.js";
import { parseRuleDuration } from "./duration.js";
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

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const RESERVED_LABELS = new Set(["alertname", "severity", ...DIMENSIONS]);
const AGGREGATES: readonly CustomAggregate[] = ["avg", "min", "max", "sum", "last", "count", "rate"];
const CHANGES: readonly ChangeFunction[] = ["ratio", "delta", "percent"];
const NO_DATA: readonly NoDataBehaviour[] = ["ok", "keep_state", "alerting"];
const KNOWN_FIELDS = new Set(["source", "name", "description", "metric", "aggregate", "scope", "group_by", "comparator", "threshold", "threshold_key", "baseline", "factor", "window", "for", "keep_firing_for", "min_samples", "change", "severity", "labels", "annotations", "no_data", "enabled", "anomaly", "forecast"]);

/** Keys of the thresholds settings a rule may take its threshold from. */
export { THRESHOLD_KEYS } from "../threshold-model.js";
import { THRESHOLD_KEYS } from "../threshold-model.js";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

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

  const str = (field: string, required: boolean): string | null => {
    const v = input[field];
    if (v === undefined || v === null) {
      if (required) bad(field, "is required");
      return null;
    }
    if (typeof v !== "string") {
      bad(field, "must be a string");
      return null;
    }
    return v;
  };
  const dur = (field: string, dflt: number, min: number, max: number): number => {
    const v = input[field];
    if (v === undefined || v === null) return dflt;
    const ms = typeof v === "string" ? parseRuleDuration(v) : typeof v === "number" && v === 0 ? 0 : null;
    if (ms === null) {
      bad(field, `must be a duration such as 30s, 5m or 1h30m, got ${JSON.stringify(v)}`);
      return dflt;
    }
    if (ms < min || ms > max) bad(field, `must be between ${min / 1000}s and ${max / 86_400_000}d`);
    return ms;
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], dflt: T | null): T | null => {
    const v = input[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      bad(field, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v as T;
  };
  const stringMap = (field: string, keyPattern: RegExp | null): Record<string, string> => {
    const v = input[field];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      bad(field, "must be a map of strings");
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (keyPattern && !keyPattern.test(k)) bad(`${field}/${k}`, `"${k}" is not a valid name (letters, digits and _; not starting with a digit)`);
      if (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean") bad(`${field}/${k}`, "must be a string");
      else out[k] = String(val);
    }
    return out;
  };

  const name = str("name", true);
  if (name !== null && !NAME.test(name)) bad("name", "must start with a letter and hold only letters, digits, _ . : - (at most 128)");
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

  const scope: Partial<Record<Dimension, string>> = {};
  // A custom metric event carries no rollup dimensions: its rules may name only the component that reported it.
  let component: string | null = null;
  if (custom && isObj(input.scope)) {
    for (const [k, v] of Object.entries(input.scope)) {
      if (k !== "component") bad(`scope/${k}`, `custom metrics can be scoped only by component (the metric event's component), not by "${k}"`);
      else if (typeof v !== "string" || v === "") bad(`scope/${k}`, "must be a non-empty string");
      else component = v;
    }
  } else if (input.scope !== undefined && input.scope !== null) {
    if (!isObj(input.scope)) bad("scope", `must be a map of dimension to value (${DIMENSIONS.join(", ")})`);
    else
      for (const [k, v] of Object.entries(input.scope)) {
        if (!(DIMENSIONS as readonly string[]).includes(k)) bad(`scope/${k}`, `unknown dimension "${k}"; use ${DIMENSIONS.join(", ")}`);
        else if (typeof v !== "string" || v === "") bad(`scope/${k}`, "must be a non-empty string");
        else scope[k as Dimension] = v;
      }
  }
  const groupBy: Dimension[] = [];
  if (input.group_by !== undefined && input.group_by !== null) {
    if (!Array.isArray(input.group_by)) bad("group_by", `must be a list of dimensions (${DIMENSIONS.join(", ")})`);
    else
      input.group_by.forEach((g, i) => {
        if (typeof g !== "string" || !(DIMENSIONS as readonly string[]).includes(g)) bad(`group_by/${i}`, `unknown dimension ${JSON.stringify(g)}; use ${DIMENSIONS.join(", ")}`);
        else if (groupBy.includes(g as Dimension)) bad(`group_by/${i}`, `"${g}" is listed twice`);
        else groupBy.push(g as Dimension);
      });
    if (custom && groupBy.length) bad("group_by", "custom metrics cannot be grouped by dimension");
  }

  // An anomaly rule fires on its detector's score: no comparator, threshold, change or window.
  const isAnomaly = input.anomaly !== undefined && input.anomaly !== null;
  const anomaly = isAnomaly ? parseAnomaly(input, metric, bad) : null;
  const forecast = input.forecast !== undefined && input.forecast !== null ? parseForecast(input, metric, bad) : null;
  const comparator = isAnomaly ? ">=" : oneOf<Comparator>("comparator", COMPARATORS, null);
  if (input.comparator === undefined && !isAnomaly) bad("comparator", `is required: one of ${COMPARATORS.join(" ")}`);

  let threshold: number | null = null;
  let thresholdKey: string | null = null;
  if (input.threshold !== undefined && input.threshold !== null) {
    if (typeof input.threshold !== "number" || !Number.isFinite(input.threshold)) bad("threshold", "must be a finite number");
    else threshold = input.threshold;
  }
  if (input.threshold_key !== undefined && input.threshold_key !== null) {
    if (typeof input.threshold_key !== "string" || !(THRESHOLD_KEYS as readonly string[]).includes(input.threshold_key)) bad("threshold_key", `must be one of ${THRESHOLD_KEYS.join(", ")}`);
    else thresholdKey = input.threshold_key;
  }
  // A baseline rule's threshold is its baseline's value times `factor`, resolved at each evaluation.
  let baseline: { name: string; factor: number } | null = null;
  if (input.baseline !== undefined && input.baseline !== null) {
    if (typeof input.baseline !== "string" || !NAME.test(input.baseline)) bad("baseline", "must name a baseline (GET /api/v1/baselines)");
    else baseline = { name: input.baseline, factor: 1 };
  }
  if (input.factor !== undefined && input.factor !== null) {
    if (input.baseline === undefined || input.baseline === null) bad("factor", "applies only with baseline");
    else if (typeof input.factor !== "number" || !Number.isFinite(input.factor) || input.factor <= 0) bad("factor", "must be a number above 0 (e.g. 1.2 for 20% over the baseline)");
    else if (baseline) baseline.factor = input.factor;
  }
  if (baseline !== null && (custom || (input.change !== undefined && input.change !== null))) bad("baseline", custom ? "applies to catalogue metrics, not custom ones" : "cannot be used with a change function");
  const given = ["threshold", "threshold_key", "baseline"].filter((k) => input[k] !== undefined && input[k] !== null);
  if (given.length === 0 && input.threshold === undefined && input.threshold_key === undefined && !isAnomaly) bad("threshold", "is required (or threshold_key, to take it from the thresholds settings, or baseline)");
  if (given.length > 1 && !isAnomaly) bad(given[1]!, `give one of threshold, threshold_key or baseline, not ${given.join(" and ")}`);

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
