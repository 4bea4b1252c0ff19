/**
 * One group of an anomaly rule (services/anomaly-service.ts): its detector, what it read last, and
 * the ring of its latest readings; how a step of the rollups is read for it and fed to it, and what
 * the rule observes of it. The observation of a step and the `anomalous` mark kept with it come from
 * one function, so that a chart's marks are the steps the rule fired on.
 */
import { createDetector } from "../core/anomaly/detector.js";
import { Readings } from "../core/anomaly/readings.js";
import type { StreamingDetector } from "../core/anomaly/types.js";
import type { CatalogueEntry } from "../core/alerting/catalogue.js";
import { anomalyHolds, fingerprint, type AnomalyObservation, type Observation } from "../core/alerting/evaluator.js";
import { LazyMetrics } from "../core/alerting/lazy-metrics.js";
import type { AlertRule } from "../core/alerting/types.js";
import { MINUTE, type Group } from "../core/rollup-index.js";
import type { Dims } from "../core/stored-event.js";

/** One group of an anomaly rule: its detector and what it read last. */
export interface GroupState {
  key: string;
  group: Record<string, string>;
  dims: Dims;
  fp: string;
  detector: StreamingDetector;
  /** Start of the first step fed, or null before it. */
  firstAt: number | null;
  /** Start of the latest step in which the group had a value, and what was read there. */
  lastAt: number;
  value: number;
  samples: number;
  /** The detector's reading of that step (null during its warm-up). */
  reading: AnomalyObservation | null;
  /** While the group replays its history alone (it joined past the cap): the start of the last step it was fed; else null. */
  replayedTo: number | null;
  /** The latest steps fed, as the detector read them. */
  readings: Readings;
}

/** A new group of `rule` with the dimensions `dims`. */
export function newGroup(rule: AlertRule, key: string, dims: Dims, replayedTo: number | null): GroupState {
  const group: Record<string, string> = {};
  for (const d of rule.group_by) if (dims[d] !== undefined) group[d] = dims[d]!;
  const a = rule.anomaly!;
  return { key, group, dims, fp: fingerprint(rule.name, group), detector: createDetector({ threshold: a.threshold }), firstAt: null, lastAt: -Infinity, value: 0, samples: 0, reading: null, replayedTo, readings: new Readings(a.step_ms) };
}

/** Whether a group has a value for each `group_by` dimension (events without one are in no group of a rule grouped by it). */
export function complete(dims: Dims, rule: AlertRule): boolean {
  for (const d of rule.group_by) if (dims[d] === undefined) return false;
  return true;
}

/** A group's value and samples over one step, or null when the metric has no value there (or fewer samples than the rule's `min_samples`). */
export function readStep(rule: AlertRule, entry: CatalogueEntry, g: Group): { value: number; samples: number } | null {
  const minutes = rule.anomaly!.step_ms / MINUTE;
  const m = new LazyMetrics(g.bucket, minutes);
  const value = entry.value(m, minutes);
  if (value === null || !Number.isFinite(value)) return null;
  const samples = entry.samples(m);
  return samples < (rule.min_samples ?? 1) ? null : { value, samples };
}

/**
 * What the rule observes of a group whose latest step fed starts at `at`: its value and samples and,
 * once the detector has finished its warm-up and the history seen (from the start of the first step
 * fed to the end of this one) reaches the rule's `min_history`, the detector's reading.
 */
export function observationOf(rule: AlertRule, g: GroupState, at: number): Observation {
  const a = rule.anomaly!;
  const ready = g.reading !== null && g.firstAt !== null && at + a.step_ms - g.firstAt >= a.min_history_ms;
  return { group: g.group, value: g.value, samples: g.samples, threshold: null, min_samples: rule.min_samples ?? 1, fingerprint: g.fp, anomaly: ready ? g.reading : null };
}

/** Feeds one step to a group's detector, keeps its reading (the band kept within what the metric can be) and adds it to the group's ring. */
export function feed(rule: AlertRule, g: GroupState, t: number, value: number, samples: number, entry: CatalogueEntry): void {
  const r = g.detector.update(t, value);
  g.firstAt ??= t;
  g.lastAt = t;
  g.value = value;
  g.samples = samples;
  if (r.expected === null || r.lower === null || r.upper === null) g.reading = null;
  else {
    // Every catalogue metric is at least 0; ratios are at most 1.
    const upper = entry.unit === "ratio" ? Math.min(1, r.upper) : r.upper;
    g.reading = { score: r.score, expected: r.expected, lower: Math.max(0, r.lower), upper };
  }
  const anomalous = anomalyHolds(rule, observationOf(rule, g, t)) === true;
  const k = g.reading;
  g.readings.push({ at: t, value, expected: k?.expected ?? null, lower: k?.lower ?? null, upper: k?.upper ?? null, score: k?.score ?? null, anomalous });
}
