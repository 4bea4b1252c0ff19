/**
 * The read side of the rollups: walks the slices of a window and hands over the buckets that
 * match a filter, by group — from each slice's total, from per-slice buckets merged by the
 * grouping's dimensions, from the series of the shortest posting list, or row by row — and
 * ranks groups by activity from the slices' flat arrays. `RollupIndex` plans the slices.
 */
import { Bucket } from "./bucket.js";
import type { MergeBudget, MergedGroup, Slice } from "./rollup-slice.js";
import { RunCache } from "./run-cache.js";
import { matchesFilter, SEP, type SeriesRegistry } from "./series-registry.js";
import type { Stepped } from "./stepped.js";
import type { Dimension, Dims } from "./stored-event.js";

/** Filter on dimensions: every given dimension must equal its value. */
export type DimFilter = Partial<Record<Dimension, string>>;

/** Restricts a scan to the series whose `dim` is one of `values` (e.g. the agents of one page). */
export interface OnlyValues {
  dim: Dimension;
  values: ReadonlySet<string>;
  /** And, when given, to these groups (keys under the scan's grouping). */
  groups?: ReadonlySet<string>;
}

/** The key of a group of a query answer grouped by `groupBy` (from a Dims object or an alert's labels). */
export function groupKey(values: Readonly<Record<string, string | undefined>>, groupBy: readonly Dimension[]): string {
  if (groupBy.length === 1) return values[groupBy[0]!] ?? "";
  return groupBy.map((g) => values[g] ?? "").join(SEP);
}

/** One group of a query answer: its dimension values and the merged bucket (read it, never change it). */
export interface Group {
  dims: Dims;
  bucket: Bucket;
  /** True while `bucket` is a stored bucket itself rather than a merged copy. */
  shared?: boolean;
}

/** Which series a scan reads: listed ids (few), a test per row (many), or all (both null). */
interface Selection {
  ids: number[] | null;
  /** `ids` as a set, when long. */
  wanted: Set<number> | null;
  accept: ((id: number) => boolean) | null;
}


/** Buckets a scan visits between two yields (small enough that a step takes well under a millisecond). */
const SCAN_STEP = 256;

/**
 * What a window is read from: single slices, and runs of consecutive complete minute slices whose
 * merged buckets are cached as one (see `RunCache`).
 */
export type Segment = Slice | undefined | Slice[];

/** The slices of segments, in order. */
export function flatten(segments: Segment[]): (Slice | undefined)[] {
  const out: (Slice | undefined)[] = [];
  for (const s of segments) {
    if (Array.isArray(s)) out.push(...s);
    else out.push(s);
  }
  return out;
}

/** Reads slices of one rollup index. */
export class RollupReader {
  private readonly runs: RunCache;

  constructor(
    private readonly series: SeriesRegistry,
    budget: MergeBudget | null = null,
  ) {
    this.runs = new RunCache(budget);
  }

  /** Forgets what is cached about a slice being dropped. */
  forget(s: Slice): void {
    this.runs.forget(s);
  }

  /**
   * Hands every bucket (or per-slice merged bucket) of `slices` that matches the filter and `only`
   * to `sink` with its group key and values under `groupBy`.
   */
  *traverse(segments: Segment[], filter: DimFilter, groupBy: readonly Dimension[], only: OnlyValues | undefined, sink: (gk: string, gd: Dims, b: Bucket) => void): Stepped<void> {
    const filterDims = (Object.keys(filter) as Dimension[]).filter((d) => filter[d] !== undefined);
    if (groupBy.length === 0 && only === undefined && filterDims.length === 0) {
      for (const s of flatten(segments)) if (s?.total) sink("", {}, s.total);
      return;
    }
    const groupOf = this.grouping(groupBy);
    const pick = only?.groups;
    const add = (id: number, b: Bucket) => {
      const [gk, gd] = groupOf(id);
      if (pick === undefined || pick.has(gk)) sink(gk, gd, b);
    };
    const mergeDims = mergeableBy(filterDims, groupBy, only);
    const mergeGroup = mergeDims === null ? null : mergeDims === groupBy ? groupOf : this.grouping(mergeDims);
    const mergeName = mergeDims?.join(",") ?? "";
    // The matching series, found when a slice first needs them (not when merged buckets answer).
    let sel: Selection | undefined;
    const steps = { n: 0 };
    const queue: (Segment | undefined)[] = [...segments];
    for (let q = 0; q < queue.length; q++) {
      const seg = queue[q];
      if (!seg) continue;
      let merged: Map<string, MergedGroup> | null;
      if (Array.isArray(seg)) {
        merged = mergeGroup === null ? null : yield* this.runs.merged(seg, mergeName, mergeGroup);
        if (merged === null) {
          // Not mergeable as a run: read its slices one by one.
          queue.splice(q + 1, 0, ...seg);
          continue;
        }
      } else {
        merged = mergeGroup === null ? null : yield* seg.mergeSteps(mergeName, mergeGroup);
      }
      if (merged === null) {
        const s = seg as Slice;
        sel ??= this.select(filter, only);
        if (sel.ids !== null && sel.ids.length === 0) return;
        yield* this.visitSlice(s, sel, steps, add);
        continue;
      }
      for (const g of merged.values()) {
        if (++steps.n % SCAN_STEP === 0) yield;
        if (!matchesFilter(g.dims, filter)) continue;
        if (only !== undefined && !only.values.has(g.dims[only.dim] as string)) continue;
        if (groupBy.length === 0) sink("", {}, g.bucket);
        else {
          const gk = groupKey(g.dims, groupBy);
          if (pick === undefined || pick.has(gk)) sink(gk, g.dims, g.bucket);
        }
      }
    }
  }

  /**
   * Per value of `dim`, the activity (runs + LLM calls) of the window — the cheap first pass of a
   * ranked listing: one addition per bucket, read from flat arrays, no merging. Values are keyed
   * as `scan` grouped by `dim` keys them ("" for the series without one).
   */
  *rank(segments: Segment[], filter: DimFilter, dim: Dimension): Stepped<Map<string, number>> {
    const out = new Map<string, number>();
    const slices = flatten(segments);
    if (isEmptyFilter(filter)) {
      let acc = new Float64Array(this.series.valueNumberBound(dim) + 1);
      let seen = new Uint8Array(acc.length);
      let n = 0;
      for (const s of slices) {
        if (!s) continue;
        // Read per slice: folding between steps may register values (and grow the array).
        const vids = this.series.valueNumbers(dim);
        const bound = this.series.valueNumberBound(dim) + 1;
        if (bound > acc.length) {
          const a = new Float64Array(bound);
          a.set(acc);
          acc = a;
          const z = new Uint8Array(bound);
          z.set(seen);
          seen = z;
        }
        const ids = s.ids;
        const act = s.act;
        for (let i = 0; i < s.n; i++) {
          if (i % 16384 === 16383) yield;
          const v = vids[ids[i]!]! + 1;
          acc[v]! += act[i]!;
          seen[v] = 1;
        }
        n += s.n;
        if (n > SCAN_STEP * 16) {
          n = 0;
          yield;
        }
      }
      for (let v = 0; v < acc.length; v++) {
        if (v % 4096 === 4095) yield;
        if (seen[v]) out.set(v === 0 ? "" : this.series.valueName(dim, v - 1), acc[v]!);
      }
      return out;
    }
    const sel = this.select(filter, undefined);
    if (sel.ids !== null && sel.ids.length === 0) return out;
    const steps = { n: 0 };
    for (const s of slices) {
      if (!s) continue;
      yield* this.visitSlice(s, sel, steps, (id, _b, row) => {
        const v = this.series.dims(id)[dim] ?? "";
        out.set(v, (out.get(v) ?? 0) + s.act[row]!);
      });
    }
    return out;
  }

  /**
   * The series a filter (and `only`) admits: their ids from the posting lists when they are few,
   * or a test of each row's series when they are a large part of all series (building and probing
   * a long list would cost more than reading the rows).
   */
  private select(filter: DimFilter, only: OnlyValues | undefined): Selection {
    if (only === undefined && isEmptyFilter(filter)) return { ids: null, wanted: null, accept: null };
    const total = this.series.size();
    if (total > 256 && this.series.estimate(filter, only) * 4 > total) return { ids: null, wanted: null, accept: this.acceptor(filter, only) };
    const ids = this.series.matching(filter, only);
    return { ids, wanted: ids.length > 64 ? new Set(ids) : null, accept: null };
  }

  /**
   * A test of a series id against a filter and `only`, reading the flat value-number arrays (no
   * object per series): a filter value becomes its number, `only`'s values a mask of numbers.
   */
  private acceptor(filter: DimFilter, only: OnlyValues | undefined): (id: number) => boolean {
    const r = this.series;
    const tests: { vids: Int32Array; want: number }[] = [];
    for (const d of Object.keys(filter) as Dimension[]) {
      const v = filter[d];
      if (v === undefined) continue;
      const want = r.valueNumber(d, v);
      if (want < 0) return () => false;
      tests.push({ vids: r.valueNumbers(d), want });
    }
    let mask: Uint8Array | null = null;
    let onlyVids: Int32Array | null = null;
    if (only !== undefined) {
      mask = new Uint8Array(r.valueNumberBound(only.dim));
      for (const v of only.values) {
        const n = r.valueNumber(only.dim, v);
        if (n >= 0) mask[n] = 1;
      }
      onlyVids = r.valueNumbers(only.dim);
    }
    return (id) => {
      // A series registered since (folding between steps may grow the arrays) is tested by its values.
      if (mask !== null && id >= onlyVids!.length) return matchesFilter(r.dims(id), filter) && only!.values.has(r.dims(id)[only!.dim] as string);
      for (const t of tests) {
        if (id >= t.vids.length) return matchesFilter(r.dims(id), filter) && (only === undefined || only.values.has(r.dims(id)[only.dim] as string));
        if (t.vids[id] !== t.want) return false;
      }
      if (mask !== null) {
        const n = onlyVids![id]!;
        if (n < 0 || n >= mask.length || mask[n] !== 1) return false;
      }
      return true;
    };
  }

  /** Names the value of `dim` of a series ("" for none). */
  private valueOf(dim: Dimension): (id: number) => string {
    return (id) => this.series.dims(id)[dim] ?? "";
  }

  /**
   * Calls `each` for every bucket of a slice whose series is in `ids` (null: all). Few ids are
   * looked up; many are checked while reading the slice's rows.
   */
  private *visitSlice(s: Slice, sel: Selection, steps: { n: number }, each: (id: number, b: Bucket, row: number) => void): Stepped<void> {
    const ids = sel.ids;
    if (ids !== null && ids.length <= s.n) {
      for (const id of ids) {
        if (++steps.n % SCAN_STEP === 0) yield;
        const row = s.row(id);
        if (row >= 0) each(id, s.buckets[row]!, row);
      }
      return;
    }
    const { wanted, accept } = sel;
    for (let i = 0; i < s.n; i++) {
      if (++steps.n % SCAN_STEP === 0) yield;
      const id = s.ids[i]!;
      if (ids !== null && !(wanted ? wanted.has(id) : ids.includes(id))) continue;
      if (accept !== null && !accept(id)) continue;
      each(id, s.buckets[i]!, i);
    }
  }

  /** Group key and dimension values of a series under `groupBy`, computed once per series per scan. */
  private grouping(groupBy: readonly Dimension[]): (id: number) => [string, Dims] {
    if (groupBy.length === 0) return () => ["", {}];
    const memo = new Map<number, [string, Dims]>();
    return (id) => {
      let g = memo.get(id);
      if (!g) {
        const dims = this.series.dims(id);
        const gd: Dims = {};
        for (const d of groupBy) if (dims[d] !== undefined) gd[d] = dims[d];
        memo.set(id, (g = [groupKey(dims, groupBy), gd]));
      }
      return g;
    };
  }
}

/**
 * The dimensions whose per-slice merged buckets can answer a scan: its grouping (or, ungrouped,
 * its one filter dimension), when every filter dimension and `only` are among them. Null otherwise.
 */
function mergeableBy(filterDims: Dimension[], groupBy: readonly Dimension[], only: OnlyValues | undefined): readonly Dimension[] | null {
  const dims = groupBy.length ? groupBy : filterDims.length === 1 ? filterDims : null;
  if (dims === null) return null;
  if (filterDims.some((d) => !dims.includes(d))) return null;
  if (only !== undefined && !dims.includes(only.dim)) return null;
  return dims;
}

export function isEmptyFilter(f: DimFilter): boolean {
  for (const k in f) if (f[k as Dimension] !== undefined) return false;
  return true;
}

/**
 * Adds a stored bucket to a group of a query answer. A group's first bucket is taken as it is (no
 * copy): most groups of a high-cardinality query have one bucket, and copying each would cost an
 * allocation and a merge. Answers are read, never changed; the copy is made when a second bucket
 * joins the group.
 */
export function addTo(out: Map<string, Group>, key: string, dims: Dims, b: Bucket): void {
  const g = out.get(key);
  if (!g) {
    out.set(key, { dims, bucket: b, shared: true });
    return;
  }
  if (g.shared) {
    const own = new Bucket();
    own.merge(g.bucket);
    g.bucket = own;
    g.shared = false;
  }
  g.bucket.merge(b);
}
