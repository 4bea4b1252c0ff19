/**
 * Vigil annotation templates as Prometheus (Go) templates, for the rules export: the variables
 * Prometheus knows stay variables, written in the metric's unit; the ones it does not become the
 * rule's literal text.
 */
import { formatThreshold } from "../figure-format.js";
import { metricUnit } from "./catalogue.js";
import { formatRuleDuration } from "./duration.js";
import type { AlertRule } from "./types.js";

// The same tags as template.ts reads; templates were checked by it when the rule was loaded.
const TAG = /\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}/g;

/** Text for a Go template: literal, or a quoted action when it would otherwise read as one. */
function goLiteral(s: string): string {
  return s.includes("{{") || s.includes("}}") ? `{{ ${JSON.stringify(s)} }}` : s;
}

/** `$value` as a Go template in the unit Vigil writes it (12.5%, 850 ms, $1.35). */
function goValue(rule: AlertRule): string {
  if (rule.change === "ratio") return '{{ printf "%.2f" $value }}×';
  if (rule.change === "percent") return '{{ printf "%.1f" $value }}%';
  switch (metricUnit(rule.metric)) {
    case "ratio":
      return "{{ $value | humanizePercentage }}";
    case "ms":
      return '{{ printf "%.0f" $value }} ms';
    case "usd":
      return '${{ printf "%.2f" $value }}';
    case "mb":
      return '{{ printf "%.0f" $value }} MB';
    case "score":
      return '{{ printf "%.2f" $value }}';
    case "per_min":
      return '{{ printf "%.1f" $value }}/min';
    case "count":
      return '{{ printf "%.0f" $value }}';
  }
}

/**
 * A Vigil annotation template as a Prometheus (Go) template: `$value` and `$labels.x` stay
 * variables, `$threshold`, `$rule`, `$metric` and `$window` become the rule's literal text, and
 * `$samples` becomes `samples` (a query of the group's sample count), or "n/a" without one.
 */
export function toGoTemplate(text: string, rule: AlertRule, threshold: number, samples: string | null = null): string {
  const thresholdText = rule.change === "ratio" ? `${threshold}×` : rule.change === "percent" ? `${threshold}%` : formatThreshold(threshold, metricUnit(rule.metric));
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    const [, name, sub] = m;
    if (name === "labels") out += `{{ $labels.${sub} }}`;
    else if (name === "value") out += goValue(rule);
    else if (name === "value_raw") out += "{{ $value }}";
    else if (name === "threshold") out += goLiteral(thresholdText);
    else if (name === "rule") out += goLiteral(rule.name);
    else if (name === "metric") out += goLiteral(rule.metric);
    else if (name === "window") out += formatRuleDuration(rule.window_ms);
    else out += samples ?? "n/a";
  }
  return out + text.slice(last);
}
