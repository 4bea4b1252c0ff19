import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RollupService } from "./rollup-service.js";
import type { EventStore, LogPage, RollupStore } from "../core/ports.js";
import type { BucketRecord } from "../core/rollup-index.js";
import type { StoredEvent } from "../core/stored-event.js";
import { metricsOf } from "../core/metrics.js";

const NOW = Date.UTC(2026, 10, 21, 12);
const run = (id: string, ts = NOW - 60_000): StoredEvent => ({ id, type: "run", ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 10 } });

/** An in-memory shared log whose pages end wherever the test says, and a rollup store that records saves. */
function fakes(opts: { pageEnds?: number } = {}) {
  const log: StoredEvent[] = [];
  const saves: { records: BucketRecord[]; watermark: number; term?: number }[] = [];
  let releaseSave: (() => void) | null = null;
  let holdSaves = false;
  const events = {
    async readAfter(position: number, limit: number): Promise<LogPage> {
      const n = Math.min(limit, opts.pageEnds ?? limit);
      const page = log.slice(position, position + n);
      return { events: page, position: position + page.length };
    },
    async position() {
      return log.length;
    },
  } as unknown as EventStore;
  const rollups: RollupStore = {
    async load() {
      return { records: [], watermark: 0 };
    },
    async save(records, watermark, term) {
      if (holdSaves) await new Promise<void>((r) => (releaseSave = r));
      saves.push({ records: [...records], watermark, term });
    },
    async deleteBefore() {
      return 0;
    },
  };
  let leader = true;
  const leadership = { isLeader: () => leader, term: () => 7 };
  return {
    log,
    saves,
    events,
    rollups,
    leadership,
    setLeader: (v: boolean) => (leader = v),
    holdSaves: (v: boolean) => (holdSaves = v),
    release: () => releaseSave?.(),
  };
}

const totalTasks = (svc: RollupService) => {
  const all = [...svc.index.query(NOW - 3 * 3_600_000, NOW, NOW).values()];
  return all.length ? metricsOf(all[0]!.bucket, 180).total_tasks : 0;
};

function service(f: ReturnType<typeof fakes>, follow: boolean) {
  return new RollupService({ events: f.events, rollups: f.rollups, horizons: { minuteMs: 48 * 3_600_000, hourMs: 35 * 86_400_000 }, eventRetentionMs: 7 * 86_400_000, now: () => NOW, follow, leadership: f.leadership });
}

describe("RollupService following a shared log", () => {
  it("folds every event of the log once, even when pages end short of the limit", async () => {
    const f = fakes({ pageEnds: 3 });
    const svc = service(f, true);
    await svc.start();
    for (let i = 0; i < 20; i++) f.log.push(run(`e${i}`));
    await svc.catchUp();
    assert.equal(totalTasks(svc), 20);
    await svc.catchUp();
    assert.equal(totalTasks(svc), 20, "a second catch-up finds nothing new");
    assert.equal(svc.index.watermark, 20);
  });

  it("does not fold on append, only by following (so every instance counts the same log)", async () => {
    const f = fakes();
    const svc = service(f, true);
    await svc.start();
    f.log.push(run("x"));
    svc.stored(f.log[0]!);
    await svc.catchUp();
    assert.equal(totalTasks(svc), 1);
  });

  it("never moves the watermark back when the follower advances while a save is in flight", async () => {
    const f = fakes();
    const svc = service(f, true);
    await svc.start();
    f.log.push(run("a"), run("b"));
    await svc.catchUp();
    f.holdSaves(true);
    const flushing = svc.flush();
    f.log.push(run("c"), run("d"), run("e"));
    await svc.catchUp();
    assert.equal(svc.index.watermark, 5);
    f.release();
    await flushing;
    assert.equal(f.saves[0]!.watermark, 2, "the save carries the watermark of the buckets it took");
    assert.equal(svc.index.watermark, 5, "the follower's position stands");
    f.holdSaves(false);
    await svc.catchUp();
    assert.equal(totalTasks(svc), 5, "no event folded twice");
  });

  it("persists only while leading, and a new leader saves every bucket under its term", async () => {
    const f = fakes();
    const svc = service(f, true);
    await svc.start();
    f.log.push(run("a"), run("b", NOW - 2 * 3_600_000));
    f.setLeader(false);
    await svc.catchUp();
    await svc.flush();
    assert.equal(f.saves.length, 0, "a follower does not write the shared checkpoint");
    f.setLeader(true);
    await svc.becameLeader();
    assert.equal(f.saves.length, 1);
    assert.equal(f.saves[0]!.term, 7);
    assert.equal(f.saves[0]!.watermark, 2);
    assert.equal(f.saves[0]!.records.length, svc.index.size().minute + svc.index.size().hour, "every bucket, not only the changed ones");
  });

  it("on an unshared store, folds on append and never re-reads the log", async () => {
    const f = fakes();
    const svc = service(f, false);
    await svc.start();
    f.log.push(run("a"));
    svc.stored(f.log[0]!);
    await svc.catchUp();
    assert.equal(totalTasks(svc), 1);
  });
});

describe("RollupService's start-up rebuild of the custom metric index", () => {
  it("reads only metric events, and lets the event loop turn between hours even where they hold none", async () => {
    const f = fakes();
    const order: string[] = [];
    const metricTs = NOW - 3 * 3_600_000;
    Object.assign(f.events, {
      scanTimeRange: () => {
        throw new Error("the rebuild scanned every event type");
      },
      async *scanMetricEvents(from: number, to: number) {
        order.push("scan");
        if (metricTs >= from && metricTs < to) yield [{ id: "m", type: "metric", ts: metricTs, receivedAt: metricTs, body: { name: "queue", value: 4 } } as StoredEvent];
      },
    });
    const svc = service(f, false);
    let ticking = true;
    const tick = () => {
      order.push("tick");
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await svc.start();
    await svc.customReady();
    ticking = false;
    const scans = order.filter((x) => x === "scan").length;
    // Seven days of retention (and the hour it starts in) are scanned hour by hour, newest first.
    assert.ok(scans >= 7 * 24, `${scans} hours scanned`);
    const runsOfScans = order.join(" ").split("tick").map((s) => s.split("scan").length - 1);
    assert.ok(Math.max(...runsOfScans) <= 1, `at most one hour's scan per turn of the loop, saw ${Math.max(...runsOfScans)}`);
    const rows = await svc.aggregateCustomMetrics(NOW - 4 * 3_600_000, NOW, { name: "queue" });
    assert.equal(rows[0]?.sum, 4, "the metric event is in the index");
  });
});
