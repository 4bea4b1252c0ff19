import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DDSketch as Reference } from "@datadog/sketches-js";
import { DDSketch, RELATIVE_ACCURACY } from "./ddsketch.js";

function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact quantile at rank q·(n−1), lower element: the definition the sketch answers. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const distributions: [string, (r: () => number) => number][] = [
  ["lognormal latencies", (r) => 800 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))],
  ["uniform 0..10 s", (r) => r() * 10_000],
  ["heavy tail (pareto)", (r) => 50 / Math.pow(1 - r(), 1.5)],
  ["with exact zeros", (r) => (r() < 0.1 ? 0 : r() * 100)],
];

describe("DDSketch", () => {
  for (const [name, gen] of distributions) {
    it(`answers p50/p95/p99 within ${RELATIVE_ACCURACY * 100}% of the exact value for ${name}`, () => {
      const r = rng(42);
      const s = new DDSketch();
      const xs: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        const x = gen(r);
        xs.push(x);
        s.add(x);
      }
      xs.sort((a, b) => a - b);
      for (const q of [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        const want = exact(xs, q);
        const got = s.quantile(q)!;
        if (want === 0) assert.equal(got, 0);
        else assert.ok(Math.abs(got - want) / want <= RELATIVE_ACCURACY + 1e-12, `q=${q}: got ${got}, exact ${want}`);
      }
    });
  }

  it("merges sketches into the same answers as one sketch of all values", () => {
    const r = rng(7);
    const whole = new DDSketch();
    const parts = Array.from({ length: 60 }, () => new DDSketch());
    for (let i = 0; i < 30_000; i++) {
      const x = 10 + r() * r() * 20_000;
      whole.add(x);
      parts[i % 60]!.add(x);
    }
    const merged = new DDSketch();
    for (const p of parts) merged.merge(p);
    assert.equal(merged.count, whole.count);
    for (const q of [0.5, 0.95, 0.99]) assert.equal(merged.quantile(q), whole.quantile(q));
  });

  it("agrees with the reference implementation (@datadog/sketches-js) within twice the accuracy", () => {
    const r = rng(99);
    const ours = new DDSketch();
    const ref = new Reference({ relativeAccuracy: RELATIVE_ACCURACY });
    for (let i = 0; i < 20_000; i++) {
      const x = 1 + r() * 5000;
      ours.add(x);
      ref.accept(x);
    }
    for (const q of [0.5, 0.95, 0.99]) {
      const a = ours.quantile(q)!;
      const b = ref.getValueAtQuantile(q)!;
      assert.ok(Math.abs(a - b) / b <= 2 * RELATIVE_ACCURACY, `q=${q}: ours ${a}, reference ${b}`);
    }
  });

  it("counts the values above a point within its relative accuracy, exactly outside the range", () => {
    const s = new DDSketch();
    const values: number[] = [];
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      const v = 10 + (x % 100_000) / 10;
      values.push(v);
      s.add(v);
    }
    for (const at of [50, 500, 2_000, 5_000, 9_000]) {
      const exact = values.filter((v) => v > at).length;
      // Values within the relative accuracy of `at` may land on either side.
      const near = values.filter((v) => Math.abs(v - at) <= at * 0.02).length;
      assert.ok(Math.abs(s.countAbove(at) - exact) <= near, `above ${at}: ${s.countAbove(at)} vs ${exact}`);
    }
    assert.equal(s.countAbove(1), 20_000);
    assert.equal(s.countAbove(s.max), 0);
    assert.equal(new DDSketch().countAbove(5), 0);
  });

  it("round-trips through its binary encoding", () => {
    const s = new DDSketch();
    for (let i = 1; i <= 1000; i++) s.add(i * 1.7);
    const buf = new ArrayBuffer(s.encodedSize());
    s.encode(buf, 0);
    const { sketch } = DDSketch.decode(buf, 0);
    for (const q of [0, 0.25, 0.5, 0.95, 1]) assert.equal(sketch.quantile(q), s.quantile(q));
    assert.equal(sketch.count, 1000);
  });

  it("answers null when empty and ignores negative or non-finite values", () => {
    const s = new DDSketch();
    assert.equal(s.quantile(0.5), null);
    s.add(-1);
    s.add(Number.NaN);
    s.add(Number.POSITIVE_INFINITY);
    assert.equal(s.count, 0);
    s.add(5);
    assert.ok(Math.abs(s.quantile(0.5)! - 5) <= 5 * RELATIVE_ACCURACY);
  });

  it("stays bounded when values span many orders of magnitude", () => {
    const s = new DDSketch();
    for (let e = -5; e <= 12; e += 0.001) s.add(Math.pow(10, e));
    assert.ok(s.binBytes() <= 4096 * 8, `bins use ${s.binBytes()} bytes`);
    const p99 = s.quantile(0.99)!;
    assert.ok(Math.abs(p99 - Math.pow(10, -5 + 0.99 * 17)) / p99 < 0.01);
  });
});
