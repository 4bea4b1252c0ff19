import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { metricsOf } from "./metrics.js";
import { HOUR, MINUTE, RollupIndex } from "./rollup-index.js";
import type { StoredEvent } from "./stored-event.js";

const H = { minuteMs: 48 * HOUR, hourMs: 35 * 24 * HOUR };
const run = (ts: number, agent: string, duration: number, status = "success"): StoredEvent => ({ id: `${ts}-${agent}-${duration}`, type: "run", ts, receivedAt: ts, body: { agent_name: agent, status, duration_ms: duration, model: "m1" } });

describe("RollupIndex", () => {
  const now = Date.UTC(2026, 10, 21, 12, 30, 15);

  it("answers a window from minute edges and whole hours without counting anything twice", () => {
    const idx = new RollupIndex(H);
    for (let i = 0; i < 26 * 60; i++) idx.fold(run(now - i * MINUTE, "a", 100 + i));
    const w = idx.query(now - 24 * HOUR, now, now).get("")!.bucket;
    // minutes [now-24h floored to the minute, now]: 24*60 + 1 events
    assert.equal(metricsOf(w, 24 * 60).total_tasks, 24 * 60 + 1);
    const plan = idx.plan(now - 24 * HOUR, now, now);
    assert.ok(plan.length < 24 + 2 * 60, `plan has ${plan.length} slices`);
    assert.ok(plan.some(([t]) => t === "h"));
  });

  it("filters and groups by dimensions", () => {
    const idx = new RollupIndex(H);
    idx.fold(run(now, "a", 10));
    idx.fold(run(now, "a", 20, "failure"));
    idx.fold(run(now, "b", 30));
    const groups = idx.query(now - HOUR, now, now, {}, ["agent_name"]);
    assert.deepEqual([...groups.values()].map((g) => [g.dims.agent_name, g.bucket.f[0]]).sort(), [["a", 2], ["b", 1]]);
    const onlyB = idx.query(now - HOUR, now, now, { agent_name: "b" }).get("")!.bucket;
    assert.equal(metricsOf(onlyB, 60).total_tasks, 1);
    assert.equal(idx.query(now - HOUR, now, now, { agent_name: "zzz" }).size, 0);
  });

  it("answers spans older than the minute horizon from hour buckets", () => {
    const idx = new RollupIndex({ minuteMs: 2 * HOUR, hourMs: 35 * 24 * HOUR });
    idx.fold(run(now - 5 * HOUR, "a", 10));
    idx.prune(now);
    const m = metricsOf(idx.query(now - 6 * HOUR, now, now).get("")!.bucket, 360);
    assert.equal(m.total_tasks, 1);
  });

  it("hands over changed buckets once and takes them back after a failed persist", () => {
    const idx = new RollupIndex(H);
    idx.fold(run(now, "a", 10));
    const d = idx.takeDirty();
    assert.equal(d.length, 4); // minute and hour, per dimension set and total
    assert.equal(idx.takeDirty().length, 0);
    idx.returnDirty(d);
    assert.equal(idx.takeDirty().length, 4);
  });

  it("round-trips buckets through their encoding with identical metrics", async () => {
    const { Bucket } = await import("./bucket.js");
    const idx = new RollupIndex(H);
    for (let i = 0; i < 500; i++) idx.fold({ ...run(now, "a", 10 + i, i % 9 === 0 ? "timeout" : "success"), body: { agent_name: "a", status: i % 9 === 0 ? "timeout" : "success", duration_ms: 10 + i, cost: 0.0001 * i, error_type: i % 9 === 0 ? "slow" : undefined, agent_type: "react" } });
    const b = idx.query(now - MINUTE, now, now).get("")!.bucket;
    const copy = Bucket.decode(b.encode());
    assert.deepEqual(metricsOf(copy, 1), metricsOf(b, 1));
    assert.equal(copy.agentType, "react");
  });

  it("answers short alert windows from 10-second slices once they cover the window, and minutes before", () => {
    const idx = new RollupIndex(H);
    const start = now - 20 * MINUTE;
    idx.startFine(start);
    for (let t = start; t < now; t += 5000) idx.fold(run(t, "a", 10, t >= now - 30_000 ? "failure" : "success"));
    const fine = metricsOf(idx.query(now - 30_000, now, now, {}, [], true).get("")!.bucket, 0.5);
    // [now-30s rounded down to 10 s, now): now is 12:30:15, so the slices start at 12:29:40.
    assert.equal(fine.total_tasks, 7);
    assert.equal(fine.failed_tasks, 6);
    const coarse = metricsOf(idx.query(now - 30_000, now, now).get("")!.bucket, 0.5);
    assert.equal(coarse.total_tasks, 15, "without fine slices the window starts at the whole minute");
    const before = new RollupIndex(H);
    before.startFine(now - 10_000);
    for (let t = start; t < now; t += 5000) before.fold(run(t, "a", 10));
    assert.equal(metricsOf(before.query(now - 30_000, now, now, {}, [], true).get("")!.bucket, 0.5).total_tasks, 15, "falls back to minutes for a window older than the fine slices");
    idx.prune(now + 16 * MINUTE);
    assert.equal(idx.fineCovers(now - 30_000, now + 16 * MINUTE), false);
    assert.equal(idx.query(now - 30_000, now, now + 16 * MINUTE, {}, [], true).size, 1, "minute buckets still answer after the fine slices are pruned");
  });

  it("keeps a backfill older than the minute horizon in the hour tier only, and answers it from there", () => {
    const idx = new RollupIndex(H, () => now);
    for (let d = 3; d <= 30; d++) for (let k = 0; k < 10; k++) idx.fold(run(now - d * 24 * HOUR + k * MINUTE, "a", 10 + k));
    assert.equal(idx.size().minute, 0, "no minute bucket older than the 48 h horizon is held");
    assert.equal(idx.size().hour, 28 * 2, "one hour bucket per day: the series and the total");
    idx.fold(run(now - HOUR, "a", 10));
    assert.equal(idx.size().minute, 2, "recent events still get minute buckets");
    assert.equal(metricsOf(idx.query(now - 31 * 24 * HOUR, now, now).get("")!.bucket, 31 * 24 * 60).total_tasks, 28 * 10 + 1);
    assert.equal(metricsOf(idx.query(now - 31 * 24 * HOUR, now, now, { agent_name: "a" }).get("")!.bucket, 31 * 24 * 60).total_tasks, 28 * 10 + 1);
  });
});
