/**
 * The two NAB baseline detectors the `anomaly` bench measures ours against, as NAB runs them:
 * Windowed Gaussian (NAB's `windowedGaussian` detector) and Relative Entropy (Wang et al., 2011,
 * "Statistical techniques for online anomaly detection in data centers", with NAB's parameters).
 * Arithmetic follows NumPy and SciPy where NAB leans on them (pairwise summation, histogram bins,
 * KL divergence): on the corpus, Relative Entropy's scores equal NAB's bit for bit, and Windowed
 * Gaussian's differ by at most a few units in the last place (this erfc against the C library's).
 */

/** A detector fed one value at a time, answering that value's anomaly score in 0..1. */
export interface PointDetector {
  update(value: number): number;
}

/** Sum of `a[from..from+n)` in NumPy's order (pairwise, 8-way unrolled blocks of up to 128). */
export function pairwiseSum(a: Float64Array, from: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[from + i]!;
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[from + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[from + i + j]!;
    let s = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[from + i]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** The complementary error function, to within a few units in the last place. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    // erf(x) = 2/√π · e^(−x²) · Σ x·(2x²)^n / (1·3·…·(2n+1)), all terms positive.
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  if (x > 27.3) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))), by Lentz's method.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 2000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/**
 * Windowed Gaussian: a value's score is 1 − Q(|x − mean| / std) over a window of past values —
 * the last 6,400, moved forward 100 at a time once full (the whole past before that). The
 * population std; a zero std counts as 1e-6. The first value scores 0.
 */
export class WindowedGaussian implements PointDetector {
  static readonly WINDOW = 6400;
  static readonly STEP = 100;
  private readonly window = new Float64Array(WindowedGaussian.WINDOW);
  private readonly squares = new Float64Array(WindowedGaussian.WINDOW);
  private size = 0;
  private readonly pending: number[] = [];
  private mean = 0;
  private std = 1;

  update(value: number): number {
    let score = 0;
    if (this.size > 0) {
      // Below the mean the value is mirrored above it; Q is the upper tail.
      const x = value < this.mean ? 2 * this.mean - value : value;
      score = 1 - 0.5 * erfc((x - this.mean) / this.std / Math.SQRT2);
    }
    if (this.size < WindowedGaussian.WINDOW) {
      this.window[this.size++] = value;
      this.refresh();
    } else {
      this.pending.push(value);
      if (this.pending.length === WindowedGaussian.STEP) {
        this.window.copyWithin(0, WindowedGaussian.STEP);
        this.window.set(this.pending, WindowedGaussian.WINDOW - WindowedGaussian.STEP);
        this.pending.length = 0;
        this.refresh();
      }
    }
    return score;
  }

  /** Mean and population std of the window, as numpy.mean and numpy.std compute them. */
  private refresh(): void {
    const n = this.size;
    this.mean = pairwiseSum(this.window, 0, n) / n;
    for (let i = 0; i < n; i++) {
      const d = this.window[i]! - this.mean;
      this.squares[i] = d * d;
    }
    this.std = Math.sqrt(pairwiseSum(this.squares, 0, n) / n);
    if (this.std === 0) this.std = 0.000001;
  }
}

/** Relative entropy (Kullback–Leibler) of p from q, each first scaled to sum 1, as scipy.stats.entropy(p, q). */
export function relativeEntropy(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let ps = 0;
  let qs = 0;
  for (let i = 0; i < p.length; i++) ps += p[i]!;
  for (let i = 0; i < q.length; i++) qs += q[i]!;
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const x = (1 * p[i]!) / ps;
    const y = (1 * q[i]!) / qs;
    // rel_entr: x·ln(x/y) for x, y > 0; 0 when x = 0 ≤ y; +∞ when x > 0 = y.
    const term = Number.isNaN(x) || Number.isNaN(y) ? NaN : x > 0 && y > 0 ? x * Math.log(x / y) : x === 0 && y >= 0 ? 0 : Infinity;
    s += term;
  }
  return s;
}

/**
 * Relative Entropy detector (Wang et al. 2011 as NAB runs it): the last W = 52 values are
 * quantised into 5 bins between the file's global min and max (a look-ahead NAB's protocol
 * grants this detector) and their histogram is tested against each hypothesis seen so far
 * (2·W·KL < T, T the χ² inverse survival at 0.01 with 4 degrees of freedom). A window no
 * hypothesis accepts scores 1 and becomes a hypothesis; one whose accepted hypothesis has now
 * been seen at most c_th = 1 times also scores 1; everything else 0.
 */
export class RelativeEntropy implements PointDetector {
  static readonly BINS = 5;
  static readonly W = 52;
  /** scipy.stats.chi2.isf(0.01, 4). */
  static readonly T = 13.276704135987622;
  static readonly C_TH = 1;
  private readonly step: number;
  private readonly recent = new Float64Array(RelativeEntropy.W);
  private seen = 0;
  private readonly hypotheses: Float64Array[] = [];
  private readonly agreed: number[] = [];

  constructor(private readonly min: number, max: number) {
    this.step = (max - min) / RelativeEntropy.BINS;
  }

  update(value: number): number {
    const W = RelativeEntropy.W;
    this.recent[this.seen++ % W] = value;
    // A flat file (min = max) has no bins: nothing in it is anomalous.
    if (this.step === 0 || this.seen < W) return 0;
    const hist = this.histogram();
    if (this.hypotheses.length === 0) {
      this.hypotheses.push(hist);
      this.agreed.push(1);
      return 0;
    }
    let index = -1;
    let least = Infinity;
    for (let i = 0; i < this.hypotheses.length; i++) {
      const e = 2 * W * relativeEntropy(hist, this.hypotheses[i]!);
      if (e < RelativeEntropy.T && e < least) {
        least = e;
        index = i;
      }
    }
    if (index < 0) {
      this.hypotheses.push(hist);
      this.agreed.push(1);
      return 1;
    }
    this.agreed[index]!++;
    return this.agreed[index]! <= RelativeEntropy.C_TH ? 1 : 0;
  }

  /**
   * Density histogram of the window's bin numbers ceil((x − min) / step) over [0, 5) in unit bins,
   * 5 falling in the last bin and anything outside dropped (numpy.histogram, density=True).
   */
  private histogram(): Float64Array {
    const counts = new Float64Array(RelativeEntropy.BINS);
    let total = 0;
    for (let k = 0; k < RelativeEntropy.W; k++) {
      const b = Math.ceil((this.recent[k]! - this.min) / this.step);
      if (!(b >= 0 && b <= RelativeEntropy.BINS)) continue;
      counts[Math.min(b, RelativeEntropy.BINS - 1)]!++;
      total++;
    }
    for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! / 1 / total;
    return counts;
  }
}
