/**
 * Forecasts from a series' recent trend (docs/anomaly.md, "Forecasts"): a straight line through the
 * points, its uncertainty, and from them when the series will cross a limit (with an earliest and a
 * latest time) and what it will read at a horizon (with a band). Pure; times are epoch milliseconds.
 *
 * The line is Theil–Sen's (the median of the slopes between every two points, and the median
 * intercept), not least squares: a rollup step holds a few runs, so one runaway run or a burst of
 * retries makes a point many times its neighbours, and least squares tilts its whole line toward
 * such a point, while the medians ignore up to 29% of the points however far off they are. The
 * uncertainty uses a residual scale as robust (1.4826 × the median absolute residual, which is the
 * standard deviation for normal noise) in the usual least-squares formulas: the band around the
 * line at time t is ± z·√(s²(1/k + 1/n) + (x − x̄)²·se²), where the 1/k term is the noise of the
 * value compared with the limit (k points averaged, e.g. a rule's window over the steps) and the
 * last term widens the band with the distance from the data: the slope's own uncertainty (se, the
 * least-squares s/√Sxx widened for Theil–Sen's efficiency).
 */
import { compare } from "./alerting/evaluator.js";

const HOUR = 3_600_000;

/** One observation: time (epoch ms) and value. */
export interface TrendPoint {
  t: number;
  v: number;
}

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
  maxPoints: 500,
  /** Crossings further away than this are not predicted. */
  horizonMs: 7 * 24 * HOUR,
  /** Half-width of the band in standard errors (1.96: 95% for normal noise). */
  z: 1.96,
  /**
   * A slope within this many standard errors of zero is no trend: noise alone tilts one flat
   * series in twenty past 2 standard errors, one in 370 past 3.
   */
  minTStat: 3,
});

/** A fitted line and its uncertainty. */
export interface TrendFit {
  /** Points the line was fitted to. */
  n: number;
  /** Mean time of the points: the line is `level + slopePerHour × (t − tMean) / 1h`. */
  tMean: number;
  level: number;
  slopePerHour: number;
  /** Robust standard deviation of the points around the line. */
  residualSd: number;
  /** Standard error of the slope, per hour. */
  slopeSePerHour: number;
  /** Σ(x − x̄)² of the times, in hours². */
  sxx: number;
  /** Share of the variance the line explains (0..1); null when every value is the same. */
  r2: number | null;
  /** |slope| / its standard error (Infinity for points exactly on a sloped line). */
  tStat: number;
  /** Time of the first and last point. */
  from: number;
  to: number;
}

/** What is forecast: the limit, its direction, and how the compared value relates to the points. */
export interface ForecastOptions {
  now: number;
  limit: number;
  comparator: LimitComparator;
  /** Crossings beyond now + horizonMs are not predicted (default 7 days). */
  horizonMs?: number;
  /** Fewest points (default 6). */
  minPoints?: number;
  /**
   * The compared value lags the points' trend by this much: a rule judging the mean over a trailing
   * window of length W reads, at time T, the trend at T − W/2 (default 0).
   */
  lagMs?: number;
  /** Points the compared value averages (its noise is the points' over √k; default 1). */
  averaged?: number;
  /** Band half-width in standard errors (default 1.96). */
  z?: number;
}

/** A crossing: the predicted time and the band around it (latest null: not certain within the horizon). */
export interface Crossing {
  at: number;
  earliest: number;
  latest: number | null;
}

/** A value predicted at a time, with its band. */
export interface Prediction {
  t: number;
  value: number;
  low: number;
  high: number;
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

/** The median of `a` (sorted in place); NaN when empty. */
function medianInPlace(a: Float64Array): number {
  if (a.length === 0) return NaN;
  a.sort();
  const mid = a.length >> 1;
  return a.length % 2 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

/** The finite points, oldest first, at most the latest `max`. */
export function usablePoints(points: readonly TrendPoint[], max: number = FORECAST_DEFAULTS.maxPoints): TrendPoint[] {
  const ok = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  return ok.length > max ? ok.slice(ok.length - max) : ok;
}

/**
 * Theil–Sen's line through the points (at least two distinct times), with a robust residual
 * scale, the slope's standard error and r²; null when the times are all the same.
 */
export function fitTrend(points: readonly TrendPoint[]): TrendFit | null {
  const n = points.length;
  if (n < 2) return null;
  let tSum = 0;
  for (const p of points) tSum += p.t;
  const tMean = tSum / n;
  const x = new Float64Array(n);
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    x[i] = (points[i]!.t - tMean) / HOUR;
    sxx += x[i]! * x[i]!;
  }
  if (!(sxx > 0)) return null;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const dx = x[j]! - x[i]!;
      if (dx !== 0) slopes[k++] = (points[j]!.v - points[i]!.v) / dx;
    }
  const slope = medianInPlace(slopes.subarray(0, k));
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = points[i]!.v - slope * x[i]!;
  const level = medianInPlace(offsets);
  const absRes = new Float64Array(n);
  let vSum = 0;
  let ssRes = 0;
  let sumAbs = 0;
  for (let i = 0; i < n; i++) {
    const e = points[i]!.v - (level + slope * x[i]!);
    absRes[i] = Math.abs(e);
    sumAbs += Math.abs(e);
    ssRes += e * e;
    vSum += points[i]!.v;
  }
  const vMean = vSum / n;
  let ssTot = 0;
  for (const p of points) ssTot += (p.v - vMean) ** 2;
  // The median absolute residual is 0 when over half the points sit on the line: the mean absolute one then.
  let residualSd = 1.4826 * medianInPlace(absRes);
  if (residualSd === 0) residualSd = 1.2533 * (sumAbs / n);
  // Residuals of rounding alone: the points are on the line.
  let scale = 0;
  for (const p of points) scale = Math.max(scale, Math.abs(p.v));
  if (residualSd <= 1e-12 * scale) residualSd = 0;
  // Theil–Sen's slope is about 91% as efficient as least squares' under normal noise: its variance is the least-squares one over 0.91.
  const slopeSePerHour = residualSd / Math.sqrt(0.91 * sxx);
  const tStat = slope === 0 ? 0 : slopeSePerHour === 0 ? Infinity : Math.abs(slope) / slopeSePerHour;
  return {
    n,
    tMean,
    level,
    slopePerHour: slope,
    residualSd,
    slopeSePerHour,
    sxx,
    r2: ssTot > 0 ? Math.max(0, 1 - ssRes / ssTot) : null,
    tStat,
    from: points[0]!.t,
    to: points[n - 1]!.t,
  };
}

/** The compared value at time `t` with its band (`lagMs`, `averaged` and `z` as in ForecastOptions). */
export function predictAt(fit: TrendFit, t: number, opts: Pick<ForecastOptions, "lagMs" | "averaged" | "z"> = {}): Prediction {
  const x = (t - (opts.lagMs ?? 0) - fit.tMean) / HOUR;
  const value = fit.level + fit.slopePerHour * x;
  const k = Math.max(1, opts.averaged ?? 1);
  const s = fit.residualSd;
  const se = Math.sqrt(s * s * (1 / k + 1 / fit.n) + (x * fit.slopeSePerHour) ** 2);
  const half = (opts.z ?? FORECAST_DEFAULTS.z) * se;
  return { t, value, low: value - half, high: value + half };
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
