import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readings, READINGS_KEPT, type Reading } from "./readings.js";

const STEP = 300_000;
const T0 = Date.UTC(2026, 10, 2);

const reading = (i: number): Reading => ({ at: T0 + i * STEP, value: 100 + i, expected: i < 3 ? null : 90 + i, lower: i < 3 ? null : 80 + i, upper: i < 3 ? null : 110 + i, score: i < 3 ? null : (i % 10) / 10, anomalous: i % 10 === 9 });

describe("anomaly readings ring", () => {
  it("reads back each step as pushed, nulls kept, oldest first, within the range asked", () => {
    const r = new Readings(STEP);
    for (let i = 0; i < 40; i++) r.push(reading(i));
    assert.equal(r.size, 40);
    const all = r.between(0, Infinity);
    assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => reading(i)).map((x) => ({ ...x, score: x.score === null ? null : Math.fround(x.score) })));
    assert.deepEqual(
      r.between(T0 + 10 * STEP, T0 + 12 * STEP).map((x) => x.at),
      [T0 + 10 * STEP, T0 + 11 * STEP],
    );
  });

  it("keeps the latest `capacity` steps and no more, and grows only as steps come", () => {
    const r = new Readings(STEP);
    r.push(reading(0));
    const small = r.bytes();
    assert.ok(small <= 16 * 25, `${small} bytes for one step`);
    for (let i = 1; i < 1000; i++) r.push(reading(i));
    assert.equal(r.size, READINGS_KEPT);
    assert.equal(r.bytes(), READINGS_KEPT * 25);
    const kept = r.between(0, Infinity);
    assert.equal(kept[0]!.at, T0 + (1000 - READINGS_KEPT) * STEP);
    assert.equal(kept.at(-1)!.at, T0 + 999 * STEP);
    assert.equal(kept.filter((x) => x.anomalous).length, kept.filter((x) => (x.at - T0) / STEP % 10 === 9).length);
  });

  it("skips missing steps without inventing them", () => {
    const r = new Readings(STEP, 4);
    for (const i of [0, 1, 5, 6, 9]) r.push(reading(i));
    assert.deepEqual(
      r.between(0, Infinity).map((x) => (x.at - T0) / STEP),
      [1, 5, 6, 9],
    );
  });
});
