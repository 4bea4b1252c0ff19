/**
 * Vigil's streaming anomaly detector (docs/anomaly.md): one instance per series, fed in time
 * order, never looking ahead, in a fixed state (two seasonal profiles of 192 slots and a few figures). Each point is scored before the
 * detector learns from it. Three stages:
 *
 * 1. **Prediction.** Four predictors run side by side — the long-run level (an exponentially
 *    weighted mean), the last value (a random walk), the mean of the same hour of the day and the
 *    mean of the same hour of the week (the seasonal profiles, learnt as the data arrives). Each
 *    keeps its exponentially weighted mean absolute error; the one with the lowest error scores
 *    the point, with its error as the scale; a seasonal profile whose error is under 30% of the
 *    level's (the cycle explains most of the spread) scores it too, and the larger surprise counts. A series without a daily cycle is scored against its
 *    level or its last value, a seasonal one against its profile, and a series whose behaviour
 *    changes is scored by whichever predictor explains it best once its error says so.
 * 2. **Surprise and likelihood.** The point's surprise is `tanh(|residual| / (K · scale))` in 0..1.
 *    As in Numenta's anomaly likelihood (Ahmad et al., 2017), what is scored is not one point's
 *    surprise but the mean surprise of the last 10 points, against the distribution of that mean
 *    so far (its exponentially weighted mean and variance): the likelihood `1 − Q(z)` is mapped
 *    to 0..1 on a log scale, so 0.5 is a tail probability of 10⁻⁵. A single noisy point does not
 *    alarm; a run of surprising ones, or one very surprising one, does.
 * 3. **New extremes and a rest.** A value beyond the range seen so far by more than 2% of it and
 *    more than the best predictor's mean error (after the warm-up) scores 1 (the "spatial anomaly"
 *    of Numenta's NAB detector; the error floor keeps the records of plain noise quiet). After a
 *    detection the detector rests for 150 points, scoring just under its threshold, as CAD-OSE
 *    does: one alert per incident instead of a burst.
 *
 * The first 300 points are the warm-up (score 0). Non-finite values are ignored.
 */
import type { AnomalyReading, StreamingDetector } from "./types.js";

/** The score at or above which a point is a detection (the shipped sensitivity). */
export const DETECTOR_THRESHOLD = 0.5;

/** Tunables: one set for every series (fitted on NAB's public half, see docs/anomaly.md). */
export const DETECTOR_PARAMS = {
  /** Points scored 0 while the detector learns. */
  warmup: 300,
  /** Weight of a new point in the long-run level. */
  levelAlpha: 0.002,
  /** Weight of a new error in each predictor's mean absolute error. */
  errorAlpha: 0.01,
  /** Weight of a new point in its seasonal bin (after the bin's first 10). */
  binAlpha: 0.1,
  /** Observations a seasonal bin needs before it predicts. */
  binMin: 2,
  /** Residuals of K scales make a surprise of tanh(1) ≈ 0.76. */
  surpriseScale: 7,
  /** Points in the mean surprise. */
  averaging: 10,
  /** Weight of a new mean surprise in its distribution. */
  historyAlpha: 0.002,
  /** Floor of that distribution's standard deviation. */
  minDeviation: 0.01,
  /** Share of the range seen so far a value must pass it by to be a new extreme (and at least the best predictor's mean error). */
  extremeTolerance: 0.02,
  /** A seasonal profile whose error is under this share of the level's scores every point too. */
  seasonalStrength: 0.3,
  /** Points after a detection scored below the threshold. */
  rest: 150,
} as const;

/** Tunables of one detector (defaults: the shipped ones). */
export interface DetectorOptions {
  /** Score threshold of a detection (default DETECTOR_THRESHOLD); the rest follows a detection at it. */
  threshold?: number;
}

/** Upper tail probability of the standard normal distribution, P(Z > z). */
export function normalTail(z: number): number {
  // erfc after Numerical Recipes (fractional error under 1.2e-7).
  const x = z / Math.SQRT2;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  const r = t * Math.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return 0.5 * (x >= 0 ? r : 2 - r);
}

const HOUR = 3_600_000;
/** Predictors: level, last value, hour of day, hour of week. */
const LEVEL = 0;
const LAST = 1;
const DAY = 2;
const WEEK = 3;
/** Slots of the seasonal profiles: 24 hours of the day, then 168 hours of the week. */
const DAY_SLOTS = 24;
const SLOTS = DAY_SLOTS + 168;
/** A mean absolute error times this is about one standard deviation (for a normal residual). */
const MAE_TO_SD = 1.2533;
/** The band given with a reading: the expected value ± this many standard deviations. */
const BAND_SD = 3;
/** log(1e-10): the log-likelihood scale's floor. */
const LOG_FLOOR = Math.log(1e-10);

/** A new detector for one series. */
export function createDetector(opts: DetectorOptions = {}): StreamingDetector & { readonly threshold: number } {
  return new Detector(opts.threshold ?? DETECTOR_THRESHOLD);
}

class Detector implements StreamingDetector {
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private level = 0;
  private last = 0;
  /** Per predictor, its mean absolute error (NaN before its first prediction). */
  private readonly error = new Float64Array(4).fill(Number.NaN);
  private readonly prediction = new Float64Array(4);
  /** Per predictor, 1 when it predicts the point being scored. */
  private readonly has = new Uint8Array(4);
  /** Seasonal profiles: mean per slot, and observations per slot (capped). */
  private readonly profile = new Float64Array(SLOTS);
  private readonly seen = new Uint16Array(SLOTS);
  /** The last surprises (a ring) and their sum. */
  private readonly surprises = new Float64Array(DETECTOR_PARAMS.averaging);
  private surpriseSum = 0;
  /** Distribution of the mean surprise so far. */
  private histMean = 0;
  private histVar = 0;
  private histN = 0;
  private restLeft = 0;

  constructor(readonly threshold: number) {}

  /** Moves a seasonal slot's mean towards `value` (an average of its first 10 values, then weighted). */
  private learnSlot(slot: number, value: number): void {
    const seen = this.seen[slot]!;
    this.profile[slot] = seen === 0 ? value : this.profile[slot]! + Math.max(DETECTOR_PARAMS.binAlpha, 1 / (seen + 1)) * (value - this.profile[slot]!);
    if (seen < 65535) this.seen[slot] = seen + 1;
  }

  /** How far past the range seen so far a value must fall to be a new extreme. */
  private extremeMargin(): number {
    let best = Infinity;
    for (let k = 0; k < 4; k++) if (this.error[k]! < best) best = this.error[k]!;
    return Math.max((this.hi - this.lo) * DETECTOR_PARAMS.extremeTolerance, Number.isFinite(best) ? best : 0);
  }

  /** The surprise of `value` to predictor `k`: tanh of its residual in units of K of its errors. */
  private surpriseOf(value: number, k: number): number {
    const scale = Math.max(this.error[k]!, 1e-9 * (Math.abs(value) + 1));
    return Math.tanh(Math.abs(value - this.prediction[k]!) / scale / DETECTOR_PARAMS.surpriseScale);
  }

  update(at: number, value: number): AnomalyReading {
    if (!Number.isFinite(value)) return { score: 0, expected: null, lower: null, upper: null };
    const P = DETECTOR_PARAMS;
    this.n++;
    const margin = this.extremeMargin();
    const extreme = this.n > P.warmup && this.hi > this.lo && (value > this.hi + margin || value < this.lo - margin);
    if (value > this.hi) this.hi = value;
    if (value < this.lo) this.lo = value;

    // 1. Predictions, the best predictor by its error so far, and the surprise.
    const hour = Math.floor(at / HOUR);
    const daySlot = ((hour % 24) + 24) % 24;
    // Epoch hour 0 was a Thursday: +72 h makes slot 0 Monday 00:00 UTC.
    const weekSlot = DAY_SLOTS + ((((hour + 72) % 168) + 168) % 168);
    const has = this.has;
    has[LEVEL] = has[LAST] = this.n > 1 ? 1 : 0;
    has[DAY] = this.seen[daySlot]! >= P.binMin ? 1 : 0;
    has[WEEK] = this.seen[weekSlot]! >= P.binMin ? 1 : 0;
    this.prediction[LEVEL] = this.level;
    this.prediction[LAST] = this.last;
    this.prediction[DAY] = this.profile[daySlot]!;
    this.prediction[WEEK] = this.profile[weekSlot]!;
    let best = -1;
    for (let k = 0; k < 4; k++) if (has[k] && !Number.isNaN(this.error[k]!) && (best < 0 || this.error[k]! < this.error[best]!)) best = k;
    let surprise = 0;
    let expected: number | null = null;
    let sd = 0;
    if (best >= 0) {
      expected = this.prediction[best]!;
      surprise = this.surpriseOf(value, best);
      sd = this.error[best]! * MAE_TO_SD;
      // A seasonal profile that explains most of the series' spread scores the point too, even
      // when a one-step predictor is closer: a cycle that stops or moves is a surprise to it.
      for (let k = DAY; k <= WEEK; k++) if (k !== best && has[k] && this.error[k]! < P.seasonalStrength * this.error[LEVEL]!) surprise = Math.max(surprise, this.surpriseOf(value, k));
    }

    // Learning: errors, level, last value, seasonal slots.
    for (let k = 0; k < 4; k++) {
      if (!has[k]) continue;
      const e = Math.abs(value - this.prediction[k]!);
      const prev = this.error[k]!;
      this.error[k] = Number.isNaN(prev) ? e : prev + P.errorAlpha * (e - prev);
    }
    const a = Math.max(1 / this.n, P.levelAlpha);
    this.level += a * (value - this.level);
    this.last = value;
    this.learnSlot(daySlot, value);
    this.learnSlot(weekSlot, value);

    // 2. The mean surprise of the last points against its distribution so far.
    const ring = (this.n - 1) % P.averaging;
    this.surpriseSum += surprise - this.surprises[ring]!;
    this.surprises[ring] = surprise;
    const mean = this.surpriseSum / Math.min(this.n, P.averaging);
    let likelihood = 0.5;
    if (this.histN > 10) likelihood = 1 - normalTail((mean - this.histMean) / Math.max(Math.sqrt(this.histVar), P.minDeviation));
    const b = Math.max(1 / (this.histN + 1), P.historyAlpha);
    const d = mean - this.histMean;
    this.histMean += b * d;
    this.histVar = (1 - b) * (this.histVar + b * d * d);
    this.histN++;
    let score = Math.max(0, Math.log(1.0000000001 - likelihood) / LOG_FLOOR);

    // 3. New extremes, warm-up and rest.
    if (extreme) score = 1;
    if (this.n < P.warmup) return { score: 0, expected: null, lower: null, upper: null };
    if (this.restLeft > 0) {
      this.restLeft--;
      score = Math.min(score, this.threshold * 0.999);
    } else if (score >= this.threshold) this.restLeft = P.rest;
    return { score, expected, lower: expected === null ? null : expected - BAND_SD * sd, upper: expected === null ? null : expected + BAND_SD * sd };
  }
}
