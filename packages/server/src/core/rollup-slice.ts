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
import type { Dimension } from "./stored-event.js";

/** Rows added at a time when a slice's arrays are full. */
const GROW = 2;

/** Buckets of a slice merged by the values of one dimension, as of a version of the slice. */
interface ByValue {
  version: number;
  /** Value → merged bucket; null when grouping saves too little to keep (most values have one series). */
  groups: Map<string, Bucket> | null;
}

/** One time slice. */
export class Slice {
  total: Bucket | null = null;
  /** Series id → row. */
  private readonly rows = new Map<number, number>();
  /** Per row: series id, activity, bucket. */
  ids = new Int32Array(4);
  act = new Float64Array(4);
  readonly buckets: Bucket[] = [];
  /** Rows in use. */
  n = 0;
  /** Bumped on every change; cached merges of another version are stale. */
  version = 0;
  private byValue: Map<Dimension, ByValue> | null = null;

  /** The row of a series, or -1. */
  row(id: number): number {
    return this.rows.get(id) ?? -1;
  }

  /** The bucket of a series, or undefined. */
  get(id: number): Bucket | undefined {
    const r = this.rows.get(id);
    return r === undefined ? undefined : this.buckets[r];
  }

  /** Adds a series' bucket (or replaces it); returns its row and whether the series is new here. */
  put(id: number, b: Bucket, activity: number): { row: number; added: boolean } {
    this.version++;
    const known = this.rows.get(id);
    if (known !== undefined) {
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
    this.rows.set(id, row);
    return { row, added: true };
  }

  /** Records a change to a row's bucket that adds `activity`. */
  touched(row: number, activity: number): void {
    this.version++;
    this.act[row]! += activity;
  }

  /**
   * The slice's buckets merged by the values of `dim` ("" for series without one), or null when
   * that would not be much smaller than the rows themselves. `valueOf` names a series' value.
   * Merged buckets are shared with later calls: read them, never change them.
   */
  mergedBy(dim: Dimension, valueOf: (id: number) => string): Map<string, Bucket> | null {
    const cached = this.byValue?.get(dim);
    if (cached && cached.version === this.version) return cached.groups;
    let groups: Map<string, Bucket> | null = new Map();
    const own = new Set<string>();
    for (let i = 0; i < this.n; i++) {
      const v = valueOf(this.ids[i]!);
      const b = this.buckets[i]!;
      const g = groups.get(v);
      if (g === undefined) {
        groups.set(v, b);
        // Most values with a row each: merging saves nothing, read the rows instead.
        if (groups.size > 8 && groups.size * 2 > this.n) {
          groups = null;
          break;
        }
      } else if (own.has(v)) {
        g.merge(b);
      } else {
        const m = new Bucket();
        m.merge(g);
        m.merge(b);
        groups.set(v, m);
        own.add(v);
      }
    }
    (this.byValue ??= new Map()).set(dim, { version: this.version, groups });
    return groups;
  }
}
