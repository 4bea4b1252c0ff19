/**
 * The binary forms of a DDSketch (persisted in rollup checkpoints), and the packing of its sparse
 * entries. Two layouts share a header of six f64 — count, zeroCount, min, max, offset, n:
 * - dense (n ≥ 0, the only layout before the compact store): n counts as u32, bin i counting key
 *   offset + i (one minute or hour of one dimension set never holds 4 billion values in a bin);
 * - sparse (n < 0): −n counts as u32, then −n key deltas from `offset` as u16, strictly
 *   increasing from 0 (a sparse store spans at most MAX_BINS keys).
 * Both are padded to 8 bytes. `encode` writes whichever is smaller; sketches whose dense bins
 * do not start and end with a recorded key (only after a collapse) keep the dense layout, which
 * records their exact range.
 */

/** Hard cap on bins: beyond it the lowest bins collapse into one, as in the paper's bounded store. */
export const MAX_BINS = 4096;
/** A sparse entry is `key * KEY_UNIT + count`, with 0 ≤ count < KEY_UNIT; sorting entries sorts keys. */
export const KEY_UNIT = 4294967296;
/** Keys of values between 1e-6 and Number.MAX_VALUE lie well within ±2²⁰, so entries stay exact doubles. */
const MAX_ABS_KEY = 1 << 20;
const HEAD = 48;

/** The key of a sparse entry. */
export function entryKey(e: number): number {
  return Math.floor(e / KEY_UNIT);
}

/** What the codec reads of a sketch. */
export interface StoreView {
  count: number;
  zeroCount: number;
  min: number;
  max: number;
  /** Key of the first dense bin (dense store). */
  offset: number;
  /** Entries (sparse) or bins (dense) in use. */
  used: number;
  sparse: number[] | null;
  bins: Uint32Array | Float64Array | null;
}

/** A decoded sketch: `counts` and `deltas` are views into the buffer, to be copied. */
export interface DecodedStore {
  count: number;
  zeroCount: number;
  min: number;
  max: number;
  offset: number;
  /** Dense layout: counts per bin from `offset`; sparse layout: counts per entry. */
  counts: Uint32Array;
  /** Sparse layout: key minus `offset` per entry; null for the dense layout. */
  deltas: Uint16Array | null;
  next: number;
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** The layout `encode` writes: entries (n of them from key `offset`) or dense bins (span of them). */
interface Plan {
  sparse: boolean;
  n: number;
  offset: number;
  span: number;
}

function plan(v: StoreView): Plan {
  if (v.used === 0) return { sparse: false, n: 0, offset: v.offset, span: 0 };
  let n: number;
  let offset: number;
  let span: number;
  let exactRange = true;
  if (v.sparse !== null) {
    n = v.used;
    offset = entryKey(v.sparse[0]!);
    span = entryKey(v.sparse[n - 1]!) - offset + 1;
  } else {
    const bins = v.bins!;
    n = 0;
    for (let i = 0; i < v.used; i++) if (bins[i] !== 0) n++;
    offset = v.offset;
    span = v.used;
    exactRange = bins[0] !== 0 && bins[v.used - 1] !== 0;
  }
  return { sparse: exactRange && pad8(6 * n) < pad8(4 * span), n, offset, span };
}

function sizeOf(p: Plan): number {
  return HEAD + (p.sparse ? pad8(6 * p.n) : pad8(4 * p.span));
}

/** Number of bytes `encodeStore` writes (a multiple of 8). */
export function encodedStoreSize(v: StoreView): number {
  return sizeOf(plan(v));
}

/** Writes the sketch at byte `pos` (a multiple of 8) of `buf`; returns the next position. */
export function encodeStore(buf: ArrayBuffer, pos: number, v: StoreView): number {
  const p = plan(v);
  const head = new Float64Array(buf, pos, 6);
  head[0] = v.count;
  head[1] = v.zeroCount;
  head[2] = v.min;
  head[3] = v.max;
  head[4] = p.offset;
  head[5] = p.sparse ? -p.n : p.span;
  if (p.sparse) {
    const counts = new Uint32Array(buf, pos + HEAD, p.n);
    const deltas = new Uint16Array(buf, pos + HEAD + 4 * p.n, p.n);
    if (v.sparse !== null) {
      for (let i = 0; i < p.n; i++) {
        const e = v.sparse[i]!;
        const k = entryKey(e);
        counts[i] = e - k * KEY_UNIT;
        deltas[i] = k - p.offset;
      }
    } else {
      const bins = v.bins!;
      for (let i = 0, w = 0; i < v.used; i++) {
        if (bins[i] === 0) continue;
        counts[w] = bins[i]!;
        deltas[w++] = i;
      }
    }
  } else if (p.span > 0) {
    const counts = new Uint32Array(buf, pos + HEAD, p.span);
    if (v.sparse !== null) {
      counts.fill(0);
      for (let i = 0; i < v.used; i++) {
        const e = v.sparse[i]!;
        const k = entryKey(e);
        counts[k - p.offset] = e - k * KEY_UNIT;
      }
    } else counts.set(v.bins!.subarray(0, p.span));
  }
  return pos + sizeOf(p);
}

function corrupt(): never {
  throw new RangeError("corrupt sketch encoding");
}

/** Reads either layout at byte `pos` of `buf`. */
export function decodeSketchStore(buf: ArrayBuffer, pos: number): DecodedStore {
  if (pos + HEAD > buf.byteLength) corrupt();
  const head = new Float64Array(buf, pos, 6);
  const offset = head[4]!;
  const n = head[5]!;
  if (!Number.isInteger(n) || !Number.isInteger(offset) || Math.abs(offset) > MAX_ABS_KEY || Math.abs(n) > MAX_BINS) corrupt();
  const base = { count: head[0]!, zeroCount: head[1]!, min: head[2]!, max: head[3]!, offset };
  if (n >= 0) {
    const next = pos + HEAD + pad8(4 * n);
    if (next > buf.byteLength) corrupt();
    return { ...base, counts: new Uint32Array(buf, pos + HEAD, n), deltas: null, next };
  }
  const len = -n;
  const next = pos + HEAD + pad8(6 * len);
  if (next > buf.byteLength) corrupt();
  const deltas = new Uint16Array(buf, pos + HEAD + 4 * len, len);
  if (deltas[0] !== 0 || deltas[len - 1]! >= MAX_BINS) corrupt();
  for (let i = 1; i < len; i++) if (deltas[i]! <= deltas[i - 1]!) corrupt();
  return { ...base, counts: new Uint32Array(buf, pos + HEAD, len), deltas, next };
}
