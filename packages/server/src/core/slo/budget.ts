/**
 * An SLO's figures at `now` from its ledger: compliance, the error budget (total, consumed,
 * remaining), the burn rate of every window, when the budget runs out at the current burn, and
 * where the period starts. Event budgeting counts events; time-slice budgeting (OpenSLO) counts
 * slices, each good when its events meet the slice target (or its mean rating the floor), a slice
 * without events counting as good. Every figure is a sum of the ledger's per-minute and per-hour
 * counts over a span of spans.ts; GET /slos/:name, the history and the burn-rate alerts read these
 * functions, so they show one answer.
 */
import { sliExact } from "../sli.js";
import { MINUTE } from "../rollup-plan.js";
import { spanSums, type SloLedger, type SpanSums } from "./ledger.js";
import { BURN_WINDOW_MS, BURN_WINDOWS, countedStart, floorHour, floorMinute, lastSlices, periodOf, periodSlices, spanEnd, type BurnWindow } from "./spans.js";

/** An error budget: bad events (or slices) the target allows over the period, those spent, those left. */
export interface BudgetFigures {
  unit: "events" | "slices";
  total: number;
  consumed: number;
  /** total − consumed; negative once overspent. */
  remaining: number;
  /** remaining / total; null when there are no events. */
  remaining_ratio: number | null;
}

/** Everything GET /slos/:name shows of an SLO's state at `now` (times in epoch ms). */
export interface SloFigures {
  /** The span the figures cover: its start (whole minutes, or the hour holding it past the minute reach) and end. */
  period: { kind: "rolling" | "calendar_month"; start: number; end: number };
  compliance: number | null;
  met: boolean | null;
  budget: BudgetFigures;
  burn_rates: Record<BurnWindow, number | null>;
  /** When the remaining budget runs out at the 1-hour burn rate (a recent rate that still smooths a single bad minute). */
  exhaustion: { at: number | null; in_ms: number | null; burn_window: "1h" };
  /** Good and total events over the period. */
  samples: { good: number; total: number };
  exact: boolean;
  /** The first data the figures cover, when the period starts before it; else null. */
  data_from: number | null;
  /** Latency SLOs with a maximum: events over it in the last 5 minutes; else null. */
  max_breaches: number | null;
}

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
function nominalStart(ledger: SloLedger, from: number, now: number): number {
  if (ledger.mode === "minutes") return floorMinute(from);
  if (ledger.mode === "hours") return floorHour(from);
  return countedStart(from, ledger.minuteReach(now));
}

/** The events of [from, to) as the ledger counts them at `now` (see eventSpanStart). */
export function eventsIn(ledger: SloLedger, from: number, to: number, now: number, out: SpanSums = spanSums()): SpanSums {
  return ledger.addSpan(eventSpanStart(ledger, from, now), to, out);
}

/** The verdict of the slice [start, start + sliceMs) of a time-slice SLO. */
export function sliceVerdict(ledger: SloLedger, start: number, tmp: SpanSums = spanSums()): SliceVerdict {
  const b = ledger.spec.budgeting;
  if (b.kind !== "timeslices") throw new Error(`SLO ${ledger.spec.name} is not budgeted by time slices`);
  tmp.good = tmp.total = tmp.above = tmp.ratingSum = tmp.ratingN = 0;
  ledger.addSpan(start, start + b.sliceMs, tmp);
  if (b.meanRatingAtLeast !== null) {
    if (tmp.ratingN === 0) return SliceVerdict.Empty;
    return tmp.ratingSum / tmp.ratingN >= b.meanRatingAtLeast ? SliceVerdict.Good : SliceVerdict.Bad;
  }
  if (tmp.total === 0) return SliceVerdict.Empty;
  return tmp.good / tmp.total >= b.sliceTarget ? SliceVerdict.Good : SliceVerdict.Bad;
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

/** The SLO's figures at `now`; `firstData`: the start of the earliest hour the rollups hold (SliceWatch.firstData). */
export function sloFigures(ledger: SloLedger, now: number, firstData: number | null): SloFigures {
  const spec = ledger.spec;
  const period = periodOf(spec, now);
  const allowed = 1 - spec.target;
  let start: number;
  let nominal: number;
  let samples: SpanSums;
  let compliance: number | null;
  let budget: BudgetFigures;
  if (spec.budgeting.kind === "timeslices") {
    const s = spec.budgeting.sliceMs;
    const ps = periodSlices(spec, s, now);
    const t = tallySlices(ledger, ps.first, ps.count, now);
    nominal = ps.first;
    start = ps.first + (ps.count - t.count) * s;
    samples = ledger.addSpan(start, ps.first + ps.count * s, spanSums());
    const none = t.withEvents === 0;
    compliance = none ? null : t.good / t.count;
    const total = allowed * ps.whole;
    budget = { unit: "slices", total, consumed: t.bad, remaining: total - t.bad, remaining_ratio: none ? null : (total - t.bad) / total };
  } else {
    nominal = nominalStart(ledger, period.start, now);
    start = eventSpanStart(ledger, period.start, now);
    samples = ledger.addSpan(start, period.end < spanEnd(now) ? period.end : spanEnd(now), spanSums());
    compliance = samples.total === 0 ? null : samples.good / samples.total;
    const total = allowed * samples.total;
    const consumed = samples.total - samples.good;
    budget = { unit: "events", total, consumed, remaining: total - consumed, remaining_ratio: samples.total === 0 ? null : (total - consumed) / total };
  }
  const burn = burnRates(ledger, now);
  const ratio = budget.remaining_ratio;
  const b1 = burn["1h"];
  const inMs = ratio !== null && ratio > 0 && b1 !== null && b1 > 0 ? (ratio * period.length) / b1 : null;
  const covered = firstData !== null && firstData > start ? firstData : start;
  return {
    period: { kind: spec.period.kind, start, end: period.end },
    compliance,
    met: compliance === null ? null : compliance >= spec.target,
    budget,
    burn_rates: burn,
    exhaustion: { at: inMs === null ? null : now + inMs, in_ms: inMs, burn_window: "1h" },
    samples: { good: samples.good, total: samples.total },
    exact: sliExact(spec.sli),
    data_from: covered > nominal ? covered : null,
    max_breaches: maxBreaches(ledger, now),
  };
}
