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
  // Appended with the cache, tool_call and retrieval events and the run's degradation fields.
  /** Runs counted as degraded: `degraded: true` or status `partial`. */
  degraded: 52,
  /** Runs that sent `degraded: true` (whatever their status). */
  degradedFlag: 53,
  /** Entries of the runs' `warnings` lists. */
  warnings: 54,
  tool: 55,
  toolFail: 56,
  toolDurSum: 57,
  toolDurN: 58,
  toolCostSum: 59,
  toolCostN: 60,
  retrieval: 61,
  retrievalFail: 62,
  retrievalDurSum: 63,
  retrievalDurN: 64,
  retrievalCostSum: 65,
  retrievalCostN: 66,
  /** Cache operations by kind, each adding the event's `count`. */
  cacheHits: 67,
  cacheMisses: 68,
  cacheWrites: 69,
  cacheEvictions: 70,
  cacheInvalidations: 71,
  /** Latest `entries` reported by a cache event: its event time, the value, and how many events reported it. */
  cacheEntriesTs: 72,
  cacheEntries: 73,
  cacheEntriesN: 74,
  /** Latest `capacity` reported by a cache event, as for entries. */
  cacheCapacityTs: 75,
  cacheCapacity: 76,
  cacheCapacityN: 77,
} as const;

/** Number of numeric fields. */
export const FIELD_COUNT = 78;

/** How a field merges: summed. */
export const MERGE_SUM = 0;
/** How a field merges: the maximum is kept. */
export const MERGE_MAX = 1;
/** How a field merges: part of a latest-value pair (see LATEST_PAIRS), merged by `mergeLatest`. */
export const MERGE_LATEST = 2;
/** Fields merged by taking the maximum rather than the sum. */
const MAX_FIELDS: readonly number[] = [F.memMax, F.lastRun, F.lastSeen];
/**
 * Latest-value pairs `[time field, value field]`: the pair with the greater time wins, and at
 * equal times the greater value, so merging is a lexicographic maximum — commutative and
 * associative, hence independent of the order buckets and events are merged in. An empty pair
 * (0, 0) never displaces a reported one; the companion count field tells "no report" apart.
 */
export const LATEST_PAIRS: readonly (readonly [number, number])[] = [
  [F.cacheEntriesTs, F.cacheEntries],
  [F.cacheCapacityTs, F.cacheCapacity],
];
/** Per field, how it merges: MERGE_SUM, MERGE_MAX or MERGE_LATEST. */
export const FIELD_MERGE = new Uint8Array(FIELD_COUNT);
for (const i of MAX_FIELDS) FIELD_MERGE[i] = MERGE_MAX;
for (const [t, v] of LATEST_PAIRS) FIELD_MERGE[t] = FIELD_MERGE[v] = MERGE_LATEST;

/** Merges the latest-value pairs of `from` into `into` (both indexed by F). */
export function mergeLatest(into: Float64Array, from: Float64Array): void {
  for (const [t, v] of LATEST_PAIRS) {
    const ft = from[t]!;
    const it = into[t]!;
    if (ft > it || (ft === it && from[v]! > into[v]!)) {
      into[t] = ft;
      into[v] = from[v]!;
    }
  }
}

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
      const kind = FIELD_MERGE[i];
      if (kind === MERGE_SUM) a[i]! += b[i]!;
      else if (kind === MERGE_MAX) {
        if (b[i]! > a[i]!) a[i] = b[i]!;
      }
    }
    mergeLatest(a, b);
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
    if (h[0] !== LAYOUT && h[0] !== 1) throw new RangeError(`unknown bucket layout ${h[0]}`);
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
