/**
 * An SLO's figures at `now` from its ledger: compliance, the error budget (total, consumed,
 * remaining), the burn rate of every window, when the budget runs out at the current burn, and
 * where the period starts. Event budgeting counts events; time-slice budgeting (OpenSLO) counts
 * slices, each good when its events meet the slice target (or its mean rating the floor), a slice
 * without events counting as good. Every figure is a sum of the ledger's per-minute and per-hour
 * counts over a span of spans.ts; GET /slos/:name, the history and the burn-rate alerts read these
 * functions, so they show one answer.
 */
import type { SloBudget } from "@vigil/contract";
import { sliExact } from "../sli.js";
import { spanSums, type SloLedger } from "./ledger.js";
import { periodOf, type BurnWindow } from "./spans.js";
import { burnRates, maxBreaches, periodSpan, tallySlices } from "./sums.js";
import { exhaustedAt } from "./timeline.js";

/** The error budget of an SLO: the answer's own shape (SloBudget of the contract). */
export type BudgetFigures = SloBudget;

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
  /** When the budget ran out and stayed spent (remaining ≤ 0), or null while some is left. */
  exhausted_at: number | null;
  /** Good and total events over the period. */
  samples: { good: number; total: number };
  exact: boolean;
  /** The first data the figures cover, when the period starts before it; else null. */
  data_from: number | null;
  /** Latency SLOs with a maximum: events over it in the last 5 minutes; else null. */
  max_breaches: number | null;
}

/** The SLO's figures at `now`; `firstData`: the start of the earliest hour the rollups hold (SliceWatch.firstData). */
export function sloFigures(ledger: SloLedger, now: number, firstData: number | null): SloFigures {
  const spec = ledger.spec;
  const period = periodOf(spec, now);
  const allowed = 1 - spec.target;
  const span = periodSpan(ledger, now);
  const samples = ledger.addSpan(span.start, span.end, spanSums());
  let compliance: number | null;
  let budget: BudgetFigures;
  if (span.slices) {
    const t = tallySlices(ledger, span.start, span.slices.count, now);
    const none = t.withEvents === 0;
    compliance = none ? null : t.good / t.count;
    const total = allowed * span.slices.whole;
    budget = { unit: "slices", total, consumed: t.bad, remaining: total - t.bad, remaining_ratio: none ? null : (total - t.bad) / total };
  } else {
    compliance = samples.total === 0 ? null : samples.good / samples.total;
    const total = allowed * samples.total;
    const consumed = samples.total - samples.good;
    budget = { unit: "events", total, consumed, remaining: total - consumed, remaining_ratio: samples.total === 0 ? null : (total - consumed) / total };
  }
  const burn = burnRates(ledger, now);
  const ratio = budget.remaining_ratio;
  const b1 = burn["1h"];
  const inMs = ratio !== null && ratio > 0 && b1 !== null && b1 > 0 ? (ratio * period.length) / b1 : null;
  const covered = firstData !== null && firstData > span.start ? firstData : span.start;
  return {
    period: { kind: spec.period.kind, start: span.start, end: period.end },
    compliance,
    met: compliance === null ? null : compliance >= spec.target,
    budget,
    burn_rates: burn,
    exhaustion: { at: inMs === null ? null : now + inMs, in_ms: inMs, burn_window: "1h" },
    exhausted_at: ratio !== null && budget.remaining <= 0 ? exhaustedAt(ledger, now) : null,
    samples: { good: samples.good, total: samples.total },
    exact: sliExact(spec.sli),
    data_from: covered > span.nominal ? covered : null,
    max_breaches: maxBreaches(ledger, now),
  };
}
