/**
 * SLI counts read from rollup buckets equal the counts taken from the raw events: for every
 * threshold on the latency ladder, every rating and every accuracy step, in minute and hour
 * buckets, compact and full, and after a persist / restore round trip — latencies exactly on a
 * step and within 1% of it included, which the sketch alone cannot tell apart. Buckets persisted
 * before the per-bin counts read them as zeros.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Bucket, F, FIELD_COUNT, shapesMade } from "./bucket.js";
import { EventDelta } from "./event-delta.js";
import { countAbove, type Sli, type SliCounts, sliCounts, sliExact, sliFields } from "./sli.js";
import { ACCURACY_BINS, ACCURACY_STEPS, LADDER_BINS, LATENCY_LADDER_MS, accuracyBin, latencyBin } from "./sli-ladder.js";
import type { StoredEvent } from "./stored-event.js";
import { rng } from "./seeded-random.test-support.js";


/** A latency that is often a ladder step, just below or above one (within 1%), past the ladder, or anywhere. */
function latency(r: () => number): number | undefined {
  const k = r();
  const step = LATENCY_LADDER_MS[Math.floor(r() * LADDER_BINS)]!;
  if (k < 0.25) return step;
  if (k < 0.4) return step * (1 - r() * 0.01);
  if (k < 0.55) return step * (1 + r() * 0.01);
  if (k < 0.6) return step + 1e-9;
  if (k < 0.65) return 60_000 + r() * 100_000;
  if (k < 0.68) return undefined;
  if (k < 0.7) return 0;
  return Math.exp(3 + r() * 7);
}

/** Accuracies that sit on steps, within rounding of them, at the ends, or anywhere. */
const ACCURACIES = [0, 1, 0.7, 0.75, 0.1 * 7, 0.69999999999, 0.05, 0.95, 0.3 + 0.05, 1 - 0.05, 0.049999];

function events(seed: number, n: number, minute: number): StoredEvent[] {
  const r = rng(seed);
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = minute + Math.floor(r() * 60_000);
    const k = r();
    let type: StoredEvent["type"];
    let body: Record<string, unknown>;
    if (k < 0.35) {
      const s = r();
      type = "run";
      body = { agent_name: "a", status: s < 0.8 ? "success" : s < 0.87 ? "failure" : s < 0.94 ? "timeout" : "partial" };
      const d = latency(r);
      if (d !== undefined) body.duration_ms = d;
    } else if (k < 0.6) {
      type = "llm_call";
      body = { model: "m", status: r() < 0.9 ? "success" : "failure" };
      const d = latency(r);
      if (d !== undefined) body.latency_ms = d;
    } else if (k < 0.8) {
      // As the ingest join computes it: a rating when sent, else the thumbs.
      type = "feedback";
      const rating = r() < 0.7 ? 1 + Math.floor(r() * 5) : undefined;
      const thumbs = rating === undefined || r() < 0.2 ? (r() < 0.6 ? "up" : "down") : undefined;
      body = { rating, thumbs, satisfaction: rating !== undefined ? (rating - 1) / 4 : thumbs === "up" ? 1 : 0 };
    } else {
      type = "outcome";
      body = { actual_outcome: 1, predicted_outcome: 1, accuracy: r() < 0.5 ? ACCURACIES[Math.floor(r() * ACCURACIES.length)]! : r() };
    }
    out.push({ id: `e${seed}-${i}`, type, ts, receivedAt: ts, body });
  }
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Good and total events of an SLI counted straight from the events, by the definitions in docs/metrics.md. */
function raw(evs: readonly StoredEvent[], sli: Sli): SliCounts {
  let good = 0;
  let total = 0;
  for (const e of evs) {
    const b = e.body;
    switch (sli.kind) {
      case "latency":
      case "availability": {
        if (e.type !== (sli.events === "runs" ? "run" : "llm_call")) break;
        total++;
        if (sli.kind === "latency") {
          if ((num(sli.events === "runs" ? b.duration_ms : b.latency_ms) ?? 0) <= sli.threshold_ms) good++;
        } else if (sli.events === "runs" ? b.status !== "failure" && b.status !== "timeout" : b.status !== "failure") good++;
        break;
      }
      case "satisfaction":
        if (e.type !== "feedback") break;
        total++;
        if (typeof b.rating === "number" ? b.rating >= sli.min_rating : b.thumbs === "up") good++;
        break;
      case "accuracy":
        if (e.type !== "outcome") break;
        total++;
        // Scores within 1e-9 / 20 below a step count as on it (docs/metrics.md).
        if ((b.accuracy as number) >= sli.min_score - 5e-11) good++;
        break;
    }
  }
  return { good, total };
}

/** Events the sketch cannot place on the right side of a threshold: within 1% of it. */
function nearCount(evs: readonly StoredEvent[], events: "runs" | "llm_calls", threshold: number): number {
  let n = 0;
  for (const e of evs) {
    if (e.type !== (events === "runs" ? "run" : "llm_call")) continue;
    const v = num(events === "runs" ? e.body.duration_ms : e.body.latency_ms) ?? 0;
    if (Math.abs(v - threshold) <= threshold * 0.011) n++;
  }
  return n;
}

/** Every SLI counted exactly. */
const EXACT: Sli[] = [
  ...(["runs", "llm_calls"] as const).flatMap((events): Sli[] => [{ kind: "availability", events }, ...LATENCY_LADDER_MS.map((threshold_ms): Sli => ({ kind: "latency", events, threshold_ms }))]),
  ...[0, 1, 2, 3, 3.5, 4, 5, 6].map((min_rating): Sli => ({ kind: "satisfaction", min_rating })),
  ...Array.from({ length: ACCURACY_STEPS + 1 }, (_, k): Sli => ({ kind: "accuracy", min_score: k / ACCURACY_STEPS })),
  { kind: "accuracy", min_score: 0.7 },
  { kind: "accuracy", min_score: 0.35 },
];

/** A bucket read back from its persisted form. */
const restored = (b: Bucket): Bucket => Bucket.decode(b.encode());

/** The buckets holding `evs`: folded full, folded compact, made compact, restored, each form of each. */
function forms(evs: readonly StoredEvent[]): Record<string, Bucket> {
  const d = new EventDelta();
  const full = new Bucket();
  const compact = Bucket.compact();
  for (const e of evs) {
    d.prepare(e);
    d.applyTo(full);
    d.applyTo(compact);
  }
  return { full, compact, compactOf: Bucket.compactOf(full), restored: restored(full), restoredCompact: Bucket.compactOf(restored(compact)) };
}

describe("SLI counts from the rollups", () => {
  it("lays the per-bin counts after the earlier fields, one range per scale", () => {
    assert.equal(F.runLe0, 78, "fields are only appended");
    assert.equal(F.llmLe0, F.runLe0 + LADDER_BINS);
    assert.equal(F.rating1, F.llmLe0 + LADDER_BINS);
    assert.equal(F.thumbsUp, F.rating1 + 5);
    assert.equal(F.thumbsDown, F.thumbsUp + 1);
    assert.equal(F.acc0, F.thumbsDown + 1);
    assert.equal(FIELD_COUNT, F.acc0 + ACCURACY_BINS);
    assert.equal(LATENCY_LADDER_MS.length, LADDER_BINS);
  });

  it("puts a latency in the step at or above it, and an accuracy in the step at or below it", () => {
    assert.deepEqual([0, 50, 50.0001, 100, 2999.9, 3000, 3000.01, 60_000, 60_000.5, -1, NaN].map(latencyBin), [0, 0, 1, 1, 12, 12, 13, 21, -1, 0, -1]);
    assert.deepEqual([0, 0.0499, 0.05, 0.7, 0.1 * 7, 0.69999999999, 0.6999, 0.75, 0.99, 1, 1.2, -0.1].map(accuracyBin), [0, 0, 1, 14, 14, 14, 13, 15, 19, 20, 20, 0]);
  });

  for (const [n, seed] of [
    [1, 1],
    [9, 2],
    [400, 3],
  ] as const) {
    it(`equal the counts from the raw events in minute buckets, every form (${n} events)`, () => {
      const evs = events(seed, n, 0);
      for (const [form, b] of Object.entries(forms(evs))) {
        for (const sli of EXACT) {
          assert.ok(sliExact(sli), JSON.stringify(sli));
          assert.deepEqual(sliCounts(b, sli), raw(evs, sli), `${form} ${JSON.stringify(sli)}`);
          if (sli.kind === "latency") {
            const exact = raw(evs, sli);
            assert.equal(countAbove(b, sli.events, sli.threshold_ms), exact.total - exact.good, `${form} above ${sli.threshold_ms}`);
          }
        }
      }
    });
  }

  it("equal the counts from the raw events in an hour bucket merged from minutes, restored and made compact", () => {
    const all: StoredEvent[] = [];
    const hour = new Bucket();
    for (let m = 0; m < 60; m++) {
      const evs = events(100 + m, 1 + (m % 7) * 20, m * 60_000);
      all.push(...evs);
      // Minutes arrive restored from storage (compact) or still in memory (full).
      const f = forms(evs);
      hour.merge(m % 2 === 0 ? f.restoredCompact! : f.full!);
    }
    const out: SliCounts = { good: -1, total: -1 };
    for (const [form, b] of Object.entries({ hour, restored: restored(hour), compact: Bucket.compactOf(restored(hour)) })) {
      for (const sli of EXACT) {
        const got = sliCounts(b, sli, out);
        assert.equal(got, out, "the counts are written into the object passed");
        assert.deepEqual({ ...got }, raw(all, sli), `${form} ${JSON.stringify(sli)}`);
      }
    }
  });

  it("count a latency threshold off the ladder from the sketch: never more than the exact count, within its resolution", () => {
    const evs = events(7, 3000, 0);
    const { full, compact } = forms(evs);
    for (const threshold_ms of [1, 75, 333, 2900, 3001, 7000, 45_000, 90_000, 1e6]) {
      for (const events of ["runs", "llm_calls"] as const) {
        const sli: Sli = { kind: "latency", events, threshold_ms };
        assert.equal(sliExact(sli), false);
        const exact = raw(evs, sli);
        // Events the sketch cannot place on the right side: within 1% of the threshold.
        const near = nearCount(evs, events, threshold_ms);
        for (const b of [full, compact]) {
          const got = sliCounts(b!, sli);
          assert.equal(got.total, exact.total);
          assert.ok(got.good <= exact.good && got.good >= exact.good - near, `${events} ≤ ${threshold_ms}: ${got.good} of exact ${exact.good} (${near} near)`);
          assert.equal(countAbove(b!, events, threshold_ms), got.total - got.good);
        }
      }
    }
  });

  it("count an accuracy threshold off a step from the next step up", () => {
    const evs = events(8, 500, 0);
    const b = forms(evs).full!;
    const sli: Sli = { kind: "accuracy", min_score: 0.72 };
    assert.equal(sliExact(sli), false);
    assert.deepEqual(sliCounts(b, sli), raw(evs, { kind: "accuracy", min_score: 0.75 }));
  });

  it("read buckets persisted before the per-bin counts as zeros: latency from the sketch, ratings and accuracies as no events", () => {
    const evs = events(9, 300, 0);
    const now = forms(evs).full!;
    // The layout those servers wrote: the same header and tail, only 78 fields.
    const OLD = F.runLe0;
    const extra = now.extraBytes();
    const buf = new ArrayBuffer(16 + OLD * 8 + now.runLatency.encodedSize() + now.llmLatency.encodedSize() + 8 + extra.length);
    new Float64Array(buf, 0, 2).set([2, OLD]);
    new Float64Array(buf, 16, OLD).set(now.f.subarray(0, OLD));
    let at = now.runLatency.encode(buf, 16 + OLD * 8);
    at = now.llmLatency.encode(buf, at);
    new Float64Array(buf, at, 1)[0] = extra.length;
    new Uint8Array(buf, at + 8, extra.length).set(extra);
    const old = Bucket.decode(new Uint8Array(buf));
    for (let i = OLD; i < FIELD_COUNT; i++) assert.equal(old.field(i), 0, `field ${i}`);
    assert.equal(old.field(F.runs), now.field(F.runs));
    for (const sli of EXACT) {
      const got = sliCounts(old, sli);
      if (sli.kind === "satisfaction" || sli.kind === "accuracy") assert.deepEqual(got, { good: 0, total: 0 }, JSON.stringify(sli));
      else if (sli.kind === "availability") assert.deepEqual(got, raw(evs, sli));
      else {
        const exact = raw(evs, sli);
        const s = sli.events === "runs" ? old.runLatency : old.llmLatency;
        assert.equal(got.total, exact.total);
        assert.equal(got.good, Math.min(exact.total, s.countAtMost(sli.threshold_ms)), JSON.stringify(sli));
        const near = nearCount(evs, sli.events, sli.threshold_ms);
        assert.ok(got.good <= exact.good && got.good >= exact.good - near, `${JSON.stringify(sli)}: ${got.good} of ${exact.good} (${near} near)`);
      }
    }
  });

  it("name the fields each SLI reads, so a window kept for it holds them", () => {
    const evs = events(10, 200, 0);
    const full = forms(evs).full!;
    for (const sli of EXACT) {
      const kept = new Set(sliFields(sli));
      const partial = { field: (i: number) => (kept.has(i) ? full.field(i) : 0), runLatency: full.runLatency, llmLatency: full.llmLatency };
      assert.deepEqual(sliCounts(partial, sli), raw(evs, sli), JSON.stringify(sli));
    }
  });

  it("keep compact buckets' per-bin counts beside their shapes: latencies arriving in any order make no new shapes", () => {
    const r = rng(11);
    const d = new EventDelta();
    // Successful runs and LLM calls, log-normal latencies over a dozen steps, in random order.
    const make = (k: number, i: number): StoredEvent => {
      const lat = Math.exp(Math.log(800) + 1.2 * (r() + r() + r() - 1.5));
      return k % 2 === 0 ? { id: `s${k}-${i}`, type: "run", ts: i, receivedAt: i, body: { status: "success", duration_ms: lat, cost: 0.001 } } : { id: `s${k}-${i}`, type: "llm_call", ts: i, receivedAt: i, body: { status: "success", latency_ms: lat, input_tokens: 10 } };
    };
    // Warm the shapes of these events' other fields.
    for (let k = 0; k < 2; k++) d.prepare(make(k, 0)).applyTo(Bucket.compact());
    const before = shapesMade();
    for (let k = 0; k < 400; k++) {
      const b = Bucket.compact();
      const evs = Array.from({ length: 5 + Math.floor(r() * 60) }, (_, i) => make(k, i));
      for (const e of evs) d.prepare(e).applyTo(b);
      assert.ok(b.isCompact);
      for (const sli of EXACT) assert.deepEqual(sliCounts(b, sli), raw(evs, sli));
    }
    // A shape per order of arrival of the bins would make thousands.
    assert.equal(shapesMade() - before, 0);
  });

  it("persist only up to a bucket's last per-bin count, and a bucket without any as before", () => {
    const d = new EventDelta();
    const size = (evs: StoredEvent[]) => {
      const full = new Bucket();
      const compact = Bucket.compact();
      for (const e of evs) {
        d.prepare(e).applyTo(full);
        d.applyTo(compact);
      }
      assert.deepEqual(compact.encode(), full.encode(), "either form persists alike");
      assert.deepEqual([...restored(compact).f], [...full.f]);
      return new Float64Array(full.encode().buffer, 0, 2)[1];
    };
    const run = (ms: number): StoredEvent => ({ id: "r", type: "run", ts: 1, receivedAt: 1, body: { status: "success", duration_ms: ms } });
    assert.equal(size([{ id: "c", type: "cache", ts: 1, receivedAt: 1, body: { operation: "hit" } }]), F.runLe0);
    assert.equal(size([run(812)]), F.runLe0 + latencyBin(812) + 1);
    assert.equal(size([run(812), run(90_000), run(40)]), F.runLe0 + latencyBin(812) + 1);
    assert.equal(size([run(90_000)]), F.runLe0);
    assert.equal(size([run(5), { id: "o", type: "outcome", ts: 1, receivedAt: 1, body: { accuracy: 1 } }]), FIELD_COUNT);
  });

  it("count nothing in an empty bucket", () => {
    for (const b of [new Bucket(), Bucket.compact()]) for (const sli of EXACT) assert.deepEqual(sliCounts(b, sli), { good: 0, total: 0 });
  });
});
