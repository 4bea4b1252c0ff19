/**
 * Forecasts from a series' recent trend (docs/anomaly.md, "Forecasts"): from the straight line
 * through the points and its uncertainty (`forecast-fit.ts`, Theil–Sen's line), when the series
 * will cross a limit, with an earliest and a latest time (where the edges of the line's band reach
 * it), and how far that can be trusted. Pure; times are epoch milliseconds.
 */
import { compare } from "./alerting/evaluator.js";
import { fitTrend, predictAt, TREND_DEFAULTS, usablePoints, type BandOptions, type TrendFit, type TrendPoint } from "./forecast-fit.js";

const HOUR = 3_600_000;

/** How the value is compared with the limit: `>`/`>=` is crossed rising, `<`/`<=` falling. */
export type LimitComparator = ">" | ">=" | "<" | "<=";

/** How far a forecast can be trusted (see `confidenceOf`). */
export type Confidence = "high" | "medium" | "low";

/** Why a forecast has no crossing time. */
export type ForecastReason = "too few points" | "no significant trend" | "moving away from the limit" | "beyond the horizon" | "already crossed";

/** Defaults of a forecast. */
export const FORECAST_DEFAULTS = Object.freeze({
  /** Fewest points a trend is fitted to. */
  minPoints: 6,
  /** Most points used: the latest ones (Theil–Sen compares every two points). */
  maxPoints: TREND_DEFAULTS.maxPoints,
  /** Crossings further away than this are not predicted. */
  horizonMs: 7 * 24 * HOUR,
  /** Half-width of the band in standard errors (1.96: 95% for normal noise). */
  z: TREND_DEFAULTS.z,
  /**
   * A slope within this many standard errors of zero is no trend: noise alone tilts one flat
   * series in twenty past 2 standard errors, one in 370 past 3.
   */
  minTStat: 3,
});

/** What is forecast: the limit, its direction, and how the compared value relates to the points. */
export interface ForecastOptions extends BandOptions {
  now: number;
  limit: number;
  comparator: LimitComparator;
  /** Crossings beyond now + horizonMs are not predicted (default 7 days). */
  horizonMs?: number;
  /** Fewest points (default 6). */
  minPoints?: number;
}

/** A crossing: the predicted time and the band around it (latest null: not certain within the horizon). */
export interface Crossing {
  at: number;
  earliest: number;
  latest: number | null;
}

/** The answer of `forecast`. */
export interface ForecastResult {
  /** Points used (finite values, the latest `maxPoints`). */
  points: number;
  fit: TrendFit | null;
  /** The value the limit is compared with, as the trend has it now; null without a fit. */
  trendNow: number | null;
  crossing: Crossing | null;
  /** Until the crossing: 0 when already crossed, null when none is predicted. */
  inMs: number | null;
  reason: ForecastReason | null;
  confidence: Confidence | null;
}

/** Whether `v` is past the limit in the comparator's sense (the alert evaluator's own comparison). */
export function beyond(v: number, limit: number, comparator: LimitComparator): boolean {
  return compare(v, comparator, limit);
}

/** Grid steps of the band search before bisection. */
const GRID = 512;

/** The first time in [from, to] at which `past(t)` holds (past is false, then true, as t grows), or null. */
function firstTime(past: (t: number) => boolean, from: number, to: number): number | null {
  if (past(from)) return from;
  let lo = from;
  let i = 1;
  for (; i <= GRID; i++) {
    const t = from + ((to - from) * i) / GRID;
    if (past(t)) break;
    lo = t;
  }
  if (i > GRID) return null;
  let hi = from + ((to - from) * i) / GRID;
  // To the second.
  while (hi - lo > 1000) {
    const mid: number = (lo + hi) / 2;
    if (past(mid)) hi = mid;
    else lo = mid;
  }
  return Math.round(hi);
}

/**
 * How far a forecast can be trusted: `high` for a slope at least 8 standard errors from zero that
 * explains at least 60% of the variance, `medium` for 4 and 30%, else `low`; one level lower for a
 * crossing predicted further ahead than four times the span of the data, and `low` when even the
 * band's slow edge does not reach the limit within the horizon.
 */
export function confidenceOf(fit: TrendFit, crossing: Crossing | null, now: number): Confidence {
  const r2 = fit.r2 ?? 0;
  let level = fit.tStat >= 8 && r2 >= 0.6 ? 2 : fit.tStat >= 4 && r2 >= 0.3 ? 1 : 0;
  if (crossing) {
    if (crossing.latest === null) level = 0;
    else if (crossing.at - now > 4 * Math.max(fit.to - fit.from, 1)) level = Math.max(0, level - 1);
  }
  return (["low", "medium", "high"] as const)[level]!;
}

/**
 * When the trend of `points` crosses `limit` in the comparator's direction: the predicted time and
 * its band, or why there is none — too few points (fewer than `minPoints`), already past the limit
 * (the trend's value now), no slope distinguishable from noise, a trend moving away from the limit,
 * or a crossing beyond the horizon.
 */
export function forecast(points: readonly TrendPoint[], opts: ForecastOptions): ForecastResult {
  const used = usablePoints(points);
  const none = (reason: ForecastReason, fit: TrendFit | null = null, trendNow: number | null = null): ForecastResult => ({
    points: used.length,
    fit,
    trendNow,
    crossing: null,
    inMs: reason === "already crossed" ? 0 : null,
    reason,
    confidence: fit ? confidenceOf(fit, null, opts.now) : null,
  });
  if (used.length < (opts.minPoints ?? FORECAST_DEFAULTS.minPoints)) return none("too few points");
  const fit = fitTrend(used);
  if (!fit) return none("too few points");
  const lag = opts.lagMs ?? 0;
  const band = { lagMs: lag, averaged: opts.averaged, z: opts.z };
  const trendNow = predictAt(fit, opts.now, band).value;
  if (beyond(trendNow, opts.limit, opts.comparator)) return none("already crossed", fit, trendNow);
  const rising = opts.comparator === ">" || opts.comparator === ">=";
  if (fit.tStat < FORECAST_DEFAULTS.minTStat) return none("no significant trend", fit, trendNow);
  if (rising ? fit.slopePerHour <= 0 : fit.slopePerHour >= 0) return none("moving away from the limit", fit, trendNow);
  const at = fit.tMean + lag + ((opts.limit - fit.level) / fit.slopePerHour) * HOUR;
  const end = opts.now + (opts.horizonMs ?? FORECAST_DEFAULTS.horizonMs);
  if (at > end) return none("beyond the horizon", fit, trendNow);
  // The fast edge of the band reaches the limit first, the slow edge last.
  const edge = (fast: boolean) => (t: number) => {
    const p = predictAt(fit, t, band);
    return beyond(rising === fast ? p.high : p.low, opts.limit, opts.comparator);
  };
  const atMs = Math.max(opts.now, Math.round(at));
  // Points exactly on the line: no band.
  if (fit.residualSd === 0) return { points: used.length, fit, trendNow, crossing: { at: atMs, earliest: atMs, latest: atMs }, inMs: atMs - opts.now, reason: null, confidence: "high" };
  const earliest = Math.min(atMs, firstTime(edge(true), opts.now, end) ?? atMs);
  const slow = firstTime(edge(false), opts.now, end);
  const crossing: Crossing = { at: atMs, earliest, latest: slow === null ? null : Math.max(atMs, slow) };
  return { points: used.length, fit, trendNow, crossing, inMs: atMs - opts.now, reason: null, confidence: confidenceOf(fit, crossing, opts.now) };
}
