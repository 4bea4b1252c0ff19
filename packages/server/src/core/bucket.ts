/**
 * A rollup bucket: everything Vigil needs to answer metrics for one time slice of one dimension
 * set — counts and sums in a flat Float64Array, two latency sketches, and error-type counts.
 * Buckets merge by addition (max for the few "peak" fields, and "latest value" pairs keep the
 * value reported last), which is what lets any window be answered from per-minute and per-hour
 * buckets instead of scanning events.
 *
 * Fields are only ever appended: a bucket persisted with fewer fields reads the missing ones as
 * zeros, which every new field must read as "no samples".
 */
import { Shape, type ShapeTable } from "./bucket-shape.js";
import { DDSketch } from "./ddsketch.js";
import { latencyBin } from "./sli-ladder.js";

import { F, FIELD_COUNT, FIELD_MERGE, LATEST_PAIRS, MAX_FIELDS, MERGE_LATEST, MERGE_SUM, MERGE_MAX, SUM_RUNS, mergeLatest } from "./bucket-fields.js";

export { F, FIELD_COUNT, FIELD_MERGE, LATEST_PAIRS, MERGE_LATEST, MERGE_MAX, MERGE_SUM, mergeLatest } from "./bucket-fields.js";

/**
 * First of the per-bin count fields (the latency ladder, ratings, accuracy steps: all summed). A
 * compact bucket keeps them after its shape's values, as [field, count] pairs in the same array: a
 * bucket sees its bins in any order, and interning a shape per order would exhaust the shape table
 * (measured: every one of MAX_SHAPES used within minutes of traffic spread over a dozen bins,
 * against 50 shapes without); a second array per bucket would cost memory and collection time.
 * A compact bucket holding its only run (or LLM) latency as a number reads that latency's bin
 * from it, so a bucket that saw one event stores no pair (its array would outgrow its first
 * allocation, measured +58% heap for a day of one-event minute buckets).
 */
export const SIDE_FIRST = F.runLe0;

/** Distinct error types kept per bucket; the rest are counted under "other" so hostile input stays bounded. */
export const MAX_ERROR_TYPES = 32;

/** Shapes of compact buckets, from the empty one. */
const SHAPES: ShapeTable = { count: 0 };
let rootShape: Shape | null = null;
const root = (): Shape => (rootShape ??= Shape.empty(FIELD_COUNT));
/** Shapes made so far (bounded by MAX_SHAPES; watched by tests: a layout that makes one per event order would exhaust it). */
export function shapesMade(): number {
  return SHAPES.count;
}
/** What a compact bucket without latencies answers for its sketch: empty, and frozen (a write would throw). */
const EMPTY_SKETCH: DDSketch = Object.freeze(new DDSketch()) as DDSketch;
/** A sketch holding one value (how a compact bucket with one latency answers for its sketch). */
function single(v: number): DDSketch {
  const s = new DDSketch();
  s.add(v);
  return s;
}
/** Marks the constructor call that makes a compact bucket. */
const COMPACT = Symbol("compact");

/**
 * One time slice of one dimension set. A bucket is full (every field in a Float64Array, both
 * sketches) or compact (only the fields it received, in a plain array described by its shape, and
 * only the sketches it needs) — the form stored buckets take, since most of them see a few events
 * of one type. Both forms answer alike; a compact bucket turns full when it is merged into or
 * grows past MAX_COMPACT_FIELDS fields.
 */
export class Bucket {
  private full: Float64Array | null;
  private shape: Shape | null;
  /** A compact bucket's values: one per field of its shape, then its per-bin counts as [field, count] pairs. */
  private vals: number[] | null;
  private run: DDSketch | null;
  private llm: DDSketch | null;
  /**
   * A compact bucket's only run / LLM latency while it has one and no sketch (null: none). Null, not
   * NaN, so the field holds a small integer latency in place instead of boxing every value.
   */
  private runOne: number | null = null;
  private llmOne: number | null = null;
  /** Run error types (failures and timeouts) and their counts. */
  errorTypes: Map<string, number> | null = null;
  /** Latest agent type seen (only meaningful when the dimension set names one agent). */
  agentType: string | null = null;
  /** Set when the bucket changed since it was last persisted. */
  dirty = false;

  constructor(form?: typeof COMPACT) {
    if (form === COMPACT) {
      this.full = null;
      this.shape = root();
      this.vals = [];
      this.run = null;
      this.llm = null;
    } else {
      this.full = new Float64Array(FIELD_COUNT);
      this.shape = null;
      this.vals = null;
      this.run = new DDSketch();
      this.llm = new DDSketch();
    }
  }

  /** An empty compact bucket (for storage). */
  static compact(): Bucket {
    return new Bucket(COMPACT);
  }

  /**
   * The compact form of a bucket (for storage: a restored bucket), or the bucket itself when it
   * holds too many fields. The bucket given is not changed; its sketches are shared.
   */
  static compactOf(b: Bucket): Bucket {
    if (b.full === null) return b;
    const c = new Bucket(COMPACT);
    const f = b.full;
    let shape: Shape | null = root();
    const vals: number[] = [];
    for (let i = 0; i < SIDE_FIRST && shape; i++) {
      if (f[i] === 0) continue;
      shape = shape.with(i, SHAPES);
      vals.push(f[i]!);
    }
    if (!shape) return b;
    c.shape = shape;
    c.vals = vals;
    const side = vals.length;
    for (let i = SIDE_FIRST; i < FIELD_COUNT; i++) if (f[i] !== 0) vals.push(i, f[i]!);
    const run = b.run!;
    const llm = b.llm!;
    // One value: kept as a number (a sketch holding just it answers the same).
    c.run = run.count > 1 || (run.count === 1 && !(run.min >= 0)) ? run : null;
    if (run.count === 1 && c.run === null) c.runOne = run.min;
    c.llm = llm.count > 1 || (llm.count === 1 && !(llm.min >= 0)) ? llm : null;
    if (llm.count === 1 && c.llm === null) c.llmOne = llm.min;
    // A latency kept as a number answers for its bin: its pair goes.
    if (c.runOne !== null) c.dropSide(side, F.runLe0 + latencyBin(c.runOne));
    if (c.llmOne !== null) c.dropSide(side, F.llmLe0 + latencyBin(c.llmOne));
    c.errorTypes = b.errorTypes;
    c.agentType = b.agentType;
    c.dirty = b.dirty;
    return c;
  }

  /** True while the bucket is compact. */
  get isCompact(): boolean {
    return this.full === null;
  }

  /** Counts and sums, indexed by F. For a compact bucket this is a copy: read it, never write it. */
  get f(): Float64Array {
    return this.full ?? this.expanded();
  }

  /** One field (indexed by F), in either form, without copying. */
  field(i: number): number {
    if (this.full) return this.full[i]!;
    if (i >= SIDE_FIRST) {
      const vals = this.vals!;
      for (let k = this.shape!.fields.length; k < vals.length; k += 2) if (vals[k] === i) return vals[k + 1]! + this.oneIn(i, i + 1);
      return this.oneIn(i, i + 1);
    }
    const k = this.shape!.pos[i]!;
    return k < 0 ? 0 : this.vals![k]!;
  }

  /** The sum of fields `from` to `to` − 1 (the bins of one scale), in either form, without copying. */
  sumFields(from: number, to: number): number {
    let sum = 0;
    if (this.full) {
      const f = this.full;
      for (let i = from; i < to; i++) sum += f[i]!;
    } else if (from >= SIDE_FIRST) {
      const vals = this.vals!;
      for (let k = this.shape!.fields.length; k < vals.length; k += 2) {
        const i = vals[k]!;
        if (i >= from && i < to) sum += vals[k + 1]!;
      }
      sum += this.oneIn(from, to);
    } else for (let i = from; i < to; i++) sum += this.field(i);
    return sum;
  }

  /** The latencies a compact bucket holds as numbers whose bin field is in from..to − 1 (0, 1 or 2). */
  private oneIn(from: number, to: number): number {
    let n = 0;
    if (this.runOne !== null) {
      const i = F.runLe0 + latencyBin(this.runOne);
      if (i >= from && i < to && i >= F.runLe0) n++;
    }
    if (this.llmOne !== null) {
      const i = F.llmLe0 + latencyBin(this.llmOne);
      if (i >= from && i < to && i >= F.llmLe0) n++;
    }
    return n;
  }

  /** Takes one count off the pair of field `i` (from entry `from` of a compact bucket's values), dropping the pair at zero. */
  private dropSide(from: number, i: number): void {
    const vals = this.vals!;
    for (let k = from; k < vals.length; k += 2) {
      if (vals[k] !== i) continue;
      if (vals[k + 1]! > 1) vals[k + 1]! -= 1;
      else vals.splice(k, 2);
      return;
    }
  }

  /** Run durations (read only: `runSketch()` to add). */
  get runLatency(): DDSketch {
    return this.run ?? (this.runOne !== null ? single(this.runOne) : EMPTY_SKETCH);
  }

  /** LLM call latencies (read only: `llmSketch()` to add). */
  get llmLatency(): DDSketch {
    return this.llm ?? (this.llmOne !== null ? single(this.llmOne) : EMPTY_SKETCH);
  }

  /** The run latency sketch, made when first needed. */
  runSketch(): DDSketch {
    if (this.run === null) {
      this.run = new DDSketch();
      if (this.runOne !== null) this.run.add(this.runOne);
      this.runOne = null;
    }
    return this.run;
  }

  /** The LLM latency sketch, made when first needed. */
  llmSketch(): DDSketch {
    if (this.llm === null) {
      this.llm = new DDSketch();
      if (this.llmOne !== null) this.llm.add(this.llmOne);
      this.llmOne = null;
    }
    return this.llm;
  }

  /**
   * Records a run latency whose sketch key and ladder bin (-1: above the ladder) are known. A
   * compact bucket keeps its first as a number, which answers for its bin too; the second puts
   * both in the sketch and their bins in pairs.
   */
  addRunLatency(value: number, key: number, bin: number): void {
    if (this.full !== null) {
      if (bin >= 0) this.full[F.runLe0 + bin]! += 1;
      this.run!.addWithKey(value, key);
      return;
    }
    if (this.run === null && this.runOne === null && value >= 0) {
      this.runOne = value;
      return;
    }
    if (this.runOne !== null) {
      const first = latencyBin(this.runOne);
      if (first >= 0) this.addSide(F.runLe0 + first, 1);
    }
    if (bin >= 0) this.addSide(F.runLe0 + bin, 1);
    this.runSketch().addWithKey(value, key);
  }

  /** Records an LLM latency whose sketch key and ladder bin are known (as `addRunLatency`). */
  addLlmLatency(value: number, key: number, bin: number): void {
    if (this.full !== null) {
      if (bin >= 0) this.full[F.llmLe0 + bin]! += 1;
      this.llm!.addWithKey(value, key);
      return;
    }
    if (this.llm === null && this.llmOne === null && value >= 0) {
      this.llmOne = value;
      return;
    }
    if (this.llmOne !== null) {
      const first = latencyBin(this.llmOne);
      if (first >= 0) this.addSide(F.llmLe0 + first, 1);
    }
    if (bin >= 0) this.addSide(F.llmLe0 + bin, 1);
    this.llmSketch().addWithKey(value, key);
  }

  private expanded(): Float64Array {
    const f = new Float64Array(FIELD_COUNT);
    const fields = this.shape!.fields;
    const vals = this.vals!;
    for (let k = 0; k < fields.length; k++) f[fields[k]!] = vals[k]!;
    for (let k = fields.length; k < vals.length; k += 2) f[vals[k]!] = vals[k + 1]!;
    if (this.runOne !== null) {
      const bin = latencyBin(this.runOne);
      if (bin >= 0) f[F.runLe0 + bin]! += 1;
    }
    if (this.llmOne !== null) {
      const bin = latencyBin(this.llmOne);
      if (bin >= 0) f[F.llmLe0 + bin]! += 1;
    }
    return f;
  }

  /** Turns a compact bucket full. */
  private toFull(): Float64Array {
    const f = this.expanded();
    this.full = f;
    this.shape = null;
    this.vals = null;
    this.runSketch();
    this.llmSketch();
    return f;
  }

  /** The entry of field `i` in a compact bucket, added when missing; -1 when the bucket had to turn full. */
  private entry(i: number): number {
    const held = this.shape!.pos[i]!;
    if (held >= 0) return held;
    const next = this.shape!.with(i, SHAPES);
    if (next === null) {
      this.toFull();
      return -1;
    }
    this.shape = next;
    // The new field's value goes after the others of the shape, before the per-bin counts.
    const vals = this.vals!;
    const k = next.fields.length - 1;
    vals.push(0);
    for (let j = vals.length - 1; j > k; j--) vals[j] = vals[j - 1]!;
    vals[k] = 0;
    return k;
  }

  /**
   * Adds an event's fields: the first `count` indices in `touched` (from `from`) of `d`, each
   * merged as FIELD_MERGE says, and its latest-value pairs when `latest`.
   */
  applyFields(touched: ArrayLike<number>, count: number, d: Float64Array, latest: boolean, from = 0): void {
    if (this.full === null) {
      for (let n = from; n < count; n++) {
        const i = touched[n]!;
        if (i >= SIDE_FIRST) {
          this.addSide(i, d[i]!);
          continue;
        }
        const kind = FIELD_MERGE[i];
        if (kind === MERGE_LATEST) continue;
        const k = this.entry(i);
        // Turned full: the rest goes to the full fields.
        if (k < 0) return this.applyFields(touched, count, d, latest, n);
        const v = this.vals!;
        if (kind === MERGE_SUM) v[k]! += d[i]!;
        else if (d[i]! > v[k]!) v[k] = d[i]!;
      }
      if (latest) this.mergeLatestFrom((i) => d[i]!);
      return;
    }
    const f = this.full;
    for (let n = from; n < count; n++) {
      const i = touched[n]!;
      const kind = FIELD_MERGE[i];
      if (kind === MERGE_SUM) f[i]! += d[i]!;
      else if (kind === MERGE_MAX) {
        if (d[i]! > f[i]!) f[i] = d[i]!;
      }
    }
    if (latest) mergeLatest(f, d);
  }

  /** Adds `x` to a per-bin count of a compact bucket. */
  private addSide(i: number, x: number): void {
    const vals = this.vals!;
    for (let k = this.shape!.fields.length; k < vals.length; k += 2) {
      if (vals[k] === i) {
        vals[k + 1]! += x;
        return;
      }
    }
    vals.push(i, x);
  }

  /** Merges latest-value pairs read by `from` into a compact bucket (as `mergeLatest` does into a full one). */
  private mergeLatestFrom(from: (i: number) => number): void {
    for (const [t, v] of LATEST_PAIRS) {
      const ft = from(t);
      const it = this.field(t);
      if (ft > it || (ft === it && from(v) > this.field(v))) {
        this.setField(t, ft);
        this.setField(v, from(v));
      }
    }
  }

  private setField(i: number, x: number): void {
    if (this.full) {
      this.full[i] = x;
      return;
    }
    if (i >= SIDE_FIRST) {
      this.addSide(i, x - this.field(i));
      return;
    }
    const k = this.entry(i);
    if (k < 0) this.full![i] = x;
    else this.vals![k] = x;
  }

  /** Counts one more run error of this type. */
  addErrorType(type: string, n = 1): void {
    const m = (this.errorTypes ??= new Map());
    const cur = m.get(type);
    if (cur !== undefined) m.set(type, cur + n);
    else if (m.size < MAX_ERROR_TYPES) m.set(type, n);
    else m.set("other", (m.get("other") ?? 0) + n);
  }

  /** Adds another bucket into this one (which turns full if it was compact). */
  merge(o: Bucket): void {
    const a = this.full ?? this.toFull();
    if (o.full) {
      const b = o.full;
      for (const [first, end] of SUM_RUNS) for (let i = first; i < end; i++) a[i]! += b[i]!;
      for (const i of MAX_FIELDS) if (b[i]! > a[i]!) a[i] = b[i]!;
      mergeLatest(a, b);
    } else {
      const fields = o.shape!.fields;
      const vals = o.vals!;
      for (let k = 0; k < fields.length; k++) {
        const i = fields[k]!;
        const kind = FIELD_MERGE[i];
        if (kind === MERGE_SUM) a[i]! += vals[k]!;
        else if (kind === MERGE_MAX) {
          if (vals[k]! > a[i]!) a[i] = vals[k]!;
        }
      }
      for (let k = fields.length; k < vals.length; k += 2) a[vals[k]!]! += vals[k + 1]!;
      for (const [t, v] of LATEST_PAIRS) {
        const ft = o.field(t);
        if (ft > a[t]! || (ft === a[t]! && o.field(v) > a[v]!)) {
          a[t] = ft;
          a[v] = o.field(v);
        }
      }
    }
    if (o.run) this.run!.merge(o.run);
    else if (o.runOne !== null) {
      this.run!.add(o.runOne);
      const bin = latencyBin(o.runOne);
      if (bin >= 0) a[F.runLe0 + bin]! += 1;
    }
    if (o.llm) this.llm!.merge(o.llm);
    else if (o.llmOne !== null) {
      this.llm!.add(o.llmOne);
      const bin = latencyBin(o.llmOne);
      if (bin >= 0) a[F.llmLe0 + bin]! += 1;
    }
    if (o.errorTypes) for (const [k, v] of o.errorTypes) this.addErrorType(k, v);
    if (o.agentType !== null && (this.agentType === null || o.field(F.lastRun) >= a[F.lastRun]!)) this.agentType = o.agentType;
  }

  /**
   * Serialises the bucket: a f64 header (layout version, field count), the fields, both sketches,
   * then the error types and agent type as JSON. Typed-array copies keep a persist of thousands of
   * buckets fast.
   */
  encode(): Uint8Array {
    const extra = this.extraBytes();
    const buf = new ArrayBuffer(this.encodedSize(extra));
    this.encodeInto(buf, 0, extra);
    return new Uint8Array(buf);
  }

  /** The error types and agent type as UTF-8 JSON (the variable tail of the encoding). */
  extraBytes(): Uint8Array {
    return encodeUtf8(JSON.stringify([this.errorTypes ? [...this.errorTypes] : [], this.agentType]));
  }

  /** Bytes `encodeInto` writes, given `extraBytes()`. */
  encodedSize(extra: Uint8Array): number {
    return 16 + this.storedFields() * 8 + this.runLatency.encodedSize() + this.llmLatency.encodedSize() + 8 + extra.length;
  }

  /** Writes the encoding at `pos` (a multiple of 8) of `buf`; returns the position after it. */
  encodeInto(buf: ArrayBuffer, pos: number, extra: Uint8Array): number {
    const n = this.storedFields();
    const h = new Float64Array(buf, pos, 2);
    h[0] = LAYOUT;
    h[1] = n;
    new Float64Array(buf, pos + 16, n).set(this.f.subarray(0, n));
    let at = this.runLatency.encode(buf, pos + 16 + n * 8);
    at = this.llmLatency.encode(buf, at);
    new Float64Array(buf, at, 1)[0] = extra.length;
    new Uint8Array(buf, at + 8, extra.length).set(extra);
    return at + 8 + extra.length;
  }

  /**
   * Fields written: up to the last per-bin count held, at least the fields before them (what
   * earlier servers wrote), so a bucket without bins persists as it did and readers take the rest
   * as zeros.
   */
  private storedFields(): number {
    let last = SIDE_FIRST - 1;
    if (this.full !== null) {
      const f = this.full;
      for (let i = FIELD_COUNT - 1; i > last; i--) if (f[i] !== 0) return i + 1;
      return SIDE_FIRST;
    }
    const vals = this.vals!;
    for (let k = this.shape!.fields.length; k < vals.length; k += 2) if (vals[k]! > last) last = vals[k]!;
    if (this.runOne !== null && latencyBin(this.runOne) >= 0) last = Math.max(last, F.runLe0 + latencyBin(this.runOne));
    if (this.llmOne !== null && latencyBin(this.llmOne) >= 0) last = Math.max(last, F.llmLe0 + latencyBin(this.llmOne));
    return last + 1;
  }

  /** Reads a bucket written by `encode`; a bucket written with fewer fields reads the rest as zeros. */
  static decode(bytes: Uint8Array): Bucket {
    // Copy into an 8-byte-aligned buffer (storage drivers hand out slices of larger buffers).
    const buf = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buf).set(bytes);
    const h = new Float64Array(buf, 0, 2);
    if (h[0] !== LAYOUT && h[0] !== 1) throw new RangeError(`unknown bucket layout ${h[0]}`);
    const n = h[1]!;
    const b = new Bucket();
    b.full!.set(new Float64Array(buf, 16, Math.min(n, FIELD_COUNT)));
    const r = DDSketch.decode(buf, 16 + n * 8);
    b.run!.merge(r.sketch);
    const l = DDSketch.decode(buf, r.next);
    b.llm!.merge(l.sketch);
    const len = new Float64Array(buf, l.next, 1)[0]!;
    const [types, agentType] = JSON.parse(decodeUtf8(new Uint8Array(buf, l.next + 8, len))) as [[string, number][], string | null];
    if (types.length) b.errorTypes = new Map(types);
    b.agentType = agentType;
    return b;
  }
}

/**
 * Version of the encoding, checked when reading. 2: sketches may use the compact sparse layout
 * (ddsketch-codec.ts), which servers reading only layout 1 would reject as corrupt; layout 1
 * (dense sketches only) still reads, the sketch layouts telling themselves apart.
 */
const LAYOUT = 2;

// TextEncoder and TextDecoder are language-environment globals, not I/O.
const enc = new TextEncoder();
const dec = new TextDecoder();
function encodeUtf8(s: string): Uint8Array {
  return enc.encode(s);
}
function decodeUtf8(b: Uint8Array): string {
  return dec.decode(b);
}
