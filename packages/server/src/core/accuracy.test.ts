import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_SCORED_DEPTH, deepEqual, scoreAccuracy } from "./accuracy.js";

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe("scoreAccuracy: numbers", () => {
  it("scores a number prediction by relative error", () => {
    close(scoreAccuracy(95, 100), 0.95);
    close(scoreAccuracy(105, 100), 0.95);
    close(scoreAccuracy(-90, -100), 0.9);
  });

  it("clamps predictions more than 100% off to 0", () => {
    assert.equal(scoreAccuracy(250, 100), 0);
    assert.equal(scoreAccuracy(-100, 100), 0);
  });

  it("requires an exact match when the actual value is 0", () => {
    assert.equal(scoreAccuracy(0, 0), 1);
    assert.equal(scoreAccuracy(-0, 0), 1);
    assert.equal(scoreAccuracy(0.0001, 0), 0);
  });

  it("compares a number with a numeric string numerically, in both directions", () => {
    close(scoreAccuracy("95000", 100000), 0.95);
    close(scoreAccuracy(95000, "100000"), 0.95);
    assert.equal(scoreAccuracy(" 1.5e3 ", 1500), 1);
  });

  it("does not read hex, empty or word strings as numbers", () => {
    assert.equal(scoreAccuracy("0x10", 16), 0);
    assert.equal(scoreAccuracy("", 0), 0);
    assert.equal(scoreAccuracy("Infinity", Infinity), 0);
    assert.equal(scoreAccuracy("ninety", 90), 0);
  });

  it("compares two numeric strings as words, since codes are not quantities", () => {
    assert.equal(scoreAccuracy("02138", "02139"), 0);
    assert.equal(scoreAccuracy("02139", "02139"), 1);
  });

  it("never answers NaN, even for non-finite numbers", () => {
    assert.equal(scoreAccuracy(NaN, 5), 0);
    assert.equal(scoreAccuracy(5, NaN), 0);
    assert.equal(scoreAccuracy(NaN, NaN), 1);
    assert.equal(scoreAccuracy(Infinity, 5), 0);
    assert.equal(scoreAccuracy(Number.MAX_VALUE, -Number.MAX_VALUE), 0);
  });
});

describe("scoreAccuracy: strings", () => {
  it("scores the share of the actual's words that the prediction contains", () => {
    close(scoreAccuracy("the invoice was approved", "approved invoice"), 1);
    close(scoreAccuracy("approved", "approved with conditions"), 1 / 3);
  });

  it("ignores case, punctuation and repeated words", () => {
    assert.equal(scoreAccuracy("APPROVED!", "approved."), 1);
    close(scoreAccuracy("yes yes yes", "yes, no"), 0.5);
  });

  it("keeps accented letters inside words", () => {
    assert.equal(scoreAccuracy("Café", "café"), 1);
    assert.equal(scoreAccuracy("caf", "café"), 0);
  });

  it("scores enums by equality", () => {
    assert.equal(scoreAccuracy("approve", "approved"), 0);
    assert.equal(scoreAccuracy("approved", "approved"), 1);
  });

  it("compares wordless strings by trimmed, case-insensitive equality", () => {
    assert.equal(scoreAccuracy("", ""), 1);
    assert.equal(scoreAccuracy("  ", ""), 1);
    assert.equal(scoreAccuracy("?!", "?!"), 1);
    assert.equal(scoreAccuracy("word", "?!"), 0);
    assert.equal(scoreAccuracy("", "?!"), 0);
  });
});

describe("scoreAccuracy: booleans, null and mismatched types", () => {
  it("scores booleans by equality", () => {
    assert.equal(scoreAccuracy(true, true), 1);
    assert.equal(scoreAccuracy(false, true), 0);
  });

  it("treats null and undefined as the same absent value", () => {
    assert.equal(scoreAccuracy(null, null), 1);
    assert.equal(scoreAccuracy(undefined, null), 1);
    assert.equal(scoreAccuracy(null, 0), 0);
    assert.equal(scoreAccuracy("x", undefined), 0);
  });

  it("scores mismatched types 0", () => {
    assert.equal(scoreAccuracy({ a: 1 }, "a"), 0);
    assert.equal(scoreAccuracy("true", true), 0);
    assert.equal(scoreAccuracy([1], 1), 0);
    assert.equal(scoreAccuracy({ 0: 1 }, [1]), 0);
    assert.equal(scoreAccuracy(1, true), 0);
  });
});

describe("scoreAccuracy: arrays", () => {
  it("scores the share of actual elements found in the prediction", () => {
    close(scoreAccuracy(["a", "b", "x"], ["a", "b", "c", "d"]), 0.5);
    assert.equal(scoreAccuracy([3, 2, 1], [1, 2, 3]), 1);
  });

  it("matches elements by deep equality, ignoring object key order", () => {
    close(scoreAccuracy([{ id: 1, tags: ["x"] }, { id: 2 }], [{ tags: ["x"], id: 1 }, { id: 3 }]), 0.5);
    assert.equal(scoreAccuracy(["1"], [1]), 0);
  });

  it("counts each predicted element against at most one actual element", () => {
    close(scoreAccuracy(["a"], ["a", "a"]), 0.5);
    assert.equal(scoreAccuracy(["a", "a"], ["a"]), 1);
  });

  it("scores an empty actual 1 only against an empty prediction", () => {
    assert.equal(scoreAccuracy([], []), 1);
    assert.equal(scoreAccuracy([1], []), 0);
    assert.equal(scoreAccuracy([], [1]), 0);
  });
});

describe("scoreAccuracy: objects", () => {
  it("scores the seed's example 0 because the prediction shares no key with the outcome", () => {
    const predicted = { recommendation: "approve", confidence: 0.85, estimated_value: 100000 };
    const actual = { result: "approved", actual_value: 95000 };
    assert.equal(scoreAccuracy(predicted, actual), 0);
  });

  it("averages key overlap with the shared values' scores, recursively", () => {
    const predicted = { a: 10, b: { c: "hello world", d: true }, extra: 1 };
    const actual = { a: 8, b: { c: "hello there", d: true, e: 1 }, f: [1, 2] };
    // b: keys 2/3, values (0.5 + 1) / 2 = 0.75 → 17/24; top: keys 2/3, values (0.75 + 17/24) / 2 = 35/48.
    close(scoreAccuracy(predicted, actual), (2 / 3 + 35 / 48) / 2);
    close(scoreAccuracy(predicted, actual), 67 / 96);
  });

  it("scores identical objects 1", () => {
    assert.equal(scoreAccuracy({ value: 100, tags: ["a"] }, { tags: ["a"], value: 100 }), 1);
  });

  it("scores a shared key with a wrong value at half", () => {
    close(scoreAccuracy({ value: 0 }, { value: 95 }), 0.5);
    close(scoreAccuracy({ value: 100 }, { value: 95 }), (1 + (1 - 5 / 95)) / 2);
  });

  it("scores an empty actual object 1 only against an empty prediction", () => {
    assert.equal(scoreAccuracy({}, {}), 1);
    assert.equal(scoreAccuracy({ a: 1 }, {}), 0);
  });

  it("only counts own keys, so a __proto__ key cannot fake a match", () => {
    const actual = JSON.parse('{"__proto__": 1, "toString": 2}') as unknown;
    assert.equal(scoreAccuracy({}, actual), 0);
    assert.equal(scoreAccuracy(JSON.parse('{"__proto__": 1, "toString": 2}'), actual), 1);
  });
});

describe("scoreAccuracy: hostile input", () => {
  function nested(depth: number, leaf: unknown): unknown {
    let v: unknown = leaf;
    for (let i = 0; i < depth; i++) v = { k: v };
    return v;
  }
  function nestedArrays(depth: number, leaf: unknown): unknown {
    let v: unknown = leaf;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  }

  it("scores deeply nested objects without overflowing the stack", () => {
    assert.equal(scoreAccuracy(nested(200_000, 1), nested(200_000, 1)), 1);
    // Below the scored depth the differing leaf only costs the deep-equality part of each level.
    const score = scoreAccuracy(nested(200_000, 1), nested(200_000, 2));
    assert.ok(score > 0 && score < 1);
  });

  it("compares objects nested past the scored depth by deep equality", () => {
    const deep = MAX_SCORED_DEPTH + 2;
    // Each scored level contributes (1 + inner) / 2, so the equality verdict at the bottom is diluted but visible.
    let expected = 0;
    for (let i = 0; i < MAX_SCORED_DEPTH + 1; i++) expected = (1 + expected) / 2;
    close(scoreAccuracy(nested(deep, 1), nested(deep, 1.5)), expected);
  });

  it("matches deeply nested array elements without overflowing the stack", () => {
    assert.equal(scoreAccuracy([nestedArrays(200_000, "x")], [nestedArrays(200_000, "x")]), 1);
    assert.equal(scoreAccuracy([nestedArrays(200_000, "x")], [nestedArrays(200_000, "y")]), 0);
  });

  it("terminates on cyclic values", () => {
    const a: Record<string, unknown> = { v: 1 };
    a["self"] = a;
    const b: Record<string, unknown> = { v: 1 };
    b["self"] = b;
    assert.equal(scoreAccuracy([a], [b]), 1);
    const s = scoreAccuracy(a, b);
    assert.ok(s >= 0 && s <= 1);
  });

  it("scores large arrays in linear time", () => {
    const big = Array.from({ length: 200_000 }, (_, i) => ({ id: i }));
    const started = performance.now();
    assert.equal(scoreAccuracy([...big].reverse(), big), 1);
    assert.ok(performance.now() - started < 5000);
  });
});

describe("deepEqual", () => {
  it("ignores key order but not types", () => {
    assert.equal(deepEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), true);
    assert.equal(deepEqual({ a: 1 }, { a: "1" }), false);
    assert.equal(deepEqual([1, 2], [2, 1]), false);
    assert.equal(deepEqual(-0, 0), true);
  });
});
