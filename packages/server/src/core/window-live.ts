/**
 * What the slices still filling add to the windows of one scope and grouping: their buckets merged
 * per group once (the fields of the windows' needs, and their sketches), then read by every window
 * ending now beside its running total over the settled slices. The slices' buckets change in place
 * as events arrive, so a merge holds for the versions of the slices it read, and is made again when
 * one of them changes.
 */
import type { Bucket } from "./bucket.js";
import { DDSketch } from "./ddsketch.js";
import type { Slice } from "./rollup-slice.js";
import type { Stepped } from "./stepped.js";
import { addFields, covers, LLM_SKETCH, RUN_SKETCH, type Need } from "./window-need.js";

/** The buckets a slice adds to a read, as of one version of the slice: group indices and buckets, row for row. */
export interface SliceParts {
  readonly g: readonly number[];
  readonly b: readonly Bucket[];
}

/** One group's share of the slices still filling: fields (indexed by F, up to the highest of the need) and sketches merged. */
export interface LiveGroup {
  readonly g: number;
  readonly f: Float64Array;
  readonly run: DDSketch | null;
  readonly llm: DDSketch | null;
}

/** The slices still filling of a range, merged per group; `at[g]` is group g's share, if any. */
export interface LiveSet {
  readonly at: readonly (LiveGroup | undefined)[];
  readonly list: readonly LiveGroup[];
  readonly need: Need;
}

const NONE: LiveSet = { at: [], list: [], need: { sums: [], maxes: [], latest: [], sketches: 0, fields: [], key: "/0" } };

/** Keeps the merge of the slices still filling of one read, for each range asked, while its slices are unchanged. */
export class LiveMerges {
  private cached: { a: number; b: number; slices: (Slice | undefined)[]; versions: number[]; set: LiveSet } | null = null;

  constructor(
    private readonly size: number,
    private readonly sliceAt: (start: number) => Slice | undefined,
    private readonly partsAt: (start: number) => SliceParts | null,
  ) {}

  /** The merge of the slices starting in [a, b], keeping at least `need`. Yields after each slice. */
  *at(a: number, b: number, need: Need): Stepped<LiveSet> {
    if (b < a) return NONE;
    const c = this.cached;
    if (c !== null && c.a === a && c.b === b && covers(c.set.need, need) && this.unchanged(c.slices, c.versions, a)) return c.set;
    const slices: (Slice | undefined)[] = [];
    const versions: number[] = [];
    const at: (LiveGroup | undefined)[] = [];
    const list: LiveGroup[] = [];
    // Fields up to the highest the need keeps (those past it are never read).
    const width = need.fields.length === 0 ? 0 : need.fields[need.fields.length - 1]! + 1;
    for (let t = a; t <= b; t += this.size) {
      const s = this.sliceAt(t);
      slices.push(s);
      versions.push(s?.version ?? -1);
      const parts = s ? this.partsAt(t) : null;
      if (!parts) continue;
      for (let k = 0; k < parts.g.length; k++) {
        const g = parts.g[k]!;
        const bucket = parts.b[k]!;
        let lg = at[g];
        if (lg === undefined) {
          lg = { g, f: new Float64Array(width), run: need.sketches & RUN_SKETCH ? new DDSketch() : null, llm: need.sketches & LLM_SKETCH ? new DDSketch() : null };
          at[g] = lg;
          list.push(lg);
        }
        addFields(lg.f, bucket, need);
        if (lg.run) lg.run.merge(bucket.runLatency);
        if (lg.llm) lg.llm.merge(bucket.llmLatency);
      }
      yield;
    }
    const set: LiveSet = { at, list, need };
    // Made during steps: a slice that changed meanwhile leaves it stale for the next read.
    this.cached = { a, b, slices, versions, set };
    return set;
  }

  private unchanged(slices: readonly (Slice | undefined)[], versions: readonly number[], a: number): boolean {
    for (let i = 0; i < slices.length; i++) {
      const s = this.sliceAt(a + i * this.size);
      if (s !== slices[i] || (s !== undefined && s.version !== versions[i])) return false;
    }
    return true;
  }
}
