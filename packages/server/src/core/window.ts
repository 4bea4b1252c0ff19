/** Parsing of window and step durations (`60m`, `6h`, `7d`, `30s`) and the seed's minute alias. */

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Longest window accepted (90 days). */
export const MAX_WINDOW_MS = 90 * 86_400_000;

/** Parses a duration such as `15m`; returns milliseconds or null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,7})(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 ? ms : null;
}
