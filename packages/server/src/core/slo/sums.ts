/**
 * The sums the SLO figures are made of: the events of a span as the ledger counts them, the
 * verdict of a time slice, the slices of a run tallied, and the burn rate of a window. Every span
 * starts where spans.ts says (its minute while read to the minute, else its hour) and never before
 * what the ledger holds.
 */
import { MINUTE } from "../rollup-plan.js";
import { spanSums, type SloLedger, type SpanSums } from "./ledger.js";
import { BURN_WINDOW_MS, BURN_WINDOWS, countedStart, floorHour, floorMinute, lastSlices, periodOf, periodSlices, spanEnd, type BurnWindow } from "./spans.js";

/** The verdict of one time slice: no events, good, or bad. */
export const SliceVerdict = { Empty: 0, Good: 1, Bad: 2 } as const;
/** One of SliceVerdict's values. */
export type SliceVerdict = (typeof SliceVerdict)[keyof typeof SliceVerdict];

/** Good and bad slices and whether any held events, over a run of slices. */
export interface SliceTally {
  good: number;
  bad: number;
  count: number;
  withEvents: number;
}

/** The earliest time the ledger holds counts for at `now` (a span starting earlier is counted from it). */
export function ledgerReach(ledger: SloLedger, now: number): number {
  if (ledger.mode === "minutes") return ledger.minuteReach(now);
  return ledger.hourReach(now);
}

/**
 * The counted start of an event span beginning at `from`, given what the ledger holds at `now`:
 * its minute when read to the minute, else its hour, never before the ledger's reach.
 */
export function eventSpanStart(ledger: SloLedger, from: number, now: number): number {
  return Math.max(nominalStart(ledger, from, now), ledgerReach(ledger, now));
}

/** Where a span starting at `from` is counted from, whatever the data held: its minute, or its hour past the minute reach. */
export function nominalStart(ledger: SloLedger, from: number, now: number): number {
  if (ledger.mode === "minutes") return floorMinute(from);
  if (ledger.mode === "hours") return floorHour(from);
  return countedStart(from, ledger.minuteReach(now));
}

/** The events of [from, to) as the ledger counts them at `now` (see eventSpanStart). */
export function eventsIn(ledger: SloLedger, from: number, to: number, now: number, out: SpanSums = spanSums()): SpanSums {
  return ledger.addSpan(eventSpanStart(ledger, from, now), to, out);
}

/** The verdict of the slice [start, start + sliceMs) of a time-slice SLO (cached by the ledger until the slice changes). */
export function sliceVerdict(ledger: SloLedger, start: number, tmp: SpanSums = spanSums()): SliceVerdict {
  const b = ledger.spec.budgeting;
  if (b.kind !== "timeslices") throw new Error(`SLO ${ledger.spec.name} is not budgeted by time slices`);
  const cached = ledger.verdicts?.get(start) ?? -1;
  if (cached >= 0) return cached as SliceVerdict;
  tmp.good = tmp.total = tmp.above = tmp.ratingSum = tmp.ratingN = 0;
  ledger.addSpan(start, start + b.sliceMs, tmp);
  let v: SliceVerdict;
  if (b.meanRatingAtLeast !== null) v = tmp.ratingN === 0 ? SliceVerdict.Empty : tmp.ratingSum / tmp.ratingN >= b.meanRatingAtLeast ? SliceVerdict.Good : SliceVerdict.Bad;
  else v = tmp.total === 0 ? SliceVerdict.Empty : tmp.good / tmp.total >= b.sliceTarget ? SliceVerdict.Good : SliceVerdict.Bad;
  ledger.verdicts?.set(start, v);
  return v;
}

/** Tallies `count` slices from `first`, leaving out those before the ledger's reach at `now`. */
export function tallySlices(ledger: SloLedger, first: number, count: number, now: number): SliceTally {
  const b = ledger.spec.budgeting;
  if (b.kind !== "timeslices") throw new Error(`SLO ${ledger.spec.name} is not budgeted by time slices`);
  const s = b.sliceMs;
  const reach = ledgerReach(ledger, now);
  const end = first + count * s;
  let start = first;
  if (start < reach) start = Math.ceil(reach / s) * s;
  const out: SliceTally = { good: 0, bad: 0, count: 0, withEvents: 0 };
  const tmp = spanSums();
  for (let t = start; t < end; t += s) {
    const v = sliceVerdict(ledger, t, tmp);
    out.count++;
    if (v === SliceVerdict.Bad) out.bad++;
    else out.good++;
    if (v !== SliceVerdict.Empty) out.withEvents++;
  }
  return out;
}

/**
 * The burn rate over a window ending at `now`: the bad share of its events (or slices) over the
 * share the target allows, 1 spending the budget exactly over the period. Null without events.
 */
export function burnRate(ledger: SloLedger, windowMs: number, now: number): number | null {
  const spec = ledger.spec;
  const allowed = 1 - spec.target;
  if (spec.budgeting.kind === "timeslices") {
    const w = lastSlices(now, spec.budgeting.sliceMs, windowMs);
    const t = tallySlices(ledger, w.first, w.count, now);
    if (t.withEvents === 0 || t.count === 0) return null;
    return t.bad / t.count / allowed;
  }
  const end = spanEnd(now);
  const e = eventsIn(ledger, end - windowMs, end, now);
  if (e.total === 0) return null;
  return (e.total - e.good) / e.total / allowed;
}

/** The burn rates of every window. */
export function burnRates(ledger: SloLedger, now: number): Record<BurnWindow, number | null> {
  const out = {} as Record<BurnWindow, number | null>;
  for (const w of BURN_WINDOWS) out[w] = burnRate(ledger, BURN_WINDOW_MS[w], now);
  return out;
}

/** Events over the SLO's latency maximum in the last 5 minutes (the current one included), or null without a maximum. */
export function maxBreaches(ledger: SloLedger, now: number): number | null {
  if (ledger.spec.maxMs === null) return null;
  const end = spanEnd(now);
  return ledger.addAbove(end - 5 * MINUTE, end, spanSums()).above;
}

/** The span an SLO's period is counted over at `now`, and its slices for time-slice budgeting. */
export interface PeriodSpan {
  /** Where the counts start: the nominal start, or later when the ledger holds no earlier data. */
  start: number;
  /** Where they would start were every slice held (whole minutes or hours, or the first slice). */
  nominal: number;
  /** Where they end: the end of the minute holding now (time slices: of the slice holding now). */
  end: number;
  /** Time slices: the width, the slices counted, and the slices of the whole period (the budget's basis). */
  slices: { width: number; count: number; whole: number } | null;
}

/** The span of the period in force at `now`. */
export function periodSpan(ledger: SloLedger, now: number): PeriodSpan {
  const spec = ledger.spec;
  const period = periodOf(spec, now);
  if (spec.budgeting.kind === "timeslices") {
    const s = spec.budgeting.sliceMs;
    const ps = periodSlices(spec, s, now);
    const reach = ledgerReach(ledger, now);
    const first = ps.first < reach ? Math.ceil(reach / s) * s : ps.first;
    const end = ps.first + ps.count * s;
    return { start: first, nominal: ps.first, end, slices: { width: s, count: Math.max(0, (end - first) / s), whole: ps.whole } };
  }
  return { start: eventSpanStart(ledger, period.start, now), nominal: nominalStart(ledger, period.start, now), end: spanEnd(now), slices: null };
}
