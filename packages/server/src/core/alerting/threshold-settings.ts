/**
 * The thresholds as alert rules read them: a rule that names a `threshold_key` takes the limit and
 * minimum sample count of the one threshold model (core/threshold-model.ts) for its group's labels.
 */
import { defaultSettings, resolveLimit, type Limit, type SubjectLabels, type ThresholdKey, type ThresholdSettings } from "../threshold-model.js";
import { parseScope, invalidThresholds, type Problem } from "../threshold-wire.js";
import type { Thresholds } from "../thresholds.js";

export type { ThresholdSettings } from "../threshold-model.js";
export { applyThresholdUpdate, restoreThresholds } from "../threshold-wire.js";

/** Settings from the defaults with a partial global override (the config file's `thresholds`). */
export function initialThresholds(global: Partial<Thresholds> | Record<string, unknown> | undefined): ThresholdSettings {
  const base = defaultSettings();
  if (!global) return base;
  const problems: Problem[] = [];
  const scope = parseScope(global, "/thresholds", problems, base.global);
  if (problems.length) throw invalidThresholds(problems);
  return { ...base, global: scope };
}

/** The limit for `key` applying to a group with these labels, or null when no scope sets it. */
export function resolveThreshold(s: ThresholdSettings, key: string, labels: Readonly<Record<string, string>>): Limit | null {
  return resolveLimit(s, key as ThresholdKey, labels as SubjectLabels);
}
