/**
 * A mergeable quantile sketch for non-negative values: DDSketch (Masson, Rim, Lee, VLDB 2019)
 * with a logarithmic index mapping and a compact store of counts (ddsketch-store.ts) that holds
 * what the sketch actually saw: a few dozen entries for a minute of one series, dense bins for
 * a busy hour.
 *
 * Every quantile it answers is within RELATIVE_ACCURACY of the exact value at that rank, and two
 * sketches merge by adding counts, so a window is answered by merging per-minute sketches.
 * It lives in `core` (rather than wrapping @datadog/sketches-js) because core imports no packages,
 * and because the rollups need a compact store, a compact binary form (ddsketch-codec.ts) and an
 * allocation-free merge; the test suite checks it against the reference implementation.
 */
import { decodeSketchStore, encodedStoreSize, encodeStore, entryKey, KEY_UNIT, type StoreView } from "./ddsketch-codec.js";
import { CountStore } from "./ddsketch-store.js";

/** Guaranteed relative accuracy of every quantile (0.5 %), leaving margin under the 1 % promise. */
export const RELATIVE_ACCURACY = 0.005;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Values at or below this count as zero (latencies are milliseconds: a nanosecond is "zero"). */
const MIN_INDEXABLE = 1e-6;
/** Counts up to this total fit the sparse and Uint32 forms of the store. */
const U32_MAX = 0xffffffff;

function keyOf(value: number): number {
  return Math.ceil(Math.log(value) / LN_GAMMA);
}

/** The bin key of a value (for `addWithKey`, so one logarithm serves several sketches). */
export function sketchKey(value: number): number {
  return value > MIN_INDEXABLE && Number.isFinite(value) ? keyOf(value) : 0;
}

/** Representative value of a bin: the point whose relative distance to both bin edges is equal. */
function valueOf(key: number): number {
  return (2 * Math.pow(GAMMA, key)) / (1 + GAMMA);
}

/** Upper edge of a bin: the bin of key k holds the values in (γ^(k−1), γ^k]. */
function upperOf(key: number): number {
  return Math.exp(key * LN_GAMMA);
}

/** A DDSketch over non-negative numbers. */
export class DDSketch extends CountStore {
  private zeroCount = 0;
  /** Total number of values recorded. */
  count = 0;
  /** Smallest value recorded (Infinity when empty). */
  min = Infinity;
  /** Largest value recorded (-Infinity when empty). */
  max = -Infinity;

  /** Records a value `weight` times; negative and non-finite values are ignored. */
  add(value: number, weight = 1): void {
    if (!(value >= 0) || !Number.isFinite(value) || !(weight > 0)) return;
    this.count += weight;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= MIN_INDEXABLE) {
      this.zeroCount += weight;
      return;
    }
    this.addToKey(keyOf(value), weight, this.count <= U32_MAX && Number.isInteger(weight));
  }

  /** Records a value whose key `sketchKey(value)` is already known. */
  addWithKey(value: number, key: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) return;
    this.count += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= MIN_INDEXABLE) this.zeroCount += 1;
    else this.addToKey(key, 1, this.count <= U32_MAX);
  }

  /** Adds every value of `other` into this sketch (allocation-free into a dense sketch covering its keys). */
  merge(other: DDSketch): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.zeroCount += other.zeroCount;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.mergeStore(other, this.count <= U32_MAX && !other.wide);
  }

  /**
   * Takes away the values of `other`, merged in before: counts only. The extremes cannot be taken
   * away; the caller that slides a window keeps them (`min`, `max`) and sets them.
   */
  subtract(other: DDSketch): void {
    if (other.count === 0) return;
    this.count -= other.count;
    this.zeroCount -= other.zeroCount;
    this.subtractStore(other);
  }

  /** The value at quantile q in 0..1 (rank q·(n−1), lower bin), or null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0 || !(q >= 0 && q <= 1)) return null;
    const rank = q * (this.count - 1);
    let value: number;
    if (rank < this.zeroCount) {
      value = 0;
    } else {
      let cum = this.zeroCount;
      let key = this.offset + this.used - 1;
      const sp = this.sparse;
      if (sp !== null) {
        key = entryKey(sp[this.used - 1]!);
        for (let i = 0; i < this.used; i++) {
          const e = sp[i]!;
          const k = entryKey(e);
          cum += e - k * KEY_UNIT;
          if (cum > rank) {
            key = k;
            break;
          }
        }
      } else if (this.bins !== null) {
        const bins = this.bins;
        for (let i = 0; i < this.used; i++) {
          cum += bins[i]!;
          if (cum > rank) {
            key = this.offset + i;
            break;
          }
        }
      }
      value = valueOf(key);
    }
    // The exact extremes are known: never answer outside them.
    if (value < this.min) value = this.min;
    if (value > this.max) value = this.max;
    return value;
  }

  /**
   * How many recorded values exceed `x`, within the sketch's relative accuracy (a bin straddling
   * `x` counts when its representative value does). Exact when `x` is below the minimum or at or
   * above the maximum.
   */
  countAbove(x: number): number {
    if (this.count === 0 || x >= this.max) return 0;
    if (x < this.min) return this.count;
    let n = 0;
    const sp = this.sparse;
    if (sp !== null) {
      for (let i = 0; i < this.used; i++) {
        const e = sp[i]!;
        const k = entryKey(e);
        if (valueOf(k) > x) n += e - k * KEY_UNIT;
      }
    } else if (this.bins !== null) {
      for (let i = 0; i < this.used; i++) if (valueOf(this.offset + i) > x) n += this.bins[i]!;
    }
    return n;
  }

  /**
   * How many recorded values are at most `x`, counting only the bins wholly at or below it (a bin
   * straddling `x` does not count), so not more than the exact number (up to rounding at a bin's
   * edge). Exact when `x` is below
   * the minimum or at or above the maximum.
   */
  countAtMost(x: number): number {
    if (this.count === 0 || x < this.min) return 0;
    if (x >= this.max) return this.count;
    let n = x >= MIN_INDEXABLE ? this.zeroCount : 0;
    const sp = this.sparse;
    if (sp !== null) {
      for (let i = 0; i < this.used; i++) {
        const e = sp[i]!;
        const k = entryKey(e);
        if (upperOf(k) <= x) n += e - k * KEY_UNIT;
      }
    } else if (this.bins !== null) {
      for (let i = 0; i < this.used; i++) if (upperOf(this.offset + i) <= x) n += this.bins[i]!;
    }
    return n;
  }

  /** Number of bytes `encode` will produce (a multiple of 8). */
  encodedSize(): number {
    return encodedStoreSize(this.storeView());
  }

  /**
   * Writes the sketch at byte `pos` (a multiple of 8) of `buf` and returns the next position
   * (layouts in ddsketch-codec.ts).
   */
  encode(buf: ArrayBuffer, pos: number): number {
    return encodeStore(buf, pos, this.storeView());
  }

  private storeView(): StoreView {
    const { count, zeroCount, min, max, offset, used, sparse, bins } = this;
    return { count, zeroCount, min, max, offset, used, sparse, bins };
  }

  /** Reads a sketch written by `encode` (or by the dense-only encoder before it); returns it and the next position. */
  static decode(buf: ArrayBuffer, pos: number): { sketch: DDSketch; next: number } {
    const d = decodeSketchStore(buf, pos);
    const s = new DDSketch();
    s.count = d.count;
    s.zeroCount = d.zeroCount;
    s.min = d.min;
    s.max = d.max;
    s.load(d);
    return { sketch: s, next: d.next };
  }
}
