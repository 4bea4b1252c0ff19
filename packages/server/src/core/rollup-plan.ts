/**
 * Which time slices answer a window: minutes at the edges and whole hours between, hours only
 * for spans older than the minute tier, and 10-second slices for short recent windows.
 */

/** One minute in milliseconds. */
export const MINUTE = 60_000;
/** One hour in milliseconds. */
export const HOUR = 3_600_000;
/** Width of the fine slices alert rules read for short windows (not persisted). */
export const FINE_SLICE = 10_000;
/** How long fine slices are kept: windows up to this length can be answered to 10 seconds. */
export const FINE_HORIZON = 15 * MINUTE;

/** Time tier of a bucket. */
export type Tier = "m" | "h";

/** The earliest minute start the minute tier still holds data for, given its horizon. */
export function minuteFloorOf(now: number, minuteMs: number): number {
  const cut = now - minuteMs;
  return cut - (cut % MINUTE) + MINUTE;
}

/** The time slices that cover [from, to): minutes at the edges, whole hours between. */
export function slicePlan(from: number, to: number, mFloor: number): [Tier, number][] {
  const s = from - (from % MINUTE);
  const e = to % MINUTE === 0 ? to : to - (to % MINUTE) + MINUTE;
  const out: [Tier, number][] = [];
  const minutes = (a: number, b: number) => {
    if (a >= b) return;
    if (a < mFloor) {
      // Older than the minute tier: answer from the hour that contains the span.
      const h0 = a - (a % HOUR);
      for (let h = h0; h < b; h += HOUR) out.push(["h", h]);
      return;
    }
    for (let m = a; m < b; m += MINUTE) out.push(["m", m]);
  };
  const h0 = Math.ceil(s / HOUR) * HOUR;
  const h1 = Math.floor(e / HOUR) * HOUR;
  if (h0 >= h1) {
    minutes(s, e);
  } else {
    minutes(s, h0);
    for (let h = h0; h < h1; h += HOUR) out.push(["h", h]);
    minutes(h1, e);
  }
  // A coarse edge may name an hour twice (start edge and first whole hour); merge each once.
  const seen = new Set<string>();
  return out.filter(([t, st]) => {
    const k = t + st;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Starts of the 10-second slices covering [from, to). */
export function finePlan(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from - (from % FINE_SLICE); t < to; t += FINE_SLICE) out.push(t);
  return out;
}

/**
 * The bounds `[from, to)` a read of `[from, to)` really counts, given the minute floor: from the
 * start of its first slice to the end of its last (hours for spans older than the minute tier).
 * Equal to the bounds given when they lie on the boundaries of the slices that answer them.
 */
export function countedBounds(from: number, to: number, mFloor: number): { from: number; to: number } {
  let a = Infinity;
  let b = -Infinity;
  for (const [t, start] of slicePlan(from, to, mFloor)) {
    a = Math.min(a, start);
    b = Math.max(b, start + (t === "m" ? MINUTE : HOUR));
  }
  return a <= b ? { from: a, to: b } : { from, to };
}
