import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR, MINUTE } from "../core/rollup-index.js";
import { stepsOf } from "./timeseries.js";

/** 12:30:00. */
const T = Date.UTC(2026, 11, 7, 12, 30);

describe("timeseries steps", () => {
  it("run aligned from the step holding the window's start to the one holding now, which is partial", () => {
    const s = stepsOf({ from: T + MINUTE - HOUR, to: T + MINUTE, now: T + 20_000 }, 5 * MINUTE, 0);
    assert.equal(s.starts.length, 13);
    assert.deepEqual([s.from, s.to, s.starts[0], s.starts.at(-1), s.partialFrom], [T - HOUR, T + 5 * MINUTE, T - HOUR, T, T]);
  });

  it("have no partial step for a complete window", () => {
    assert.equal(stepsOf({ from: T - HOUR, to: T }, 10 * MINUTE, 0).partialFrom, null);
    assert.equal(stepsOf({ from: T - HOUR, to: T }, 10 * MINUTE, 0).starts.length, 6);
  });

  it("leave out a step of minutes that would start before the minute rollups, never one of whole hours", () => {
    const w = { from: T + MINUTE - 47 * HOUR, to: T + MINUTE, now: T };
    const floor = w.from; // the window starts (at :31) on the earliest minute the minute rollups hold
    const halfHours = stepsOf(w, 30 * MINUTE, floor);
    assert.ok(halfHours.from >= floor, "the step from :30 would be read from an hour bucket");
    assert.equal(halfHours.from, T - 47 * HOUR + 30 * MINUTE);
    const hours = stepsOf(w, HOUR, floor);
    assert.equal(hours.from, T - 47 * HOUR - 30 * MINUTE, "whole hours are read from hour buckets anyway");
  });
});
