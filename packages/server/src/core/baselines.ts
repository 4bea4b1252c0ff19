/**
 * Performance baselines (docs/baselines.md, seed 002's `ai_system_performance_baselines`): a named
 * value of one metric for one scope of traffic, set in the config file or the API, or captured from
 * a past window. Here: validation of a baseline as written (every problem named by its JSON pointer,
 * a list with any problem refused whole) and the one comparison of a figure against its baseline
 * that the report, the dashboard and the API all show. Pure: the time comes in.
 */
import type { Baseline, BaselineCategory, BaselineComparison, BaselineDirection } from "@vigil/contract";
import type { AlertRule } from "./alerting/types.js";
import { VigilError } from "./errors.js";
import { catalogueEntry, CUSTOM_PREFIX, metricUnit } from "./alerting/catalogue.js";
import { DIMENSIONS } from "./stored-event.js";
import { METRIC_DIRECTIONS, trendOf } from "./trends.js";

/** Seed 002's categories. */
export const BASELINE_CATEGORIES: readonly BaselineCategory[] = ["ai_query", "ml_inference", "user_feedback", "system_health", "user_interface"];

/** What a capture takes when it names no metrics: the figures seed 002's baselines and the report speak of. */
export const DEFAULT_CAPTURE_METRICS: readonly string[] = ["p95_latency_ms", "success_rate", "error_rate", "avg_accuracy", "avg_satisfaction", "cost_per_task"];

/** Relative change within which a figure is the same as its baseline: the trends' tolerance (core/trends.ts). */
export const BASELINE_TOLERANCE = 0.05;

/** Most baselines kept (config and stored together): the report compares each at every request. */
export const MAX_BASELINES = 500;

/** One problem in a baseline, by JSON pointer. */
export interface BaselineProblem {
  path: string;
  message: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const DIRECTIONS: readonly BaselineDirection[] = ["higher_is_better", "lower_is_better"];
const FIELDS = new Set(["name", "metric", "category", "value", "unit", "component", "scope", "test_conditions", "measured_at", "active", "direction", "window", "source"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Largest test_conditions kept, as JSON text. */
const MAX_CONDITIONS_CHARS = 4096;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Which way is better for a metric, when Vigil knows it (the trends' directions); null for the others. */
export function knownDirection(metric: string): BaselineDirection | null {
  return Object.hasOwn(METRIC_DIRECTIONS, metric) ? METRIC_DIRECTIONS[metric as keyof typeof METRIC_DIRECTIONS]! : null;
}

/** Why a metric cannot have a baseline, or null when it can (catalogue rollup figures and custom metrics). */
export function metricProblem(metric: string): string | null {
  if (metric.startsWith(CUSTOM_PREFIX)) return metric.length > CUSTOM_PREFIX.length && metric.length <= 256 + CUSTOM_PREFIX.length ? null : `"${metric}" needs a custom metric name after "${CUSTOM_PREFIX}"`;
  const e = catalogueEntry(metric);
  if (e === null) return `unknown metric "${metric}"; use a metric of the alert catalogue (docs/alerting.md) or custom.<name>`;
  if (e.source === "routes") return `"${metric}" is a route state, not a figure a baseline can hold`;
  return null;
}

/**
 * Checks one baseline as written at `path` (e.g. `/baselines/1`); `source` is where it comes from.
 * Captured baselines carry their `window`; others may not name one.
 */
export function validateBaseline(input: unknown, path: string, source: Baseline["source"], now: number): { baseline: Baseline | null; problems: BaselineProblem[] } {
  const problems: BaselineProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ path: `${path}/${field}`, message });
  if (!isObj(input)) return { baseline: null, problems: [{ path: path || "/", message: "a baseline must be an object" }] };
  for (const k of Object.keys(input)) if (!FIELDS.has(k) || k === "source") bad(k, k === "source" ? "is set by Vigil (config, api or captured)" : `unknown field "${k}"`);

  const name = input.name;
  if (typeof name !== "string" || !NAME.test(name)) bad("name", "is required: a name starting with a letter, of letters, digits, _ . : - (at most 128)");
  const metric = input.metric;
  let metricOk = false;
  if (typeof metric !== "string") bad("metric", "is required: a metric of the alert catalogue (e.g. p95_latency_ms) or custom.<name>");
  else {
    const p = metricProblem(metric);
    if (p) bad("metric", p);
    else metricOk = true;
  }
  const custom = typeof metric === "string" && metric.startsWith(CUSTOM_PREFIX);
  const value = input.value;
  if (typeof value !== "number" || !Number.isFinite(value)) bad("value", "is required: a finite number");
  else if (value < 0) bad("value", "must be 0 or more (every figure a baseline holds is)");

  let category: BaselineCategory | null = null;
  if (input.category !== undefined && input.category !== null) {
    if (typeof input.category !== "string" || !(BASELINE_CATEGORIES as readonly string[]).includes(input.category)) bad("category", `must be one of ${BASELINE_CATEGORIES.join(", ")}`);
    else category = input.category as BaselineCategory;
  }
  const unitDefault = metricOk ? metricUnit(metric as string) : "count";
  let unit: string = unitDefault;
  if (input.unit !== undefined && input.unit !== null) {
    if (typeof input.unit !== "string" || input.unit === "" || input.unit.length > 32) bad("unit", "must be a short string");
    else if (metricOk && !custom && input.unit !== unitDefault) bad("unit", `${String(metric)} is measured in ${unitDefault}; give the value in ${unitDefault}`);
    else unit = input.unit;
  }
  let component: string | null = null;
  if (input.component !== undefined && input.component !== null) {
    if (typeof input.component !== "string" || input.component === "" || input.component.length > 256) bad("component", "must be a non-empty string (at most 256 characters)");
    else component = input.component;
  }
  const scope: Record<string, string> = {};
  if (input.scope !== undefined && input.scope !== null) {
    if (!isObj(input.scope)) bad("scope", `must be a map of dimension to value (${DIMENSIONS.join(", ")})`);
    else {
      for (const [k, v] of Object.entries(input.scope)) {
        if (!(DIMENSIONS as readonly string[]).includes(k)) bad(`scope/${escape(k)}`, `unknown dimension "${k}"; use ${DIMENSIONS.join(", ")}`);
        else if (typeof v !== "string" || v === "" || v.length > 256) bad(`scope/${escape(k)}`, "must be a non-empty string (at most 256 characters)");
        else scope[k] = v;
      }
      if (custom && Object.keys(input.scope).length) bad("scope", "custom metrics are not kept per dimension: a custom metric's baseline has no scope");
    }
  }
  let conditions: Record<string, unknown> = {};
  if (input.test_conditions !== undefined && input.test_conditions !== null) {
    if (!isObj(input.test_conditions)) bad("test_conditions", "must be an object (e.g. {query_complexity: moderate, includes_ml: true})");
    else if (JSON.stringify(input.test_conditions).length > MAX_CONDITIONS_CHARS) bad("test_conditions", `must be at most ${MAX_CONDITIONS_CHARS} characters as JSON`);
    else conditions = input.test_conditions;
  }
  let measuredAt = new Date(now).toISOString();
  if (input.measured_at !== undefined && input.measured_at !== null) {
    const t = typeof input.measured_at === "string" && ISO.test(input.measured_at) ? Date.parse(input.measured_at) : NaN;
    if (!Number.isFinite(t)) bad("measured_at", "must be an ISO-8601 time with a zone, e.g. 2026-01-31T12:00:00Z");
    else if (t > now + 300_000) bad("measured_at", "is in the future");
    else measuredAt = new Date(t).toISOString();
  }
  let active = true;
  if (input.active !== undefined) {
    if (typeof input.active !== "boolean") bad("active", "must be true or false");
    else active = input.active;
  }
  let direction: BaselineDirection | null = metricOk ? knownDirection(metric as string) : null;
  if (input.direction !== undefined && input.direction !== null) {
    if (typeof input.direction !== "string" || !(DIRECTIONS as readonly string[]).includes(input.direction)) bad("direction", `must be ${DIRECTIONS.join(" or ")}`);
    else if (direction !== null && input.direction !== direction) bad("direction", `${String(metric)} is ${direction.replace(/_/g, " ")}; leave direction out`);
    else direction = input.direction as BaselineDirection;
  } else if (metricOk && direction === null) bad("direction", `is required for ${String(metric)}: say whether higher_is_better or lower_is_better`);
  let window: Baseline["window"];
  if (input.window !== undefined) {
    const w = input.window;
    if (source !== "captured") bad("window", "is set only on captured baselines");
    else if (!isObj(w) || typeof w.start !== "string" || typeof w.end !== "string" || !Number.isFinite(Date.parse(w.start)) || !Number.isFinite(Date.parse(w.end))) bad("window", "must be {start, end} as ISO-8601 times");
    else window = { start: w.start, end: w.end };
  }
  if (problems.length) return { baseline: null, problems };
  return {
    baseline: {
      name: name as string,
      metric: metric as string,
      category,
      value: value as number,
      unit,
      component,
      scope,
      test_conditions: conditions,
      measured_at: measuredAt,
      active,
      direction: direction!,
      source,
      ...(window ? { window } : {}),
    },
    problems,
  };
}

/**
 * Checks a list of baselines (the config file's `baselines:`; `path` is `/baselines`): every problem
 * of every entry, and names used twice. Throws VALIDATION_FAILED naming each by path when any is wrong.
 */
export function parseBaselines(list: unknown, path: string, source: Baseline["source"], now: number): Baseline[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalidBaselines([{ path, message: "must be a list of baselines" }]);
  const problems: BaselineProblem[] = [];
  const out: Baseline[] = [];
  const seen = new Set<string>();
  if (list.length > MAX_BASELINES) problems.push({ path, message: `holds ${list.length} baselines; at most ${MAX_BASELINES}` });
  list.forEach((item, i) => {
    const r = validateBaseline(item, `${path}/${i}`, source, now);
    problems.push(...r.problems);
    if (r.baseline) {
      if (seen.has(r.baseline.name)) problems.push({ path: `${path}/${i}/name`, message: `another baseline is already named "${r.baseline.name}"` });
      seen.add(r.baseline.name);
      out.push(r.baseline);
    }
  });
  if (problems.length) throw invalidBaselines(problems);
  return out;
}

/** The error for refused baselines: every problem by path, in the message and the details. */
export function invalidBaselines(problems: BaselineProblem[]): VigilError {
  return new VigilError("VALIDATION_FAILED", `invalid baseline: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
}

/**
 * A figure against its baseline: the ratio and relative change, and whether it is better, the same
 * (within ±BASELINE_TOLERANCE, as trends judge) or worse by the metric's direction. No figure is `no_data`.
 */
export function compareToBaseline(baseline: Pick<Baseline, "value" | "direction">, current: number | null): BaselineComparison {
  const cur = current !== null && Number.isFinite(current) ? current : null;
  const base = baseline.value;
  const ratio = cur === null || base === 0 ? null : cur / base;
  const change = cur === null || base === 0 ? null : (cur - base) / Math.abs(base);
  const trend = trendOf(cur, base, baseline.direction, BASELINE_TOLERANCE);
  const status = trend === null ? "no_data" : trend === "stable" ? "same" : trend === "improving" ? "better" : "worse";
  return { current: cur, baseline: base, ratio, change, status };
}

/** True when a baseline's scope is within a filter: every dimension the filter names has the same value in the scope. */
export function scopeWithin(scope: Readonly<Record<string, string>>, filter: Readonly<Record<string, string | undefined>>): boolean {
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && scope[k] !== v) return false;
  return true;
}

/** The threshold a rule takes from a baseline: `factor` × its value; null when the baseline is missing or inactive. */
export function baselineThreshold(baseline: Pick<Baseline, "value" | "active"> | null, factor: number): number | null {
  if (baseline === null || !baseline.active) return null;
  const t = baseline.value * factor;
  return Number.isFinite(t) ? t : null;
}

function escape(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The rule made last from each baseline rule, and the threshold it was made with. */
const RESOLVED = new WeakMap<AlertRule, { threshold: number | null; rule: AlertRule }>();

/**
 * A baseline rule with `threshold` set to the number in force (`factor` × the baseline's value; null
 * while the baseline is missing or inactive, so the rule's no-data behaviour applies). The same object
 * while that number holds, so what is made once per rule is kept; other rules are returned as they are.
 */
export function withBaselineThreshold(rule: AlertRule, baseline: Pick<Baseline, "value" | "active"> | null): AlertRule {
  if (!rule.baseline) return rule;
  const threshold = baselineThreshold(baseline, rule.baseline.factor);
  const made = RESOLVED.get(rule);
  if (made !== undefined && Object.is(made.threshold, threshold)) return made.rule;
  const resolved: AlertRule = { ...rule, threshold };
  RESOLVED.set(rule, { threshold, rule: resolved });
  return resolved;
}
