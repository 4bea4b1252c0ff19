/** Durations in rules: Prometheus-style text (`30s`, `5m`, `1h30m`, `0s`) to milliseconds and back. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+)(ms|s|m|h|d|w)/y;

/** Parses `1h30m`, `30s`, `0s` or `0`; null when malformed. Units must run from largest to smallest. */
export function parseRuleDuration(text: string): number | null {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") return null;
  PART.lastIndex = 0;
  let total = 0;
  let lastUnit = Infinity;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) return null;
    const unit = UNIT_MS[m[2]!]!;
    if (unit >= lastUnit) return null;
    lastUnit = unit;
    total += Number(m[1]) * unit;
    pos = PART.lastIndex;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** Writes milliseconds as the shortest duration text (`90000` → `1m30s`, `0` → `0s`). */
export function formatRuleDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [u, size] of [["w", 604_800_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${u}`;
      rest %= size;
    }
  }
  return out;
}
