/**
 * The counts of a DDSketch per bin key, in one of two forms chosen by size:
 * - sparse: one number per non-empty bin, `key·2³² + count`, sorted by key (ddsketch-entries.ts;
 *   a minute of one series sees a few dozen distinct bins out of the ~500 its latencies span);
 * - dense: counts per bin from the lowest to the highest key, in a Uint32Array, or in a
 *   Float64Array once a count could reach 2³² or a weight is fractional ("wide").
 * A store goes from sparse to dense when the dense form would take fewer bytes, and never back.
 * Both forms give the same answers: dense bins span exactly the lowest to highest key seen (until
 * a collapse, which only the dense form does), which is what the sparse entries record.
 */
import { type DecodedStore, entryKey, KEY_UNIT, MAX_BINS } from "./ddsketch-codec.js";
import { insertEntry, lowerBound, mergeEntryLists, newEntries, unionSize } from "./ddsketch-entries.js";

/** Dense bins are added in chunks so that a growing store does not reallocate on every new key. */
const CHUNK = 32;
/**
 * A merge keeps the sparse form up to this many entries: each sparse merge costs the length of
 * both stores, a merge into dense bins only the entries added, and a sketch merged into is
 * mostly a query's or an alert rule's accumulator of many slices.
 */
const MERGE_SPARSE_MAX = 64;
/**
 * Bytes around the elements, measured on Node 20 (64-bit V8) with `process.memoryUsage()` over
 * 200,000 instances: an array of numbers is a 32-byte object plus a 16-byte element-store header
 * (then 8 bytes per element); a typed array is 192 bytes of typed-array and ArrayBuffer objects,
 * its elements held outside the heap.
 */
export const SPARSE_HEADER_BYTES = 48;
export const DENSE_HEADER_BYTES = 192;

/** Bytes of a sparse store with room for `capacity` entries. */
export function sparseBytes(capacity: number): number {
  return SPARSE_HEADER_BYTES + 8 * capacity;
}

/** Bytes of a Uint32 dense store covering `span` keys. */
export function denseBytes(span: number): number {
  return DENSE_HEADER_BYTES + 4 * chunked(span);
}

function chunked(n: number): number {
  return Math.max(CHUNK, Math.ceil(n / CHUNK) * CHUNK);
}

/** Per-key counts; DDSketch extends it with the value mapping, totals and quantiles. */
export class CountStore {
  /** Sparse form: `used` entries `key·2³² + count` sorted by key; null when dense or empty. */
  protected sparse: number[] | null = null;
  /** Dense form: `used` bins, bin i counting key `offset + i`; null when sparse or empty. */
  protected bins: Uint32Array | Float64Array | null = null;
  protected offset = 0;
  /** Entries (sparse) or bins (dense) in use; 0 while no key was counted. */
  protected used = 0;

  /** Which form the store has: "empty" (no array), "sparse" or "dense". */
  get form(): "empty" | "sparse" | "dense" {
    return this.sparse !== null ? "sparse" : this.bins !== null ? "dense" : "empty";
  }

  /** Bytes of memory the store holds, array headers included (for memory accounting). */
  binBytes(): number {
    if (this.sparse !== null) return sparseBytes(this.sparse.length);
    if (this.bins !== null) return DENSE_HEADER_BYTES + this.bins.byteLength;
    return 0;
  }

  /** Counts `key` `weight` more times; `narrow` says whether counts still fit the sparse and Uint32 forms. */
  protected addToKey(key: number, weight: number, narrow: boolean): void {
    if (this.used === 0) {
      if (narrow) {
        this.sparse = [key * KEY_UNIT + weight];
      } else {
        this.bins = new Float64Array(CHUNK);
        this.offset = key;
        this.bins[0] = weight;
      }
      this.used = 1;
      return;
    }
    if (this.sparse !== null) {
      if (narrow && this.addSparse(key, weight)) return;
      this.toDense(!narrow);
    } else if (!narrow) this.widen();
    let idx = key - this.offset;
    if (idx < 0) {
      this.growLow(-idx);
      idx = 0;
    } else if (idx >= this.used) {
      this.growHigh(idx + 1);
    }
    this.bins![idx]! += weight;
  }

  /** Adds to the sparse form; false when the key is new and the store should turn dense first. */
  private addSparse(key: number, weight: number): boolean {
    const sp = this.sparse!;
    const n = this.used;
    const at = lowerBound(sp, n, key);
    if (at < n && entryKey(sp[at]!) === key) {
      sp[at] = sp[at]! + weight;
      return true;
    }
    const first = Math.min(key, entryKey(sp[0]!));
    const span = Math.max(key, entryKey(sp[n - 1]!)) - first + 1;
    if (span > MAX_BINS || sparseBytes(n + 1) > denseBytes(span)) return false;
    this.sparse = insertEntry(sp, n, at, key * KEY_UNIT + weight);
    this.used = n + 1;
    return true;
  }

  /** Turns the sparse form into dense bins spanning its lowest to highest key (at most MAX_BINS). */
  private toDense(wide: boolean): void {
    const sp = this.sparse!;
    const n = this.used;
    const first = entryKey(sp[0]!);
    const used = entryKey(sp[n - 1]!) - first + 1;
    const bins = wide ? new Float64Array(chunked(used)) : new Uint32Array(chunked(used));
    for (let i = 0; i < n; i++) {
      const e = sp[i]!;
      const k = entryKey(e);
      bins[k - first] = e - k * KEY_UNIT;
    }
    this.sparse = null;
    this.bins = bins;
    this.offset = first;
    this.used = used;
  }

  /** Moves Uint32 dense counts to a Float64Array. */
  private widen(): void {
    if (this.bins instanceof Float64Array) return;
    const next = new Float64Array(this.bins!.length);
    next.set(this.bins!);
    this.bins = next;
  }

  private allocBins(n: number): Uint32Array | Float64Array {
    return this.bins instanceof Float64Array ? new Float64Array(n) : new Uint32Array(n);
  }

  /** Extends the dense form downwards by `extra` bins, collapsing the lowest bins past MAX_BINS. */
  private growLow(extra: number): void {
    const needed = this.used + extra;
    if (needed > MAX_BINS) {
      // Collapse: keep the highest bins exactly; the lowest quantiles lose precision first.
      this.collapseTo(MAX_BINS, this.offset - extra);
      return;
    }
    const bins = this.bins!;
    if (needed <= bins.length) {
      bins.copyWithin(extra, 0, this.used);
      bins.fill(0, 0, extra);
    } else {
      const next = this.allocBins(chunked(needed));
      next.set(bins.subarray(0, this.used), extra);
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
    if (needed > this.bins!.length) {
      const next = this.allocBins(chunked(needed));
      next.set(this.bins!.subarray(0, this.used));
      this.bins = next;
    }
    this.used = needed;
  }

  /** Re-bases the dense form on `newOffset` with `size` bins, folding anything below into the first bin. */
  private collapseTo(size: number, newOffset: number): void {
    const bins = this.bins!;
    const next = this.allocBins(size);
    for (let i = 0; i < this.used; i++) {
      const c = bins[i]!;
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

  /** Whether the counts are held as Float64 (fractional or past 2³²). */
  protected get wide(): boolean {
    return this.bins instanceof Float64Array;
  }

  /** Adds the counts of `other`; `narrow` as for `addToKey` (false when `other` is wide). */
  protected mergeStore(other: CountStore, narrow: boolean): void {
    if (other.used === 0) return;
    if (this.used === 0) {
      this.used = other.used;
      if (other.sparse !== null) {
        this.sparse = other.sparse.slice(0, other.used);
        if (!narrow) this.toDense(true);
      } else {
        this.bins = other.bins!.slice(0, chunked(other.used));
        this.offset = other.offset;
        if (!narrow) this.widen();
      }
      return;
    }
    if (this.sparse !== null) {
      if (narrow && other.sparse !== null && this.mergeSparse(other.sparse, other.used)) return;
      this.toDense(!narrow);
    } else if (!narrow) this.widen();
    if (other.sparse !== null) this.mergeEntries(other.sparse, other.used);
    else this.mergeBins(other.bins!, other.offset, other.used);
  }

  /**
   * Takes away the counts of `other`, which must have been merged in before (a sliding window's
   * running total). The store turns dense first: a count that drops to zero leaves its bin in
   * place, which answers nothing differently.
   */
  protected subtractStore(other: CountStore): void {
    if (other.used === 0) return;
    if (this.sparse !== null) this.toDense(other.wide || this.wide);
    else if (other.wide) this.widen();
    const tb = this.bins!;
    const off = this.offset;
    const last = this.used - 1;
    // Keys fold into the edge bins exactly as the merge folded them (after a collapse).
    const take = (k: number, c: number) => {
      let j = k - off;
      if (j < 0) j = 0;
      else if (j > last) j = last;
      tb[j]! -= c;
    };
    const sp = other.sparse;
    if (sp !== null) {
      for (let i = 0; i < other.used; i++) {
        const k = entryKey(sp[i]!);
        take(k, sp[i]! - k * KEY_UNIT);
      }
    } else {
      const ob = other.bins!;
      for (let i = 0; i < other.used; i++) if (ob[i] !== 0) take(other.offset + i, ob[i]!);
    }
  }

  /** Merges sorted entries into the sparse form; false when the result should be dense. */
  private mergeSparse(b: number[], nb: number): boolean {
    const a = this.sparse!;
    const na = this.used;
    const first = Math.min(entryKey(a[0]!), entryKey(b[0]!));
    const span = Math.max(entryKey(a[na - 1]!), entryKey(b[nb - 1]!)) - first + 1;
    if (span > MAX_BINS) return false;
    const n = unionSize(a, na, b, nb);
    if (n > MERGE_SPARSE_MAX || sparseBytes(n) > denseBytes(span)) return false;
    this.sparse = mergeEntryLists(a, na, b, nb, n);
    this.used = n;
    return true;
  }

  /** Adds sorted sparse entries into the dense form, growing it to cover their keys. */
  private mergeEntries(sp: number[], n: number): void {
    this.cover(entryKey(sp[0]!), entryKey(sp[n - 1]!));
    const tb = this.bins!;
    const off = this.offset;
    const last = this.used - 1;
    for (let i = 0; i < n; i++) {
      const e = sp[i]!;
      const k = entryKey(e);
      // Out of range only after a collapse: fold into the edge bins.
      let j = k - off;
      if (j < 0) j = 0;
      else if (j > last) j = last;
      tb[j]! += e - k * KEY_UNIT;
    }
  }

  /** Adds dense bins (key `offset + i` at i) into the dense form. */
  private mergeBins(ob: Uint32Array | Float64Array, offset: number, used: number): void {
    this.cover(offset, offset + used - 1);
    const shift = offset - this.offset;
    const tb = this.bins!;
    if (shift >= 0 && shift + used <= this.used) {
      for (let i = 0; i < used; i++) tb[shift + i]! += ob[i]!;
    } else {
      // Only reachable after a collapse: fold out-of-range keys into the edge bins.
      for (let i = 0; i < used; i++) {
        let j = shift + i;
        if (j < 0) j = 0;
        if (j >= this.used) j = this.used - 1;
        tb[j]! += ob[i]!;
      }
    }
  }

  /** Grows the dense form to cover keys lo..hi (collapsing past MAX_BINS). */
  private cover(lo: number, hi: number): void {
    if (lo < this.offset) this.growLow(this.offset - lo);
    if (hi - this.offset >= this.used) this.growHigh(hi - this.offset + 1);
  }

  /** Takes the counts of a decoded sketch, in whichever form is smaller. */
  protected load(d: DecodedStore): void {
    this.offset = d.offset;
    const c = d.counts;
    const n = c.length;
    if (n === 0) return;
    if (d.deltas !== null) {
      const deltas = d.deltas;
      const span = deltas[n - 1]! + 1;
      if (sparseBytes(n) <= denseBytes(span)) {
        const sp = newEntries(n);
        for (let i = 0; i < n; i++) sp[i] = (d.offset + deltas[i]!) * KEY_UNIT + c[i]!;
        this.sparse = sp;
        this.used = n;
      } else {
        const bins = new Uint32Array(chunked(span));
        for (let i = 0; i < n; i++) bins[deltas[i]!] = c[i]!;
        this.bins = bins;
        this.used = span;
      }
      return;
    }
    // The dense layout: entries only when its range is exactly the lowest to highest key (no collapse left empty edges).
    let nz = 0;
    for (let i = 0; i < n; i++) if (c[i] !== 0) nz++;
    if (c[0] !== 0 && c[n - 1] !== 0 && sparseBytes(nz) <= denseBytes(n)) {
      const sp = newEntries(nz);
      for (let i = 0, w = 0; i < n; i++) if (c[i] !== 0) sp[w++] = (d.offset + i) * KEY_UNIT + c[i]!;
      this.sparse = sp;
      this.used = nz;
    } else {
      const bins = new Uint32Array(chunked(n));
      bins.set(c);
      this.bins = bins;
      this.used = n;
    }
  }
}
