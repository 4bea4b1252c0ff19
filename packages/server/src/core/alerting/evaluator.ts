/**
 * One evaluation step of one rule, with the state machine of Prometheus alerting rules
 * (rules/alerting.go): a group whose condition holds opens a `pending` alert, which turns `firing`
 * once it has held for `for`; a pending alert whose condition stops holding is dropped silently; a
 * firing one is held for `keep_firing_for` after its condition last held, then resolved. Identity is
 * the fingerprint of rule and group labels, so one condition never has two open alerts.
 */
import { renderAnnotations, type AnomalyObservation } from "./annotations.js";
import type { ThresholdScope } from "@vigil/contract";
import type { AlertHistoryEntry, AlertRecord, AlertRule, Comparator } from "./types.js";

export { renderAnnotations, type AnomalyObservation } from "./annotations.js";

/** What a rule saw for one group in this evaluation. */
export interface Observation {
  /** The group's labels (the `group_by` dimensions). */
  group: Record<string, string>;
  /** The value compared (after any change function), or null without data. */
  value: number | null;
  /** Samples behind the value, checked against `min_samples`. */
  samples: number;
  /** The threshold in force for this group (from the rule or the thresholds settings). */
  threshold: number | null;
  /** The fewest samples a verdict needs for this group (default: the rule's `min_samples`, else 1). */
  min_samples?: number;
  /** Where a `threshold_key` rule's threshold came from, for the alert. */
  threshold_scope?: ThresholdScope | null;
  /** `fingerprint(rule.name, group)`, when the caller keeps it from one evaluation to the next. */
  fingerprint?: string;
  /**
   * An anomaly rule's reading of the group's latest whole step: its score, and the value the
   * detector expected with its band. Null or absent while the group's detector is still learning
   * (its warm-up, or less history than the rule's `min_history`): the condition does not hold.
   */
  anomaly?: AnomalyObservation | null;
  /**
   * A forecast rule's prediction for the group: in how long its metric crosses the threshold (0:
   * past it already; null: no crossing predicted within the forecast's reach), and a line saying when.
   */
  forecast?: { in_ms: number | null; note: string } | null;
}


/** The changes one evaluation makes. */
export interface EvalResult {
  /** Alerts created or changed (resolved ones included). */
  upserts: AlertRecord[];
  /** Pending alerts whose condition cleared: dropped without trace. */
  dropped: AlertRecord[];
  history: AlertHistoryEntry[];
}

/** True when `value comparator threshold` holds. */
export function compare(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case "==":
      return value === threshold;
    case "!=":
      return value !== threshold;
  }
}

/**
 * 64-bit FNV-1a of a string, as 16 hex digits (stable across instances and releases). Computed on
 * two 32-bit halves: BigInt arithmetic made fingerprints a quarter of an evaluation cycle.
 */
export function fnv1a64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    const x = (lo ^ text.charCodeAt(i)) >>> 0;
    // h * (2^40 + 0x1b3) mod 2^64, on the halves: the 2^40 term moves x << 8 into the high word.
    const a = x * 0x1b3;
    const carry = Math.floor(a / 4294967296);
    lo = a - carry * 4294967296;
    hi = (Math.imul(hi, 0x1b3) + carry + (x << 8)) >>> 0;
  }
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

/** The identity of a rule applied to a group: the same rule and labels always give the same fingerprint. */
export function fingerprint(rule: string, group: Record<string, string>): string {
  const parts = Object.keys(group)
    .sort()
    .map((k) => `${k}\u0000${group[k]}`);
  return fnv1a64([rule, ...parts].join("\u0001"));
}

/** Labels of an alert: the rule's, its `baseline` if it has one, then `alertname`, `severity` and the group's (which win). */
export function alertLabels(rule: AlertRule, group: Record<string, string>): Record<string, string> {
  if (rule.baseline) return { ...rule.labels, baseline: rule.baseline.name, alertname: rule.name, severity: rule.severity, ...group };
  return { ...rule.labels, alertname: rule.name, severity: rule.severity, ...group };
}

/**
 * What an open alert's labels and annotations were made from, so that an evaluation that finds
 * the same keeps them rather than writing them again: labels per rule (as loaded), annotations per
 * rule, labels, value, threshold and sample count.
 */
const labelsMadeFor = new WeakMap<Record<string, string>, AlertRule>();
const annotationsMadeFrom = new WeakMap<Record<string, string>, { rule: AlertRule; labels: Record<string, string>; value: number | null; threshold: number | null; samples: number; anomaly: AnomalyObservation | null; forecast: string | null }>();

function labelsFor(rule: AlertRule, group: Record<string, string>, prev: AlertRecord | undefined): Record<string, string> {
  if (prev !== undefined && labelsMadeFor.get(prev.labels) === rule) return prev.labels;
  const labels = alertLabels(rule, group);
  labelsMadeFor.set(labels, rule);
  return labels;
}

function annotationsFor(rule: AlertRule, labels: Record<string, string>, value: number | null, threshold: number | null, samples: number, anomaly: AnomalyObservation | null, forecast: string | null, prev: AlertRecord | undefined): Record<string, string> {
  if (prev !== undefined) {
    const from = annotationsMadeFrom.get(prev.annotations);
    if (from !== undefined && from.rule === rule && from.labels === labels && Object.is(from.value, value) && Object.is(from.threshold, threshold) && from.samples === samples && from.anomaly === anomaly && from.forecast === forecast) return prev.annotations;
  }
  const annotations = renderAnnotations(rule, labels, value, threshold, samples, anomaly, forecast);
  annotationsMadeFrom.set(annotations, { rule, labels, value, threshold, samples, anomaly, forecast });
  return annotations;
}

/** What a group without data counts as under the rule's `no_data`: true, false, or null for "keep state". */
function noData(rule: AlertRule): boolean | null {
  return rule.no_data === "alerting" ? true : rule.no_data === "keep_state" ? null : false;
}

/** Whether a rule's condition holds for a value: true, false, or null for "no data, keep state". */
export function holds(rule: AlertRule, value: number | null, samples: number, threshold: number | null, minSamples = rule.min_samples ?? 1): boolean | null {
  if (value === null || samples < minSamples || threshold === null) return noData(rule);
  return compare(value, rule.comparator, threshold);
}

/**
 * Whether an anomaly rule's condition holds for a group's latest step: its score at or above the
 * rule's threshold; false while the detector is learning; the no-data behaviour without a value.
 */
export function anomalyHolds(rule: AlertRule, o: Observation): boolean | null {
  if (o.value === null || o.samples < (o.min_samples ?? rule.min_samples ?? 1)) return noData(rule);
  return o.anomaly != null && rule.anomaly !== undefined && o.anomaly.score >= rule.anomaly.threshold;
}

/**
 * Whether a forecast rule's condition holds for a group: its metric is predicted to cross the
 * threshold within the rule's `within` (or is past it already); the no-data behaviour without a value.
 */
export function forecastHolds(rule: AlertRule, o: Observation): boolean | null {
  if (o.value === null || o.samples < (o.min_samples ?? rule.min_samples ?? 1) || o.threshold === null) return noData(rule);
  return o.forecast != null && o.forecast.in_ms !== null && rule.forecast !== undefined && o.forecast.in_ms <= rule.forecast.within_ms;
}

/** Whether an observation's condition holds: true, false, or null for "no data, keep state". */
function condition(rule: AlertRule, o: Observation | undefined): boolean | null {
  if (!o) return noData(rule);
  if (rule.anomaly) return anomalyHolds(rule, o);
  if (rule.forecast) return forecastHolds(rule, o);
  return holds(rule, o.value, o.samples, o.threshold, o.min_samples);
}

/**
 * Evaluates `rule` at `now` given this step's observations and the rule's open alerts (pending,
 * firing or acknowledged). Returns the alerts to save and to drop, and history entries.
 * `observed`, when the caller left out groups whose condition does not hold and that have no open
 * alert (they change nothing), is the number of groups observed in all.
 */
export function evaluateRule(rule: AlertRule, observations: readonly Observation[], open: readonly AlertRecord[], now: number, observed = observations.length): EvalResult {
  const res: EvalResult = { upserts: [], dropped: [], history: [] };
  // With no_data: alerting and no group at all, the rule itself is the group that has no data.
  const ruleAsGroup = rule.no_data === "alerting" && observed === 0;
  // Nothing seen and nothing open: nothing to step (most rules at most evaluations).
  if (observations.length === 0 && open.length === 0 && !ruleAsGroup) return res;
  const byFp = new Map<string, Observation>();
  for (const o of observations) byFp.set(o.fingerprint ?? fingerprint(rule.name, o.group), o);
  if (ruleAsGroup) byFp.set(fingerprint(rule.name, {}), { group: {}, value: null, samples: 0, threshold: rule.threshold });
  const openByFp = new Map<string, AlertRecord>();
  for (const a of open) openByFp.set(a.fingerprint, a);
  // Every group observed, then every open alert not observed, each once.
  for (const [fp, o] of byFp) step(rule, res, now, fp, o, openByFp.get(fp));
  for (const [fp, prev] of openByFp) if (!byFp.has(fp)) step(rule, res, now, fp, undefined, prev);
  return res;
}

function hist(res: EvalResult, now: number, a: AlertRecord, event: string, value: number | null): void {
  res.history.push({ alert_id: a.id, at: now, event, by: null, note: null, value });
}

/** One group's step of the state machine: its observation (if any) and its open alert (if any). */
function step(rule: AlertRule, res: EvalResult, now: number, fp: string, o: Observation | undefined, prev: AlertRecord | undefined): void {
  const cond = condition(rule, o);
  if (cond === null) {
    if (prev) res.upserts.push({ ...prev, last_evaluated_at: now });
    return;
  }
  if (cond) {
    const group = o?.group ?? groupOf(prev!, rule);
    const value = o?.value ?? null;
    const threshold = o ? o.threshold : prev!.threshold;
    // Both are the same objects as last time when nothing they are made from changed.
    const labels = labelsFor(rule, group, prev);
    const annotations = annotationsFor(rule, labels, value, threshold, o?.samples ?? 0, o?.anomaly ?? null, o?.forecast?.note ?? null, prev);
    let a: AlertRecord;
    if (prev) {
      a = { ...prev, value, threshold, annotations, labels, severity: rule.severity, keep_firing_since: null, last_evaluated_at: now };
    } else {
      a = newAlert(rule, fp, labels, annotations, value, threshold, now);
    }
    if (o) {
      a.samples = o.samples;
      a.threshold_scope = o.threshold_scope ?? null;
    }
    if (!prev) {
      hist(res, now, a, "pending", value);
    }
    if (a.state === "pending" && now - a.active_at >= rule.for_ms) {
      a.state = "firing";
      a.fired_at = now;
      hist(res, now, a, "firing", value);
    }
    res.upserts.push(a);
    return;
  }
  if (!prev) return;
  if (prev.state === "pending") {
    res.dropped.push(prev);
    return;
  }
  // Firing or acknowledged: hold for keep_firing_for after the condition last held.
  const value = o?.value ?? prev.value;
  const since = prev.keep_firing_since ?? now;
  if (rule.keep_firing_for_ms > 0 && now - since < rule.keep_firing_for_ms) {
    res.upserts.push({ ...prev, keep_firing_since: since, last_evaluated_at: now, value });
    return;
  }
  const resolved: AlertRecord = { ...prev, state: "resolved", resolved_at: now, keep_firing_since: null, last_evaluated_at: now, value };
  hist(res, now, resolved, "resolved", o?.value ?? null);
  res.upserts.push(resolved);
}

/** The group labels of an existing alert (its labels restricted to the rule's group_by dimensions). */
function groupOf(a: AlertRecord, rule: AlertRule): Record<string, string> {
  const g: Record<string, string> = {};
  for (const d of rule.group_by) if (a.labels[d] !== undefined) g[d] = a.labels[d]!;
  return g;
}

function newAlert(rule: AlertRule, fp: string, labels: Record<string, string>, annotations: Record<string, string>, value: number | null, threshold: number | null, now: number): AlertRecord {
  return {
    id: `${fp}-${now.toString(36)}`,
    fingerprint: fp,
    rule: rule.name,
    severity: rule.severity,
    state: "pending",
    labels,
    annotations,
    metric: rule.metric,
    value,
    threshold,
    active_at: now,
    fired_at: null,
    keep_firing_since: null,
    last_evaluated_at: now,
    acknowledged_by: null,
    acknowledged_at: null,
    ack_note: null,
    resolved_at: null,
    resolved_by: null,
    resolve_note: null,
  };
}
