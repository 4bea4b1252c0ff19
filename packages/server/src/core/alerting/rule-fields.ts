/**
 * Pieces of an alert rule's validation (`rule.ts` assembles them): readers of one field, the scope
 * and group_by, and where a threshold comes from. Each reports what is wrong through `bad`, naming
 * the field, and returns what it could read.
 */
import { DIMENSIONS, type Dimension } from "../stored-event.js";
import { THRESHOLD_KEYS } from "../threshold-model.js";
import { parseRuleDuration } from "./duration.js";

/** Reports a problem with one field (a path below the rule, e.g. `scope/route`). */
export type ReportProblem = (field: string, message: string) => void;

/** A rule's name, and a baseline's. */
export const RULE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;

/** Whether `v` is a plain object (a map), not null or a list. */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Readers of one field of `input`: a string, a duration in milliseconds (between bounds), one of a
 * list, and a map of strings (keys matching a pattern). A missing field, or one that cannot be
 * read, reads as its default.
 */
export function fieldReaders(input: Record<string, unknown>, bad: ReportProblem) {
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
  return { str, dur, oneOf, stringMap };
}

/** The scope: dimension values, or for a custom metric only the component that reported it. */
export function parseScope(input: Record<string, unknown>, custom: boolean, bad: ReportProblem): { scope: Partial<Record<Dimension, string>>; component: string | null } {
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
  return { scope, component };
}

/** The dimensions a rule is grouped by, each once (none for a custom metric). */
export function parseGroupBy(input: Record<string, unknown>, custom: boolean, bad: ReportProblem): Dimension[] {
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
  return groupBy;
}

/**
 * Where a rule's threshold comes from: a number, a key of the thresholds settings, or a baseline
 * times a factor — exactly one, except for an anomaly rule, which needs none.
 */
export function parseThresholdSource(input: Record<string, unknown>, isAnomaly: boolean, custom: boolean, bad: ReportProblem): { threshold: number | null; thresholdKey: string | null; baseline: { name: string; factor: number } | null } {
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
    if (typeof input.baseline !== "string" || !RULE_NAME.test(input.baseline)) bad("baseline", "must name a baseline (GET /api/v1/baselines)");
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
  return { threshold, thresholdKey, baseline };
}
