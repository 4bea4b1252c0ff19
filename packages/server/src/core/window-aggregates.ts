/**
 * Running totals of one window read (a span ending a fixed time before now, a scope, a grouping)
 * over the slices of one tier, so that an alert rule's window costs the slices that enter and
 * leave it rather than a merge of every slice it covers.
 *
 * The window's slices split in two: settled ones (ended at least SETTLE_MS ago) live in per-group
 * running totals — the slice that enters is added, the one that leaves is subtracted (sums, counts
 * and sketch bins), and what cannot be subtracted (maximum and latest-value fields, sketch extremes)
 * is kept exact by WindowExtremes. The newest slices, still filling, are merged per group once for
 * all the windows of a scope and grouping (window-live.ts) and each window's answer is its total
 * and that merge side by side: the fields written together at read, a sketch merged in only when
 * a rule reads it, and taken out at the next read. A window keeps only the fields and sketches of its need (window-need.ts), read
 * from each bucket field by field. Answers equal a scan of the same slices for those (up to the
 * rounding of fractional sums, which a periodic rebuild keeps from drifting). Reading yields after
 * each slice (see Stepped). A settled slice that changes anyway (a late event, a rebuild of the
 * span), time going backwards or a gap rebuilds the totals from the slices.
 */
import type { Slice } from "./rollup-slice.js";
import type { Stepped } from "./stepped.js";
import { Total, type GroupTable, type WindowGroup } from "./window-groups.js";
import type { LiveSet, SliceParts } from "./window-live.js";
import { addFields, subtractFields, type Need } from "./window-need.js";

export type { SliceParts } from "./window-live.js";
export { GroupTable, partsOf, type Contributions, type WindowGroup } from "./window-groups.js";

/** How long after its end a slice is taken into the running totals (later events are rare). */
export const SETTLE_MS = 10_000;
/** Slides after which the totals are rebuilt, so float sums cannot drift from a fresh merge. */
const REBUILD_AFTER = 360;

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
  /** Groups whose sketches hold the slices still filling since a rule read them. */
  private readonly merged: Total[] = [];
  /** Groups with a share of the slices still filling at the last read. */
  private withLive: Total[] = [];
  private pass = 0;
  /** Times the totals were rebuilt from the slices (for tests and operators). */
  rebuilds = 0;

  /** Groups in the window now. */
  get groups(): number {
    return this.totals.size;
  }

  constructor(
    private readonly size: number,
    private readonly sliceAt: (start: number) => Slice | undefined,
    private readonly table: GroupTable,
    /** What the slice starting at `start` adds (as of its current version), or null without a slice. */
    private readonly partsAt: (start: number) => SliceParts | null,
    /** The slices still filling from `a` to `b`, merged per group (keeping at least this window's need). */
    private readonly liveAt: (a: number, b: number) => Stepped<LiveSet>,
    /** The fields and sketches kept. */
    readonly need: Need,
  ) {}

  /**
   * The groups of the slices starting in [a, b] (multiples of the slice size) at `now`. Slices
   * that ended SETTLE_MS before `now` come from the running totals, the newer ones from their
   * merge per group. The answer is valid until the next read of this window.
   */
  *read(a: number, b: number, now: number): Stepped<Map<string, WindowGroup>> {
    for (const t of this.merged) t.unmerge();
    this.merged.length = 0;
    const settled = Math.min(b, Math.floor((now - SETTLE_MS) / this.size) * this.size - this.size);
    yield* this.advance(a, settled);
    const live = yield* this.liveAt(Math.max(a, this.last + this.size), b);
    const was = this.withLive;
    this.withLive = [];
    for (const lg of live.list) {
      const t = this.total(lg.g);
      t.live = lg;
      this.withLive.push(t);
    }
    // Groups that had a share of the slices still filling and have none now.
    for (const t of was) {
      if (t.live === undefined || live.at[t.g] === t.live) continue;
      t.live = undefined;
      if (t.n <= 0) this.drop(t);
    }
    this.compose();
    return this.totals;
  }

  /** Writes each group's answer: its settled total with its share of the slices still filling. */
  private compose(): void {
    const { sums, maxes, latest } = this.need;
    for (const t of this.totals.values()) {
      const f = t.f;
      const s = t.sum;
      const lg = t.live;
      if (lg === undefined) {
        for (let j = 0; j < sums.length; j++) f[sums[j]!] = s[sums[j]!]!;
        for (let j = 0; j < maxes.length; j++) f[maxes[j]!] = s[maxes[j]!]!;
        for (const [ti, vi] of latest) {
          f[ti] = s[ti]!;
          f[vi] = s[vi]!;
        }
        continue;
      }
      const l = lg.f;
      for (let j = 0; j < sums.length; j++) {
        const i = sums[j]!;
        f[i] = s[i]! + l[i]!;
      }
      for (let j = 0; j < maxes.length; j++) {
        const i = maxes[j]!;
        f[i] = l[i]! > s[i]! ? l[i]! : s[i]!;
      }
      for (const [ti, vi] of latest) {
        const liveWins = l[ti]! > s[ti]! || (l[ti] === s[ti] && l[vi]! > s[vi]!);
        f[ti] = liveWins ? l[ti]! : s[ti]!;
        f[vi] = liveWins ? l[vi]! : s[vi]!;
      }
    }
  }

  /** The total of a group (made when new). */
  private total(g: number): Total {
    let t = this.byIndex[g];
    if (t === undefined) {
      t = new Total(g, this.table.keys[g]!, this.table.dims[g]!, this.need, this.merged);
      this.byIndex[g] = t;
      this.totals.set(t.key, t);
    }
    return t;
  }

  private drop(t: Total): void {
    this.totals.delete(t.key);
    if (this.byIndex[t.g] === t) this.byIndex[t.g] = undefined;
  }

  /** Drops the touched groups no slice holds any more, and writes the others' extremes back. */
  private tidy(touched: readonly Total[]): void {
    for (const t of touched) {
      if (t.n <= 0 && t.live === undefined) {
        this.drop(t);
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
    this.slides++;
    const touched: Total[] = [];
    const pass = ++this.pass;
    const need = this.need;
    for (let t = this.last + size; t <= s; t += size) {
      const slice = this.sliceAt(t);
      // Taken as the window's parts are: listed once for every window of this scope and grouping.
      const parts = slice ? this.partsAt(t) : null;
      this.seen.set(t, { s: slice, v: slice?.version ?? -1, parts });
      this.last = t;
      if (!parts) continue;
      for (let k = 0; k < parts.g.length; k++) {
        const b = parts.b[k]!;
        const g = this.total(parts.g[k]!);
        addFields(g.sum, b, need);
        if (g.run) g.run.merge(b.runLatency);
        if (g.llm) g.llm.merge(b.llmLatency);
        g.extremes?.add(t, b);
        g.n++;
        if (g.mark !== pass) {
          g.mark = pass;
          touched.push(g);
        }
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
        const b = parts.b[k]!;
        subtractFields(g.sum, b, need);
        if (g.run) g.run.subtract(b.runLatency);
        if (g.llm) g.llm.subtract(b.llmLatency);
        g.n--;
        if (g.mark !== pass) {
          g.mark = pass;
          touched.push(g);
        }
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
    this.withLive = [];
    this.seen.clear();
    this.first = a;
    this.last = a - this.size;
    this.slides = 0;
  }
}
