/** Number formatting shared by every page: one rule per kind of figure, and "—" for a figure with no samples (null). */

/** What a figure with no data shows. */
export const NONE = "—";

const isNum = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** A ratio 0..1 as a percentage with one decimal: 0.9734 → "97.3%". */
export function pct(v: number | null | undefined): string {
  return isNum(v) ? `${(v * 100).toFixed(1)}%` : NONE;
}

/** Milliseconds: under 10 s as "843 ms", above as "12.4 s". */
export function ms(v: number | null | undefined): string {
  if (!isNum(v)) return NONE;
  if (Math.abs(v) < 10_000) return `${Math.round(v).toLocaleString("en-US")} ms`;
  return `${(v / 1000).toFixed(1)} s`;
}

/** US dollars: four decimals under $1 (per-task costs are small), two above. */
export function usd(v: number | null | undefined): string {
  if (!isNum(v)) return NONE;
  return Math.abs(v) < 1 ? `$${v.toFixed(4)}` : `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A count or plain number: integers with separators, others with up to 2 decimals. */
export function num(v: number | null | undefined): string {
  if (!isNum(v)) return NONE;
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** A 0..1 score or rating with two decimals. */
export function score(v: number | null | undefined): string {
  return isNum(v) ? v.toFixed(2) : NONE;
}

/**
 * User satisfaction on the 1–5 scale it was rated on: the API's 0..1 mean (a rating r counts as
 * (r − 1) / 4, thumbs up as 1 and down as 0) shown as 1 + 4·v, "0.80" → "4.2 / 5".
 */
export function rating(v: number | null | undefined): string {
  return isNum(v) ? `${(1 + 4 * v).toFixed(1)} / 5` : NONE;
}

/** How long ago an ISO time or epoch ms was: "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(t: string | number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return NONE;
  const at = typeof t === "number" ? t : Date.parse(t);
  if (!Number.isFinite(at)) return NONE;
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A duration in seconds as "45 s", "12 min 5 s", "2 h 3 min". */
export function span(seconds: number | null | undefined): string {
  if (!isNum(seconds)) return NONE;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
}

/** A local date and time: "2026-11-21 14:03:07". */
export function when(t: string | number | null | undefined): string {
  if (t === null || t === undefined) return NONE;
  const d = new Date(t);
  if (!Number.isFinite(d.getTime())) return NONE;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
