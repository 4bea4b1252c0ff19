/**
 * Custom-metric bench (docs/operations.md, Sizing): the cost of one custom-rule read — a 5-minute
 * rule window over one metric name, as the alert engine evaluates `custom.<name>` and resource-limit
 * rules — with 1k / 10k / 100k metric events in the window, answered by the rollup service's
 * in-memory index, beside the store's scan of the same window (`aggregateCustomMetrics` of the
 * embedded SQLite store, what every read cost before the index), same run, in turns.
 */
import { isDeepStrictEqual } from "node:util";
import { customWindow } from "../../packages/server/dist/alerting-root.js";
import type { StoredEvent } from "../../packages/server/dist/core/stored-event.js";
import { RollupService } from "../../packages/server/dist/services/rollup-service.js";
import { openSqliteStorage } from "../../packages/server/dist/storage/sqlite/sqlite-storage.js";
import { emit, envInt, log, printTable, rng, round, tempDir, type FigureRow } from "./common.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function timeIt(fn: () => Promise<unknown>, samples: number, budgetMs: number): Promise<number> {
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < samples && (i < 3 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Runs the custom-metric bench. */
export async function customMetrics(): Promise<void> {
  const sizes = (process.env.BENCH_CUSTOM_SIZES ?? "1000,10000,100000").split(",").map(Number);
  const samples = envInt("BENCH_CUSTOM_SAMPLES", 50);
  const rows: FigureRow[] = [];
  const figures: Record<string, unknown> = {};
  for (const n of sizes) {
    const tmp = tempDir("vigil-bench-custom-");
    const storage = openSqliteStorage({ dataDir: tmp.dir });
    try {
      const now = Date.now();
      const r = rng(n);
      // The window's events: one metric of four components (a resource limit's shape), plus as
      // many of other names, so the scan also passes over events the rule does not read.
      const evs: StoredEvent[] = Array.from({ length: 2 * n }, (_, i) => {
        const ts = now - Math.floor(r() * 5 * MINUTE);
        return { id: `cm${i}`, type: "metric", ts, receivedAt: ts, body: { name: i % 2 ? "memory_mb" : `other_${i % 7}`, value: Math.round(r() * 4096), unit: "MB", component: `worker-${i % 4}` } };
      });
      log(`custom-metrics: storing ${2 * n} metric events`);
      for (let i = 0; i < evs.length; i += 5000) await storage.events.append(evs.slice(i, i + 5000));
      const rollups = new RollupService({ events: storage.events, rollups: storage.rollups, horizons: { minuteMs: 2 * DAY, hourMs: 30 * DAY }, eventRetentionMs: 30 * DAY, now: Date.now, follow: false, leadership: { isLeader: () => true, term: () => 1 } });
      await rollups.start();
      await rollups.customReady();
      const w = customWindow(Date.now() - 5 * MINUTE, Date.now());
      const filter = { name: "memory_mb" };
      const ours = () => rollups.aggregateCustomMetrics(w.from, w.to, filter);
      const peer = () => storage.events.aggregateCustomMetrics(w.from, w.to, filter);
      const [a, b] = [await ours(), await peer()];
      if (!isDeepStrictEqual(a, b) || rollups.status().custom_metrics.reads_from_store > 0) throw new Error("custom-metrics: the index did not answer as the store");
      const inWindow = a.reduce((s, x) => s + x.count, 0);
      // Alternate which side goes first; each side at most ~5 s of samples.
      const o1 = await timeIt(ours, samples, 5000);
      const p1 = await timeIt(peer, samples, 5000);
      const p2 = await timeIt(peer, samples, 5000);
      const o2 = await timeIt(ours, samples, 5000);
      const o = (o1 + o2) / 2, p = (p1 + p2) / 2;
      rows.push({ figure: `custom rule read, ${inWindow} events of the metric in 5 min (${2 * n} metric events)`, ours: `${round(o, 3)} ms`, peer: `${round(p, 3)} ms`, ratio: `${(o / p).toPrecision(2)}`, goal: "flat in the events", met: null });
      figures[`read_ms_${n}`] = round(o, 4);
      figures[`store_scan_ms_${n}`] = round(p, 4);
      if (n === sizes[0]) figures.bytes_per_series = rollups.custom.bytesPerSeries();
    } finally {
      await storage.close();
      tmp.cleanup();
    }
  }
  printTable("custom metric reads: in-memory index vs the store's scan (embedded SQLite)", rows);
  console.log(`memory per indexed series (every slot allocated): ${round(Number(figures.bytes_per_series) / 1024, 1)} KiB`);
  emit("custom-metrics", figures);
}
