/**
 * The window reads of the enabled alert rules — one per span (relative to now), scope and
 * grouping — each kept as running totals over the slices of one tier (see SlidingWindow): the
 * 10-second slices for windows inside the fine horizon, minutes for longer ones within the minute
 * tier. A window that needs hour slices is not answered here (the caller scans the rollups).
 */
import type { Bucket } from "./bucket.js";
import { groupKey, type DimFilter, type RollupIndex } from "./rollup-index.js";
import { FINE_SLICE, MINUTE, type Tier } from "./rollup-plan.js";
import type { Slice } from "./rollup-slice.js";
import type { SeriesRegistry } from "./series-registry.js";
import type { Stepped } from "./stepped.js";
import type { Dimension, Dims } from "./stored-event.js";
import { GroupTable, partsOf, SlidingWindow, type Contributions, type SliceParts, type WindowGroup } from "./window-aggregates.js";
import { LiveMerges } from "./window-live.js";
import { ALL, covers, union, type Need } from "./window-need.js";

/** What the window reads need of the rollups. */
export type WindowSource = Pick<RollupIndex, "sliceAt" | "fineCovers" | "plan" | "series">;

/** Most series a read kept as running totals may match (see `read`). */
export const MAX_RUNNING_SERIES = 10_000;

/** Slices whose parts a read keeps for its windows to share (the newest few: still filling or just settled). */
const SHARED_PARTS = 8;

/**
 * A read's table of groups only grows (its windows hold groups by index): past this many groups and
 * twice those its windows hold, the read and its windows start afresh from the slices, so that many
 * short-lived agents or models cannot grow it without bound.
 */
export const GROUP_TABLE_FLOOR = 4096;
/** Series a read remembers the group of (a cache, emptied when full). */
export const SERIES_MEMO_MAX = 2 * MAX_RUNNING_SERIES;

/**
 * Per tier, scope and grouping: its groups, how slices contribute, the parts of the newest slices,
 * the merge of the slices still filling, and what its windows need together.
 */
interface Read {
  table: GroupTable;
  /** Keys of its windows in `windows`. */
  windows: Set<string>;
  partsAt: (start: number) => SliceParts | null;
  live: LiveMerges;
  need: Need;
}

/** Running totals per window read. */
export class WindowReads {
  private readonly windows = new Map<string, { w: SlidingWindow; usedAt: number; read: string }>();
  private readonly reads = new Map<string, Read>();

  constructor(private readonly src: WindowSource) {}

  /**
   * The groups of [from, to) at `now`, as `scan(from, to, now, filter, groupBy, true)` finds them,
   * or null when the window is not answered from one tier's slices. Only the fields and sketches of
   * `need` are right (the others read as zero, or empty); a window read with a need it does not
   * keep is rebuilt keeping both (rules are added rarely), so the windows of a span, scope and
   * grouping are one, whatever the metrics of the rules reading it. `place` names the window from one
   * evaluation to the next (e.g. its bounds relative to the end of the rule's current window); by
   * default, its slices' places relative to the slice holding now. `fine` false reads minutes even
   * where 10-second slices would answer (the caller resolved the window to minutes).
   */
  *read(from: number, to: number, now: number, filter: DimFilter, groupBy: readonly Dimension[], need: Need = ALL, opts: { place?: string; fine?: boolean } = {}): Stepped<Map<string, WindowGroup> | null> {
    let tier: Tier | "f";
    let a: number;
    let b: number;
    if (opts.fine !== false && this.src.fineCovers(from, now)) {
      tier = "f";
      a = from - (from % FINE_SLICE);
      b = Math.ceil(to / FINE_SLICE) * FINE_SLICE - FINE_SLICE;
    } else {
      const plan = this.src.plan(from, to, now);
      if (plan.length === 0 || plan.some(([t]) => t !== "m")) return null;
      tier = "m";
      a = plan[0]![1];
      b = plan[plan.length - 1]![1];
    }
    if (b < a) return new Map();
    // Running totals move a slice's groups in one step; past this many matching series that step
    // would hold the thread too long, so such a read is answered by the (stepped) scan instead.
    if (this.src.series.estimate(filter) > MAX_RUNNING_SERIES) return null;
    const readKey = `${tier}|${filterKey(filter)}|${groupBy.join(",")}`;
    // A window must be known by the same key from one evaluation to the next, or its running totals
    // would be built afresh each time: by `place`, or its slices' places relative to the slice holding now.
    const size = tier === "f" ? FINE_SLICE : MINUTE;
    const end = now - (now % size) + size;
    const key = `${readKey}|${opts.place ?? `${a - end}|${b - end}`}`;
    const known = this.reads.get(readKey);
    if (known && known.table.keys.length > Math.max(GROUP_TABLE_FLOOR, 2 * this.held(known))) this.forgetRead(readKey, known);
    let hit = this.windows.get(key);
    if (!hit || !covers(hit.w.need, need)) {
      const t = tier;
      const sliceAt = (start: number) => this.src.sliceAt(t, start);
      let read = this.reads.get(readKey);
      if (!read) {
        const table = new GroupTable();
        const cache = new Map<number, { s: Slice; v: number; parts: SliceParts }>();
        const contributions = contributionsFor(this.src.series, filter, groupBy, table);
        // The slices still filling change at every evaluation: their series' buckets are merged
        // into the live groups for the fields of the need, rather than merged whole by value first.
        const live = contributionsFor(this.src.series, filter, groupBy, table, false);
        const livePartsAt = (start: number): SliceParts | null => {
          const s = sliceAt(start);
          return s ? partsOf(s, live) : null;
        };
        const partsAt = (start: number): SliceParts | null => {
          const s = sliceAt(start);
          if (!s) return null;
          const c = cache.get(start);
          if (c && c.s === s && c.v === s.version) return c.parts;
          const parts = partsOf(s, contributions);
          cache.set(start, { s, v: s.version, parts });
          if (cache.size > SHARED_PARTS) cache.delete(Math.min(...cache.keys()));
          return parts;
        };
        this.reads.set(readKey, (read = { table, windows: new Set(), partsAt, live: new LiveMerges(size, sliceAt, livePartsAt), need }));
      }
      const r = read;
      const kept = hit ? union(hit.w.need, need) : need;
      r.need = union(r.need, kept);
      const liveAt = (from: number, until: number) => r.live.at(from, until, r.need);
      hit = { w: new SlidingWindow(size, sliceAt, r.table, r.partsAt, liveAt, kept), usedAt: now, read: readKey };
      this.windows.set(key, hit);
      r.windows.add(key);
    }
    hit.usedAt = now;
    return yield* hit.w.read(a, b, now);
  }

  /** Forgets the windows not read since `before` (rules removed or changed). */
  forgetUnusedSince(before: number): void {
    for (const [k, v] of this.windows) {
      if (v.usedAt >= before) continue;
      this.windows.delete(k);
      const read = this.reads.get(v.read);
      read?.windows.delete(k);
      if (read?.windows.size === 0) this.reads.delete(v.read);
    }
  }

  /** Windows held, the rebuilds they have made, and the groups their reads' tables name (for operators and tests). */
  stats(): { windows: number; rebuilds: number; groups: number } {
    let rebuilds = 0;
    for (const { w } of this.windows.values()) rebuilds += w.rebuilds;
    let groups = 0;
    for (const r of this.reads.values()) groups += r.table.keys.length;
    return { windows: this.windows.size, rebuilds, groups };
  }

  /** Groups the windows of a read hold now. */
  private held(read: Read): number {
    let n = 0;
    for (const k of read.windows) n += this.windows.get(k)?.w.groups ?? 0;
    return n;
  }

  /** Drops a read and its windows (they start afresh at their next read). */
  private forgetRead(key: string, read: Read): void {
    for (const k of read.windows) this.windows.delete(k);
    this.reads.delete(key);
  }
}

function filterKey(f: DimFilter): string {
  return (Object.keys(f) as Dimension[])
    .filter((d) => f[d] !== undefined)
    .sort()
    .map((d) => `${d}=${f[d]}`)
    .join("&");
}

/**
 * What a slice adds to a read with `filter` and `groupBy`, group by group — the buckets a scan
 * of the rollups merges: a slice's total without filter or grouping, its buckets merged by one
 * dimension when the filter and grouping concern that one (unless `mergeByValue` is false), else the
 * matching series' buckets.
 */
export function contributionsFor(series: SeriesRegistry, filter: DimFilter, groupBy: readonly Dimension[], table: GroupTable, mergeByValue = true): Contributions {
  const filterDims = (Object.keys(filter) as Dimension[]).filter((d) => filter[d] !== undefined);
  const noDims: Dims = {};
  if (groupBy.length === 0 && filterDims.length === 0) {
    const all = table.of("", noDims);
    return (s, each) => {
      if (s.total) each(all, s.total);
    };
  }
  const one = mergeByValue ? oneDimension(filterDims, groupBy) : null;
  const valueOf = (id: number) => (one === null ? "" : (series.dims(id)[one] ?? ""));
  const grouped = groupBy.length === 1;
  // Group per value of the one dimension, and per series while its id names the same dimensions.
  const byValue = new Map<string, number>();
  const memo = new Map<number, { src: Readonly<Dims>; g: number }>();
  const ungrouped = groupBy.length === 0 ? table.of("", noDims) : -1;
  return (s: Slice, each) => {
    const merged = one === null ? null : s.mergedBy(one, valueOf);
    if (merged !== null) {
      const take = (v: string, b: Bucket | undefined) => {
        if (!b) return;
        let g = byValue.get(v);
        if (g === undefined) byValue.set(v, (g = table.of(grouped ? v : "", grouped && v !== "" ? { [one!]: v } : noDims)));
        each(g, b);
      };
      const fixed = filter[one!];
      if (fixed !== undefined) take(fixed, merged.get(fixed));
      else for (const [v, b] of merged) take(v, b);
      return;
    }
    const emit = (id: number, row: number) => {
      if (ungrouped >= 0) return each(ungrouped, s.buckets[row]!);
      const dims = series.dims(id);
      let m = memo.get(id);
      if (m === undefined || m.src !== dims) {
        const gd: Dims = {};
        for (const d of groupBy) if (dims[d] !== undefined) gd[d] = dims[d];
        // Series come and go: past SERIES_MEMO_MAX remembered, start again (the table keeps the groups).
        if (memo.size >= SERIES_MEMO_MAX) memo.clear();
        memo.set(id, (m = { src: dims, g: table.of(groupKey(dims, groupBy), gd) }));
      }
      each(m.g, s.buckets[row]!);
    };
    if (filterDims.length === 0) {
      for (let i = 0; i < s.n; i++) emit(s.ids[i]!, i);
      return;
    }
    const ids = series.matching(filter);
    if (ids.length <= s.n) {
      for (const id of ids) {
        const row = s.row(id);
        if (row >= 0) emit(id, row);
      }
      return;
    }
    const wanted = new Set(ids);
    for (let i = 0; i < s.n; i++) if (wanted.has(s.ids[i]!)) emit(s.ids[i]!, i);
  };
}

/** The one dimension a filter and grouping both concern (so a slice's merged-by-value buckets answer it), or null. */
function oneDimension(filterDims: Dimension[], groupBy: readonly Dimension[]): Dimension | null {
  if (filterDims.length > 1 || groupBy.length > 1) return null;
  const d = groupBy[0] ?? filterDims[0];
  if (d === undefined) return null;
  if (filterDims.length === 1 && filterDims[0] !== d) return null;
  return d;
}
