/**
 * Differential test: the alert engine's running window totals answer every window exactly as a
 * scan of the rollups (`scan(..., fine = true)`) does, over randomised event streams (late events
 * included) and evaluation times not aligned to 10 seconds — every field, both sketches' counts,
 * extremes and quantiles, for windows on 10-second slices and on minutes, with filters and groupings;
 * and windows kept for some fields and sketches only answer those exactly as the scan does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Bucket } from "./bucket.js";
import type { DDSketch } from "./ddsketch.js";
import { FINE_SLICE, HOUR, MINUTE, RollupIndex, type DimFilter } from "./rollup-index.js";
import { drain } from "./stepped.js";
import type { Dimension, StoredEvent } from "./stored-event.js";
import { F } from "./bucket.js";
import type { WindowGroup } from "./window-aggregates.js";
import { LLM_SKETCH, need, RUN_SKETCH, type Need } from "./window-need.js";
import { GROUP_TABLE_FLOOR, WindowReads } from "./window-reads.js";
import { rng } from "../test-support/random-events.js";


const T0 = Date.UTC(2026, 11, 7, 14, 0, 3);

function event(r: () => number, ts: number, i: number, dims: Record<string, string> = {}): StoredEvent {
  const pick = (k: number) => Math.floor(r() * k);
  const body: Record<string, unknown> = { agent_name: `a${pick(6)}`, model: `m${pick(3)}`, ...dims };
  if (r() < 0.5) body.route = `r${pick(2)}`;
  const kind = r();
  let type: StoredEvent["type"];
  if (kind < 0.6) {
    type = "run";
    Object.assign(body, { status: ["success", "success", "failure", "timeout", "partial"][pick(5)], duration_ms: Math.round(Math.exp(3 + r() * 5) * 10) / 10, input_tokens: pick(900), output_tokens: pick(300), cost: pick(1000) / 1e5, quality_score: r(), memory_mb: r() < 0.3 ? pick(4000) / 10 : undefined, error_type: "e1" });
  } else if (kind < 0.85) {
    type = "llm_call";
    Object.assign(body, { status: r() < 0.9 ? "success" : "failure", latency_ms: Math.round(Math.exp(3 + r() * 4)), input_tokens: pick(2000), output_tokens: pick(500), cost: pick(100) / 1e4 });
  } else {
    type = "cache";
    Object.assign(body, { operation: ["hit", "miss", "write", "evict"][pick(4)], entries: pick(1000), capacity: 1000 + pick(3) });
  }
  return { id: `e${i}`, type, ts, receivedAt: ts, body };
}

function sameSketch(a: DDSketch, b: DDSketch, where: string): void {
  assert.equal(a.count, b.count, `${where}: count`);
  assert.equal(a.min, b.min, `${where}: min`);
  assert.equal(a.max, b.max, `${where}: max`);
  for (const q of [0, 0.25, 0.5, 0.95, 0.99, 1]) assert.equal(a.quantile(q), b.quantile(q), `${where}: quantile ${q}`);
}

function sameGroups(got: Map<string, WindowGroup>, want: Map<string, { dims: object; bucket: Bucket }>, where: string, kept?: Need): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${where}: groups`);
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.deepEqual(g.dims, w.dims, `${where} ${k}: dims`);
    for (let i = 0; i < w.bucket.f.length; i++) {
      if (kept && !kept.fields.includes(i)) continue;
      const x = g.f[i]!;
      const y = w.bucket.f[i]!;
      // Counts are exact; fractional sums may differ in the last bits (added in another order).
      if (Number.isInteger(x) && Number.isInteger(y)) assert.equal(x, y, `${where} ${k}: field ${i}`);
      else assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `${where} ${k}: field ${i} ${x} vs ${y}`);
    }
    if (!kept || kept.sketches & RUN_SKETCH) sameSketch(g.runLatency, w.bucket.runLatency, `${where} ${k}: run latency`);
    if (!kept || kept.sketches & LLM_SKETCH) sameSketch(g.llmLatency, w.bucket.llmLatency, `${where} ${k}: llm latency`);
  }
}

/** Needs as alert rules' metrics have them: rates, a quantile, a maximum, the cache's latest values, LLM calls. */
const NEEDS: Need[] = [
  need([F.runs, F.failure, F.timeout], 0),
  need([F.runs], RUN_SKETCH),
  need([F.memMax, F.memN, F.costSum], 0),
  need([F.cacheEntries, F.cacheEntriesN, F.cacheCapacity], 0),
  need([F.llm, F.llmFail], LLM_SKETCH),
];

/** Reads as alert rules make them: span before now (or the span before that), scope, grouping. */
const READS: { span: number; back: number; filter: DimFilter; groupBy: Dimension[] }[] = [
  { span: 30_000, back: 0, filter: {}, groupBy: [] },
  { span: 60_000, back: 0, filter: {}, groupBy: ["agent_name"] },
  // Same scope and grouping as the read above, another span: both share the merge of the slices still filling.
  { span: 3 * MINUTE, back: 0, filter: {}, groupBy: ["agent_name"] },
  { span: 2 * MINUTE, back: 0, filter: {}, groupBy: ["agent_name", "model"] },
  { span: 5 * MINUTE, back: 0, filter: { agent_name: "a1" }, groupBy: ["model"] },
  { span: 5 * MINUTE, back: 5 * MINUTE, filter: { agent_name: "a1" }, groupBy: ["model"] },
  { span: 90_000, back: 0, filter: { model: "m2" }, groupBy: [] },
  { span: 45_000, back: 0, filter: { route: "r0" }, groupBy: ["route"] },
  { span: 10 * MINUTE, back: 0, filter: {}, groupBy: ["model"] },
  { span: 15 * MINUTE, back: 0, filter: {}, groupBy: ["agent_name"] },
  { span: 20 * MINUTE, back: 20 * MINUTE, filter: { agent_name: "a2" }, groupBy: ["model", "route"] },
];

describe("alert window totals", () => {
  for (const seed of [1, 2, 3]) {
    it(`equal a scan of the rollups at every evaluation (seed ${seed})`, () => {
      const r = rng(seed);
      let now = T0;
      const index = new RollupIndex({ minuteMs: 6 * HOUR, hourMs: 7 * 24 * HOUR }, () => now);
      index.startFine(now - 45 * MINUTE);
      const reads = new WindowReads(index);
      // The same reads kept for some fields and sketches only (as alert rules' windows are), their
      // need growing now and then (a rule on another metric starts reading the window).
      const partial = new WindowReads(index);
      const needs = READS.map((_, k) => NEEDS[k % NEEDS.length]!);
      let i = 0;
      // 45 minutes of history, then evaluations every 10 s ± a few seconds, sometimes after a gap.
      const stop = T0 + 45 * MINUTE;
      let checks = 0;
      for (now = T0 - 45 * MINUTE; now < stop + 12 * MINUTE; ) {
        const step = r() < 0.03 ? 3 * MINUTE : 1000 + Math.floor(r() * 12_000);
        const n = Math.floor(step / 100);
        for (let k = 0; k < n; k++) {
          // Mostly on time; some a few seconds late, a few minutes late now and then.
          const u = r();
          const late = u < 0.8 ? 0 : u < 0.98 ? Math.floor(r() * 15_000) : Math.floor(r() * 4 * MINUTE);
          index.fold(event(r, Math.max(now - late, T0 - 45 * MINUTE), i++));
          if (k % 20 === 19) now += 2000;
        }
        now += Math.max(0, step - Math.floor(n / 20) * 2000);
        if (r() < 0.1) now -= now % FINE_SLICE;
        index.prune(now);
        if (now < stop - 20 * MINUTE) continue;
        for (const q of READS) {
          const from = now - q.back - q.span;
          const to = now - q.back;
          const got = drain(reads.read(from, to, now, q.filter, q.groupBy));
          assert.ok(got, "answered from one tier");
          const want = index.query(from, to, now, q.filter, q.groupBy, true);
          sameGroups(got, want, `t=${now - T0} ${JSON.stringify(q)}`);
          const k = READS.indexOf(q);
          if (r() < 0.02) needs[k] = NEEDS[Math.floor(r() * NEEDS.length)]!;
          const part = drain(partial.read(from, to, now, q.filter, q.groupBy, needs[k]));
          assert.ok(part, "answered from one tier");
          sameGroups(part, want, `t=${now - T0} ${JSON.stringify(q)} need ${needs[k]!.key}`, needs[k]);
          checks++;
        }
      }
      assert.ok(checks > 500);
      assert.ok(reads.stats().rebuilds > 0, "late events rebuilt some totals");
    });
  }

  it("keep a bounded table of groups while agents come and go, answering as the scan does", () => {
    let now = T0;
    const index = new RollupIndex({ minuteMs: HOUR, hourMs: 2 * HOUR }, () => now);
    index.startFine(now - MINUTE);
    const reads = new WindowReads(index);
    const r = rng(9);
    let most = 0;
    let agents = 0;
    // Every 10 s, 35 agents seen once and never again: 7,000 agents in all.
    for (let k = 0; k < 200; k++) {
      for (let j = 0; j < 35; j++) index.fold(event(r, now - 5_000, agents * 10 + j, { agent_name: `x${agents++}` }));
      now += FINE_SLICE;
      index.prune(now);
      const got = drain(reads.read(now - MINUTE, now, now, {}, ["agent_name"]));
      assert.ok(got, "answered from one tier");
      if (k % 10 === 0 || k > 110) sameGroups(got, index.query(now - MINUTE, now, now, {}, ["agent_name"], true), `slice ${k}`);
      most = Math.max(most, reads.stats().groups);
    }
    assert.ok(most <= GROUP_TABLE_FLOOR + 35, `a read names at most ${GROUP_TABLE_FLOOR} groups and a slice's worth more (${most} of ${agents} agents)`);
  });

  it("leave windows that need hour slices to the scan", () => {
    const index = new RollupIndex({ minuteMs: HOUR, hourMs: 7 * 24 * HOUR });
    const reads = new WindowReads(index);
    assert.equal(drain(reads.read(T0 - 3 * HOUR, T0, T0, {}, [])), null);
  });
});
