/**
 * The DDSketch as it was before the compact store (dense Float64Array store only), kept verbatim
 * as the reference the tests compare the current sketch with: same inputs must give the same
 * answers, and its encoding is the layout older rollup checkpoints were written in. Used only by
 * tests.
 */
/** Guaranteed relative accuracy of every quantile (0.5 %), leaving margin under the 1 % promise. */
const RELATIVE_ACCURACY = 0.005;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Values at or below this count as zero (latencies are milliseconds: a nanosecond is "zero"). */
const MIN_INDEXABLE = 1e-6;
/** Bins are added in chunks so that a growing store does not reallocate on every new key. */
const CHUNK = 32;
/** Hard cap on bins: beyond it the lowest bins collapse into one, as in the paper's bounded store. */
const MAX_BINS = 4096;

function keyOf(value: number): number {
  return Math.ceil(Math.log(value) / LN_GAMMA);
}

/** Representative value of a bin: the point whose relative distance to both bin edges is equal. */
function valueOf(key: number): number {
  return (2 * Math.pow(GAMMA, key)) / (1 + GAMMA);
}

/** The former DDSketch over non-negative numbers. */
export class LegacyDDSketch {
  /** Counts of values per bin, bins offset by `offset`. */
  private bins: Float64Array = EMPTY;
  private offset = 0;
  /** Number of bins in use from the start of `bins`. */
  private used = 0;
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
    this.addToKey(keyOf(value), weight);
  }

  /** Records a value whose key `sketchKey(value)` is already known. */
  addWithKey(value: number, key: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) return;
    this.count += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= MIN_INDEXABLE) this.zeroCount += 1;
    else this.addToKey(key, 1);
  }

  private addToKey(key: number, weight: number): void {
    if (this.used === 0) {
      if (this.bins.length === 0) this.bins = new Float64Array(CHUNK);
      this.offset = key;
      this.used = 1;
      this.bins[0] = weight;
      return;
    }
    let idx = key - this.offset;
    if (idx < 0) {
      this.growLow(-idx);
      idx = 0;
    } else if (idx >= this.used) {
      this.growHigh(idx + 1);
    }
    this.bins[idx]! += weight;
  }

  /** Extends the store downwards by `extra` bins, collapsing the lowest bins past MAX_BINS. */
  private growLow(extra: number): void {
    const needed = this.used + extra;
    if (needed > MAX_BINS) {
      // Collapse: keep the highest bins exactly; the lowest quantiles lose precision first.
      this.collapseTo(MAX_BINS, this.offset - extra);
      return;
    }
    if (needed <= this.bins.length) {
      this.bins.copyWithin(extra, 0, this.used);
      this.bins.fill(0, 0, extra);
    } else {
      const next = new Float64Array(Math.ceil(needed / CHUNK) * CHUNK);
      next.set(this.bins.subarray(0, this.used), extra);
      this.bins = next;
    }
    this.used = needed;
    this.offset -= extra;
  }

  private growHigh(needed: number): void {
    if (needed > MAX_BINS) {
      this.collapseTo(MAX_BINS, this.offset + needed - MAX_BINS);
      return;
    }
    if (needed > this.bins.length) {
      const next = new Float64Array(Math.ceil(needed / CHUNK) * CHUNK);
      next.set(this.bins.subarray(0, this.used));
      this.bins = next;
    }
    this.used = needed;
  }

  /** Re-bases the store on `newOffset` with MAX_BINS bins, folding anything below into the first bin. */
  private collapseTo(size: number, newOffset: number): void {
    const next = new Float64Array(size);
    for (let i = 0; i < this.used; i++) {
      const c = this.bins[i]!;
      if (c === 0) continue;
      const k = this.offset + i;
      let j = k - newOffset;
      if (j < 0) j = 0;
      if (j >= size) j = size - 1;
      next[j]! += c;
    }
    this.bins = next;
    this.offset = newOffset;
    this.used = size;
  }

  /** Adds every value of `other` into this sketch. */
  merge(other: LegacyDDSketch): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.zeroCount += other.zeroCount;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (other.used === 0) return;
    if (this.used === 0) {
      this.bins = other.bins.slice(0, Math.max(CHUNK, Math.ceil(other.used / CHUNK) * CHUNK));
      this.offset = other.offset;
      this.used = other.used;
      return;
    }
    const lo = other.offset;
    const hi = other.offset + other.used - 1;
    if (lo < this.offset) this.growLow(this.offset - lo);
    if (hi - this.offset >= this.used) this.growHigh(hi - this.offset + 1);
    const shift = other.offset - this.offset;
    const ob = other.bins;
    const tb = this.bins;
    if (shift >= 0 && shift + other.used <= this.used) {
      for (let i = 0; i < other.used; i++) tb[shift + i]! += ob[i]!;
    } else {
      // Only reachable after a collapse: fold out-of-range keys into the edge bins.
      for (let i = 0; i < other.used; i++) {
        let j = shift + i;
        if (j < 0) j = 0;
        if (j >= this.used) j = this.used - 1;
        tb[j]! += ob[i]!;
      }
    }
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
      for (let i = 0; i < this.used; i++) {
        cum += this.bins[i]!;
        if (cum > rank) {
          key = this.offset + i;
          break;
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
    for (let i = 0; i < this.used; i++) if (valueOf(this.offset + i) > x) n += this.bins[i]!;
    return n;
  }

  /** Number of bytes `encode` will produce (a multiple of 8). */
  encodedSize(): number {
    return 48 + Math.ceil((this.used * 4) / 8) * 8;
  }

  /**
   * Writes the sketch at byte `pos` (a multiple of 8) of `buf` and returns the next position.
   * Layout: count, zeroCount, min, max, offset, used as f64, then the counts as u32 (one minute or
   * hour of one dimension set never holds 4 billion values in a bin), padded to 8 bytes.
   */
  encode(buf: ArrayBuffer, pos: number): number {
    const head = new Float64Array(buf, pos, 6);
    head[0] = this.count;
    head[1] = this.zeroCount;
    head[2] = this.min;
    head[3] = this.max;
    head[4] = this.offset;
    head[5] = this.used;
    if (this.used > 0) new Uint32Array(buf, pos + 48, this.used).set(this.bins.subarray(0, this.used));
    return pos + this.encodedSize();
  }

  /** Reads a sketch written by `encode`; returns it and the next position. */
  static decode(buf: ArrayBuffer, pos: number): { sketch: LegacyDDSketch; next: number } {
    if (pos + 48 > buf.byteLength) throw new RangeError("corrupt sketch encoding");
    const head = new Float64Array(buf, pos, 6);
    const s = new LegacyDDSketch();
    s.count = head[0]!;
    s.zeroCount = head[1]!;
    s.min = head[2]!;
    s.max = head[3]!;
    s.offset = head[4]!;
    const used = head[5]!;
    if (!Number.isInteger(used) || used < 0 || used > MAX_BINS || pos + 48 + used * 4 > buf.byteLength) throw new RangeError("corrupt sketch encoding");
    s.used = used;
    s.bins = new Float64Array(Math.max(CHUNK, Math.ceil(used / CHUNK) * CHUNK));
    if (used > 0) s.bins.set(new Uint32Array(buf, pos + 48, used));
    return { sketch: s, next: pos + s.encodedSize() };
  }

  /** Bytes of memory the bins hold (for memory accounting). */
  binBytes(): number {
    return this.bins.byteLength;
  }
}

const EMPTY = new Float64Array(0);
