import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, FIELD_COUNT } from "./bucket.js";
import { DDSketch, RELATIVE_ACCURACY, sketchKey } from "./ddsketch.js";
import { LegacyDDSketch } from "./ddsketch-legacy.test-support.js";
import { metricsOf } from "./metrics.js";

/** A small deterministic generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const distributions: [string, (r: () => number) => number][] = [
  ["log-normal around 800 ms", (r) => 800 * Math.exp(0.8 * normal(r))],
  ["uniform 0..10 s", (r) => r() * 10_000],
  ["pareto tail", (r) => 50 / Math.pow(1 - r(), 1.5)],
  ["a tenth exact zeros", (r) => (r() < 0.1 ? 0 : r() * 100)],
  ["a few repeated values", (r) => [120, 250, 250.5, 900][Math.floor(r() * 4)]!],
];
const SIZES = [1, 2, 5, 23, 100, 400, 1000, 5000];
const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

type Sketchlike = Pick<DDSketch, "quantile" | "countAbove" | "count" | "min" | "max">;

/** Asserts that two sketches give the very same answers. */
function assertSameAnswers(got: Sketchlike, want: Sketchlike, label: string): void {
  assert.equal(got.count, want.count, `${label}: count`);
  assert.equal(got.min, want.min, `${label}: min`);
  assert.equal(got.max, want.max, `${label}: max`);
  for (const q of QS) assert.equal(got.quantile(q), want.quantile(q), `${label}: q=${q}`);
  for (const x of [0, 1, 50, 100, 250, 800, 2_000, 10_000, 1e6]) assert.equal(got.countAbove(x), want.countAbove(x), `${label}: above ${x}`);
}

function both(values: number[]): { ours: DDSketch; legacy: LegacyDDSketch } {
  const ours = new DDSketch();
  const legacy = new LegacyDDSketch();
  for (const v of values) {
    ours.addWithKey(v, sketchKey(v));
    legacy.add(v);
  }
  return { ours, legacy };
}

function sample(gen: (r: () => number) => number, n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => gen(r));
}

/** The legacy sketch's encoding: the layout rollup checkpoints were written in before the compact store. */
function legacyBytes(s: LegacyDDSketch): ArrayBuffer {
  const buf = new ArrayBuffer(s.encodedSize());
  s.encode(buf, 0);
  return buf;
}

function roundTrip(s: DDSketch): DDSketch {
  const buf = new ArrayBuffer(s.encodedSize());
  assert.equal(s.encode(buf, 0), buf.byteLength);
  return DDSketch.decode(buf, 0).sketch;
}

describe("DDSketch compact store", () => {
  it("answers exactly as the dense-only sketch did, in both forms, within 1% of the exact quantiles", () => {
    const forms = new Set<string>();
    for (const [name, gen] of distributions) {
      for (const n of SIZES) {
        const values = sample(gen, n, n * 31 + name.length);
        const { ours, legacy } = both(values);
        forms.add(ours.form);
        assertSameAnswers(ours, legacy, `${name}, ${n} values (${ours.form})`);
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of QS) {
          const want = sorted[Math.floor(q * (n - 1))]!;
          const got = ours.quantile(q)!;
          assert.ok(Math.abs(got - want) <= want * 0.01, `${name}, ${n} values, q=${q}: ${got} vs exact ${want}`);
        }
      }
    }
    assert.deepEqual([...forms].sort(), ["dense", "sparse"]);
  });

  it("merges sparse into sparse, sparse into dense and dense into sparse as the dense-only sketch did", () => {
    const r = rng(5);
    const seen = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const [, gen] = distributions[round % distributions.length]!;
      const parts = Array.from({ length: 1 + Math.floor(r() * 30) }, (_, i) => both(sample(gen, Math.floor(Math.pow(r(), 3) * 2_000), round * 100 + i)));
      const ours = new DDSketch();
      const legacy = new LegacyDDSketch();
      for (const p of parts) {
        seen.add(`${p.ours.form} into ${ours.form}`);
        ours.merge(p.ours);
        legacy.merge(p.legacy);
        assertSameAnswers(ours, legacy, `round ${round}`);
      }
    }
    for (const want of ["sparse into sparse", "sparse into dense", "dense into sparse", "dense into dense", "sparse into empty"]) assert.ok(seen.has(want), `${want} was exercised`);
  });

  it("turns dense once that is smaller, and holds a minute of one series in a few hundred bytes", () => {
    const values = sample(distributions[0]![1], 1000, 11);
    const s = new DDSketch();
    assert.equal(s.binBytes(), 0);
    const forms: string[] = [s.form];
    let switchedAt = 0;
    for (let i = 0; i < values.length; i++) {
      s.add(values[i]!);
      forms.push(s.form);
      if (s.form === "dense" && switchedAt === 0) switchedAt = i + 1;
      if (i + 1 === 23) {
        assert.equal(s.form, "sparse");
        assert.ok(s.binBytes() <= 300, `23 values take ${s.binBytes()} bytes`);
      }
    }
    assert.ok(switchedAt > 23 && switchedAt < 1000, `dense after ${switchedAt} values`);
    assert.deepEqual([...new Set(forms)], ["empty", "sparse", "dense"]);
    const legacy = both(values).legacy;
    assert.ok(s.binBytes() < legacy.binBytes(), `${s.binBytes()} bytes against ${legacy.binBytes()}`);
  });

  it("keeps a merge sparse up to 64 entries, then merges into dense bins", () => {
    const acc = new DDSketch();
    const r = rng(21);
    let entries = 0;
    for (let i = 0; i < 100 && acc.form !== "dense"; i++) {
      const part = new DDSketch();
      // Four values three bins apart each time: every merge brings new keys, and sparse stays smaller.
      for (let k = 0; k < 4; k++) part.add(100 * Math.pow(1.0101, 3 * (4 * i + k) + r() * 0.01));
      acc.merge(part);
      entries += 4;
      if (acc.form === "sparse") assert.ok(entries <= 64, `${entries} entries stayed sparse`);
    }
    assert.equal(acc.form, "dense");
    assert.ok(entries > 64 && entries <= 68, `dense after ${entries} entries`);
  });

  it("reads the dense-only encoding back to the same answers, and writes entries when they are smaller", () => {
    for (const [name, gen] of distributions) {
      for (const n of [0, 1, 23, 1000]) {
        const { ours, legacy } = both(sample(gen, n, n + 3));
        const fromOld = DDSketch.decode(legacyBytes(legacy), 0).sketch;
        assertSameAnswers(fromOld, legacy, `${name}, ${n} values from the old layout`);
        assertSameAnswers(roundTrip(ours), legacy, `${name}, ${n} values round-tripped`);
        assert.ok(ours.encodedSize() <= legacy.encodedSize(), `${name}, ${n}: ${ours.encodedSize()} > ${legacy.encodedSize()} bytes`);
      }
    }
    const minute = both(sample(distributions[0]![1], 23, 1)).ours;
    assert.ok(minute.encodedSize() <= 48 + 24 * 6, `23 values encode in ${minute.encodedSize()} bytes`);
  });

  it("collapses the lowest bins past 4,096 as before, through adds, merges and encodings", () => {
    const r = rng(9);
    const values = Array.from({ length: 3_000 }, () => Math.pow(10, -5 + r() * 17));
    const { ours, legacy } = both(values);
    assert.equal(ours.form, "dense");
    assertSameAnswers(ours, legacy, "wide span");
    assertSameAnswers(roundTrip(ours), legacy, "wide span round-tripped");
    const low = both(values.slice(0, 5).map((v) => v / 1e9));
    const high = both([1e9, 2e9]);
    const collapsedOld = DDSketch.decode(legacyBytes(legacy), 0).sketch;
    for (const [a, b] of [
      [low, high],
      [high, low],
    ] as const) {
      const ours2 = new DDSketch();
      const legacy2 = new LegacyDDSketch();
      for (const [o, l] of [
        [a.ours, a.legacy],
        [collapsedOld, legacy],
        [b.ours, b.legacy],
      ] as const) {
        ours2.merge(o);
        legacy2.merge(l);
      }
      assertSameAnswers(ours2, legacy2, "merged across a collapse");
    }
  });

  it("keeps fractional and very large weights as the dense-only sketch did", () => {
    for (const weights of [
      [0.5, 1.25, 3],
      [1, 2 ** 31, 2 ** 31, 7],
      [2 ** 33, 1],
    ]) {
      const ours = new DDSketch();
      const legacy = new LegacyDDSketch();
      weights.forEach((w, i) => {
        ours.add(100 + i * 37, w);
        legacy.add(100 + i * 37, w);
      });
      assertSameAnswers(ours, legacy, `weights ${weights.join(", ")}`);
      const into = both([100, 5_000]);
      into.ours.merge(ours);
      into.legacy.merge(legacy);
      assertSameAnswers(into.ours, into.legacy, `merged weights ${weights.join(", ")}`);
    }
  });

  it("reads a bucket written by the old code (layout 1, dense sketches) back to the same metrics", () => {
    const runs = both(sample(distributions[0]![1], 23, 2));
    const calls = both(sample(distributions[2]![1], 5, 3));
    const old = new Bucket();
    old.f[0] = 23;
    old.f[1] = 23;
    const extra = new TextEncoder().encode(JSON.stringify([[["timeout", 2]], "react"]));
    const size = 16 + FIELD_COUNT * 8 + runs.legacy.encodedSize() + calls.legacy.encodedSize() + 8 + extra.length;
    const buf = new ArrayBuffer(size);
    new Float64Array(buf, 0, 2).set([1, FIELD_COUNT]);
    new Float64Array(buf, 16, FIELD_COUNT).set(old.f);
    let at = runs.legacy.encode(buf, 16 + FIELD_COUNT * 8);
    at = calls.legacy.encode(buf, at);
    new Float64Array(buf, at, 1)[0] = extra.length;
    new Uint8Array(buf, at + 8, extra.length).set(extra);

    const b = Bucket.decode(new Uint8Array(buf));
    assertSameAnswers(b.runLatency, runs.legacy, "run latency");
    assertSameAnswers(b.llmLatency, calls.legacy, "LLM latency");
    assert.equal(b.agentType, "react");
    const rewritten = Bucket.decode(b.encode());
    assert.deepEqual(metricsOf(rewritten, 1), metricsOf(b, 1));
    assert.ok(b.encode().byteLength < buf.byteLength, "the compact layout is smaller");
  });

  it("stays within the relative accuracy after many sparse merges", () => {
    const r = rng(77);
    const all: number[] = [];
    const merged = new DDSketch();
    for (let i = 0; i < 200; i++) {
      const part = sample(distributions[0]![1], 1 + Math.floor(r() * 23), i);
      all.push(...part);
      merged.merge(both(part).ours);
    }
    all.sort((a, b) => a - b);
    for (const q of QS) {
      const want = all[Math.floor(q * (all.length - 1))]!;
      assert.ok(Math.abs(merged.quantile(q)! - want) <= want * RELATIVE_ACCURACY + 1e-9, `q=${q}`);
    }
  });
});
