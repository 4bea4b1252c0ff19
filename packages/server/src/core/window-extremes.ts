/**
 * The fields of a sliding window's running total that cannot be taken away when a slice leaves
 * it: the bucket's maximum fields (peak memory, latest run, last seen), its latest-value pairs
 * (a cache's entries and capacity) and both sketches' minimum and maximum. Each is kept exact by a
 * monotonic queue per field (the classic sliding-window maximum): a value enters with its slice's
 * start, values it outranks leave at once, and the front is the window's answer; a slice leaving
 * the window removes the values stamped with it. Cost: one push per bucket entering, amortised O(1).
 */
import type { DDSketch } from "./ddsketch.js";
import { type Bucket, F, FIELD_COUNT, FIELD_MERGE, LATEST_PAIRS, MERGE_MAX, MERGE_SUM, mergeLatest } from "./bucket.js";

/** Indices of the fields merged by maximum. */
const MAX_FIELDS: number[] = [];
for (let i = 0; i < FIELD_COUNT; i++) if (FIELD_MERGE[i] === MERGE_MAX) MAX_FIELDS.push(i);
/** Lanes: the max fields, the latest pairs, then run sketch min and max, LLM sketch min and max. */
const LANES = MAX_FIELDS.length + LATEST_PAIRS.length + 4;

/** A monotonic queue of (slice start, primary, secondary), greatest (primary, secondary) first. */
class Lane {
  private t: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private head = 0;

  push(t: number, a: number, b: number): void {
    let n = this.a.length;
    while (n > this.head && (this.a[n - 1]! < a || (this.a[n - 1] === a && this.b[n - 1]! <= b))) n--;
    this.t.length = this.a.length = this.b.length = n;
    this.t.push(t);
    this.a.push(a);
    this.b.push(b);
  }

  /** Removes the values of slices that start before `t`. */
  evictBefore(t: number): void {
    while (this.head < this.t.length && this.t[this.head]! < t) this.head++;
    if (this.head > 16 && this.head * 2 > this.t.length) {
      this.t.splice(0, this.head);
      this.a.splice(0, this.head);
      this.b.splice(0, this.head);
      this.head = 0;
    }
  }

  empty(): boolean {
    return this.head >= this.a.length;
  }

  first(): number {
    return this.a[this.head]!;
  }

  second(): number {
    return this.b[this.head]!;
  }
}

/** The exact extremes of one group's window. */
export class WindowExtremes {
  private readonly lanes: Lane[] = Array.from({ length: LANES }, () => new Lane());

  /** Records what a bucket of the slice starting at `t` holds. Neutral values (no report) are skipped. */
  add(t: number, b: { readonly f: Float64Array; readonly runLatency: DDSketch; readonly llmLatency: DDSketch }): void {
    const f = b.f;
    let l = 0;
    for (const i of MAX_FIELDS) {
      if (f[i] !== 0) this.lanes[l]!.push(t, f[i]!, 0);
      l++;
    }
    for (const [ti, vi] of LATEST_PAIRS) {
      if (f[ti] !== 0 || f[vi] !== 0) this.lanes[l]!.push(t, f[ti]!, f[vi]!);
      l++;
    }
    for (const s of [b.runLatency, b.llmLatency]) {
      if (s.count > 0) {
        this.lanes[l]!.push(t, -s.min, 0);
        this.lanes[l + 1]!.push(t, s.max, 0);
      }
      l += 2;
    }
  }

  /** Forgets the values of slices that start before `t`. */
  evictBefore(t: number): void {
    for (const lane of this.lanes) lane.evictBefore(t);
  }

  /** Writes the window's extremes into its running total. */
  writeTo(b: Bucket): void {
    const f = b.f;
    let l = 0;
    for (const i of MAX_FIELDS) {
      const lane = this.lanes[l++]!;
      f[i] = lane.empty() ? 0 : lane.first();
    }
    for (const [ti, vi] of LATEST_PAIRS) {
      const lane = this.lanes[l++]!;
      f[ti] = lane.empty() ? 0 : lane.first();
      f[vi] = lane.empty() ? 0 : lane.second();
    }
    for (const s of [b.runLatency, b.llmLatency]) {
      const lo = this.lanes[l++]!;
      const hi = this.lanes[l++]!;
      s.min = lo.empty() ? Infinity : -lo.first();
      s.max = hi.empty() ? -Infinity : hi.first();
    }
  }
}

/** Merges only the numeric fields of `from` into `into`, by the bucket's merge rules. */
export function mergeFields(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < FIELD_COUNT; i++) {
    const kind = FIELD_MERGE[i];
    if (kind === MERGE_SUM) into[i]! += from[i]!;
    else if (kind === MERGE_MAX) {
      if (from[i]! > into[i]!) into[i] = from[i]!;
    }
  }
  mergeLatest(into, from);
}

/** Indices of the non-zero fields of `f` (a live group's, so that each window it is added to reads only those). */
export function nonZero(f: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < FIELD_COUNT; i++) if (f[i] !== 0) out.push(i);
  return out;
}

/** `mergeFields` for a `from` whose other fields are zero (`at` from `nonZero`). */
export function mergeFieldsAt(into: Float64Array, from: Float64Array, at: readonly number[]): void {
  for (const i of at) {
    const kind = FIELD_MERGE[i];
    if (kind === MERGE_SUM) into[i]! += from[i]!;
    else if (kind === MERGE_MAX) {
      if (from[i]! > into[i]!) into[i] = from[i]!;
    }
  }
  mergeLatest(into, from);
}

/** `subtractFields` for a `from` whose other fields are zero (`at` from `nonZero`). */
export function subtractFieldsAt(into: Float64Array, from: Float64Array, at: readonly number[]): void {
  for (const i of at) if (FIELD_MERGE[i] === MERGE_SUM) into[i]! -= from[i]!;
}

/** Takes the summed fields of `from` away from `into` (the others are kept by WindowExtremes). */
export function subtractFields(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < FIELD_COUNT; i++) if (FIELD_MERGE[i] === MERGE_SUM) into[i]! -= from[i]!;
}

/** Activity of numeric fields (runs + LLM calls), as a bucket's. */
export function activityOfFields(f: Float64Array): number {
  return f[F.runs]! + f[F.llm]!;
}
