/**
 * Annotation templates: `{{ $value }}`, `{{ $threshold }}`, `{{ $labels.agent_name }}`, `{{ $rule }}`,
 * `{{ $metric }}`, `{{ $window }}`, `{{ $samples }}` and `{{ $value_raw }}`; an anomaly rule's also
 * `{{ $expected }}`, `{{ $lower }}`, `{{ $upper }}` (the detector's expected value and band) and
 * `{{ $score }}`. Values are written in the metric's unit (`12.5%`, `5.2 s`, `$1.35`). Templates are
 * checked when a rule is loaded, so a typo is refused then rather than printed into a notification.
 */

/** Values a template can use. */
export interface TemplateData {
  value: string;
  value_raw: string;
  threshold: string;
  labels: Record<string, string>;
  rule: string;
  metric: string;
  window: string;
  samples: string;
  /** An anomaly rule's expected value, band and score (empty for other rules). */
  expected?: string;
  lower?: string;
  upper?: string;
  score?: string;
}

const SIMPLE = new Set(["value", "value_raw", "threshold", "rule", "metric", "window", "samples"]);
/** Variables only an anomaly rule has. */
const ANOMALY = new Set(["expected", "lower", "upper", "score"]);
const TAG = /\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}/g;

/** Problems in a template (empty when it is valid); `anomaly`: the template is an anomaly rule's. */
export function checkTemplate(text: string, anomaly = false): string[] {
  const errors: string[] = [];
  const stripped = text.replace(TAG, (whole, name: string, sub: string | undefined) => {
    if (name === "labels") {
      if (sub === undefined) errors.push(`"${whole}" needs a label name, e.g. {{ $labels.agent_name }}`);
    } else if (ANOMALY.has(name) && sub === undefined) {
      if (!anomaly) errors.push(`"${whole}" is known only in anomaly rules (with an anomaly block); use $value, $value_raw, $threshold, $labels.<name>, $rule, $metric, $window or $samples`);
    } else if (!SIMPLE.has(name) || sub !== undefined) {
      errors.push(`unknown template variable "${whole}"; use $value, $value_raw, $threshold, $labels.<name>, $rule, $metric, $window or $samples${anomaly ? ", and in an anomaly rule $expected, $lower, $upper or $score" : ""}`);
    }
    return "";
  });
  if (stripped.includes("{{") || stripped.includes("}}")) errors.push(`unbalanced or malformed "{{ }}" in "${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`);
  return errors;
}

/** A template cut into its text and its variables (`sub`: the label name of `$labels.<name>`). */
type Part = string | { name: string; sub: string | undefined };
/** Templates seen, cut once (rules' annotations are rendered for every open alert at every evaluation). */
const compiled = new Map<string, readonly Part[]>();
const MAX_COMPILED = 10_000;

function compile(text: string): readonly Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const m of text.matchAll(TAG)) {
    if (m.index! > at) parts.push(text.slice(at, m.index));
    parts.push({ name: m[1]!, sub: m[2] });
    at = m.index! + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

/** Fills a template that passed `checkTemplate`; an absent label renders as an empty string. */
export function renderTemplate(text: string, data: TemplateData): string {
  let parts = compiled.get(text);
  if (parts === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(text, (parts = compile(text)));
  }
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") out += p;
    else if (p.name === "labels") out += String(data.labels[p.sub!] ?? "");
    else out += String((data as unknown as Record<string, string>)[p.name] ?? "");
  }
  return out;
}
