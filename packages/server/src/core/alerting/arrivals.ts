/**
 * Which series got runs or LLM calls since the last look, read from the activity the newest
 * 10-second slices keep per series (no hook in the ingest path), and which alert rules watch them:
 * what the alert engine evaluates on arrival, between two evaluations.
 */
import { FINE_SLICE, type RollupIndex } from "../rollup-index.js";
import type { Dims } from "../stored-event.js";
import type { AlertRule } from "./types.js";
import { catalogueEntry } from "./catalogue.js";

/** Watches the activity of the newest fine slices. */
export class ArrivalWatch {
  /** Per slice start: the activity of each row at the last look. */
  private seen = new Map<number, Float64Array>();

  /** Ids of the series whose activity grew, in the current or the previous slice, since the last call. */
  changed(index: Pick<RollupIndex, "sliceAt">, now: number): number[] {
    const cur = now - (now % FINE_SLICE);
    const ids = new Set<number>();
    const next = new Map<number, Float64Array>();
    for (const t of [cur - FINE_SLICE, cur]) {
      const s = index.sliceAt("f", t);
      if (!s) continue;
      const before = this.seen.get(t);
      for (let i = 0; i < s.n; i++) if (!before || i >= before.length || s.act[i] !== before[i]) ids.add(s.ids[i]!);
      next.set(t, s.act.slice(0, s.n));
    }
    this.seen = next;
    return [...ids];
  }
}

/** The enabled rollup rules (not custom metrics, not route states) whose scope admits one of the series. */
export function affectedRules(rules: readonly AlertRule[], series: readonly Readonly<Dims>[]): AlertRule[] {
  return rules.filter((r) => {
    if (!r.enabled || r.aggregate !== null || catalogueEntry(r.metric)?.source === "routes") return false;
    const scope = Object.entries(r.scope);
    return series.some((d) => scope.every(([k, v]) => v === undefined || d[k as keyof Dims] === v));
  });
}
