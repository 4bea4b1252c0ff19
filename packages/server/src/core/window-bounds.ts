/**
 * Exact windows for the read answers. A window is half-open, `[from, to)`, on slice boundaries:
 * it ends with the slice that holds `now` (the next minute boundary), so a window of 60 minutes is
 * read from exactly 60 minute slices, the last one still filling. A window the minute tier cannot
 * hold (older than its horizon) is resolved in whole hours: it ends with the hour that holds `now`
 * and starts on the hour. The previous window of a trend is `[from - length, from)`: the two never
 * share a slice. Rates divide by the time elapsed in the window (`from` to `now`), so the slice
 * still filling does not dilute them. Alert rules' windows are whole slices too, but reach back to
 * the slice holding `now - length` so that they always hold at least their length (see `ruleWindowAt`).
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

/** A rule's window, and whether it is read from 10-second slices. */
export interface RuleWindow extends Window {
  fine: boolean;
}

/**
 * The window of an alert rule of length `ms` at `now`: the whole slices from the one holding
 * `now - ms` to the one holding `now`, `[from, to)`, so that it always holds at least `ms` of events
 * (a rule judging an error rate must not see a window emptied by a slice boundary): 10-second slices
 * when they hold the `lookback` windows (2 for a rule with a change function, which reads the window
 * of the same length just before, `[from - length, from)`), else minutes, else whole hours.
 */
export function ruleWindowAt(ms: number, now: number, tiers: RuleTiers, lookback = 1): RuleWindow {
  const span = (size: number) => {
    const to = sliceEnd(now, size);
    return { from: sliceEnd(now - ms, size) - size, to, now };
  };
  const f = span(FINE_SLICE);
  if (tiers.fineCovers(f.to - lookback * (f.to - f.from), now)) return { ...f, fine: true };
  const m = span(MINUTE);
  if (m.to - lookback * (m.to - m.from) >= tiers.minuteFloor) return { ...m, fine: false };
  return { ...span(HOUR), fine: false };
}
