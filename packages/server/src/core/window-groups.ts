/**
 * The groups a window read keeps (window-aggregates.ts): the table that numbers a read's group
 * keys, a slice's buckets listed per group, and a group's running total — its summed fields, the
 * sketches and extremes its rules need, and its share of the slices still filling.
 */
import type { Bucket } from "./bucket.js";
import { FIELD_COUNT } from "./bucket-fields.js";
import { DDSketch } from "./ddsketch.js";
import type { Slice } from "./rollup-slice.js";
import type { Dims } from "./stored-event.js";
import { WindowExtremes } from "./window-extremes.js";
import type { LiveGroup, SliceParts } from "./window-live.js";
import { LLM_SKETCH, RUN_SKETCH, type Need } from "./window-need.js";

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

/** A group of a window: its running total over the settled slices, and its answer with the slices still filling. */
export class Total implements WindowGroup {
  /** Fields over the settled slices. */
  readonly sum = new Float64Array(FIELD_COUNT);
  /** The answer: `sum` with the slices still filling (the fields of the need). */
  readonly f = new Float64Array(FIELD_COUNT);
  /** Sketches over the settled slices (the slices still filling are merged in while a rule reads them). */
  readonly run: DDSketch | null;
  readonly llm: DDSketch | null;
  readonly extremes: WindowExtremes | null;
  /** Buckets of the settled slices in it: the group leaves the window at 0 (with nothing still filling). */
  n = 0;
  /** This read's share of the slices still filling, and whether its sketches are merged into `run` / `llm`. */
  live: LiveGroup | undefined = undefined;
  runIn = false;
  llmIn = false;
  /** The pass that last touched it (so each is tidied once per pass). */
  mark = 0;
  constructor(
    readonly g: number,
    readonly key: string,
    readonly dims: Dims,
    need: Need,
    private readonly merged: Total[],
  ) {
    this.run = need.sketches & RUN_SKETCH ? new DDSketch() : null;
    this.llm = need.sketches & LLM_SKETCH ? new DDSketch() : null;
    this.extremes = WindowExtremes.needed(need) ? new WindowExtremes(need) : null;
  }
  get runLatency(): DDSketch {
    if (this.run === null) return NO_SKETCH;
    if (this.live?.run && !this.runIn) {
      this.run.merge(this.live.run);
      this.runIn = true;
      if (!this.llmIn) this.merged.push(this);
    }
    return this.run;
  }
  get llmLatency(): DDSketch {
    if (this.llm === null) return NO_SKETCH;
    if (this.live?.llm && !this.llmIn) {
      this.llm.merge(this.live.llm);
      this.llmIn = true;
      if (!this.runIn) this.merged.push(this);
    }
    return this.llm;
  }
  /** Takes the slices still filling out of the sketches again (their extremes come back from `extremes`). */
  unmerge(): void {
    if (this.runIn) this.run!.subtract(this.live!.run!);
    if (this.llmIn) this.llm!.subtract(this.live!.llm!);
    this.runIn = this.llmIn = false;
    this.extremes?.writeTo(this);
  }
}
