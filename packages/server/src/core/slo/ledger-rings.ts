/**
 * The typed-array rings an SLO ledger keeps: one tier's counts keyed by slice number (a slot whose
 * key is another slice reads as empty, so a ring never needs clearing as time moves on), and the
 * cached verdicts of time slices.
 */

/** Sums of a span of a ledger: good and total events, events over the maximum, ratings' sum and count. */
export interface SpanSums {
  good: number;
  total: number;
  above: number;
  ratingSum: number;
  ratingN: number;
}

/** Empty sums to fill (reuse one per caller). */
export function spanSums(): SpanSums {
  return { good: 0, total: 0, above: 0, ratingSum: 0, ratingN: 0 };
}

/** One tier's counts, in a ring indexed by slice number (a slot whose key is another slice reads as empty). */
export class TierCounts {
  readonly keys: Int32Array;
  readonly good: Float64Array;
  readonly total: Float64Array;
  readonly above: Float64Array | null;
  readonly ratingSum: Float64Array | null;
  readonly ratingN: Float64Array | null;

  constructor(
    readonly size: number,
    readonly width: number,
    above: boolean,
    ratings: boolean,
  ) {
    this.keys = new Int32Array(size).fill(-1);
    this.good = new Float64Array(size);
    this.total = new Float64Array(size);
    this.above = above ? new Float64Array(size) : null;
    this.ratingSum = ratings ? new Float64Array(size) : null;
    this.ratingN = ratings ? new Float64Array(size) : null;
  }

  /** The slot holding the slice at `start`, or -1 when the ring holds nothing for it. */
  slot(start: number): number {
    const k = start / this.width;
    const i = k % this.size;
    return this.keys[i] === k ? i : -1;
  }

  /** Adds the slice at `start` to `out`. */
  addTo(start: number, out: SpanSums): void {
    const i = this.slot(start);
    if (i < 0) return;
    out.good += this.good[i]!;
    out.total += this.total[i]!;
    if (this.above) out.above += this.above[i]!;
    if (this.ratingSum) {
      out.ratingSum += this.ratingSum[i]!;
      out.ratingN += this.ratingN![i]!;
    }
  }

  /** Stores the counts of the slice at `start` (replacing the slice the slot held). */
  write(start: number, v: SpanSums): void {
    const k = start / this.width;
    const i = k % this.size;
    this.keys[i] = k;
    this.good[i] = v.good;
    this.total[i] = v.total;
    if (this.above) this.above[i] = v.above;
    if (this.ratingSum) {
      this.ratingSum[i] = v.ratingSum;
      this.ratingN![i] = v.ratingN;
    }
  }

  /** Bytes of its typed arrays. */
  bytes(): number {
    return this.keys.byteLength + this.good.byteLength + this.total.byteLength + (this.above?.byteLength ?? 0) + 2 * (this.ratingSum?.byteLength ?? 0);
  }
}

/** The verdicts of a time-slice SLO's slices, kept until a slot of the slice is read again. */
export class VerdictCache {
  private readonly keys: Int32Array;
  private readonly values: Int8Array;

  constructor(
    private readonly size: number,
    readonly width: number,
  ) {
    this.keys = new Int32Array(size).fill(-1);
    this.values = new Int8Array(size);
  }

  /** The cached verdict of the slice at `start`, or -1. */
  get(start: number): number {
    const k = start / this.width;
    const i = k % this.size;
    return this.keys[i] === k ? this.values[i]! : -1;
  }

  /** Caches the verdict of the slice at `start`. */
  set(start: number, v: number): void {
    const k = start / this.width;
    const i = k % this.size;
    this.keys[i] = k;
    this.values[i] = v;
  }

  /** Forgets the verdict of the slice holding `t`. */
  forget(t: number): void {
    const k = Math.floor(t / this.width);
    const i = k % this.size;
    if (this.keys[i] === k) this.keys[i] = -1;
  }

  /** Bytes of its typed arrays. */
  bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }
}
