/**
 * SLO status bench: the answer time of `GET /api/v1/slos/:name` for a 30-day latency SLO over one
 * query class, with BENCH_SLO_STATUS_EVENTS [10,000,000] runs spread over the last 30 days folded
 * into a real server's rollups (in-process `startServer`, listening on a port; the events are
 * folded straight into its RollupIndex, as its replay would, rather than sent through HTTP, which
 * would take far longer than the read being measured). Peer, same run, same server, same class:
 * `GET /api/v1/metrics/system?window=30d&query_class=simple`, the 30-day figures of the same
 * traffic. Requests alternate between the two, sequential, over one keep-alive socket.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../packages/server/dist/config/config.js";
import { startServer } from "../../packages/server/dist/main.js";
import type { StoredEvent } from "../../packages/server/dist/core/stored-event.js";
import { HttpClient, emit, envInt, human, log, printTable, rng, round, summary } from "./common.js";

const DAY = 86_400_000;
const CLASSES = ["simple", "moderate", "complex", "feedback"] as const;
const AGENTS = ["analyst", "planner", "retriever", "evaluator"] as const;
const CONFIG = `
service_classes:
  simple_queries: { match: { query_class: simple } }
slos:
  - name: simple_queries_latency
    class: simple_queries
    sli: { kind: latency, events: runs, threshold_ms: 3000, max_ms: 6000 }
    target: 0.95
    period: 30d
alerting: { default_rules: false }
`;

/** Runs the bench and prints our figure, the peer's and the ratio. */
export async function sloStatus(): Promise<void> {
  const events = envInt("BENCH_SLO_STATUS_EVENTS", 10_000_000);
  const samples = envInt("BENCH_SLO_STATUS_SAMPLES", 200);
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-slo-"));
  writeFileSync(join(dir, "vigil.yaml"), CONFIG);
  const cfg = loadConfig({ dataDir: join(dir, "data"), port: 0, host: "127.0.0.1", config: join(dir, "vigil.yaml") }, {});
  const server = await startServer(cfg, false);
  try {
    const index = server.rollups.index;
    const now = Date.now();
    const from = now - 30 * DAY + 60_000;
    const step = (now - from) / events;
    const r = rng(11);
    const f0 = performance.now();
    for (let i = 0; i < events; i++) {
      const ts = Math.floor(from + i * step);
      const u = r();
      const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      const body = { agent_name: AGENTS[i % AGENTS.length]!, query_class: CLASSES[(i >> 2) % CLASSES.length]!, status: u < 0.99 ? "success" : "failure", duration_ms: Math.round(1200 * Math.exp(0.6 * g)) };
      const ev: StoredEvent = { id: `b${i}`, type: "run", ts, receivedAt: ts, body };
      index.fold(ev);
      if (i % 1_000_000 === 999_999) log(`slo-status: folded ${human(i + 1)} runs`);
    }
    const foldS = (performance.now() - f0) / 1000;
    log(`slo-status: folded ${human(events)} runs over 30 days in ${round(foldS, 1)} s`);

    const client = new HttpClient(server.url, 1);
    const ours = "/api/v1/slos/simple_queries_latency";
    const peer = "/api/v1/metrics/system?window=30d&query_class=simple";
    // The first read fills the SLO's ledger (every slice of its period): timed apart.
    const t0 = performance.now();
    const first = await client.send("GET", ours);
    const firstMs = performance.now() - t0;
    if (first.status !== 200) throw new Error(`GET ${ours}: ${first.status} ${first.text}`);
    const status = JSON.parse(first.text) as { samples: { total: number }; compliance: number };
    for (let i = 0; i < 20; i++) {
      await client.send("GET", ours);
      await client.send("GET", peer);
    }
    const a: number[] = [];
    const b: number[] = [];
    // CPU time per request (client and server share this process): less moved by other load on the machine than wall time.
    const cpu = [0, 0];
    for (let i = 0; i < samples; i++) {
      // Alternate which goes first so background load on the machine hits both alike.
      for (const which of i % 2 ? [0, 1] : [1, 0]) {
        const s = performance.now();
        const c0 = process.cpuUsage();
        const res = await client.send("GET", which === 0 ? ours : peer);
        const c1 = process.cpuUsage(c0);
        cpu[which]! += (c1.user + c1.system) / 1000;
        (which === 0 ? a : b).push(performance.now() - s);
        if (res.status !== 200) throw new Error(`${which === 0 ? ours : peer}: ${res.status}`);
      }
    }
    client.close();
    const sa = summary(a);
    const sb = summary(b);
    printTable(`GET /api/v1/slos/:name, 30-day latency SLO, ${human(events)} runs over 30 days (${human(status.samples.total)} in its class)`, [
      { figure: "median ms", ours: String(round(sa.median, 3)), peer: String(round(sb.median, 3)), ratio: String(round(sa.median / sb.median, 2)), goal: "< 5 ms", met: sa.median < 5 },
      { figure: "p95 ms", ours: String(round(sa.p95, 3)), peer: String(round(sb.p95, 3)), ratio: String(round(sa.p95 / sb.p95, 2)), goal: "" },
      { figure: "CPU ms per request", ours: String(round(cpu[0]! / samples, 3)), peer: String(round(cpu[1]! / samples, 3)), ratio: String(round(cpu[0]! / cpu[1]!, 2)), goal: "" },
    ]);
    log(`slo-status: first read (ledger fill) ${round(firstMs, 1)} ms; compliance ${round(status.compliance, 4)}`);
    emit("slo-status", { events, samples, class_events: status.samples.total, median_ms: sa.median, p95_ms: sa.p95, peer_median_ms: sb.median, peer_p95_ms: sb.p95, ratio: sa.median / sb.median, first_read_ms: firstMs, fold_s: foldS, cpu_ms: cpu[0]! / samples, peer_cpu_ms: cpu[1]! / samples });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
