/**
 * The in-memory rollups: per-minute and per-hour buckets for every series (a dimension set of
 * agent, model, route, tenant, mode) plus a total per slice. Folding an event touches four
 * buckets; answering a window merges at most ~140 time slices whatever the number of events.
 *
 * Buckets are keyed by series id (see `SeriesRegistry`): a filter reads only the series in the
 * shortest posting list of its values, so its cost follows the matching series and the window,
 * not every series the window holds.
 *
 * A query reads the slices that cover `[from, to)`: a bound inside a slice takes in the whole
 * slice, and spans older than the minute horizon are read from hour buckets. Callers therefore pass
 * bounds on slice boundaries (see window-bounds.ts: `[to - length, to)` with `to` the end of the
 * slice holding now), so a window of 60 minutes reads exactly 60 minute slices and two adjacent
 * windows never share one; `countedBounds` (rollup-plan.ts) says which bounds a query really reads.
 */
import type { OverflowNote, RollupCardinality } from "@vigil/contract";
import { Bucket, F } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import { FINE_HORIZON, FINE_SLICE, finePlan, HOUR, MINUTE, minuteFloorOf, slicePlan, type Tier } from "./rollup-plan.js";
import { DEFAULT_MERGE_BUDGET, MergeBudget, Slice } from "./rollup-slice.js";
import { activityOf } from "./metrics.js";
import { addTo, RollupReader, type DimFilter, type Group, type OnlyValues, type Segment } from "./rollup-reader.js";
import { DEFAULT_LIMITS, OVERFLOW_VALUE, SeriesRegistry, type CardinalityLimits } from "./series-registry.js";
import { drain, type Stepped } from "./stepped.js";
import { DIMENSIONS, type Dimension, type Dims, type StoredEvent } from "./stored-event.js";

export { FINE_HORIZON, FINE_SLICE, HOUR, MINUTE, type Tier } from "./rollup-plan.js";
export { dimsKey, OVERFLOW_VALUE, parseDimsKey, type CardinalityLimits } from "./series-registry.js";
export { groupKey, type DimFilter, type Group, type OnlyValues } from "./rollup-reader.js";

/** Key of the all-dimensions total bucket of a time slice (as persisted). */
export const TOTAL_KEY = "\u0000total";

/** A bucket with its address, as persisted. */
export interface BucketRecord {
  tier: Tier;
  start: number;
  key: string;
  bucket: Bucket;
}

/** How long each tier is kept in memory, and the cardinality limits. */
export interface RollupHorizons {
  minuteMs: number;
  hourMs: number;
  limits?: CardinalityLimits;
  /** Most merged buckets the query caches keep (default DEFAULT_MERGE_BUDGET). */
  mergeCache?: number;
}

/** Fewest consecutive minute slices read as one cached run. */
const MIN_RUN = 4;

/** The rollups of every series in the minute and hour tiers. */
export class RollupIndex {
  private readonly tiers: Record<Tier, Map<number, Slice>> = { m: new Map(), h: new Map() };
  /**
   * 10-second slices of the last FINE_HORIZON, so alert rules with windows down to 30 s read exactly
   * their window. Kept in memory only: after a start they fill up from the events folded since.
   */
  private readonly fine = new Map<number, Slice>();
  private fineSince = Infinity;
  private readonly dirty: BucketRecord[] = [];
  private readonly delta = new EventDelta();
  readonly series: SeriesRegistry;
  private readonly reader: RollupReader;
  /** Ceiling on the merged buckets the caches keep. */
  private readonly budget: MergeBudget;
  /** Highest stored-event sequence folded in (persisted with the buckets). */
  watermark = 0;

  /** `now`, when given, keeps events older than the minute horizon (backfills) out of the minute tier. */
  constructor(
    private readonly horizons: RollupHorizons,
    private readonly now?: () => number,
  ) {
    this.series = new SeriesRegistry(horizons.limits ?? DEFAULT_LIMITS);
    this.budget = new MergeBudget(horizons.mergeCache ?? DEFAULT_MERGE_BUDGET);
    this.reader = new RollupReader(this.series, this.budget);
  }

  /** Folds one event into its minute and hour buckets, per series and in total. */
  fold(ev: StoredEvent): void {
    if (ev.type === "metric") return;
    const id = this.series.idForEvent(ev.body);
    const d = this.delta.prepare(ev);
    const activity = d.f[F.runs]! + d.f[F.llm]!;
    const h = ev.ts - (ev.ts % HOUR);
    this.apply(this.tiers.h, "h", h, id, activity);
    const m = ev.ts - (ev.ts % MINUTE);
    // A backfill older than the minute horizon goes to the hour tier only: the minute buckets
    // would be pruned anyway, and until then they would hold memory for nothing.
    if (this.now === undefined || m + MINUTE > this.now() - this.horizons.minuteMs) this.apply(this.tiers.m, "m", m, id, activity);
    const f = ev.ts - (ev.ts % FINE_SLICE);
    if (f >= this.fineSince - FINE_HORIZON) this.apply(this.fine, null, f, id, activity);
  }

  /** Applies the prepared delta to a slice's series bucket and total; `tier` null: not persisted (fine slices). */
  private apply(slices: Map<number, Slice>, tier: Tier | null, start: number, id: number, activity: number): void {
    let s = slices.get(start);
    if (!s) slices.set(start, (s = new Slice(this.budget)));
    let row = s.row(id);
    if (row < 0) {
      row = s.put(id, Bucket.compact(), 0).row;
      this.series.retain(id);
    }
    const b = s.buckets[row]!;
    this.delta.applyTo(b);
    s.touched(row, activity);
    const t = (s.total ??= new Bucket());
    this.delta.applyTo(t);
    if (tier === null) return;
    if (!b.dirty) {
      b.dirty = true;
      this.dirty.push({ tier, start, key: this.series.keyOf(id), bucket: b });
    }
    if (!t.dirty) {
      t.dirty = true;
      this.dirty.push({ tier, start, key: TOTAL_KEY, bucket: t });
    }
  }

  /**
   * Starts keeping fine slices from `now`: windows that start at or after it can be answered to
   * 10 seconds; earlier ones fall back to minutes (events folded before, e.g. restored from a
   * checkpoint, are not in the fine slices).
   */
  startFine(now: number): void {
    this.fineSince = now - (now % FINE_SLICE);
  }

  private slice(tier: Tier, start: number): Slice {
    const t = this.tiers[tier];
    let s = t.get(start);
    if (!s) t.set(start, (s = new Slice(this.budget)));
    return s;
  }

  /** Puts a persisted bucket back (on start-up or after a rebuild); it is not marked dirty. */
  restore(rec: BucketRecord): void {
    const s = this.slice(rec.tier, rec.start);
    if (rec.key === TOTAL_KEY) {
      s.total = rec.bucket;
      return;
    }
    const id = this.series.idFor(rec.key);
    if (s.put(id, Bucket.compactOf(rec.bucket), activityOf(rec.bucket)).added) this.series.retain(id);
  }

  /** Hands over the buckets changed since the last call and marks them clean. */
  takeDirty(): BucketRecord[] {
    const out = this.dirty.splice(0, this.dirty.length);
    for (const r of out) r.bucket.dirty = false;
    return out;
  }

  /** Puts records back on the dirty list after a failed persist, so nothing is lost. */
  returnDirty(recs: BucketRecord[]): void {
    for (const r of recs) {
      if (!r.bucket.dirty) {
        r.bucket.dirty = true;
        this.dirty.push(r);
      }
    }
  }

  /** Forgets a slice, releasing the series only it held. */
  private drop(slices: Map<number, Slice>, start: number): void {
    const s = slices.get(start);
    if (!s) return;
    slices.delete(start);
    for (let i = 0; i < s.n; i++) this.series.release(s.ids[i]!);
    s.release();
    this.reader.forget(s);
  }

  /** Drops the buckets of [from, to) in both tiers (before a rebuild of that span). */
  clearSpan(from: number, to: number): void {
    this.series.recycle();
    for (const start of [...this.fine.keys()]) if (start >= from - (from % FINE_SLICE) && start < to) this.drop(this.fine, start);
    for (const [tier, size] of [["m", MINUTE], ["h", HOUR]] as const) {
      for (const start of [...this.tiers[tier].keys()]) {
        if (start >= from - (from % size) && start < to) this.drop(this.tiers[tier], start);
      }
    }
  }

  /** Marks every bucket of [from, to) dirty, so a rebuilt span is persisted whole. */
  markSpanDirty(from: number, to: number): void {
    const mark = (tier: Tier, start: number, key: string, bucket: Bucket) => {
      if (bucket.dirty) return;
      bucket.dirty = true;
      this.dirty.push({ tier, start, key, bucket });
    };
    for (const tier of ["m", "h"] as const) {
      for (const [start, s] of this.tiers[tier]) {
        if (start < from - (from % HOUR) || start >= to) continue;
        if (s.total) mark(tier, start, TOTAL_KEY, s.total);
        for (let i = 0; i < s.n; i++) mark(tier, start, this.series.keyOf(s.ids[i]!), s.buckets[i]!);
      }
    }
  }

  /** Forgets buckets older than the horizons. */
  prune(now: number): void {
    this.series.recycle();
    const mCut = now - this.horizons.minuteMs;
    const hCut = now - this.horizons.hourMs;
    for (const start of [...this.tiers.m.keys()]) if (start + MINUTE <= mCut) this.drop(this.tiers.m, start);
    for (const start of [...this.tiers.h.keys()]) if (start + HOUR <= hCut) this.drop(this.tiers.h, start);
    for (const start of [...this.fine.keys()]) if (start + FINE_SLICE <= now - FINE_HORIZON) this.drop(this.fine, start);
  }

  /** Longest span the rollups can answer (the hour-tier horizon). */
  maxSpanMs(): number {
    return this.horizons.hourMs;
  }

  /** Earliest minute start the minute tier still holds data for (given `now`). */
  minuteFloor(now: number): number {
    return minuteFloorOf(now, this.horizons.minuteMs);
  }

  /** The time slices that cover [from, to): minutes at the edges, whole hours between. */
  plan(from: number, to: number, now: number): [Tier, number][] {
    return slicePlan(from, to, this.minuteFloor(now));
  }

  /** True when fine slices hold everything from `from` (10-second resolution is available). */
  fineCovers(from: number, now: number): boolean {
    return from >= this.fineSince && from > now - FINE_HORIZON;
  }

  /**
   * The slices of a window, fine or coarse. Coarse plans group consecutive minute slices into runs
   * (read through the run cache), except a last slice still filling (the minute holding `now`),
   * which would change the run at every event. A run checks each slice's version, so a late
   * event in a finished minute only makes the next read merge it again.
   */
  private slices(from: number, to: number, now: number, fine: boolean): Segment[] {
    if (fine && this.fineCovers(from, now)) return finePlan(from, to).map((t) => this.fine.get(t));
    const plan = this.plan(from, to, now);
    const out: Segment[] = [];
    let run: Slice[] = [];
    const close = () => {
      if (run.length >= MIN_RUN) out.push(run);
      else out.push(...run);
      run = [];
    };
    for (let i = 0; i < plan.length; i++) {
      const [tier, start] = plan[i]!;
      const s = this.tiers[tier].get(start);
      if (tier === "m" && (i < plan.length - 1 || start + MINUTE <= now)) {
        if (s) run.push(s);
        continue;
      }
      close();
      out.push(s);
    }
    close();
    return out;
  }

  /**
   * Merges the buckets of the window [from, to) that match `filter`, grouped by `groupBy`
   * (no grouping: one group with key ""). Returns group key → merged bucket.
   */
  query(from: number, to: number, now: number, filter: DimFilter = {}, groupBy: readonly Dimension[] = [], fine = false): Map<string, Group> {
    return drain(this.scan(from, to, now, filter, groupBy, fine));
  }

  /**
   * The work of `query` as steps: it yields after every few hundred buckets visited, so a caller can
   * spread a scan over many series across turns of the event loop (see `drain` for running it at once).
   * `only`, when given, keeps just the series carrying one of its values (e.g. the agents of one page).
   *
   * Fast paths: no filter and no grouping read each slice's total; a grouping (or a filter on one
   * dimension) reads each slice's buckets merged by those dimensions (cached per slice version)
   * when they have few values there; any other filter reads the series of its shortest posting list.
   */
  *scan(from: number, to: number, now: number, filter: DimFilter = {}, groupBy: readonly Dimension[] = [], fine = false, only?: OnlyValues): Stepped<Map<string, Group>> {
    const out = new Map<string, Group>();
    yield* this.reader.traverse(this.slices(from, to, now, fine), filter, groupBy, only, (gk, gd, b) => addTo(out, gk, gd, b));
    return out;
  }

  /**
   * Per group of a window (filtered and grouped as `scan` does), the sum of one field over its
   * buckets — without merging them. Entries come in the order `scan` would create its groups.
   */
  *sums(from: number, to: number, now: number, filter: DimFilter, groupBy: readonly Dimension[], only: OnlyValues | undefined, field: number): Stepped<Map<string, { dims: Dims; sum: number }>> {
    const out = new Map<string, { dims: Dims; sum: number }>();
    yield* this.reader.traverse(this.slices(from, to, now, false), filter, groupBy, only, (gk, gd, b) => {
      const g = out.get(gk);
      if (g) g.sum += b.field(field);
      else out.set(gk, { dims: gd, sum: b.field(field) });
    });
    return out;
  }

  /**
   * Per value of `dim`, the activity (runs + LLM calls) of the window — the cheap first pass of a
   * ranked listing: one addition per bucket, read from flat arrays, no merging. Values are keyed
   * as `scan` grouped by `dim` keys them ("" for the series without one).
   */
  rank(from: number, to: number, now: number, filter: DimFilter, dim: Dimension): Stepped<Map<string, number>> {
    return this.reader.rank(this.slices(from, to, now, false), filter, dim);
  }

  /** Number of buckets held, per tier (for health/detailed and memory accounting). */
  size(): { minute: number; hour: number } {
    const count = (t: Map<number, Slice>) => {
      let n = 0;
      for (const s of t.values()) n += s.n + (s.total ? 1 : 0);
      return n;
    };
    return { minute: count(this.tiers.m), hour: count(this.tiers.h) };
  }

  /** Series and distinct values held, the limits, and the events folded into `other` since start. */
  cardinality(): RollupCardinality {
    const r = this.series;
    const limits = r.cardinalityLimits();
    return {
      series: r.size(),
      max_series: limits.series,
      values: Object.fromEntries(DIMENSIONS.map((d) => [d, r.valueCount(d)])) as Record<Dimension, number>,
      max_values_per_dimension: limits.valuesPerDimension,
      folded_events: { ...r.overflow },
    };
  }

  /**
   * Whether the groups of `dim` include folded values: the dimension is at its limit or dimension
   * sets have been folded, and a group `other` exists. Null otherwise.
   */
  overflowOf(dim: Dimension): OverflowNote | null {
    const r = this.series;
    const limits = r.cardinalityLimits();
    const full = r.valueCount(dim) >= limits.valuesPerDimension || r.size() >= limits.series || r.overflow[dim] > 0 || r.overflow.series > 0;
    if (!full || r.matching({ [dim]: OVERFLOW_VALUE }).length === 0) return null;
    return { dimension: dim, value: OVERFLOW_VALUE, max_values_per_dimension: limits.valuesPerDimension, folded_events: r.overflow[dim] + r.overflow.series };
  }

  /**
   * The slice of a tier ("f": the 10-second slices) that starts at `start`, or undefined. For
   * readers that keep their own running totals over slices (the alert engine's window aggregates):
   * read it, never change it; its `version` says whether it changed since last read.
   */
  sliceAt(tier: Tier | "f", start: number): Slice | undefined {
    return tier === "f" ? this.fine.get(start) : this.tiers[tier].get(start);
  }
}

