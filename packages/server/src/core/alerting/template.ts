/**
 * Annotation templates: `{{ $value }}`, `{{ $threshold }}`, `{{ $labels.agent_name }}`, `{{ $rule }}`,
 * `{{ $metric }}`, `{{ $window }}`, `{{ $samples }}` and `{{ $value_raw }}`. Values are written in the
 * metric's unit (`12.5%`, `5.2 s`, `$1.35`). Templates are checked when a rule is loaded, so a typo
 * is refused then rather than printed into a notification.
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
}

const SIMPLE = new Set(["value", "value_raw", "threshold", "rule", "metric", "window", "samples"]);
const TAG = /\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}/g;

/** Problems in a template (empty when it is valid). */
export function checkTemplate(text: string): string[] {
  const errors: string[] = [];
  const stripped = text.replace(TAG, (whole, name: string, sub: string | undefined) => {
    if (name === "labels") {
      if (sub === undefined) errors.push(`"${whole}" needs a label name, e.g. {{ $labels.agent_name }}`);
    } else if (!SIMPLE.has(name) || sub !== undefined) {
      errors.push(`unknown template variable "${whole}"; use $value, $value_raw, $threshold, $labels.<name>, $rule, $metric, $window or $samples`);
    }
    return "";
  });
  if (stripped.includes("{{") || stripped.includes("}}")) errors.push(`unbalanced or malformed "{{ }}" in "${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`);
  return errors;
}

/** Fills a template that passed `checkTemplate`; an absent label renders as an empty string. */
export function renderTemplate(text: string, data: TemplateData): string {
  return text.replace(TAG, (_w, name: string, sub: string | undefined) => {
    if (name === "labels") return data.labels[sub!] ?? "";
    return String((data as unknown as Record<string, string>)[name] ?? "");
  });
}
