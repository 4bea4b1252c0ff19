/**
 * Formats figures for the plain-English sentences of reports (recommendations), so a value and
 * the threshold it breached are written in the same unit and never look equal when they are not.
 */

/** Units the sentences write figures in. */
export type FigureUnit = "ratio" | "ms" | "usd" | "count" | "mb" | "score" | "per_min";

/** A figure in its unit, e.g. `72.0%`, `6.2 s`, `850 ms`, `$1.35`, `6,200`, `1,200 MB`. */
export function formatFigure(value: number, unit: FigureUnit, decimals?: number): string {
  switch (unit) {
    case "ratio":
      return `${fixed(value * 100, decimals ?? 1)}%`;
    case "ms":
      return Math.abs(value) >= 1000 ? `${fixed(value / 1000, decimals ?? 1)} s` : `${fixed(value, decimals ?? 0)} ms`;
    case "usd":
      return `$${fixed(value, decimals ?? (Math.abs(value) >= 0.01 || value === 0 ? 2 : 4))}`;
    case "count":
      return fixed(value, decimals ?? 0);
    case "mb":
      return `${fixed(value, decimals ?? 0)} MB`;
    case "score":
      return fixed(value, decimals ?? 2);
    case "per_min":
      return `${fixed(value, decimals ?? 1)}/min`;
  }
}

/** A threshold in its unit with trailing zeros dropped (`80%`, `5 s`, `5,000`), money kept to cents (`$1.00`). */
export function formatThreshold(value: number, unit: FigureUnit): string {
  if (unit === "usd") return Math.abs(value) >= 0.01 ? formatFigure(value, unit, 2) : `$${trim(value.toFixed(6))}`;
  for (let d = 0; d <= 6; d++) {
    const s = formatFigure(value, unit, d);
    if (sameNumber(s, formatFigure(value, unit, 6))) return s;
  }
  return formatFigure(value, unit, 6);
}

/**
 * A value beside its threshold: the default precision, or more digits when the default would
 * print the value as equal to the threshold (a p95 of 5000.4 ms against 5 s reads "5.0004 s").
 */
export function formatBeside(value: number, threshold: number, unit: FigureUnit): string {
  const plain = formatFigure(value, unit);
  if (!sameNumber(plain, formatFigure(threshold, unit, digitsOf(plain)))) return plain;
  for (let d = digitsOf(plain) + 1; d <= 8; d++) {
    const s = formatFigure(value, unit, d);
    if (!sameNumber(s, formatFigure(threshold, unit, d))) return s;
  }
  return plain;
}

/** Two values of one unit at the same precision, with more digits when the default would print them equal. */
export function formatPair(a: number, b: number, unit: FigureUnit): [string, string] {
  const plain: [string, string] = [formatFigure(a, unit), formatFigure(b, unit)];
  if (!sameNumber(plain[0], plain[1])) return plain;
  for (let d = digitsOf(plain[0]) + 1; d <= 8; d++) {
    const pair: [string, string] = [formatFigure(a, unit, d), formatFigure(b, unit, d)];
    if (!sameNumber(pair[0], pair[1])) return pair;
  }
  return plain;
}

function fixed(v: number, decimals: number): string {
  const [int, frac] = v.toFixed(decimals).split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

function trim(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function digitsOf(s: string): number {
  const m = /\.(\d+)/.exec(s);
  return m ? m[1]!.length : 0;
}

/** Compares two formatted figures by number, ignoring units, grouping and padding zeros. */
function sameNumber(a: string, b: string): boolean {
  const n = (s: string) => Number(s.replace(/[^0-9.-]/g, ""));
  return n(a) === n(b) && unitOf(a) === unitOf(b);
}

function unitOf(s: string): string {
  return s.replace(/[0-9.,-]/g, "");
}
