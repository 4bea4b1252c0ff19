/**
 * The multi-window multi-burn-rate alerts of an SLO (Google SRE workbook, chapter 5): page when 2%
 * of the budget burns in an hour (confirmed over 5 minutes) or 5% in 6 hours (confirmed over 30
 * minutes); ticket when 10% burns in a day (2 hours) or in 3 days (6 hours). A condition holds when
 * both its windows burn faster than its factor, budget share × period / long window (14.4, 6, 3, 1
 * for 30 days): the long window shows the budget really is going, the short one that it still is,
 * so the alert resolves minutes after the burn stops. A latency SLO with a hard maximum also has a
 * breach condition: any event of the class over the maximum in the last 5 minutes.
 */
import { burnRates, maxBreaches } from "./sums.js";
import type { SloLedger } from "./ledger.js";
import { BURN_WINDOW_MS, factorPeriodMs, type BurnWindow } from "./spans.js";
import type { SloSpec } from "./spec.js";

/** One condition of the scheme: which alert it raises, its two windows and the budget share it guards. */
export interface BurnRule {
  kind: "page" | "ticket";
  long: BurnWindow;
  short: BurnWindow;
  /** Share of the period's budget that burning over the long window at the factor would spend. */
  share: number;
}

/** The four conditions, pages first. */
export const BURN_SCHEME: readonly BurnRule[] = Object.freeze([
  { kind: "page", long: "1h", short: "5m", share: 0.02 },
  { kind: "page", long: "6h", short: "30m", share: 0.05 },
  { kind: "ticket", long: "1d", short: "2h", share: 0.1 },
  { kind: "ticket", long: "3d", short: "6h", share: 0.1 },
]);

/**
 * The burn rate a condition's windows must exceed: share × period / long window, to 12 significant
 * digits so the exported PromQL literal and Vigil's comparison use the same number.
 */
export function burnFactor(spec: Pick<SloSpec, "period">, rule: BurnRule): number {
  return Number(((rule.share * factorPeriodMs(spec)) / BURN_WINDOW_MS[rule.long]).toPrecision(12));
}

/** A burn-rate condition and its state at one evaluation. */
export interface BurnCondition {
  kind: "page" | "ticket";
  long_window: BurnWindow;
  short_window: BurnWindow;
  factor: number;
  long_burn: number | null;
  short_burn: number | null;
  /** Both windows burn faster than the factor (a window without events does not). */
  firing: boolean;
}

/** The hard-maximum condition of a latency SLO: events over `max_ms` in the last 5 minutes. */
export interface MaxBreachCondition {
  max_ms: number;
  count: number;
  firing: boolean;
}

/** Everything an SLO alerts on at one evaluation. */
export interface SloConditions {
  burn: BurnCondition[];
  /** Null unless the SLO has a latency maximum. */
  max: MaxBreachCondition | null;
}

/** The burn-rate conditions from burn rates already computed (GET /slos/:name shows both from one reading). */
export function conditionsFrom(spec: Pick<SloSpec, "period">, rates: Readonly<Record<BurnWindow, number | null>>): BurnCondition[] {
  return BURN_SCHEME.map((r) => {
    const factor = burnFactor(spec, r);
    const long = rates[r.long];
    const short = rates[r.short];
    return { kind: r.kind, long_window: r.long, short_window: r.short, factor, long_burn: long, short_burn: short, firing: long !== null && short !== null && long > factor && short > factor };
  });
}

/** The conditions of one SLO at `now`, from its ledger (refreshed at `now`). */
export function sloConditions(ledger: SloLedger, now: number): SloConditions {
  const spec = ledger.spec;
  const burn = conditionsFrom(spec, burnRates(ledger, now));
  const count = maxBreaches(ledger, now);
  return { burn, max: spec.maxMs === null || count === null ? null : { max_ms: spec.maxMs, count, firing: count > 0 } };
}
