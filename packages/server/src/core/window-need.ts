/**
 * What a window read keeps per group: some of a bucket's numeric fields and some of its two
 * latency sketches. An alert rule on error_rate needs runs, failures and timeouts; one on a p95
 * needs runs and the run sketch. A window kept for such rules adds, takes away and reads only
 * those (field by field from compact buckets, never copying a bucket), which is most of what makes
 * a running total cheap. Fields not in the need read as zero, and sketches not in it as empty.
 */
import type { Bucket } from "./bucket.js";
import { FIELD_COUNT, FIELD_MERGE, LATEST_PAIRS, MERGE_MAX, MERGE_SUM } from "./bucket-fields.js";

/** Sketches a need may name (bit flags). */
export const RUN_SKETCH = 1;
export const LLM_SKETCH = 2;

/** Fields (by merge kind) and sketches a window keeps. Make it with `need`. */
export interface Need {
  /** Summed fields (indexed by F), ascending. */
  readonly sums: readonly number[];
  /** Fields merged by maximum. */
  readonly maxes: readonly number[];
  /** Latest-value pairs [time field, value field]: always both of a pair. */
  readonly latest: readonly (readonly [number, number])[];
  /** RUN_SKETCH | LLM_SKETCH. */
  readonly sketches: number;
  /** Every field index kept, ascending. */
  readonly fields: readonly number[];
  /** A stable name of the need (equal needs, equal keys). */
  readonly key: string;
}

/** The need of some fields and sketches (a latest-value field brings its pair). */
export function need(fields: Iterable<number>, sketches: number): Need {
  const set = new Set<number>();
  for (const i of fields) {
    if (!(i >= 0 && i < FIELD_COUNT)) throw new RangeError(`no bucket field ${i}`);
    set.add(i);
  }
  for (const [t, v] of LATEST_PAIRS) {
    if (set.has(t) || set.has(v)) {
      set.add(t);
      set.add(v);
    }
  }
  const all = [...set].sort((a, b) => a - b);
  const sums = all.filter((i) => FIELD_MERGE[i] === MERGE_SUM);
  const maxes = all.filter((i) => FIELD_MERGE[i] === MERGE_MAX);
  const latest = LATEST_PAIRS.filter(([t]) => set.has(t));
  return { sums, maxes, latest, sketches, fields: all, key: `${all.join(",")}/${sketches}` };
}

/** Every field and both sketches: a window that answers as a scan of the rollups does. */
export const ALL: Need = need(
  Array.from({ length: FIELD_COUNT }, (_, i) => i),
  RUN_SKETCH | LLM_SKETCH,
);

/** Whether `a` keeps everything `b` does. */
export function covers(a: Need, b: Need): boolean {
  if ((a.sketches & b.sketches) !== b.sketches) return false;
  if (a === ALL) return true;
  const have = new Set(a.fields);
  return b.fields.every((i) => have.has(i));
}

/** The need of both. */
export function union(a: Need, b: Need): Need {
  if (covers(a, b)) return a;
  if (covers(b, a)) return b;
  return need([...a.fields, ...b.fields], a.sketches | b.sketches);
}

/** Adds a bucket's needed fields into `into` (summed, maximum and latest pairs as a merge does). */
export function addFields(into: Float64Array, b: Bucket, n: Need): void {
  const sums = n.sums;
  for (let k = 0; k < sums.length; k++) {
    const i = sums[k]!;
    into[i]! += b.field(i);
  }
  mergeOthers(into, b, n);
}

/** Merges a bucket's needed maximum and latest-value fields into `into` (the summed ones are left alone). */
export function mergeOthers(into: Float64Array, b: Bucket, n: Need): void {
  const maxes = n.maxes;
  for (let k = 0; k < maxes.length; k++) {
    const i = maxes[k]!;
    const v = b.field(i);
    if (v > into[i]!) into[i] = v;
  }
  for (const [t, v] of n.latest) {
    const ft = b.field(t);
    if (ft > into[t]! || (ft === into[t]! && b.field(v) > into[v]!)) {
      into[t] = ft;
      into[v] = b.field(v);
    }
  }
}

/** Takes a bucket's needed summed fields away from `into` (the others are kept by WindowExtremes). */
export function subtractFields(into: Float64Array, b: Bucket, n: Need): void {
  const sums = n.sums;
  for (let k = 0; k < sums.length; k++) {
    const i = sums[k]!;
    into[i]! -= b.field(i);
  }
}
