/**
 * Running totals of one window read (a span ending a fixed time before now, a scope, a grouping)
 * over the slices of one tier, so that an alert rule's window costs the slices that enter and
 * leave it rather than a merge of every slice it covers.
 *
 * The window's slices split in two: settled ones (ended at least SETTLE_MS ago) live in per-group
 * running totals — the slice that enters is added, the one that leaves is subtracted (sums, counts
 * and sketch bins), and what cannot be subtracted (maximum and latest-value fields, sketch extremes)
 * is kept exact by WindowExtremes; the newest slices, still filling, are added at read and taken
 * away at the next. A window keeps only the fields and sketches of its need (window-need.ts), read
 * from each bucket field by field. Answers equal a scan of the same slices for those (up to the
 * rounding of fractional sums, which a periodic rebuild keeps from drifting). Reading yields after
 * each slice (see Stepped). A settled slice that changes anyway (a late event, a rebuild of the
 * span), time going backwards or a gap rebuilds the totals from the slices.
 */
import type { Bucket } from "./bucket.js";
import { FIELD_COUNT } from "./bucket-fields.js";
import { DDSketch } from "./ddsketch.js";
import type { Slice } from "./rollup-slice.js";
import type { Stepped } from "./stepped.js";
import type { Dims } from "./stored-event.js";
import { WindowExtremes } from "./window-extremes.js";
import { addFields, LLM_SKETCH, mergeOthers, RUN_SKETCH, subtractFields, type Need } from "./window-need.js";

/** How long after its end a slice is taken into the running totals (later events are rare). */
export const SETTLE_MS = 10_000;
/** Slides after which the totals are rebuilt, so float sums cannot drift from a fresh merge. */
const REBUILD_AFTER = 360;

/** The groups of one read (scope and grouping): each group key gets an index kept for the read's life. */
export class GroupTable {
  readonly keys: string[] = [];
  readonly dims: Dims[] = [];
  private readonly index = new Map<string, number>();

  /** The index of a group (made when new). */
  of(key: string, dims: Dims): number {
    let g = this.index.get(key);
    if (g === undefined) {
      g = this.keys.length;
      this.index.set(key, g);
      this.keys.push(key);
      this.dims.push(dims);
    }
    return g;
  }
}

/** Calls `each` for every bucket a slice adds to the read, with its group's index in the read's table. */
export type Contributions = (s: Slice, each: (g: number, b: Bucket) => void) => void;

/**
 * The buckets a slice adds to a read, as of one version of the slice: group indices and buckets,
 * row for row; for a slice still filling, copies of the buckets' sketches as they were when first
 * added (its buckets change in place, and what is taken away must be what was added).
 */
export interface SliceParts {
  readonly g: readonly number[];
  readonly b: readonly Bucket[];
  runCopies?: DDSketch[];
  llmCopies?: DDSketch[];
}

/** Copies of the run (or LLM) sketches of a slice's parts, made once per version of the slice. */
function sketchCopies(parts: SliceParts, run: boolean): DDSketch[] {
  let c = run ? parts.runCopies : parts.llmCopies;
  if (c === undefined) {
    c = parts.b.map((b) => {
      const s = new DDSketch();
      s.merge(run ? b.runLatency : b.llmLatency);
      return s;
    });
    if (run) parts.runCopies = c;
    else parts.llmCopies = c;
  }
  return c;
}

/** The buckets a slice adds to a read (shared by every window of the same scope and grouping). */
export function partsOf(s: Slice, contributions: Contributions): SliceParts {
  const g: number[] = [];
  const b: Bucket[] = [];
  contributions(s, (gi, bucket) => {
    g.push(gi);
    b.push(bucket);
  });
  return { g, b };
}

/** One group of a window: its dimensions, fields (indexed by F) and sketches. Read it, never change it. */
export interface WindowGroup {
  readonly dims: Dims;
  readonly f: Float64Array;
  readonly runLatency: DDSketch;
  readonly llmLatency: DDSketch;
}

/** What a window answers for a sketch it does not keep. */
const NO_SKETCH: DDSketch = Object.freeze(new DDSketch()) as DDSketch;

/** A group's running total. */
class Total implements WindowGroup {
  readonly f = new Float64Array(FIELD_COUNT);
  readonly run: DDSketch | null;
  readonly llm: DDSketch | null;
  readonly extremes: WindowExtremes | null;
  /** Buckets of the settled slices in it: the group leaves the window at 0 (with none still filling). */
  n = 0;
  /** Buckets of the slices still filling added to it by the last read. */
  live = 0;
  /** The pass that last touched it (so each is tidied once per pass). */
  mark = 0;
  constructor(
    readonly g: number,
    readonly key: string,
    readonly dims: Dims,
    need: Need,
  ) {
    this.run = need.sketches & RUN_SKETCH ? new DDSketch() : null;
    this.llm = need.sketches & LLM_SKETCH ? new DDSketch() : null;
    this.extremes = WindowExtremes.needed(need) ? new WindowExtremes(need) : null;
  }
  get runLatency(): DDSketch {
    return this.run ?? NO_SKETCH;
  }
  get llmLatency(): DDSketch {
    return this.llm ?? NO_SKETCH;
  }
}

/** A settled slice held: the slice and version seen, and what it added. */
interface Held {
  s: Slice | undefined;
  v: number;
  parts: SliceParts | null;
}

/** Running totals of one read over the slices of one tier. */
export class SlidingWindow {
  /** Groups in the window, by key (the answer) and by index. */
  private readonly totals = new Map<string, Total>();
  private readonly byIndex: (Total | undefined)[] = [];
  /** Settled slices held: starts first..last (empty when last < first). */
  private first = 0;
  private last = -1;
  private seen = new Map<number, Held>();
  private slides = 0;
  /** What the slices still filling added at the last read: their parts, and the summed fields' values added, in order. */
  private live: SliceParts[] = [];
  private liveValues = new Float64Array(1024);
  private pass = 0;
  /** Times the totals were rebuilt from the slices (for tests and operators). */
  rebuilds = 0;

  constructor(
    private readonly size: number,
    private readonly sliceAt: (start: number) => Slice | undefined,
    private readonly table: GroupTable,
    /** What the slice starting at `start` adds (as of its current version), or null without a slice. */
    private readonly partsAt: (start: number) => SliceParts | null,
    /** The fields and sketches kept. */
    readonly need: Need,
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
    let w = 0;
    const sums = this.need.sums;
    for (let t = Math.max(a, this.last + this.size); t <= b; t += this.size) {
      const parts = this.partsAt(t);
      if (!parts) continue;
      const run = this.need.sketches & RUN_SKETCH ? sketchCopies(parts, true) : null;
      const llm = this.need.sketches & LLM_SKETCH ? sketchCopies(parts, false) : null;
      if (this.liveValues.length < w + parts.g.length * sums.length) {
        const grown = new Float64Array(2 * (w + parts.g.length * sums.length));
        grown.set(this.liveValues.subarray(0, w));
        this.liveValues = grown;
      }
      const vals = this.liveValues;
      for (let k = 0; k < parts.g.length; k++) {
        const bucket = parts.b[k]!;
        const total = this.total(parts.g[k]!);
        // The summed fields as added (the bucket may change before they are taken away).
        const f = total.f;
        for (let j = 0; j < sums.length; j++) {
          const i = sums[j]!;
          const v = bucket.field(i);
          f[i]! += v;
          vals[w++] = v;
        }
        mergeOthers(f, bucket, this.need);
        if (run) total.run!.merge(run[k]!);
        if (llm) total.llm!.merge(llm[k]!);
        total.live++;
      }
      this.live.push(parts);
      yield;
    }
    return this.totals;
  }

  /** The total of a group (made when new). */
  private total(g: number): Total {
    let t = this.byIndex[g];
    if (t === undefined) {
      t = new Total(g, this.table.keys[g]!, this.table.dims[g]!, this.need);
      this.byIndex[g] = t;
      this.totals.set(t.key, t);
    }
    return t;
  }

  /** Adds a bucket to its group's total (made when new) and returns the total. */
  private add(g: number, b: Bucket): Total {
    const t = this.total(g);
    addFields(t.f, b, this.need);
    if (t.run) t.run.merge(b.runLatency);
    if (t.llm) t.llm.merge(b.llmLatency);
    return t;
  }

  /** Takes a bucket away from its group's total (its maximum and latest fields are restored by `tidy`). */
  private take(t: Total, b: Bucket): void {
    subtractFields(t.f, b, this.need);
    if (t.run) t.run.subtract(b.runLatency);
    if (t.llm) t.llm.subtract(b.llmLatency);
  }

  /** Takes the slices still filling, added by the last read, away from the totals. */
  private takeLiveAway(): void {
    const live = this.live;
    if (live.length === 0) return;
    const touched: Total[] = [];
    const pass = ++this.pass;
    const sums = this.need.sums;
    const vals = this.liveValues;
    let r = 0;
    for (const parts of live) {
      const run = parts.runCopies;
      const llm = parts.llmCopies;
      for (let k = 0; k < parts.g.length; k++) {
        const t = this.byIndex[parts.g[k]!]!;
        const f = t.f;
        for (let j = 0; j < sums.length; j++) f[sums[j]!]! -= vals[r++]!;
        if (t.run) t.run.subtract(run![k]!);
        if (t.llm) t.llm.subtract(llm![k]!);
        t.live--;
        if (t.mark !== pass) {
          t.mark = pass;
          touched.push(t);
        }
      }
    }
    this.tidy(touched);
    this.slides++;
    this.live = [];
  }

  /** Drops the touched groups no slice holds any more, and writes the others' extremes back. */
  private tidy(touched: readonly Total[]): void {
    for (const t of touched) {
      if (t.n <= 0 && t.live <= 0) {
        this.totals.delete(t.key);
        if (this.byIndex[t.g] === t) this.byIndex[t.g] = undefined;
        continue;
      }
      if (t.extremes) {
        t.extremes.evictBefore(this.first);
        t.extremes.writeTo(t);
      }
    }
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
    const touched: Total[] = [];
    const pass = ++this.pass;
    const touch = (t: Total) => {
      if (t.mark !== pass) {
        t.mark = pass;
        touched.push(t);
      }
    };
    for (let t = this.last + size; t <= s; t += size) {
      const slice = this.sliceAt(t);
      // Taken as the window's parts are: merged once for every window of this scope and grouping.
      const parts = slice ? this.partsAt(t) : null;
      this.seen.set(t, { s: slice, v: slice?.version ?? -1, parts });
      this.last = t;
      if (!parts) continue;
      for (let k = 0; k < parts.g.length; k++) {
        const b = parts.b[k]!;
        const g = this.add(parts.g[k]!, b);
        g.extremes?.add(t, b);
        g.n++;
        touch(g);
      }
      yield;
    }
    const until = Math.min(a, this.last + size);
    for (let t = this.first; t < until; t += size) {
      const rec = this.seen.get(t);
      this.seen.delete(t);
      this.slides++;
      const parts = rec?.parts;
      if (!parts) continue;
      for (let k = 0; k < parts.g.length; k++) {
        const g = this.byIndex[parts.g[k]!];
        if (!g) continue;
        this.take(g, parts.b[k]!);
        g.n--;
        touch(g);
      }
      yield;
    }
    if (until > this.first) this.first = until;
    if (this.last < this.first - size) this.last = this.first - size;
    this.tidy(touched);
  }

  private reset(a: number): void {
    if (this.seen.size > 0 || this.totals.size > 0) this.rebuilds++;
    this.totals.clear();
    this.byIndex.length = 0;
    this.seen.clear();
    this.first = a;
    this.last = a - this.size;
    this.slides = 0;
  }
}
