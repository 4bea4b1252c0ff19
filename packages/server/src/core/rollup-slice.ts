/**
 * One time slice of the rollups (a minute, an hour or 10 seconds): the total of every series, a
 * bucket per series, and beside the buckets, in flat arrays, each row's series id and activity
 * (runs + LLM calls). Ranking a listing reads those arrays front to back, without touching the
 * buckets themselves, which is what keeps it fast when a window holds hundreds of thousands of them.
 *
 * A slice also caches its buckets merged by one dimension, keyed by its version (bumped by every
 * change), so that grouping or filtering by a dimension with few values reads one merged bucket
 * per value and slice rather than every series' bucket.
 */
import { Bucket } from "./bucket.js";
import { RowTable } from "./row-table.js";
import { drain, type Stepped } from "./stepped.js";
import type { Dimension, Dims } from "./stored-event.js";

/** Rows merged between two yields. */
export const MERGE_STEP = 256;

/** Rows added at a time when a slice's arrays are full. */
const GROW = 2;

/** One group of a slice's buckets merged by some dimensions: their values and the merged bucket. */
export interface MergedGroup {
  dims: Dims;
  bucket: Bucket;
}

/**
 * Adds a bucket to its group of a merge: a group's first bucket is taken as it is (shared, never
 * changed); a copy is made when a second joins (`own` lists the groups holding a copy).
 */
export function addMerged(groups: Map<string, MergedGroup>, own: Set<string>, key: string, dims: Dims, b: Bucket): void {
  const cur = groups.get(key);
  if (cur === undefined) {
    groups.set(key, { dims, bucket: b });
  } else if (own.has(key)) {
    cur.bucket.merge(b);
  } else {
    const m = new Bucket();
    m.merge(cur.bucket);
    m.merge(b);
    cur.bucket = m;
    own.add(key);
  }
}

/** Buckets of a slice merged by the values of some dimensions, as of a version of the slice. */
interface ByValue {
  version: number;
  /** Group key → merged group; null when grouping saves too little to keep (most groups have one series). */
  groups: Map<string, MergedGroup> | null;
}

/**
 * A ceiling on the merged buckets the caches of one index keep (per-slice merges and run merges):
 * past it, merges are computed for the request and not kept, so caching can never hold more
 * than about `max` full buckets (~2 KB each at most) whatever the queries.
 */
export class MergeBudget {
  used = 0;
  constructor(readonly max: number) {}

  /** Takes room for `n` more merged buckets, or says there is none. */
  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }

  /** Gives back room for `n`. */
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/** Merged buckets the caches keep by default (at most ~100 MB). */
export const DEFAULT_MERGE_BUDGET = 50_000;

/** One time slice. */
export class Slice {
  total: Bucket | null = null;
  /** Series id → row. */
  private readonly rows = new RowTable((row) => this.ids[row]!);
  /** Per row: series id, activity, bucket. */
  ids = new Int32Array(4);
  act = new Float64Array(4);
  readonly buckets: Bucket[] = [];
  /** Rows in use. */
  n = 0;

  constructor(private readonly budget: MergeBudget | null = null) {}
  /** Bumped on every change; cached merges of another version are stale. */
  version = 0;
  private byValue: Map<string, ByValue> | null = null;
  private byOneValue: Map<Dimension, { version: number; groups: Map<string, Bucket> | null }> | null = null;

  /** The row of a series, or -1. */
  row(id: number): number {
    return this.rows.get(id);
  }

  /** The bucket of a series, or undefined. */
  get(id: number): Bucket | undefined {
    const r = this.rows.get(id);
    return r < 0 ? undefined : this.buckets[r];
  }

  /** Adds a series' bucket (or replaces it); returns its row and whether the series is new here. */
  put(id: number, b: Bucket, activity: number): { row: number; added: boolean } {
    this.version++;
    const known = this.rows.get(id);
    if (known >= 0) {
      this.buckets[known] = b;
      this.act[known] = activity;
      return { row: known, added: false };
    }
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.n * GROW);
      ids.set(this.ids);
      this.ids = ids;
      const act = new Float64Array(this.n * GROW);
      act.set(this.act);
      this.act = act;
    }
    const row = this.n++;
    this.ids[row] = id;
    this.act[row] = activity;
    this.buckets.push(b);
    this.rows.add(id, row);
    return { row, added: true };
  }

  /** Records a change to a row's bucket that adds `activity`. */
  touched(row: number, activity: number): void {
    this.version++;
    this.act[row]! += activity;
  }

  /**
   * The slice's buckets merged by the values of some dimensions (named by `name`; `groupOf` gives a
   * series' group key and values), or null when that would not be much smaller than the rows
   * themselves. Merged buckets are shared with later calls: read them, never change them.
   */
  mergedGroups(name: string, groupOf: (id: number) => [string, Dims]): Map<string, MergedGroup> | null {
    return drain(this.mergeSteps(name, groupOf));
  }

  /** `mergedGroups` as steps: a slice may hold a hundred thousand rows, merged between other work. */
  *mergeSteps(name: string, groupOf: (id: number) => [string, Dims]): Stepped<Map<string, MergedGroup> | null> {
    const cached = this.byValue?.get(name);
    if (cached && cached.version === this.version) return cached.groups;
    // The version the merge reads: a change while it runs leaves the result stale for the next read.
    const version = this.version;
    let groups: Map<string, MergedGroup> | null = new Map();
    const own = new Set<string>();
    for (let i = 0; i < this.n; i++) {
      if (i % MERGE_STEP === MERGE_STEP - 1) yield;
      const [key, dims] = groupOf(this.ids[i]!);
      addMerged(groups, own, key, dims, this.buckets[i]!);
      // Most groups with a row each: merging saves nothing, read the rows instead.
      if (groups.size > 8 && groups.size * 2 > this.n) {
        groups = null;
        break;
      }
    }
    const map = (this.byValue ??= new Map());
    const old = map.get(name)?.groups;
    if (old) this.budget?.give(old.size);
    if (groups !== null && this.budget !== null && !this.budget.take(groups.size)) {
      // No room: answer this request from the merge, but do not keep it.
      map.delete(name);
      return groups;
    }
    map.set(name, { version, groups });
    return groups;
  }

  /**
   * The slice's buckets merged by the values of one dimension ("" for series without one), or null
   * when that would not be much smaller than the rows themselves. `valueOf` names a series' value.
   * Merged buckets are shared with later calls: read them, never change them.
   */
  mergedBy(dim: Dimension, valueOf: (id: number) => string): Map<string, Bucket> | null {
    const cached = this.byOneValue?.get(dim);
    if (cached && cached.version === this.version) return cached.groups;
    const merged = this.mergedGroups(`value:${dim}`, (id) => [valueOf(id), {}]);
    const groups = merged === null ? null : new Map([...merged].map(([k, g]) => [k, g.bucket]));
    (this.byOneValue ??= new Map()).set(dim, { version: this.version, groups });
    return groups;
  }

  /** Drops the cached merges (the slice is being forgotten), giving their room back. */
  release(): void {
    for (const c of this.byValue?.values() ?? []) if (c.groups) this.budget?.give(c.groups.size);
    this.byValue = null;
    this.byOneValue = null;
  }
}
