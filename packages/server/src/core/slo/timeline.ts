/**
 * The period walked from its start to now, slice by slice, with the counts to date at each step:
 * hours while older than the minute reach, then minutes (event budgeting), or the time slices with
 * their verdicts. The history series and the time the budget ran out are read from this walk, so
 * its last step is the status itself.
 */
import { HOUR, MINUTE } from "../rollup-plan.js";
import { spanSums, type SloLedger } from "./ledger.js";
import { floorMinute } from "./spans.js";
import { periodSpan, SliceVerdict, sliceVerdict, type PeriodSpan } from "./sums.js";

/** The counts from the period's start to `end`. */
export interface Cumulative {
  end: number;
  good: number;
  total: number;
  /** Time slices elapsed, bad, and with events (zero under event budgeting). */
  slices: number;
  badSlices: number;
  withEvents: number;
  /** The verdict of the step's slice (time slices), or -1. */
  verdict: SliceVerdict | -1;
}

/** Walks the period in force at `now`, calling `each` after every slice with the counts to date; returns the span walked. */
export function walkPeriod(ledger: SloLedger, now: number, each: (c: Readonly<Cumulative>) => void): PeriodSpan {
  const span = periodSpan(ledger, now);
  const c: Cumulative = { end: span.start, good: 0, total: 0, slices: 0, badSlices: 0, withEvents: 0, verdict: -1 };
  const tmp = spanSums();
  if (span.slices) {
    for (let t = span.start; t < span.end; t += span.slices.width) {
      const v = sliceVerdict(ledger, t, tmp);
      tmp.good = tmp.total = tmp.above = tmp.ratingSum = tmp.ratingN = 0;
      ledger.addSpan(t, t + span.slices.width, tmp);
      c.end = t + span.slices.width;
      c.good += tmp.good;
      c.total += tmp.total;
      c.slices++;
      if (v === SliceVerdict.Bad) c.badSlices++;
      if (v !== SliceVerdict.Empty) c.withEvents++;
      c.verdict = v;
      each(c);
    }
    return span;
  }
  // Hours until the first whole hour read to the minute, then minutes.
  const minutesFrom = ledger.mode === "mixed" ? Math.max(span.start, Math.ceil(ledger.minuteReach(now) / HOUR) * HOUR) : span.start;
  for (let t = span.start; t < span.end; ) {
    const width = t < minutesFrom && t % HOUR === 0 && t + HOUR <= span.end ? HOUR : MINUTE;
    tmp.good = tmp.total = tmp.above = tmp.ratingSum = tmp.ratingN = 0;
    ledger.addSpan(t, t + width, tmp);
    t += width;
    c.end = t;
    c.good += tmp.good;
    c.total += tmp.total;
    each(c);
  }
  return span;
}

/** The budget left to date (negative: overspent), or null before any event. */
export function remainingToDate(ledger: SloLedger, span: PeriodSpan, c: Readonly<Cumulative>): number | null {
  const allowed = 1 - ledger.spec.target;
  if (span.slices) return c.withEvents === 0 ? null : allowed * span.slices.whole - c.badSlices;
  return c.total === 0 ? null : allowed * c.total - (c.total - c.good);
}

/**
 * When the budget of the period in force ran out and stayed spent to now: the end of the slice
 * after which the budget to date was no longer positive; null while some is left.
 */
export function exhaustedAt(ledger: SloLedger, now: number): number | null {
  // The walk covers the whole period (thousands of steps for 30 days): its answer is kept until the
  // ledger's counts or the minute change, so listing many spent SLOs walks each once a minute.
  const minute = floorMinute(now);
  const kept = EXHAUSTION.get(ledger);
  if (kept && kept.version === ledger.version && kept.minute === minute) return kept.since === null ? null : Math.min(kept.since, now);
  const span = periodSpan(ledger, now);
  let since: number | null = null;
  let spent = false;
  walkPeriod(ledger, now, (c) => {
    const r = remainingToDate(ledger, span, c);
    spent = r !== null && r <= 0;
    if (!spent) since = null;
    else if (since === null) since = c.end;
  });
  const at = spent ? since : null;
  EXHAUSTION.set(ledger, { version: ledger.version, minute, since: at });
  return at === null ? null : Math.min(at, now);
}

/** The last exhaustion walk per ledger, with the counts' version and the minute it was made in. */
const EXHAUSTION = new WeakMap<SloLedger, { version: number; minute: number; since: number | null }>();
