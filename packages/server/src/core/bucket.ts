/**
 * A rollup bucket: everything Vigil needs to answer metrics for one time slice of one dimension
 * set — counts and sums in a flat Float64Array, two latency sketches, and error-type counts.
 * Buckets merge by addition (max for the few "latest"/"peak" fields), which is what lets any
 * window be answered from per-minute and per-hour buckets instead of scanning events.
 */
import { DDSketch } from "./ddsketch.js";

/** Indices of the numeric fields of a bucket. */
export const F = {
  runs: 0,
  success: 1,
  failure: 2,
  partial: 3,
  timeout: 4,
  durSum: 5,
  durSumSq: 6,
  tokSum: 7,
  tokN: 8,
  inSum: 9,
  inN: 10,
  outSum: 11,
  outN: 12,
  costSum: 13,
  costN: 14,
  qualSum: 15,
  qualN: 16,
  confSum: 17,
  confN: 18,
  memSum: 19,
  memN: 20,
  memMax: 21,
  cpuSum: 22,
  cpuN: 23,
  cacheHit: 24,
  cacheN: 25,
  retries: 26,
  lastRun: 27,
  llm: 28,
  llmFail: 29,
  llmLatSum: 30,
  ttftSum: 31,
  ttftN: 32,
  llmInSum: 33,
  llmInN: 34,
  llmOutSum: 35,
  llmOutN: 36,
  llmCachedInSum: 37,
  llmCachedInN: 38,
  llmCostSum: 39,
  llmCostN: 40,
  llmCached: 41,
  llmCachedN: 42,
  savedSum: 43,
  savedN: 44,
  accSum: 45,
  accN: 46,
  satSum: 47,
  satN: 48,
  ratingSum: 49,
  ratingN: 50,
  lastSeen: 51,
} as const;

/** Number of numeric fields. */
export const FIELD_COUNT = 52;
/** Fields merged by taking the maximum rather than the sum. */
const MAX_FIELDS: readonly number[] = [F.memMax, F.lastRun, F.lastSeen];
/** 1 at the indices of fields merged by maximum. */
export const IS_MAX_FIELD = new Uint8Array(FIELD_COUNT);
for (const i of MAX_FIELDS) IS_MAX_FIELD[i] = 1;
/** Distinct error types kept per bucket; the rest are counted under "other" so hostile input stays bounded. */
export const MAX_ERROR_TYPES = 32;

/** One time slice of one dimension set. */
export class Bucket {
  /** Counts and sums, indexed by F. */
  readonly f = new Float64Array(FIELD_COUNT);
  /** Run durations. */
  readonly runLatency = new DDSketch();
  /** LLM call latencies. */
  readonly llmLatency = new DDSketch();
  /** Run error types (failures and timeouts) and their counts. */
  errorTypes: Map<string, number> | null = null;
  /** Latest agent type seen (only meaningful when the dimension set names one agent). */
  agentType: string | null = null;
  /** Set when the bucket changed since it was last persisted. */
  dirty = false;

  /** Counts one more run error of this type. */
  addErrorType(type: string, n = 1): void {
    const m = (this.errorTypes ??= new Map());
    const cur = m.get(type);
    if (cur !== undefined) m.set(type, cur + n);
    else if (m.size < MAX_ERROR_TYPES) m.set(type, n);
    else m.set("other", (m.get("other") ?? 0) + n);
  }

  /** Adds another bucket into this one. */
  merge(o: Bucket): void {
    const a = this.f;
    const b = o.f;
    for (let i = 0; i < FIELD_COUNT; i++) {
      if (IS_MAX_FIELD[i] === 1) {
        if (b[i]! > a[i]!) a[i] = b[i]!;
      } else a[i]! += b[i]!;
    }
    this.runLatency.merge(o.runLatency);
    this.llmLatency.merge(o.llmLatency);
    if (o.errorTypes) for (const [k, v] of o.errorTypes) this.addErrorType(k, v);
    if (o.agentType !== null && (this.agentType === null || b[F.lastRun]! >= a[F.lastRun]!)) this.agentType = o.agentType;
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
    return 16 + FIELD_COUNT * 8 + this.runLatency.encodedSize() + this.llmLatency.encodedSize() + 8 + extra.length;
  }

  /** Writes the encoding at `pos` (a multiple of 8) of `buf`; returns the position after it. */
  encodeInto(buf: ArrayBuffer, pos: number, extra: Uint8Array): number {
    const h = new Float64Array(buf, pos, 2);
    h[0] = LAYOUT;
    h[1] = FIELD_COUNT;
    new Float64Array(buf, pos + 16, FIELD_COUNT).set(this.f);
    let at = this.runLatency.encode(buf, pos + 16 + FIELD_COUNT * 8);
    at = this.llmLatency.encode(buf, at);
    new Float64Array(buf, at, 1)[0] = extra.length;
    new Uint8Array(buf, at + 8, extra.length).set(extra);
    return at + 8 + extra.length;
  }

  /** Reads a bucket written by `encode`; a bucket written with fewer fields reads the rest as zeros. */
  static decode(bytes: Uint8Array): Bucket {
    // Copy into an 8-byte-aligned buffer (storage drivers hand out slices of larger buffers).
    const buf = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buf).set(bytes);
    const h = new Float64Array(buf, 0, 2);
    if (h[0] !== LAYOUT) throw new RangeError(`unknown bucket layout ${h[0]}`);
    const n = h[1]!;
    const b = new Bucket();
    b.f.set(new Float64Array(buf, 16, Math.min(n, FIELD_COUNT)));
    const r = DDSketch.decode(buf, 16 + n * 8);
    b.runLatency.merge(r.sketch);
    const l = DDSketch.decode(buf, r.next);
    b.llmLatency.merge(l.sketch);
    const len = new Float64Array(buf, l.next, 1)[0]!;
    const [types, agentType] = JSON.parse(decodeUtf8(new Uint8Array(buf, l.next + 8, len))) as [[string, number][], string | null];
    if (types.length) b.errorTypes = new Map(types);
    b.agentType = agentType;
    return b;
  }
}

/** Version of the encoding, checked when reading. */
const LAYOUT = 1;

// TextEncoder and TextDecoder are language-environment globals, not I/O.
const enc = new TextEncoder();
const dec = new TextDecoder();
function encodeUtf8(s: string): Uint8Array {
  return enc.encode(s);
}
function decodeUtf8(b: Uint8Array): string {
  return dec.decode(b);
}
