/**
 * Differential test: the rollup index (series ids, posting lists, per-slice merged buckets, flat
 * activity arrays) answers every query exactly as the reference index that reads every key of
 * every slice, over randomised data sets — every figure of every group, for filters and groupings
 * on any dimensions, short and long windows, 10-second slices, after a restore from persisted
 * buckets and after pruning. Windows are exact, as the read answers resolve them: `[to - length, to)`
 * with `to` the end of the minute (or 10-second slice) holding now, in whole hours past the minute tier.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket } from "./bucket.js";
import { metricsOf } from "./metrics.js";
import { FINE_SLICE, HOUR, MINUTE, RollupIndex, type DimFilter, type Group } from "./rollup-index.js";
import { countedBounds, minuteFloorOf } from "./rollup-plan.js";
import { drain } from "./stepped.js";
import { DIMENSIONS, type Dimension } from "./stored-event.js";
import { ReferenceRollupIndex } from "../test-support/reference-rollup-index.js";
import { sliceEnd, windowAt } from "./window-bounds.js";
import { dataset, NOW, rng, SIZES } from "../test-support/random-events.js";

const H = { minuteMs: 6 * HOUR, hourMs: 35 * 24 * HOUR };

/** Every figure of every group, keyed by group key, for comparison. */
function figures(groups: Map<string, Group>, minutes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) out[k] = { dims: g.dims, m: metricsOf(g.bucket, minutes), agentType: g.bucket.agentType };
  return out;
}

const WINDOWS = [5 * MINUTE, 47 * MINUTE, 3 * HOUR, 24 * HOUR, 29 * HOUR];

/** Random queries over exact windows read at `at`. */
function queries(r: () => number, count: number, at = NOW): { from: number; to: number; filter: DimFilter; groupBy: Dimension[]; fine: boolean }[] {
  const out = [];
  for (let i = 0; i < count; i++) {
    const filter: DimFilter = {};
    const nf = Math.floor(r() * 3);
    for (let k = 0; k < nf; k++) {
      const d = DIMENSIONS[Math.floor(r() * DIMENSIONS.length)]!;
      filter[d] = `${d}-${Math.floor(r() * SIZES[d])}`;
    }
    const ng = Math.floor(r() * 3);
    const groupBy = [...new Set(Array.from({ length: ng }, () => DIMENSIONS[Math.floor(r() * DIMENSIONS.length)]!))];
    const w = WINDOWS[Math.floor(r() * WINDOWS.length)]!;
    const fine = w <= 15 * MINUTE && r() < 0.5;
    const { from, to } = fine ? { from: sliceEnd(at, FINE_SLICE) - w, to: sliceEnd(at, FINE_SLICE) } : windowAt(w, at, minuteFloorOf(sliceEnd(at, MINUTE), H.minuteMs));
    out.push({ from, to, filter, groupBy, fine });
  }
  return out;
}

describe("RollupIndex against the reference index (randomised data sets)", () => {
  for (const [seed, mergeCache] of [[1, undefined], [2, undefined], [3, undefined], [4, 3]] as const) {
    it(`answers every query with the same figures (seed ${seed}${mergeCache ? `, merge caches holding ${mergeCache} buckets` : ""})`, () => {
      const events = dataset(seed, 6000);
      const idx = new RollupIndex({ ...H, mergeCache });
      const ref = new ReferenceRollupIndex(H);
      idx.startFine(NOW - 10 * MINUTE);
      ref.startFine(NOW - 10 * MINUTE);
      for (const ev of events) {
        idx.fold(ev);
        ref.fold(ev);
      }
      const r = rng(seed * 7919);
      for (const q of queries(r, 150)) {
        const minutes = (q.to - q.from) / MINUTE;
        if (!q.fine) assert.deepEqual(countedBounds(q.from, q.to, idx.minuteFloor(NOW)), { from: q.from, to: q.to }, "the window is read exactly");
        const got = figures(idx.query(q.from, q.to, NOW, q.filter, q.groupBy, q.fine), minutes);
        const want = figures(ref.query(q.from, q.to, NOW, q.filter, q.groupBy, q.fine), minutes);
        assert.deepEqual(got, want, `window ${minutes} min, filter ${JSON.stringify(q.filter)}, group by ${q.groupBy.join(",") || "-"}${q.fine ? ", fine" : ""}`);
      }
      // Ranking: the activity per value is the sum the merged groups hold.
      for (const d of DIMENSIONS) {
        for (const filter of [{}, { model: "model-1" }]) {
          const ranks = drain(idx.rank(NOW - 24 * HOUR, NOW, NOW, filter, d));
          const groups = ref.query(NOW - 24 * HOUR, NOW, NOW, filter, [d]);
          assert.deepEqual(new Map([...ranks].sort()), new Map([...groups].map(([k, g]) => [k, g.bucket.f[0]! + g.bucket.f[28]!] as [string, number]).sort()), `rank by ${d} ${JSON.stringify(filter)}`);
        }
      }
    });
  }

  it("answers the same while events keep arriving between queries (no stale cached merge)", () => {
    const events = dataset(21, 8000);
    const idx = new RollupIndex(H);
    const ref = new ReferenceRollupIndex(H);
    const r = rng(2121);
    for (let chunk = 0; chunk < 8; chunk++) {
      for (const ev of events.slice(chunk * 1000, (chunk + 1) * 1000)) {
        idx.fold(ev);
        ref.fold(ev);
      }
      for (const q of queries(r, 40)) {
        const minutes = (q.to - q.from) / MINUTE;
        assert.deepEqual(figures(idx.query(q.from, q.to, NOW, q.filter, q.groupBy), minutes), figures(ref.query(q.from, q.to, NOW, q.filter, q.groupBy), minutes), `after chunk ${chunk}: ${JSON.stringify(q)}`);
      }
    }
  });

  it("answers the same after a restore from persisted buckets, and after pruning", () => {
    const events = dataset(9, 5000);
    const idx = new RollupIndex(H);
    const ref = new ReferenceRollupIndex(H);
    for (const ev of events) {
      idx.fold(ev);
      ref.fold(ev);
    }
    const restored = new RollupIndex(H);
    for (const rec of idx.takeDirty()) restored.restore({ ...rec, bucket: Bucket.decode(rec.bucket.encode()) });
    const r = rng(99);
    const check = (label: string, now: number) => {
      for (const q of queries(r, 60, now)) {
        const minutes = (q.to - q.from) / MINUTE;
        const want = figures(ref.query(q.from, q.to, now, q.filter, q.groupBy), minutes);
        assert.deepEqual(figures(restored.query(q.from, q.to, now, q.filter, q.groupBy), minutes), want, `${label}: ${JSON.stringify(q)}`);
      }
    };
    check("restored", NOW);
    restored.prune(NOW + 2 * HOUR);
    ref.prune(NOW + 2 * HOUR);
    check("pruned", NOW + 2 * HOUR);
    assert.ok(restored.series.size() > 0);
  });
});
