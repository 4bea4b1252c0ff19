import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatBeside, formatFigure, formatPair, formatThreshold } from "./figure-format.js";

describe("formatFigure", () => {
  it("writes each unit the way the sentences read", () => {
    assert.equal(formatFigure(0.72, "ratio"), "72.0%");
    assert.equal(formatFigure(6200, "ms"), "6.2 s");
    assert.equal(formatFigure(850.4, "ms"), "850 ms");
    assert.equal(formatFigure(1.349, "usd"), "$1.35");
    assert.equal(formatFigure(0.0042, "usd"), "$0.0042");
    assert.equal(formatFigure(1234567, "count"), "1,234,567");
    assert.equal(formatFigure(1200, "mb"), "1,200 MB");
    assert.equal(formatFigure(0.854, "score"), "0.85");
    assert.equal(formatFigure(12.34, "per_min"), "12.3/min");
  });
});

describe("formatThreshold", () => {
  it("drops trailing zeros but keeps money to the cent", () => {
    assert.equal(formatThreshold(0.8, "ratio"), "80%");
    assert.equal(formatThreshold(0.155, "ratio"), "15.5%");
    assert.equal(formatThreshold(5000, "ms"), "5 s");
    assert.equal(formatThreshold(800, "ms"), "800 ms");
    assert.equal(formatThreshold(5000, "count"), "5,000");
    assert.equal(formatThreshold(1, "usd"), "$1.00");
    assert.equal(formatThreshold(0.005, "usd"), "$0.005");
  });
});

describe("formatBeside", () => {
  it("keeps the default precision when the value already reads differently from the threshold", () => {
    assert.equal(formatBeside(6200, 5000, "ms"), "6.2 s");
    assert.equal(formatBeside(0.72, 0.8, "ratio"), "72.0%");
  });

  it("adds digits rather than print a breach as equal to its threshold", () => {
    assert.equal(formatBeside(5000.4, 5000, "ms"), "5.0004 s");
    assert.equal(formatBeside(0.7999, 0.8, "ratio"), "79.99%");
    assert.equal(formatBeside(1.001, 1, "usd"), "$1.001");
    assert.equal(formatBeside(5000.4, 5000, "count"), "5,000.4");
  });
});

describe("formatPair", () => {
  it("prints two close values at the same, sufficient precision", () => {
    assert.deepEqual(formatPair(4100, 5400, "ms"), ["4.1 s", "5.4 s"]);
    assert.deepEqual(formatPair(1000, 1040, "ms"), ["1.00 s", "1.04 s"]);
  });
});
