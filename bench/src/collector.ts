/**
 * Collector bench (docs/resources.md): CPU time one sample of the built-in collector takes (process,
 * host /proc files, statfs of a directory, events built; no GPU, recording into a no-op sink), beside
 * prom-client's default process metrics collected and rendered once — what a Node service scraped by
 * Prometheus pays per scrape for its own process figures — same run, in turns. And what that cost is
 * as a share of one CPU at the default 30 s interval: seed 002's overhead limit is 5%.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { HostCollector } from "@vigil/server/collector";
import { emit, envInt, log, printTable, round, tempDir } from "./common.js";

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs the collector bench. */
export async function collector(): Promise<void> {
  const rounds = envInt("BENCH_COLLECTOR_ROUNDS", 10);
  const perRound = envInt("BENCH_COLLECTOR_SAMPLES", 200);
  const tmp = tempDir("vigil-bench-collector-");
  let events = 0;
  const c = new HostCollector({
    settings: { enabled: true, intervalMs: 30_000, component: "vigil", gpu: "off" },
    record: async (evs) => {
      events += evs.length;
      return { rejected: 0, firstError: null };
    },
    dataDir: tmp.dir,
    labels: { instance: "bench" },
    now: Date.now,
    log: { info: () => undefined, warn: () => undefined },
  });
  await c.prime();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Warm-up of both.
  for (let i = 0; i < 50; i++) {
    await c.sample();
    await registry.metrics();
  }
  const ours: number[] = [];
  const peer: number[] = [];
  log(`collector: ${rounds} rounds of ${perRound} samples each side`);
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so drift in the machine's load hits both alike.
    const sides = r % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    for (const side of sides) {
      const t0 = cpuMs();
      for (let i = 0; i < perRound; i++) {
        if (side === "ours") await c.sample();
        else await registry.metrics();
      }
      (side === "ours" ? ours : peer).push((cpuMs() - t0) / perRound);
    }
  }
  tmp.cleanup();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const o = median(ours);
  const p = median(peer);
  const share = (100 * o) / 30_000;
  printTable("collector — CPU per sample (median of rounds), and its share of one CPU at a 30 s interval", [
    { figure: "CPU per sample, ms", ours: String(round(o, 3)), peer: String(round(p, 3)), ratio: String(round(o / p, 2)), goal: "—" },
    { figure: "share of one CPU at 30 s, %", ours: String(round(share, 5)), peer: String(round((100 * p) / 30_000, 5)), ratio: String(round(o / p, 2)), goal: "< 5 (seed 002)", met: share < 5 },
    { figure: "events per sample", ours: String(round(events / (50 + rounds * perRound), 1)), peer: "—", ratio: "—", goal: "—" },
  ]);
  emit("collector", { cpu_ms_per_sample: round(o, 4), peer_cpu_ms_per_collect: round(p, 4), ratio: round(o / p, 3), share_of_cpu_percent_at_30s: round(share, 6), rounds, samples_per_round: perRound });
}
