/**
 * An SLO's history for charts: points from the period's start to now, each with the compliance and
 * budget left to date, the 1-hour burn rate then, and the events counted. At most MAX_POINTS
 * points: the step is widened (to whole minutes, or whole slices) to fit. Points older than the
 * minute reach fall on whole hours; the last point is the status at now.
 */
import { HOUR, MINUTE } from "../rollup-plan.js";
import type { SloLedger } from "./ledger.js";
import { burnRate, eventsIn, periodSpan, tallySlices } from "./sums.js";
import { remainingToDate, walkPeriod } from "./timeline.js";

/** Most points a history holds. */
export const MAX_POINTS = 1000;

/** One point: the figures as of `t` (epoch ms). */
export interface HistoryPoint {
  t: number;
  compliance: number | null;
  remaining_ratio: number | null;
  burn_1h: number | null;
  good: number;
  total: number;
}

/** The points and the step between them. */
export interface SloHistoryPoints {
  step_ms: number;
  points: HistoryPoint[];
}

/** The history of the period in force at `now`, at `stepMs` or wider (default: as fine as MAX_POINTS allows). */
export function sloHistory(ledger: SloLedger, now: number, stepMs = 0): SloHistoryPoints {
  const spec = ledger.spec;
  const allowed = 1 - spec.target;
  const span = periodSpan(ledger, now);
  const unit = span.slices ? span.slices.width : MINUTE;
  // MAX_POINTS - 1 regular points leave room for the last one, at now.
  const step = Math.max(unit, Math.ceil(Math.max(stepMs, (span.end - span.start) / (MAX_POINTS - 1)) / unit) * unit);
  const points: HistoryPoint[] = [];
  let next = span.start + step;
  let last: HistoryPoint | null = null;
  walkPeriod(ledger, now, (c) => {
    const remaining = remainingToDate(ledger, span, c);
    const budgetTotal = span.slices ? allowed * span.slices.whole : allowed * c.total;
    let compliance: number | null;
    if (span.slices) compliance = c.withEvents === 0 ? null : (c.slices - c.badSlices) / c.slices;
    else compliance = c.total === 0 ? null : c.good / c.total;
    last = { t: c.end, compliance, remaining_ratio: remaining === null ? null : remaining / budgetTotal, burn_1h: null, good: c.good, total: c.total };
    if (c.end >= next && c.end < span.end) {
      last.burn_1h = burnBefore(ledger, c.end, now);
      points.push(last);
      while (next <= c.end) next += step;
    }
  });
  // The last point is the status at now: the counts to date and the current 1-hour burn.
  const end = last as HistoryPoint | null;
  if (end !== null) points.push({ ...end, t: now, burn_1h: burnRate(ledger, HOUR, now) });
  return { step_ms: step, points };
}

/** The 1-hour burn rate over the hour (or the slices) ending at `t`, as the ledger holds them at `now`. */
function burnBefore(ledger: SloLedger, t: number, now: number): number | null {
  const spec = ledger.spec;
  const allowed = 1 - spec.target;
  if (spec.budgeting.kind === "timeslices") {
    const s = spec.budgeting.sliceMs;
    const n = Math.max(1, Math.ceil(HOUR / s));
    const tally = tallySlices(ledger, t - n * s, n, now);
    return tally.withEvents === 0 || tally.count === 0 ? null : tally.bad / tally.count / allowed;
  }
  const e = eventsIn(ledger, t - HOUR, t, now);
  return e.total === 0 ? null : (e.total - e.good) / e.total / allowed;
}
