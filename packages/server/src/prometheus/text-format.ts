/** Pure formatting of the Prometheus text format 0.0.4: values, label pairs, family headers. */

/** The Content-Type of the text format. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A sample value as the text format writes it (`+Inf`, `-Inf`, `NaN` spelled out). */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

/** A label value escaped for the text format (backslash, double quote, line feed). */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

/** `a="x",b="y"` for the given names and values; absent ("") values are left out, as Prometheus reads them. */
export function labelPairs(names: readonly string[], values: readonly string[]): string {
  let s = "";
  for (let i = 0; i < names.length; i++) {
    const v = values[i]!;
    if (v === "") continue;
    s += `${s ? "," : ""}${names[i]}="${escapeLabelValue(v)}"`;
  }
  return s;
}

/** Appends the `# HELP` and `# TYPE` lines of a family. */
export function writeHeader(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
}

/** One sample of a family written from a snapshot (Vigil's own metrics). */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** Appends a counter or gauge family given as samples; a family without samples writes only its header. */
export function writeSamples(out: string[], name: string, help: string, type: "counter" | "gauge", samples: readonly Sample[]): void {
  writeHeader(out, name, help, type);
  for (const s of samples) {
    const names = s.labels ? Object.keys(s.labels) : [];
    const labels = labelPairs(names, names.map((n) => s.labels![n]!));
    out.push(`${name}${labels ? `{${labels}}` : ""} ${formatValue(s.value)}`);
  }
}
