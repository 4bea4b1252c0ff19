/**
 * The trend under a forecast (docs/anomaly.md, "Forecasts"): a straight line through a series'
 * recent points, its uncertainty, and the value it predicts at a time with a band. Pure; times are
 * epoch milliseconds. `forecast.ts` turns these into crossing times.
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

const HOUR = 3_600_000;

/** One observation: time (epoch ms) and value. */
export interface TrendPoint {
  t: number;
  v: number;
}

/** Defaults of a trend fit and its band. */
export const TREND_DEFAULTS = Object.freeze({
  /** Most points used: the latest ones (Theil–Sen compares every two points). */
  maxPoints: 500,
  /** Half-width of the band in standard errors (1.96: 95% for normal noise). */
  z: 1.96,
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

/** How the compared value relates to the points, and how wide its band is. */
export interface BandOptions {
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

/** A value predicted at a time, with its band. */
export interface Prediction {
  t: number;
  value: number;
  low: number;
  high: number;
}

/** The median of `a` (sorted in place); NaN when empty. */
function medianInPlace(a: Float64Array): number {
  if (a.length === 0) return NaN;
  a.sort();
  const mid = a.length >> 1;
  return a.length % 2 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

/** The finite points, oldest first, at most the latest `max`. */
export function usablePoints(points: readonly TrendPoint[], max: number = TREND_DEFAULTS.maxPoints): TrendPoint[] {
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

/** The compared value at time `t` with its band (`lagMs`, `averaged` and `z` as in BandOptions). */
export function predictAt(fit: TrendFit, t: number, opts: BandOptions = {}): Prediction {
  const x = (t - (opts.lagMs ?? 0) - fit.tMean) / HOUR;
  const value = fit.level + fit.slopePerHour * x;
  const k = Math.max(1, opts.averaged ?? 1);
  const s = fit.residualSd;
  const se = Math.sqrt(s * s * (1 / k + 1 / fit.n) + (x * fit.slopeSePerHour) ** 2);
  const half = (opts.z ?? TREND_DEFAULTS.z) * se;
  return { t, value, low: value - half, high: value + half };
}
