/**
 * The storage contract suite: one set of behaviours every store must show, run against SQLite
 * and against PostgreSQL by their integration tests (`describeStorageContract`). The alert store's
 * part lives in alert-store-contract.ts, the route store's in route-store-contract.ts and the span
 * store's in span-store-contract.ts; all are registered with it.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { Storage } from "../core/ports.js";
import { Bucket } from "../core/bucket.js";
import { metricsOf } from "../core/metrics.js";
import { MINUTE, RollupIndex, TOTAL_KEY } from "../core/rollup-index.js";
import type { Dimension, StoredEvent } from "../core/stored-event.js";
import { VigilError } from "../core/errors.js";
import { describeAlertStoreContract } from "./alert-store-contract.js";
import { describeRouteStoreContract } from "./route-store-contract.js";
import { describeSpanStoreContract } from "./span-store-contract.js";

/** Opens a fresh, empty store; `reopen` opens the same data again (after `close`). */
export type StoreFactory = () => Promise<{ storage: Storage; reopen: () => Promise<Storage> }>;

const DAY = 86_400_000;
const run = (id: string, ts: number, extra: Partial<StoredEvent> = {}): StoredEvent => ({ id, type: "run", ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 1 }, ...extra });

/** Follows the log from `position` until `want` events were read (a shared store may lag a moment). */
async function follow(s: Storage, position: number, want: number, limit = 1000): Promise<{ ids: string[]; events: StoredEvent[]; position: number }> {
  const events: StoredEvent[] = [];
  const deadline = Date.now() + 10_000;
  while (events.length < want) {
    const page = await s.events.readAfter(position, limit);
    assert.ok(page.position >= position, "positions never go back");
    position = page.position;
    events.push(...page.events);
    if (page.events.length === 0) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { ids: events.map((e) => e.id), events, position };
}

/** Registers the contract tests for one engine. */
export function describeStorageContract(engine: string, fresh: StoreFactory): void {
  describe(`storage contract: ${engine}`, () => {
    const open: Storage[] = [];
    const make = async () => {
      const f = await fresh();
      open.push(f.storage);
      return f;
    };
    after(async () => {
      for (const s of open) await s.close().catch(() => undefined);
    });

    it("stores each id once, within a batch and across batches, and counts per type", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      assert.deepEqual(await s.events.append([run("1", now), run("2", now), run("1", now)]), [true, true, false]);
      assert.deepEqual(await s.events.append([run("2", now + 5), { ...run("3", now), type: "llm_call", body: { model: "m", latency_ms: 1 } }]), [false, true]);
      assert.deepEqual(await s.events.append([]), []);
      assert.deepEqual(await s.events.countByType(), { run: 2, llm_call: 1, outcome: 0, feedback: 0, metric: 0, cache: 0, tool_call: 0, retrieval: 0 });
    });

    it("stores and counts every event type, the cache, tool and retrieval types included", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      const of = (id: string, type: StoredEvent["type"], body: Record<string, unknown>): StoredEvent => ({ ...run(id, now), type, body });
      await s.events.append([of("c1", "cache", { operation: "hit" }), of("c2", "cache", { operation: "evict", count: 3 }), of("t1", "tool_call", { tool: "x", status: "success" }), of("g1", "retrieval", { status: "failure" })]);
      assert.deepEqual(await s.events.countByType(), { run: 0, llm_call: 0, outcome: 0, feedback: 0, metric: 0, cache: 2, tool_call: 1, retrieval: 1 });
      const read = await follow(s, 0, 4);
      assert.deepEqual(read.events.map((e) => `${e.id}:${e.type}`).sort(), ["c1:cache", "c2:cache", "g1:retrieval", "t1:tool_call"]);
      assert.equal(read.events.find((e) => e.id === "c2")!.body.count, 3);
    });

    it("hands every event to a log follower exactly once, in pages, whoever appends concurrently", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      const all: string[] = [];
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let b = 0; b < 5; b++) {
          const batch = Array.from({ length: 20 }, (_, i) => run(`w${w}-b${b}-${i}`, now - i * 1000));
          all.push(...batch.map((e) => e.id));
          await s.events.append(batch);
        }
      });
      // Follow while the writers write, with pages smaller than a batch.
      const seen: string[] = [];
      let position = 0;
      let done = false;
      const reader = (async () => {
        while (!done || seen.length < all.length) {
          const page = await s.events.readAfter(position, 7);
          assert.ok(page.position >= position);
          position = page.position;
          seen.push(...page.events.map((e) => e.id));
          if (page.events.length === 0) await new Promise((r) => setTimeout(r, 5));
          if (done && seen.length >= all.length) break;
        }
      })();
      await Promise.all(writers);
      done = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reader, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`follower saw ${seen.length} of ${all.length}`)), 15_000)))]);
      clearTimeout(timer);
      assert.equal(seen.length, all.length, "no event twice");
      assert.deepEqual([...seen].sort(), [...all].sort(), "no event missed");
      assert.equal((await s.events.readAfter(position, 10)).events.length, 0, "nothing more after the end");
      await s.events.append([run("late", now)]);
      assert.deepEqual((await follow(s, position, 1)).ids, ["late"], "only the new event after the last position");
    });

    it("returns events with their body, type, times and join keys as appended", async () => {
      const { storage: s } = await make();
      const ev = run("x", 1_790_000_000_123, { runId: "r-1", taskId: "t-1", receivedAt: 1_790_000_000_456, body: { agent_name: "a", status: "failure", duration_ms: 12.5, metadata: { nested: [1, "two", { three: null }], unicode: "é ☃ 😀", nul: "\u0000" } } });
      await s.events.append([ev]);
      assert.deepEqual((await follow(s, 0, 1)).events, [ev]);
    });

    it("finds the latest run by run id, else by task id, with its prediction", async () => {
      const { storage: s } = await make();
      await s.events.append([
        run("r1", 1000, { runId: "run-1", taskId: "task-1", body: { agent_name: "old", status: "success", duration_ms: 1 } }),
        run("r2", 2000, { runId: "run-2", taskId: "task-1", body: { agent_name: "new", status: "success", duration_ms: 1, model: "m", metadata: { prediction: [1, 2] } } }),
      ]);
      assert.equal((await s.events.findRun({ runId: "run-1" }))!.agent_name, "old");
      const byTask = (await s.events.findRun({ taskId: "task-1" }))!;
      assert.equal(byTask.agent_name, "new");
      assert.deepEqual(byTask.prediction, [1, 2]);
      assert.equal((await s.events.findRun({ runId: "missing", taskId: "task-1" }))!.agent_name, "new", "falls back to the task id");
      assert.equal(await s.events.findRun({ runId: "missing" }), null);
    });

    it("scans a time range up to a position, page by page, leaving out later events", async () => {
      const { storage: s } = await make();
      const base = Date.UTC(2026, 10, 20, 12);
      const inRange = Array.from({ length: 23 }, (_, i) => run(`in${i}`, base + i * 60_000));
      await s.events.append([...inRange, run("before", base - 1), run("at-end", base + 23 * 60_000)]);
      const { position } = await follow(s, 0, 25);
      await s.events.append([run("after-fence", base + 5)]);
      const pages: string[][] = [];
      for await (const page of s.events.scanTimeRange(base, base + 23 * 60_000, position, 5)) pages.push(page.map((e) => e.id));
      assert.ok(pages.every((p) => p.length <= 5), "pages respect the size");
      assert.deepEqual(pages.flat().sort(), inRange.map((e) => e.id).sort());
    });

    it("scans the metric events of a time range up to a position, page by page, and no other event", async () => {
      const { storage: s } = await make();
      const base = Date.UTC(2026, 10, 20, 12);
      const metric = (id: string, ts: number): StoredEvent => ({ id, type: "metric", ts, receivedAt: ts, body: { name: "queue", value: 1 } });
      // Several share a time, so a page boundary can fall between events of the same millisecond.
      const inRange = Array.from({ length: 17 }, (_, i) => metric(`m${i}`, base + Math.floor(i / 3) * 1000));
      await s.events.append([...inRange.slice(0, 9), run("a-run", base + 10), metric("before", base - 1), metric("at-end", base + 60_000)]);
      await s.events.append(inRange.slice(9));
      const { position } = await follow(s, 0, 20);
      await s.events.append([metric("after-fence", base + 5)]);
      const pages: string[][] = [];
      for await (const page of s.events.scanMetricEvents(base, base + 60_000, position, 4)) pages.push(page.map((e) => e.id));
      assert.ok(pages.every((p) => p.length <= 4), "pages respect the size");
      assert.deepEqual(pages.flat().sort(), inRange.map((e) => e.id).sort());
    });

    it("aggregates custom metrics per name and component, with the latest value", async () => {
      const { storage: s } = await make();
      const t = Date.UTC(2026, 10, 21, 10);
      const metric = (id: string, ts: number, name: string, value: number, component?: string): StoredEvent => ({ id, type: "metric", ts, receivedAt: ts, body: { name, value, unit: "items", ...(component ? { component } : {}) } });
      await s.events.append([metric("m1", t, "queue", 3, "w"), metric("m2", t + 10, "queue", 9, "w"), metric("m3", t + 5, "queue", 1, "w"), metric("m4", t, "queue", 100), metric("m5", t, "other", 7), metric("m6", t - 1, "queue", 50, "w")]);
      const rows = await s.events.aggregateCustomMetrics(t, t + 1000, { name: "queue" });
      assert.deepEqual(rows, [
        { name: "queue", component: "w", category: null, unit: "items", count: 3, sum: 13, min: 1, max: 9, last: 9, last_at: t + 10 },
        { name: "queue", component: null, category: null, unit: "items", count: 1, sum: 100, min: 100, max: 100, last: 100, last_at: t },
      ].sort((a, b) => String(a.component).localeCompare(String(b.component))));
      assert.equal((await s.events.aggregateCustomMetrics(t, t + 1000, {})).length, 3);
      // A component-scoped rule (a resource limit) reads only that component's events.
      assert.deepEqual(await s.events.aggregateCustomMetrics(t, t + 1000, { name: "queue", component: "w" }), [rows.find((r) => r.component === "w")]);
      assert.deepEqual(await s.events.aggregateCustomMetrics(t, t + 1000, { name: "queue", component: "x" }), []);
    });

    it("deletes every event a whole day older than the cutoff and keeps every event from it on", async () => {
      const { storage: s } = await make();
      const cut = Date.now() - 3 * DAY;
      await s.events.append([run("old1", cut - 2 * DAY), run("old2", cut - 10 * DAY), run("keep1", cut), run("keep2", cut + 1000), run("keep3", Date.now())]);
      let deleted = 0;
      for (let n = -1; n !== 0; ) deleted += n = await s.events.deleteBefore(cut, 10_000);
      assert.equal(deleted, 2);
      assert.deepEqual((await s.events.countByType()).run, 3);
      const left: string[] = [];
      for await (const page of s.events.scanTimeRange(0, Date.now() + DAY, Number.MAX_SAFE_INTEGER, 100)) left.push(...page.map((e) => e.id));
      assert.deepEqual(left.sort(), ["keep1", "keep2", "keep3"]);
      // A late event for an expired day is still stored (and expires at the next pass).
      assert.deepEqual(await s.events.append([run("late-old", cut - 2 * DAY + 5)]), [true]);
      assert.equal((await s.events.countByType()).run, 4);
    });

    it("saves and loads rollup buckets with their watermark, and deletes old ones", async () => {
      const { storage: s, reopen } = await make();
      const b = new Bucket();
      b.addErrorType("Timeout", 2);
      // Keys carry the index's separators and total marker (NUL), which some engines' text cannot hold.
      await s.rollups.save([{ tier: "m", start: 60_000, key: "k1", bucket: b }, { tier: "h", start: 3_600_000, key: TOTAL_KEY, bucket: new Bucket() }], 42, 1);
      await s.rollups.save([{ tier: "m", start: 120_000, key: "k1", bucket: new Bucket() }], 43, 1);
      await s.close();
      const again = await reopen();
      open.push(again);
      const loaded = await again.rollups.load({ m: 0, h: 0 });
      assert.equal(loaded.watermark, 43);
      assert.deepEqual(loaded.records.map((r) => `${r.tier}:${r.start}:${r.key}`).sort(), [`h:3600000:${TOTAL_KEY}`, "m:120000:k1", "m:60000:k1"]);
      assert.deepEqual(loaded.records.find((r) => r.start === 60_000)!.bucket.encode(), b.encode());
      assert.equal((await again.rollups.load({ m: 100_000, h: 0 })).records.length, 2, "load honours the start times");
      assert.equal(await again.rollups.deleteBefore("m", 100_000), 1);
      assert.equal((await again.rollups.load({ m: 0, h: 0 })).records.length, 2);
    });

    it("loads rollups persisted with five-part series keys into the same series as new events without the later dimensions", async () => {
      const { storage: s, reopen } = await make();
      const t = 7 * DAY;
      const before = new RollupIndex({ minuteMs: DAY, hourMs: 30 * DAY });
      before.fold(run("p1", t + 1000, { body: { agent_name: "a", model: "m", route: "r", tenant_id: "t", mode: "x", status: "failure", duration_ms: 40 } }));
      const records = before.takeDirty();
      // The key a bucket was persisted under before query_class, component, service and endpoint existed.
      const fivePart = ["a", "m", "r", "t", "x"].join("\u001f");
      assert.ok(records.some((r) => r.key === fivePart), "a series without the later dimensions keeps its five-part key");
      await s.rollups.save(records, 1, 1);
      await s.close();
      const again = await reopen();
      open.push(again);
      const after = new RollupIndex({ minuteMs: DAY, hourMs: 30 * DAY });
      for (const r of (await again.rollups.load({ m: 0, h: 0 })).records) after.restore(r);
      const bucketOf = (idx: RollupIndex, groupBy: Dimension[] = []) => new Map([...idx.query(t, t + MINUTE, t + MINUTE, {}, groupBy)].map(([k, g]) => [k, g.bucket.encode()]));
      assert.deepEqual(bucketOf(after, ["agent_name"]), bucketOf(before, ["agent_name"]), "the persisted bucket reads back identically");
      after.fold(run("n1", t + 2000, { body: { agent_name: "a", model: "m", route: "r", tenant_id: "t", mode: "x", status: "success", duration_ms: 50 } }));
      after.fold(run("n2", t + 3000, { body: { agent_name: "a", model: "m", route: "r", tenant_id: "t", mode: "x", query_class: "simple", status: "success", duration_ms: 60 } }));
      assert.equal(after.series.size(), 2, "the new event without the later dimensions joined the restored series");
      const byClass = after.query(t, t + MINUTE, t + MINUTE, {}, ["query_class"]);
      assert.deepEqual([...byClass.values()].map((g) => [g.dims.query_class ?? null, metricsOf(g.bucket, 1).total_tasks]).sort(), [["simple", 1], [null, 2]].sort());
      assert.equal(metricsOf(after.query(t, t + MINUTE, t + MINUTE, { query_class: "simple" }).values().next().value!.bucket, 1).failed_tasks, 0);
    });

    it("refuses a rollup save from an older leadership term on a shared store", async () => {
      const { storage: s } = await make();
      await s.rollups.save([], 10, 5);
      if (!s.shared) return;
      await assert.rejects(s.rollups.save([{ tier: "m", start: 0, key: "k", bucket: new Bucket() }], 11, 4), (e: unknown) => e instanceof VigilError && e.code === "NOT_LEADER");
      const loaded = await s.rollups.load({ m: 0, h: 0 });
      assert.equal(loaded.watermark, 10, "the refused save changed nothing");
      assert.equal(loaded.records.length, 0);
    });

    it("keeps price entries in the order added", async () => {
      const { storage: s } = await make();
      const e = (model: string) => ({ model, input_per_1m: 1, output_per_1m: 2, effective_from: "2026-01-01", source: "api" });
      await s.prices.add(e("b"));
      await s.prices.add(e("a"));
      assert.deepEqual((await s.prices.list()).map((p) => p.model), ["b", "a"]);
    });

    it("applies its migrations once and reports the same version on reopen", async () => {
      const { storage: s, reopen } = await make();
      const v = await s.schemaVersion();
      assert.ok(v >= 1);
      await s.close();
      const again = await reopen();
      open.push(again);
      assert.equal(await again.schemaVersion(), v);
      assert.equal(again.failure(), null);
    });
  });
  describeAlertStoreContract(engine, fresh);
  describeRouteStoreContract(engine, fresh);
  describeSpanStoreContract(engine, fresh);
}
