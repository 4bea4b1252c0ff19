/**
 * Exact windows for the read answers. A window is half-open, `[from, to)`, on slice boundaries:
 * it ends with the slice that holds `now` (the next minute boundary), so a window of 60 minutes is
 * read from exactly 60 minute slices, the last one still filling. A window the minute tier cannot
 * hold (older than its horizon) is resolved in whole hours: it ends with the hour that holds `now`
 * and starts on the hour. The previous window of a trend is `[from - length, from)`: the two never
 * share a slice. Rates divide by the time elapsed in the window (`from` to `now`), so the slice
 * still filling does not dilute them. Alert rules' windows are resolved the same way, to 10-second
 * slices where those hold the whole span they read (see `ruleWindowAt`).
 */
import { FINE_SLICE, HOUR, MINUTE } from "./rollup-plan.js";

/** A resolved window `[from, to)` read at `now` (`from <= now < to` while its last slice is filling). */
export interface Window {
  from: number;
  to: number;
  /** When the window was read: events up to this time are counted. Absent: the window is complete. */
  now?: number;
}

/** The end of the slice of width `size` that holds `t` (the next boundary after `t`). */
export function sliceEnd(t: number, size: number): number {
  return t - (((t % size) + size) % size) + size;
}

/**
 * The window of length `ms` read at `now`: `[to - length, to)` with `to` the end of the minute
 * holding `now` and the length rounded up to whole minutes; resolved in whole hours instead when
 * `lookback` windows of it reach back before `minuteFloor` (the earliest minute the minute tier
 * still holds), so that every window of a trend is answered from the same tier and has the same length.
 */
export function windowAt(ms: number, now: number, minuteFloor: number, lookback = 1): Window {
  const to = sliceEnd(now, MINUTE);
  const length = Math.ceil(ms / MINUTE) * MINUTE;
  if (to - length * lookback >= minuteFloor) return { from: to - length, to, now };
  const toH = sliceEnd(now, HOUR);
  return { from: toH - Math.ceil(ms / HOUR) * HOUR, to: toH, now };
}

/** The window of the same length just before `w`: `[w.from - length, w.from)`, complete. */
export function previousWindow(w: Window): Window {
  return { from: w.from - (w.to - w.from), to: w.from };
}

/** Minutes elapsed in a window: up to `now` while it is filling, its whole length once complete. */
export function elapsedMinutes(w: Window): number {
  const until = w.now === undefined ? w.to : Math.min(Math.max(w.now, w.from), w.to);
  return (until - w.from) / MINUTE;
}

/** What resolving a rule's window needs of the rollups: whether 10-second slices hold a span from `from`, and the minute floor. */
export interface RuleTiers {
  fineCovers(from: number, now: number): boolean;
  minuteFloor: number;
}

/**
 * The window of an alert rule of length `ms` at `now`: `[to - length, to)` ending with the 10-second
 * slice that holds `now`, the length rounded up to whole slices, when 10-second slices hold all
 * `lookback` windows (2 for a rule with a change function, which reads the window before too);
 * otherwise as `windowAt` resolves it, in minutes or whole hours.
 */
export function ruleWindowAt(ms: number, now: number, tiers: RuleTiers, lookback = 1): Window {
  const to = sliceEnd(now, FINE_SLICE);
  const length = Math.ceil(ms / FINE_SLICE) * FINE_SLICE;
  if (tiers.fineCovers(to - lookback * length, now)) return { from: to - length, to, now };
  return windowAt(ms, now, tiers.minuteFloor, lookback);
}
