import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clamp01, finiteOrNull, proRataMean } from "./score-math.js";

describe("clamp01", () => {
  it("keeps values inside 0..1 and pins the rest to the nearest bound", () => {
    assert.equal(clamp01(0.25), 0.25);
    assert.equal(clamp01(-3), 0);
    assert.equal(clamp01(7), 1);
    assert.equal(clamp01(Infinity), 1);
    assert.equal(clamp01(-Infinity), 0);
  });

  it("maps NaN to 0 so a score is never NaN", () => {
    assert.equal(clamp01(NaN), 0);
  });
});

describe("finiteOrNull", () => {
  it("treats NaN, Infinity and missing values as no data", () => {
    assert.equal(finiteOrNull(NaN), null);
    assert.equal(finiteOrNull(Infinity), null);
    assert.equal(finiteOrNull(null), null);
    assert.equal(finiteOrNull(undefined), null);
    assert.equal(finiteOrNull(0), 0);
  });
});

describe("proRataMean", () => {
  it("gives a missing part's weight to the others in proportion", () => {
    assert.equal(proRataMean([{ weight: 3, value: 1 }, { weight: 1, value: 0 }]), 0.75);
    assert.equal(proRataMean([{ weight: 3, value: 0.5 }, { weight: 1, value: null }]), 0.5);
  });

  it("answers null when no part has data", () => {
    assert.equal(proRataMean([{ weight: 1, value: null }]), null);
    assert.equal(proRataMean([]), null);
  });
});
