/**
 * Merged buckets of runs of consecutive minute slices. A 24-hour window reads about 140 slices,
 * most of them the minutes at its two edges: the rest of the hour it starts in and the complete
 * minutes of the current hour. Each edge is a run that stays the same from one request to the
 * next within a minute, so its slices' merged-by-group buckets are merged once and kept, keyed by
 * the run's first slice and checked against every slice's version (any change to a slice, late
 * events included, makes the next read merge again). Kept per first slice (forgotten with it) and
 * grouping, one run length each, within the index's merge budget.
 */
import { addMerged, MERGE_STEP, type MergeBudget, type MergedGroup, type Slice } from "./rollup-slice.js";
import type { Stepped } from "./stepped.js";
import type { Dims } from "./stored-event.js";

interface Entry {
  slices: Slice[];
  versions: number[];
  groups: Map<string, MergedGroup> | null;
}

/** Cached merges of slice runs. */
export class RunCache {
  private readonly byFirst = new Map<Slice, Map<string, Entry>>();

  constructor(private readonly budget: MergeBudget | null = null) {}

  /** Forgets the runs starting at a slice that is being dropped, giving their room back. */
  forget(first: Slice): void {
    for (const e of this.byFirst.get(first)?.values() ?? []) if (e.groups) this.budget?.give(e.groups.size);
    this.byFirst.delete(first);
  }

  /**
   * The run's buckets merged by group (as `Slice.mergedGroups` names and groups them), or null
   * when one of its slices is not worth merging by that grouping. Read the buckets, never change them.
   */
  *merged(run: Slice[], name: string, groupOf: (id: number) => [string, Dims]): Stepped<Map<string, MergedGroup> | null> {
    const first = run[0]!;
    let entries = this.byFirst.get(first);
    const hit = entries?.get(name);
    if (hit && sameRun(hit, run)) return hit.groups;
    // The versions the merge reads: a change while it runs leaves the result stale for the next read.
    const versions = run.map((s) => s.version);
    let rows = 0;
    for (const s of run) rows += s.n;
    let groups: Map<string, MergedGroup> | null = new Map();
    const own = new Set<string>();
    let steps = 0;
    run: for (const s of run) {
      // A slice whose own merge is not worth keeping may still be worth merging across the run.
      const m = yield* s.mergeSteps(name, groupOf);
      if (m !== null) {
        for (const [k, g] of m) addMerged(groups, own, k, g.dims, g.bucket);
      } else {
        for (let i = 0; i < s.n; i++) {
          if (++steps % MERGE_STEP === 0) yield;
          const [k, dims] = groupOf(s.ids[i]!);
          addMerged(groups, own, k, dims, s.buckets[i]!);
        }
      }
      // Most groups with a row each: merging saves nothing, read the rows instead.
      if (groups.size > 8 && groups.size * 2 > rows) {
        groups = null;
        break run;
      }
    }
    if (!entries) this.byFirst.set(first, (entries = new Map()));
    if (hit?.groups) this.budget?.give(hit.groups.size);
    if (groups !== null && this.budget !== null && !this.budget.take(groups.size)) {
      entries.delete(name);
      return groups;
    }
    entries.set(name, { slices: [...run], versions, groups });
    return groups;
  }
}

function sameRun(e: Entry, run: Slice[]): boolean {
  if (e.slices.length !== run.length) return false;
  for (let i = 0; i < run.length; i++) if (e.slices[i] !== run[i] || e.versions[i] !== run[i]!.version) return false;
  return true;
}
