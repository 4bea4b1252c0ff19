/**
 * The rollup index as it was before series ids, posting lists and per-slice merged buckets: every
 * query reads every key of every slice of its window. Kept as the reference the differential
 * tests compare the real index with (same data, same answers).
 *
 * The in-memory rollups: per-minute and per-hour buckets for every dimension set
 * (every dimension of DIMENSIONS) plus a total per slice. Folding an event touches four
 * buckets; answering a window merges at most ~140 time slices whatever the number of events.
 *
 * Windows are resolved to whole minutes: a window includes the whole minute in which it starts
 * and the current minute. Spans older than the minute horizon are answered from hour buckets,
 * so a window reaching back further than the minute horizon is resolved to whole hours at its start.
 */
import { Bucket } from "../core/bucket.js";
import { EventDelta } from "../core/event-delta.js";
import { drain, type Stepped } from "../core/stepped.js";
import { DIMENSIONS, type Dimension, type Dims, type StoredEvent } from "../core/stored-event.js";

/** One minute in milliseconds. */
export const MINUTE = 60_000;
/** One hour in milliseconds. */
export const HOUR = 3_600_000;
/** Separator of dimension values inside a key; names cannot contain control characters. */
const SEP = "\u001f";
/** Key of the all-dimensions total bucket of a time slice. */
export const TOTAL_KEY = "\u0000total";

/** Width of the fine slices alert rules read for short windows (not persisted). */
export const FINE_SLICE = 10_000;
/** How long fine slices are kept: windows up to this length can be answered to 10 seconds. */
export const FINE_HORIZON = 15 * MINUTE;

/** Time tier of a bucket. */
export type Tier = "m" | "h";

/** A bucket with its address, as persisted. */
export interface BucketRecord {
  tier: Tier;
  start: number;
  key: string;
  bucket: Bucket;
}

/** How long each tier is kept in memory. */
export interface RollupHorizons {
  minuteMs: number;
  hourMs: number;
}

/** Filter on dimensions: every given dimension must equal its value. */
export type DimFilter = Partial<Record<Dimension, string>>;

/** Builds the key of a dimension set (a Dims object or an event body: non-string values count as absent). */
export function dimsKey(d: Readonly<Record<string, unknown>>): string {
  return DIMENSIONS.map((name) => str(d[name])).join(SEP);
}

/** The key of a group of a query answer grouped by `groupBy` (from a Dims object or an alert's labels). */
export function groupKey(values: Readonly<Record<string, string | undefined>>, groupBy: readonly Dimension[]): string {
  return groupBy.map((g) => values[g] ?? "").join(SEP);
}

/** Splits a key back into its dimensions (empty values become undefined). */
export function parseDimsKey(key: string): Dims {
  const parts = key.split(SEP);
  const d: Dims = {};
  DIMENSIONS.forEach((name, i) => {
    const v = parts[i];
    if (v) d[name] = v;
  });
  return d;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");


type Tiers = Record<Tier, Map<number, Map<string, Bucket>>>;

/** One group of a query answer: its dimension values and the merged bucket (read it, never change it). */
export interface Group {
  dims: Dims;
  bucket: Bucket;
  /** True while `bucket` is a stored bucket itself rather than a merged copy. */
  shared?: boolean;
}

/** Buckets a scan visits between two yields (small enough that a step takes well under a millisecond). */
const SCAN_STEP = 256;


/** The rollups of every dimension set in the minute and hour tiers. */
export class ReferenceRollupIndex {
  private readonly tiers: Tiers = { m: new Map(), h: new Map() };
  /**
   * 10-second slices of the last FINE_HORIZON, so alert rules with windows down to 30 s read exactly
   * their window. Kept in memory only: after a start they fill up from the events folded since.
   */
  private readonly fine = new Map<number, Map<string, Bucket>>();
  private fineSince = Infinity;
  private readonly dirty: BucketRecord[] = [];
  private readonly parsed = new Map<string, Dims>();
  private readonly delta = new EventDelta();
  /** Highest stored-event sequence folded in (persisted with the buckets). */
  watermark = 0;

  constructor(private readonly horizons: RollupHorizons) {}

  /** Folds one event into its minute and hour buckets, per dimension set and in total. */
  fold(ev: StoredEvent): void {
    if (ev.type === "metric") return;
    // Keyed straight from the body: building a Dims object per event first costs on the hot path.
    const key = dimsKey(ev.body);
    const m = ev.ts - (ev.ts % MINUTE);
    const h = ev.ts - (ev.ts % HOUR);
    const d = this.delta.prepare(ev);
    d.applyTo(this.bucket("m", m, key));
    d.applyTo(this.bucket("m", m, TOTAL_KEY));
    d.applyTo(this.bucket("h", h, key));
    d.applyTo(this.bucket("h", h, TOTAL_KEY));
    const f = ev.ts - (ev.ts % FINE_SLICE);
    if (f >= this.fineSince - FINE_HORIZON) {
      let slice = this.fine.get(f);
      if (!slice) this.fine.set(f, (slice = new Map()));
      let b = slice.get(key);
      if (!b) slice.set(key, (b = new Bucket()));
      d.applyTo(b);
      let t = slice.get(TOTAL_KEY);
      if (!t) slice.set(TOTAL_KEY, (t = new Bucket()));
      d.applyTo(t);
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

  private bucket(tier: Tier, start: number, key: string): Bucket {
    const t = this.tiers[tier];
    let slice = t.get(start);
    if (!slice) t.set(start, (slice = new Map()));
    let b = slice.get(key);
    if (!b) slice.set(key, (b = new Bucket()));
    if (!b.dirty) {
      b.dirty = true;
      this.dirty.push({ tier, start, key, bucket: b });
    }
    return b;
  }

  /** Puts a persisted bucket back (on start-up); it is not marked dirty. */
  restore(rec: BucketRecord): void {
    const t = this.tiers[rec.tier];
    let slice = t.get(rec.start);
    if (!slice) t.set(rec.start, (slice = new Map()));
    slice.set(rec.key, rec.bucket);
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

  /** Drops the buckets of [from, to) in both tiers (before a rebuild of that span). */
  clearSpan(from: number, to: number): void {
    for (const start of [...this.fine.keys()]) if (start >= from - (from % FINE_SLICE) && start < to) this.fine.delete(start);
    for (const [tier, size] of [["m", MINUTE], ["h", HOUR]] as const) {
      for (const start of [...this.tiers[tier].keys()]) {
        if (start >= from - (from % size) && start < to) this.tiers[tier].delete(start);
      }
    }
  }

  /** Marks every bucket of [from, to) dirty, so a rebuilt span is persisted whole. */
  markSpanDirty(from: number, to: number): void {
    for (const tier of ["m", "h"] as const) {
      for (const [start, slice] of this.tiers[tier]) {
        if (start < from - (from % HOUR) || start >= to) continue;
        for (const [key, bucket] of slice) {
          if (!bucket.dirty) {
            bucket.dirty = true;
            this.dirty.push({ tier, start, key, bucket });
          }
        }
      }
    }
  }

  /** Forgets buckets older than the horizons. */
  prune(now: number): void {
    const mCut = now - this.horizons.minuteMs;
    const hCut = now - this.horizons.hourMs;
    for (const start of this.tiers.m.keys()) if (start + MINUTE <= mCut) this.tiers.m.delete(start);
    for (const start of this.tiers.h.keys()) if (start + HOUR <= hCut) this.tiers.h.delete(start);
    for (const start of this.fine.keys()) if (start + FINE_SLICE <= now - FINE_HORIZON) this.fine.delete(start);
  }

  /** Longest span the rollups can answer (the hour-tier horizon). */
  maxSpanMs(): number {
    return this.horizons.hourMs;
  }

  /** Earliest minute start the minute tier still holds data for (given `now`). */
  minuteFloor(now: number): number {
    const cut = now - this.horizons.minuteMs;
    return cut - (cut % MINUTE) + MINUTE;
  }

  /**
   * Merges the buckets of the window [from, to) that match `filter`, grouped by `groupBy`
   * (no grouping: one group with key ""). Returns group key → merged bucket.
   */
  query(from: number, to: number, now: number, filter: DimFilter = {}, groupBy: readonly Dimension[] = [], fine = false): Map<string, Group> {
    return drain(this.scan(from, to, now, filter, groupBy, fine));
  }

  /**
   * The work of `query` as steps: it yields after every SCAN_STEP buckets visited, so a caller can
   * spread a scan over many series across turns of the event loop (see `drain` for running it at once).
   * `only`, when given, keeps just the series it accepts (e.g. the agents of one page).
   */
  *scan(from: number, to: number, now: number, filter: DimFilter = {}, groupBy: readonly Dimension[] = [], fine = false, only?: (dims: Dims) => boolean): Stepped<Map<string, Group>> {
    const out = new Map<string, Group>();
    const useTotal = groupBy.length === 0 && isEmptyFilter(filter);
    let visited = 0;
    for (const slice of fine && this.fineCovers(from, now) ? this.finePlan(from, to) : this.plan(from, to, now).map(([tier, start]) => this.tiers[tier].get(start))) {
      if (!slice) continue;
      if (useTotal) {
        const b = slice.get(TOTAL_KEY);
        if (b) addTo(out, "", {}, b);
        continue;
      }
      for (const [key, b] of slice) {
        if (++visited % SCAN_STEP === 0) yield;
        if (key === TOTAL_KEY) continue;
        const dims = this.dimsFor(key);
        if (!matches(dims, filter) || (only !== undefined && !only(dims))) continue;
        let gk = "";
        let gd: Dims = {};
        if (groupBy.length) {
          gd = {};
          for (const g of groupBy) if (dims[g] !== undefined) gd[g] = dims[g];
          gk = groupKey(dims, groupBy);
        }
        addTo(out, gk, gd, b);
      }
    }
    return out;
  }

  /** Dimension values seen in the window for one dimension (for listing agents, models...). */
  private dimsFor(key: string): Dims {
    let d = this.parsed.get(key);
    if (!d) {
      d = parseDimsKey(key);
      if (this.parsed.size > 1_000_000) this.parsed.clear();
      this.parsed.set(key, d);
    }
    return d;
  }

  /** True when fine slices hold everything from `from` (10-second resolution is available). */
  fineCovers(from: number, now: number): boolean {
    return from >= this.fineSince && from > now - FINE_HORIZON;
  }

  private finePlan(from: number, to: number): (Map<string, Bucket> | undefined)[] {
    const out: (Map<string, Bucket> | undefined)[] = [];
    for (let t = from - (from % FINE_SLICE); t < to; t += FINE_SLICE) out.push(this.fine.get(t));
    return out;
  }

  /** The time slices that cover [from, to): minutes at the edges, whole hours between. */
  plan(from: number, to: number, now: number): [Tier, number][] {
    const s = from - (from % MINUTE);
    const e = to % MINUTE === 0 ? to : to - (to % MINUTE) + MINUTE;
    const out: [Tier, number][] = [];
    const mFloor = this.minuteFloor(now);
    const minutes = (a: number, b: number) => {
      if (a >= b) return;
      if (a < mFloor) {
        // Older than the minute tier: answer from the hour that contains the span.
        const h0 = a - (a % HOUR);
        for (let h = h0; h < b; h += HOUR) out.push(["h", h]);
        return;
      }
      for (let m = a; m < b; m += MINUTE) out.push(["m", m]);
    };
    const h0 = Math.ceil(s / HOUR) * HOUR;
    const h1 = Math.floor(e / HOUR) * HOUR;
    if (h0 >= h1) {
      minutes(s, e);
    } else {
      minutes(s, h0);
      for (let h = h0; h < h1; h += HOUR) out.push(["h", h]);
      minutes(h1, e);
    }
    // A coarse edge may name an hour twice (start edge and first whole hour); merge each once.
    const seen = new Set<string>();
    return out.filter(([t, st]) => {
      const k = t + st;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** Number of buckets held, per tier (for health/detailed and memory accounting). */
  size(): { minute: number; hour: number } {
    let minute = 0;
    let hour = 0;
    for (const s of this.tiers.m.values()) minute += s.size;
    for (const s of this.tiers.h.values()) hour += s.size;
    return { minute, hour };
  }
}

function isEmptyFilter(f: DimFilter): boolean {
  for (const k in f) if (f[k as Dimension] !== undefined) return false;
  return true;
}

function matches(d: Dims, f: DimFilter): boolean {
  for (const k in f) {
    const want = f[k as Dimension];
    if (want !== undefined && d[k as Dimension] !== want) return false;
  }
  return true;
}

/**
 * Adds a stored bucket to a group of a query answer. A group's first bucket is taken as it is (no
 * copy): most groups of a high-cardinality query have one bucket, and copying each would cost an
 * allocation and a merge. Answers are read, never changed; the copy is made when a second bucket
 * joins the group.
 */
function addTo(out: Map<string, Group>, key: string, dims: Dims, b: Bucket): void {
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
