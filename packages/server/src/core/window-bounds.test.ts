import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { metricsOf } from "./metrics.js";
import { FINE_SLICE, HOUR, MINUTE, RollupIndex } from "./rollup-index.js";
import { countedBounds, slicePlan } from "./rollup-plan.js";
import type { StoredEvent } from "./stored-event.js";
import { elapsedMinutes, previousWindow, sliceEnd, windowAt } from "./window-bounds.js";

const H = { minuteMs: 6 * HOUR, hourMs: 35 * 24 * HOUR };
/** A minute boundary. */
const M = Date.UTC(2026, 11, 7, 14, 37, 0);
const run = (ts: number, i = 0): StoredEvent => ({ id: `${ts}-${i}`, type: "run", ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 100 } });

/** Runs counted in [from, to) read at `now`. */
function runs(idx: RollupIndex, from: number, to: number, now: number, fine = false): number {
  const g = idx.query(from, to, now, {}, [], fine).get("");
  return g ? metricsOf(g.bucket, 1).total_tasks : 0;
}

describe("exact windows", () => {
  it("end with the minute holding now and read exactly their length in minute slices", () => {
    const now = M + 30_000;
    const w = windowAt(60 * MINUTE, now, M - 5 * HOUR);
    assert.deepEqual(w, { from: M + MINUTE - 60 * MINUTE, to: M + MINUTE, now });
    const plan = slicePlan(w.from, w.to, M - 5 * HOUR);
    assert.equal(plan.length, 60, "60 minute slices, the last one still filling");
    assert.deepEqual(countedBounds(w.from, w.to, M - 5 * HOUR), { from: w.from, to: w.to });
    // On the boundary itself, now is the first millisecond of a new minute: that minute is the last slice.
    assert.deepEqual(windowAt(MINUTE, M, 0), { from: M, to: M + MINUTE, now: M });
    assert.deepEqual(windowAt(MINUTE, M - 1, 0), { from: M - MINUTE, to: M, now: M - 1 });
    // A length that is not whole minutes is rounded up to them (the slices that answer it).
    assert.deepEqual(windowAt(90_000, now, 0), { from: M + MINUTE - 2 * MINUTE, to: M + MINUTE, now });
  });

  it("have a previous window just before them, sharing no slice", () => {
    const w = windowAt(60 * MINUTE, M + 30_000, 0);
    const p = previousWindow(w);
    assert.deepEqual(p, { from: w.from - 60 * MINUTE, to: w.from });
    const cur = new Set(slicePlan(w.from, w.to, 0).map(([t, s]) => t + s));
    const prev = slicePlan(p.from, p.to, 0).map(([t, s]) => t + s);
    assert.equal(prev.filter((k) => cur.has(k)).length, 0);
    assert.equal(elapsedMinutes(p), 60, "a previous window is complete");
  });

  it("resolve to whole hours when they (or the windows a trend looks back to) reach past the minute tier", () => {
    const now = M + 30_000; // 14:37:30
    const floor = M - 6 * HOUR + MINUTE;
    const day = windowAt(24 * HOUR, now, floor);
    assert.deepEqual(day, { from: Date.UTC(2026, 11, 6, 15), to: Date.UTC(2026, 11, 7, 15), now });
    assert.ok(slicePlan(day.from, day.to, floor).every(([t]) => t === "h"));
    assert.deepEqual(countedBounds(day.from, day.to, floor), { from: day.from, to: day.to });
    // Four hours fit in the minute tier, but a report's previous window of four hours would not.
    assert.equal(windowAt(4 * HOUR, now, floor).from, M + MINUTE - 4 * HOUR);
    const four = windowAt(4 * HOUR, now, floor, 2);
    assert.deepEqual(four, { from: Date.UTC(2026, 11, 7, 11), to: Date.UTC(2026, 11, 7, 15), now });
    assert.deepEqual(previousWindow(four), { from: Date.UTC(2026, 11, 7, 7), to: Date.UTC(2026, 11, 7, 11) });
    // Unaligned bounds would count more than asked: countedBounds says so.
    assert.deepEqual(countedBounds(now - HOUR, now, floor), { from: M - HOUR, to: M + MINUTE });
  });

  it("count the minutes elapsed, not the part of the last slice still to come", () => {
    const w = windowAt(60 * MINUTE, M + 30_000, 0);
    assert.equal(elapsedMinutes(w), 59.5);
    assert.equal(elapsedMinutes(windowAt(MINUTE, M, 0)), 0);
    assert.equal(elapsedMinutes({ from: M, to: M + MINUTE }), 1);
  });

  it("count an event at the first or last millisecond of a minute in exactly one of two adjacent windows", () => {
    const idx = new RollupIndex(H);
    // Minute M-1min..M and M..M+1min; events on both edges of both minutes, and on 10-second edges inside.
    const edges = [M - MINUTE, M - 1, M, M + 9_999, M + 10_000, M + MINUTE - 1];
    edges.forEach((ts, i) => idx.fold(run(ts, i)));
    idx.fold(run(M + MINUTE, 99)); // the first millisecond of the minute after
    const now = M + 45_000;
    const cur = windowAt(MINUTE, now, idx.minuteFloor(now));
    const prev = previousWindow(cur);
    assert.deepEqual(cur, { from: M, to: M + MINUTE, now });
    assert.equal(runs(idx, cur.from, cur.to, now), 4, "M, M+9999, M+10000 and M+59999");
    assert.equal(runs(idx, prev.from, prev.to, now), 2, "M-60000 and M-1");
    assert.equal(runs(idx, prev.from, cur.to, now), 6, "together: each once");
    assert.equal(runs(idx, cur.to, cur.to + MINUTE, now), 1);
    // Windows of several minutes, adjacent at M.
    assert.equal(runs(idx, M - 5 * MINUTE, M, now) + runs(idx, M, M + 5 * MINUTE, now), edges.length + 1);
  });

  it("count an event at the first or last millisecond of a 10-second slice in exactly one of two adjacent fine windows", () => {
    const idx = new RollupIndex(H);
    idx.startFine(M - 5 * MINUTE);
    const b = M + 30_000; // a 10-second boundary
    const edges = [b - 30_000, b - FINE_SLICE, b - 1, b, b + FINE_SLICE - 1, b + FINE_SLICE, b + 30_000 - 1];
    edges.forEach((ts, i) => idx.fold(run(ts, i)));
    idx.fold(run(b + 30_000, 99));
    const now = b + 27_500;
    const to = sliceEnd(now, FINE_SLICE);
    assert.equal(to, b + 30_000);
    assert.equal(runs(idx, to - 30_000, to, now, true), 4, "b, b+9999, b+10000 and b+29999");
    assert.equal(runs(idx, to - 60_000, to - 30_000, now, true), 3, "b-30000, b-10000 and b-1");
    assert.equal(runs(idx, to, to + 30_000, now, true), 1);
    // The minute read of that minute counts each of them once too; the next minute's first millisecond is not in it.
    assert.equal(runs(idx, M, M + MINUTE, now), edges.length);
  });
});
