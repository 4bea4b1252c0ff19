/**
 * The annotations of an alert: the rule's templates filled in for one group (values in the metric's
 * unit), plus what Vigil adds on its own — a baseline rule's `baseline` line, an anomaly rule's
 * default `summary`, `expected` band and `anomaly_score`, a forecast rule's `summary` and `forecast`.
 */
import { formatFigure, formatPair, formatThreshold } from "../figure-format.js";
import { metricUnit } from "./catalogue.js";
import { formatRuleDuration } from "./duration.js";
import { renderTemplate } from "./template.js";
import type { AlertRule } from "./types.js";

/** What an anomaly rule's detector made of a group's latest step (docs/anomaly.md). */
export interface AnomalyObservation {
  /** 0..1; the rule fires at or above its sensitivity's threshold. */
  score: number;
  expected: number;
  lower: number;
  upper: number;
}

/** Per rule (as loaded): the text of the last threshold written and of its window, written once. */
const ruleTexts = new WeakMap<AlertRule, { threshold: number | null; thresholdText: string; window: string }>();

function thresholdText(rule: AlertRule, threshold: number | null): { thresholdText: string; window: string } {
  let t = ruleTexts.get(rule);
  if (t === undefined || t.threshold !== threshold) {
    const unit = metricUnit(rule.metric);
    const text = threshold === null ? "" : rule.change === "ratio" ? `${threshold}×` : rule.change === "percent" ? `${threshold}%` : formatThreshold(threshold, unit);
    ruleTexts.set(rule, (t = { threshold, thresholdText: text, window: t?.window ?? formatRuleDuration(rule.window_ms) }));
  }
  return t;
}

/**
 * Fills the rule's annotation templates for one alert. An anomaly rule's alert also gets, unless the
 * rule writes its own, a `summary` (`p95_latency_ms for route=chat is 4.2 s, expected 1.1 s–1.6 s`),
 * an `expected` annotation (the expected value and band) and an `anomaly_score` one.
 */
export function renderAnnotations(rule: AlertRule, labels: Record<string, string>, value: number | null, threshold: number | null, samples: number, anomaly: AnomalyObservation | null = null, forecast: string | null = null): Record<string, string> {
  const unit = metricUnit(rule.metric);
  const show = (v: number | null) => (v === null ? "no data" : rule.change === "ratio" ? `${formatFigure(v, "score")}×` : rule.change === "percent" ? `${formatFigure(v, "score", 1)}%` : formatFigure(v, unit));
  const texts = thresholdText(rule, threshold);
  const band = anomaly === null ? null : formatPair(anomaly.lower, anomaly.upper, unit);
  const data = {
    value: show(value),
    value_raw: value === null ? "" : String(value),
    threshold: texts.thresholdText,
    labels,
    rule: rule.name,
    metric: rule.metric,
    window: texts.window,
    samples: String(samples),
    ...(rule.anomaly ? { expected: anomaly ? formatFigure(anomaly.expected, unit) : "no data", lower: band?.[0] ?? "no data", upper: band?.[1] ?? "no data", score: anomaly ? formatFigure(anomaly.score, "score") : "no data" } : {}),
  };
  const out: Record<string, string> = {};
  for (const k in rule.annotations) out[k] = renderTemplate(rule.annotations[k]!, data);
  if (rule.anomaly) {
    const where = rule.group_by.filter((d) => labels[d] !== undefined).map((d) => `${d}=${labels[d]}`);
    out.summary ??= `${rule.metric}${where.length ? ` for ${where.join(", ")}` : ""} is ${data.value}${band ? `, expected ${band[0]}–${band[1]}` : ""}`;
    if (anomaly && band) {
      out.expected ??= `${data.expected}, band ${band[0]}–${band[1]}`;
      out.anomaly_score ??= `${data.score} (fires at ${rule.anomaly.threshold})`;
    }
  }
  if (rule.forecast) {
    const where = rule.group_by.filter((d) => labels[d] !== undefined).map((d) => `${d}=${labels[d]}`);
    out.summary ??= `${rule.metric}${where.length ? ` for ${where.join(", ")}` : ""} is ${data.value}, predicted to cross ${texts.thresholdText} within ${formatRuleDuration(rule.forecast.within_ms)}`;
    out.forecast ??= forecast ?? "no crossing predicted";
  }
  // Says where a baseline rule's threshold came from, unless the rule writes its own `baseline` annotation.
  if (rule.baseline && out.baseline === undefined) out.baseline = `${rule.baseline.factor} × baseline ${rule.baseline.name}${threshold === null ? " (not found or inactive)" : ` = ${texts.thresholdText}`}`;
  return out;
}
