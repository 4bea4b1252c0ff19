/**
 * Writes Prometheus rules files as YAML text. Core imports no packages, and this narrow shape
 * (maps of strings) needs only quoting: single quotes keep PromQL and Go templates readable, and
 * keys a YAML 1.1 reader would take for booleans (`on`, `no`) are quoted too.
 */

/** One rule as Prometheus reads it (the entries of `groups[].rules`). */
export interface PrometheusAlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Kinds of plain YAML words that a YAML 1.1 reader takes for booleans or null. */
const YAML11_WORDS = /^(y|yes|n|no|on|off|true|false|null|~)$/i;

/** A YAML scalar: single-quoted (readable PromQL, backslashes kept as they are) unless it holds control characters. */
export function scalar(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s)) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

/** A YAML mapping key: plain when it is an identifier no YAML 1.1 reader takes for a boolean, else quoted. */
export function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !YAML11_WORDS.test(k) ? k : scalar(k);
}

/** A YAML mapping of strings under `name`, indented (nothing when empty). */
export function map(indent: string, name: string, m: Record<string, string>): string[] {
  const entries = Object.entries(m);
  if (!entries.length) return [];
  return [`${indent}${name}:`, ...entries.map(([k, v]) => `${indent}  ${key(k)}: ${scalar(v)}`)];
}

/** The rules file text: one group named `vigil`, with the skipped rules listed in comments above it. */
export function rulesYaml(rules: readonly PrometheusAlertingRule[], skipped: readonly { rule: string; reason: string }[]): string {
  const lines = ["# Prometheus alerting rules exported from Vigil (vigil rules export --format prometheus).", "# They read the families of Vigil's /metrics endpoint."];
  for (const s of skipped) lines.push(`# skipped ${s.rule}: ${s.reason.replace(/[\r\n]+/g, " ")}`);
  lines.push("groups:", "  - name: vigil", rules.length ? "    rules:" : "    rules: []");
  for (const r of rules) {
    lines.push(`      - alert: ${scalar(r.alert)}`, `        expr: ${scalar(r.expr)}`);
    if (r.for) lines.push(`        for: ${r.for}`);
    if (r.keep_firing_for) lines.push(`        keep_firing_for: ${r.keep_firing_for}`);
    lines.push(...map("        ", "labels", r.labels), ...map("        ", "annotations", r.annotations));
  }
  return `${lines.join("\n")}\n`;
}
