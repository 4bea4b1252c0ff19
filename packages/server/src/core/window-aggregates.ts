/**
 * Running totals of one window read (a span ending a fixed time before now, a scope, a grouping)
 * over the slices of one tier, so that an alert rule's window costs the slices that enter and
 * leave it rather than a merge of every slice it covers.
 *
 * The window's slices split in two: settled ones (ended at least SETTLE_MS ago) live in per-group
 * running totals — the slice that enters is added, the one that leaves is subtracted (sums, counts
 * and sketch bins), and what cannot be subtracted (maximum and latest-value fields, sketch extremes)
 * is kept exact by WindowExtremes; the newest slices, still filling, are merged at read. Answers
 * equal a scan of the same slices (up to the rounding of fractional sums, which a periodic rebuild
 * keeps from drifting). Reading yields after each slice (see Stepped). A settled slice that changes anyway (a late event, a rebuild of the span),
 * time going backwards or a gap rebuilds the totals from the slices.
 */
import { Bucket, FIELD_COUNT } from "./bucket.js";
import { DDSketch } from "./ddsketch.js";
import type { Slice } from "./rollup-slice.js";
import type { Stepped } from "./stepped.js";
import type { Dims } from "./stored-event.js";
import { mergeFields, mergeFieldsAt, nonZero, subtractFields, subtractFieldsAt, WindowExtremes } from "./window-extremes.js";

/** How long after its end a slice is taken into the running totals (later events are rare). */
export const SETTLE_MS = 10_000;
/** Slides after which the totals are rebuilt, so float sums cannot drift from a fresh merge. */
const REBUILD_AFTER = 360;

/** Calls `each` for every bucket a slice adds to the read, with its group's key and dimensions. */
export type Contributions = (s: Slice, each: (key: string, dims: Dims, b: Bucket) => void) => void;

/** What a slice still filling adds to one group, as of one version of the slice: fields and sketches merged. */
export interface LiveGroup {
  dims: Dims;
  /** Buckets merged. */
  parts: number;
  f: Float64Array;
  /** Indices of the non-zero fields of `f`. */
  at: number[];
  runLatency: DDSketch;
  llmLatency: DDSketch;
}

/** The groups a slice adds to a read, merged per group (shared by the windows of one scope and grouping). */
export function liveGroups(s: Slice, contributions: Contributions): Map<string, LiveGroup> {
  const out = new Map<string, LiveGroup>();
  contributions(s, (key, dims, b) => {
    let g = out.get(key);
    if (!g) out.set(key, (g = { dims, parts: 0, f: new Float64Array(FIELD_COUNT), at: [], runLatency: new DDSketch(), llmLatency: new DDSketch() }));
    g.parts++;
    mergeFields(g.f, b.f);
    g.runLatency.merge(b.runLatency);
    g.llmLatency.merge(b.llmLatency);
  });
  for (const g of out.values()) g.at = nonZero(g.f);
  return out;
}

/** One group of a window: its dimensions, fields (indexed by F) and sketches. Read it, never change it. */
export interface WindowGroup {
  readonly dims: Dims;
  readonly f: Float64Array;
  readonly runLatency: DDSketch;
  readonly llmLatency: DDSketch;
}

/** A group's running total over the settled slices. */
class Total implements WindowGroup {
  readonly bucket = new Bucket();
  private ex: WindowExtremes | null = null;
  /** The exact extremes (kept only by windows that keep sketches and extremes). */
  get extremes(): WindowExtremes {
    return (this.ex ??= new WindowExtremes());
  }
  /** Buckets of the settled slices in it: the group leaves the window at 0. */
  n = 0;
  constructor(
    readonly key: string,
    readonly dims: Dims,
  ) {}
  get f(): Float64Array {
    return this.bucket.f;
  }
  get runLatency(): DDSketch {
    return this.bucket.runLatency;
  }
  get llmLatency(): DDSketch {
    return this.bucket.llmLatency;
  }
}

/** Running totals of one read over the slices of one tier. */
export class SlidingWindow {
  private readonly totals = new Map<string, Total>();
  /** Settled slices held: starts first..last (empty when last < first), with the slice and version seen. */
  private first = 0;
  private last = -1;
  private seen = new Map<number, { s: Slice | undefined; v: number }>();
  private slides = 0;
  /** Groups and what the newest slices added to them at the last read (pairs: Total, LiveGroup). */
  private live: (Total | LiveGroup)[] = [];
  /** Times the totals were rebuilt from the slices (for tests and operators). */
  rebuilds = 0;

  constructor(
    private readonly size: number,
    private readonly sliceAt: (start: number) => Slice | undefined,
    private readonly contributions: Contributions,
    private readonly liveAt: (start: number) => Map<string, LiveGroup> | null,
    /** False: only the summed fields are kept (counts, sums); the sketches and the maximum and latest-value fields are not. */
    private readonly full = true,
  ) {}

  /**
   * The groups of the slices starting in [a, b] (multiples of the slice size) at `now`. Slices
   * that ended SETTLE_MS before `now` come from the running totals; the newer ones, still filling,
   * are added to the totals until the next read takes them away again (so nothing is copied).
   * The answer is valid until the next read of this window.
   */
  *read(a: number, b: number, now: number): Stepped<Map<string, WindowGroup>> {
    this.takeLiveAway();
    const settled = Math.min(b, Math.floor((now - SETTLE_MS) / this.size) * this.size - this.size);
    yield* this.advance(a, settled);
    for (let t = Math.max(a, this.last + this.size); t <= b; t += this.size) {
      const live = this.liveAt(t);
      if (!live) continue;
      for (const [key, lg] of live) this.live.push(this.addGroup(key, lg), lg);
      yield;
    }
    return this.totals;
  }

  /** Adds a slice's group to its running total (made when new) and returns the total. */
  private addGroup(key: string, lg: LiveGroup): Total {
    let g = this.totals.get(key);
    if (!g) this.totals.set(key, (g = new Total(key, lg.dims)));
    mergeFieldsAt(g.bucket.f, lg.f, lg.at);
    if (this.full) {
      g.bucket.runLatency.merge(lg.runLatency);
      g.bucket.llmLatency.merge(lg.llmLatency);
    }
    return g;
  }

  /** Takes the slices still filling, added by the last read, away from the totals. */
  private takeLiveAway(): void {
    const live = this.live;
    if (live.length === 0) return;
    for (let i = 0; i < live.length; i += 2) {
      const g = live[i] as Total;
      const lg = live[i + 1] as LiveGroup;
      subtractFieldsAt(g.bucket.f, lg.f, lg.at);
      if (g.n === 0) this.totals.delete(g.key);
      else if (this.full) {
        g.bucket.runLatency.subtract(lg.runLatency);
        g.bucket.llmLatency.subtract(lg.llmLatency);
        g.extremes.writeTo(g.bucket);
      }
    }
    this.slides++;
    this.live = [];
  }

  /** Brings the running totals to the settled slices [a, s] (empty when s < a). */
  private *advance(a: number, s: number): Stepped<void> {
    const size = this.size;
    let stale = a < this.first || a > this.last + size || (s >= a && s < this.last) || this.slides >= REBUILD_AFTER;
    if (!stale) {
      for (const [t, rec] of this.seen) {
        const cur = this.sliceAt(t);
        if (cur !== rec.s || (cur !== undefined && cur.version !== rec.v)) {
          stale = true;
          break;
        }
      }
    }
    if (stale) this.reset(a);
    const touched = new Set<Total>();
    for (let t = this.last + size; t <= s; t += size) {
      const slice = this.sliceAt(t);
      this.seen.set(t, { s: slice, v: slice?.version ?? -1 });
      this.last = t;
      if (!slice) continue;
      // Merged per group once for every window of this scope and grouping that takes the slice in.
      const groups = this.liveAt(t);
      if (!groups) continue;
      for (const [key, lg] of groups) {
        const g = this.addGroup(key, lg);
        if (this.full) g.extremes.add(t, lg);
        g.n += lg.parts;
        touched.add(g);
      }
      yield;
    }
    const until = Math.min(a, this.last + size);
    for (let t = this.first; t < until; t += size) {
      const rec = this.seen.get(t);
      this.seen.delete(t);
      this.slides++;
      if (!rec?.s) continue;
      this.contributions(rec.s, (key, _dims, b) => {
        const g = this.totals.get(key);
        if (!g) return;
        subtractFields(g.bucket.f, b.f);
        if (this.full) {
          g.bucket.runLatency.subtract(b.runLatency);
          g.bucket.llmLatency.subtract(b.llmLatency);
        }
        g.n--;
        touched.add(g);
      });
      yield;
    }
    if (until > this.first) this.first = until;
    if (this.last < this.first - size) this.last = this.first - size;
    for (const g of touched) {
      if (g.n <= 0) {
        this.totals.delete(g.key);
        continue;
      }
      if (!this.full) continue;
      g.extremes.evictBefore(this.first);
      g.extremes.writeTo(g.bucket);
    }
  }

  private reset(a: number): void {
    if (this.seen.size > 0 || this.totals.size > 0) this.rebuilds++;
    this.totals.clear();
    this.seen.clear();
    this.first = a;
    this.last = a - this.size;
    this.slides = 0;
  }
}
