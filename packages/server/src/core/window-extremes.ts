/**
 * The fields of a sliding window's running total that cannot be taken away when a slice leaves
 * it: the bucket's maximum fields (peak memory, latest run, last seen), its latest-value pairs
 * (a cache's entries and capacity) and both sketches' minimum and maximum. Each is kept exact by a
 * monotonic queue per field (the classic sliding-window maximum): a value enters with its slice's
 * start, values it outranks leave at once, and the front is the window's answer; a slice leaving
 * the window removes the values stamped with it. Cost: one push per bucket entering, amortised O(1).
 * Only the fields and sketches of the window's need (window-need.ts) have a queue.
 */
import type { Bucket } from "./bucket.js";
import type { DDSketch } from "./ddsketch.js";
import { LLM_SKETCH, RUN_SKETCH, type Need } from "./window-need.js";

/** A monotonic queue of (slice start, primary, secondary), greatest (primary, secondary) first. */
class Lane {
  private t: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private head = 0;

  push(t: number, a: number, b: number): void {
    let n = this.a.length;
    while (n > this.head && (this.a[n - 1]! < a || (this.a[n - 1] === a && this.b[n - 1]! <= b))) n--;
    if (n < this.a.length) this.t.length = this.a.length = this.b.length = n;
    this.t.push(t);
    this.a.push(a);
    this.b.push(b);
  }

  /** Removes the values of slices that start before `t`. */
  evictBefore(t: number): void {
    while (this.head < this.t.length && this.t[this.head]! < t) this.head++;
    if (this.head > 16 && this.head * 2 > this.t.length) {
      this.t.splice(0, this.head);
      this.a.splice(0, this.head);
      this.b.splice(0, this.head);
      this.head = 0;
    }
  }

  empty(): boolean {
    return this.head >= this.a.length;
  }

  first(): number {
    return this.a[this.head]!;
  }

  second(): number {
    return this.b[this.head]!;
  }
}

/** A group's running total over the settled slices: fields (indexed by F) and the sketches of its need (null when not kept). */
export interface SketchPair {
  readonly sum: Float64Array;
  readonly run: DDSketch | null;
  readonly llm: DDSketch | null;
}

/** The exact extremes of one group's window, for the fields and sketches of a need. */
export class WindowExtremes {
  private readonly lanes: Lane[];

  constructor(private readonly need: Need) {
    const n = need.maxes.length + need.latest.length + (need.sketches & RUN_SKETCH ? 2 : 0) + (need.sketches & LLM_SKETCH ? 2 : 0);
    this.lanes = Array.from({ length: n }, () => new Lane());
  }

  /** Whether a need has anything that cannot be taken away (maximum or latest-value fields, sketches). */
  static needed(need: Need): boolean {
    return need.maxes.length > 0 || need.latest.length > 0 || need.sketches !== 0;
  }

  /** Records what a bucket of the slice starting at `t` holds. Neutral values (no report) are skipped. */
  add(t: number, b: Bucket): void {
    const need = this.need;
    let l = 0;
    for (const i of need.maxes) {
      const v = b.field(i);
      if (v !== 0) this.lanes[l]!.push(t, v, 0);
      l++;
    }
    for (const [ti, vi] of need.latest) {
      const ft = b.field(ti);
      const fv = b.field(vi);
      if (ft !== 0 || fv !== 0) this.lanes[l]!.push(t, ft, fv);
      l++;
    }
    if (need.sketches & RUN_SKETCH) l = this.addSketch(t, b.runLatency, l);
    if (need.sketches & LLM_SKETCH) this.addSketch(t, b.llmLatency, l);
  }

  private addSketch(t: number, s: DDSketch, l: number): number {
    if (s.count > 0) {
      this.lanes[l]!.push(t, -s.min, 0);
      this.lanes[l + 1]!.push(t, s.max, 0);
    }
    return l + 2;
  }

  /** Forgets the values of slices that start before `t`. */
  evictBefore(t: number): void {
    for (const lane of this.lanes) lane.evictBefore(t);
  }

  /** Writes the window's extremes into its running total. */
  writeTo(g: SketchPair): void {
    const f = g.sum;
    const need = this.need;
    let l = 0;
    for (const i of need.maxes) {
      const lane = this.lanes[l++]!;
      f[i] = lane.empty() ? 0 : lane.first();
    }
    for (const [ti, vi] of need.latest) {
      const lane = this.lanes[l++]!;
      f[ti] = lane.empty() ? 0 : lane.first();
      f[vi] = lane.empty() ? 0 : lane.second();
    }
    if (g.run) l = this.writeSketch(g.run, l);
    if (g.llm) this.writeSketch(g.llm, l);
  }

  private writeSketch(s: DDSketch, l: number): number {
    const lo = this.lanes[l]!;
    const hi = this.lanes[l + 1]!;
    s.min = lo.empty() ? Infinity : -lo.first();
    s.max = hi.empty() ? -Infinity : hi.first();
    return l + 2;
  }
}
