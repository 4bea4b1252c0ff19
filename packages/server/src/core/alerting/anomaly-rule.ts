/**
 * The `anomaly` block of an alert rule (docs/anomaly.md#anomaly-rules): instead of a comparator and
 * a threshold, the rule's metric per whole step is fed to a streaming detector per group, and the
 * rule fires when a step scores at or above the sensitivity's threshold. Validated here, each
 * problem named by its path as the rule validator names the others; written back in input form here.
 */
import type { AlertRuleView } from "@vigil/contract";
import { catalogueEntry, CUSTOM_PREFIX } from "./catalogue.js";
import { parseRuleDuration } from "./duration.js";
import type { AlertRule } from "./types.js";

/** The named sensitivities and the detector score each fires at (docs/anomaly.md#sensitivity). */
export const SENSITIVITIES: Readonly<Record<"high" | "medium" | "low", number>> = Object.freeze({ high: 0.5, medium: 0.6, low: 0.7 });

/** Defaults of an anomaly block: sensitivity `medium`, `min_history: 1d`, `step: 5m`. */
export const ANOMALY_DEFAULTS = Object.freeze({ sensitivity: "medium", minHistoryMs: 86_400_000, stepMs: 300_000 });

/** The longest `min_history` a rule may ask for. */
export const MAX_MIN_HISTORY_MS = 30 * 86_400_000;

/** Fields of a threshold rule that an anomaly rule refuses: it fires on the detector's score over whole steps. */
export const NOT_WITH_ANOMALY: readonly string[] = ["comparator", "threshold", "threshold_key", "baseline", "change", "window"];

const STEPS_TEXT = "1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 1h";
const FIELDS = new Set(["sensitivity", "min_history", "step"]);
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A rule's anomaly settings, validated. */
export type AnomalySettings = NonNullable<AlertRule["anomaly"]>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates the `anomaly` block of a rule (`input.anomaly`, present) and what it rules out at the
 * rule's top level; `bad(field, message)` records a problem at `<rule path>/<field>`. Returns the
 * settings with the defaults filled, or null when the block itself is malformed.
 */
export function parseAnomaly(input: Record<string, unknown>, metric: string | null, bad: (field: string, message: string) => void): AnomalySettings | null {
  for (const f of NOT_WITH_ANOMALY) {
    if (input[f] !== undefined && input[f] !== null) bad(f, `does not apply to an anomaly rule, which fires when a step's anomaly score reaches its sensitivity (docs/anomaly.md#anomaly-rules); remove "${f}" or the anomaly block`);
  }
  if (metric !== null && metric.startsWith(CUSTOM_PREFIX)) bad("metric", `anomaly rules watch catalogue metrics; custom metrics (${CUSTOM_PREFIX}<name>) are not supported`);
  else if (metric !== null && catalogueEntry(metric)?.source === "routes") bad("metric", `"${metric}" is a route's state, not a series kept in the rollups; anomaly rules watch the rollups' metrics`);

  const block = input.anomaly;
  if (!isObj(block)) {
    bad("anomaly", "must be a map such as {sensitivity: medium, min_history: 1d, step: 5m}");
    return null;
  }
  let ok = true;
  const fail = (field: string, message: string) => {
    ok = false;
    bad(`anomaly/${field}`, message);
  };
  for (const k of Object.keys(block)) if (!FIELDS.has(k)) fail(k, `unknown field "${k}"; an anomaly block takes sensitivity, min_history and step`);

  let sensitivity: string = ANOMALY_DEFAULTS.sensitivity;
  let threshold = SENSITIVITIES.medium;
  const s = block.sensitivity;
  if (s !== undefined && s !== null) {
    if (typeof s === "string" && Object.prototype.hasOwnProperty.call(SENSITIVITIES, s)) {
      sensitivity = s;
      threshold = SENSITIVITIES[s as keyof typeof SENSITIVITIES];
    } else if (typeof s === "number" && Number.isFinite(s) && s > 0 && s < 1) {
      sensitivity = String(s);
      threshold = s;
    } else fail("sensitivity", `must be high (score 0.5), medium (0.6), low (0.7) or a score between 0 and 1 exclusive, got ${JSON.stringify(s)}`);
  }

  const duration = (field: string, dflt: number): number | null => {
    const v = block[field];
    if (v === undefined || v === null) return dflt;
    const ms = typeof v === "string" ? parseRuleDuration(v) : v === 0 ? 0 : null;
    if (ms === null) fail(field, `must be a duration such as 5m, 1h or 1d, got ${JSON.stringify(v)}`);
    return ms;
  };
  const minHistory = duration("min_history", ANOMALY_DEFAULTS.minHistoryMs);
  if (minHistory !== null && minHistory > MAX_MIN_HISTORY_MS) fail("min_history", `must be between 0s and ${MAX_MIN_HISTORY_MS / 86_400_000}d`);
  const step = duration("step", ANOMALY_DEFAULTS.stepMs);
  if (step !== null && (step < MINUTE || step > HOUR || step % MINUTE !== 0 || HOUR % step !== 0)) fail("step", `must be whole minutes from 1m to 1h that divide an hour (${STEPS_TEXT}), got ${JSON.stringify(block.step)}`);
  if (!ok || minHistory === null || step === null) return null;
  return { threshold, sensitivity, min_history_ms: minHistory, step_ms: step };
}

/** The problem with a rule's `for` beside its anomaly block, or null: a detection holds for one step, so `for` must be shorter. */
export function anomalyForProblem(forMs: number, a: AnomalySettings): string | null {
  if (forMs < a.step_ms) return null;
  return `must be shorter than the anomaly step (${a.step_ms / MINUTE}m): a detection holds for one step (the detector rests after it), so a longer "for" never fires; keep_firing_for holds the alert instead`;
}

/** An anomaly block in input form (as the API answers it): a named sensitivity by its name, else the number. */
export function anomalyInput(a: AnomalySettings, fmt: (ms: number) => string): NonNullable<AlertRuleView["anomaly"]> {
  const named = Object.prototype.hasOwnProperty.call(SENSITIVITIES, a.sensitivity);
  return { sensitivity: named ? (a.sensitivity as "high" | "medium" | "low") : a.threshold, min_history: fmt(a.min_history_ms), step: fmt(a.step_ms) };
}
