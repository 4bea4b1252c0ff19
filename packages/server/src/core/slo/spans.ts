/**
 * The time spans an SLO is judged over, as pure arithmetic on `now`: the burn-rate windows, the
 * period (rolling or the calendar month, UTC) and the grid of time slices. Every span ends with the
 * minute holding now (events arriving in it count at once) and is made of whole rollup slices, so
 * that its figures are sums of stored counts and equal what the raw events give for the same span.
 */
import { HOUR, MINUTE } from "../rollup-plan.js";
import type { SloSpec } from "./spec.js";

/** One day in milliseconds. */
export const DAY = 24 * HOUR;

/** The burn-rate windows, shortest first (the contract's SloBurnWindow). */
export const BURN_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
/** One of the burn-rate windows. */
export type BurnWindow = (typeof BURN_WINDOWS)[number];
/** Length of each burn-rate window. */
export const BURN_WINDOW_MS: Readonly<Record<BurnWindow, number>> = Object.freeze({
  "5m": 5 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": HOUR,
  "2h": 2 * HOUR,
  "6h": 6 * HOUR,
  "1d": DAY,
  "3d": 3 * DAY,
});

/**
 * How far back windows are read to the minute: the longest window below the day plus the hour it
 * may start in. Spans reaching further back start at the top of the hour holding their start.
 */
export const MINUTE_WINDOW_REACH = DAY + HOUR;

/**
 * The nominal length of a calendar month for the burn-rate factors (30 days, as Sloth and the
 * SRE workbook use): the factors stay the same from month to month, as an exported rule needs.
 */
export const CALENDAR_MONTH_FACTOR_MS = 30 * DAY;

/** Start of the minute holding `t`. */
export function floorMinute(t: number): number {
  return t - mod(t, MINUTE);
}

/** Start of the hour holding `t`. */
export function floorHour(t: number): number {
  return t - mod(t, HOUR);
}

/** Start of the slice of length `size` (epoch-aligned) holding `t`. */
export function floorTo(t: number, size: number): number {
  return t - mod(t, size);
}

function mod(t: number, n: number): number {
  const r = t % n;
  return r < 0 ? r + n : r;
}

/** The end of every span evaluated at `now`: the end of the minute holding now. */
export function spanEnd(now: number): number {
  return floorMinute(now) + MINUTE;
}

/** The UTC calendar month holding `t`: its start and end. */
export function calendarMonth(t: number): { start: number; end: number } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

/**
 * The period in force at `now`: rolling, the `ms` before the end of the minute holding now; a
 * calendar month, the month holding now (its end in the future). `length` is the whole period's.
 */
export function periodOf(spec: Pick<SloSpec, "period">, now: number): { start: number; end: number; length: number } {
  if (spec.period.kind === "calendar_month") {
    const m = calendarMonth(now);
    return { start: m.start, end: m.end, length: m.end - m.start };
  }
  const end = spanEnd(now);
  return { start: end - spec.period.ms, end, length: spec.period.ms };
}

/** The period length the burn-rate factors are derived from (a calendar month counts as 30 days). */
export function factorPeriodMs(spec: Pick<SloSpec, "period">): number {
  return spec.period.kind === "calendar_month" ? CALENDAR_MONTH_FACTOR_MS : spec.period.ms;
}

/**
 * Where a span starting at `from` is counted from: its minute when that minute is still read to
 * the minute (`minuteReach`), else the hour holding it (the hour rollups answer older spans).
 */
export function countedStart(from: number, minuteReach: number): number {
  return from >= minuteReach ? floorMinute(from) : floorHour(from);
}

/**
 * The slices of a time-slice SLO in a span of `ms` ending with the slice holding now: the last
 * ceil(ms / slice) slices, the current one (still filling) included. Returns the first slice's
 * start and the count.
 */
export function lastSlices(now: number, sliceMs: number, ms: number): { first: number; count: number } {
  const count = Math.max(1, Math.ceil(ms / sliceMs));
  return { first: floorTo(now, sliceMs) - (count - 1) * sliceMs, count };
}

/** The slices of a time-slice SLO's period at `now`: the last period/slice ones, or the calendar month's up to now. */
export function periodSlices(spec: SloSpec, sliceMs: number, now: number): { first: number; count: number; whole: number } {
  if (spec.period.kind === "calendar_month") {
    const m = calendarMonth(now);
    const first = floorTo(m.start, sliceMs);
    const count = (floorTo(now, sliceMs) - first) / sliceMs + 1;
    return { first, count, whole: Math.ceil((m.end - first) / sliceMs) };
  }
  const s = lastSlices(now, sliceMs, spec.period.ms);
  return { ...s, whole: s.count };
}
