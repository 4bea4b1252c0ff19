/**
 * Query bench, in three parts. First (`query-series.ts`): every 24 h read, filtered, grouped and as a
 * timeseries, at 10, 1,000 and 50,000 distinct series. With an earlier build named by
 * `BENCH_PEER_VIGIL` (`query-report.ts`): `/report` of both builds over the same runs, requests in
 * turn. Then (`BENCH_QUERY_EVENTS=none` skips it): latency of
 * `GET /api/v1/metrics/system?window=24h` with 100,000 and with 10,000,000 runs stored in the window
 * (5 agents × 3 models × 2 routes), beside the same figures for a naive SQL scan of the events table
 * (what a scan-based monitor would run), all in one run.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { AGENTS, HttpClient, MODELS, ROUTES, emit, envInt, getJson, human, log, printTable, round, sleep, startChildServer, summary, tempDir } from "./common.js";
import { writeEvents } from "./direct-load.js";
import { queryReport } from "./query-report.js";
import { querySeries } from "./query-series.js";

const HOUR = 3_600_000;
const PATH = "/api/v1/metrics/system?window=24h";

/** Figures of one data size. */
interface SizeResult {
  events: number;
  writeMs: number;
  replayMs: number;
  totalTasks: number;
  ours: { median: number; p95: number; max: number; n: number };
  scan: { median: number; p95: number; n: number; aggregateMs: number; percentileMs: number };
  /** One GET /api/v1/health/detailed (it counts stored events), for context. */
  healthDetailedMs: number;
}

/** The scan-based monitor's query: aggregates with json_extract, then every duration for exact percentiles. */
function naiveScan(db: Database.Database, from: number, to: number): { aggregateMs: number; percentileMs: number; n: number; p95: number } {
  const t0 = performance.now();
  const agg = db
    .prepare(
      `SELECT COUNT(*) AS n,
              SUM(json_extract(body, '$.status') = 'success') AS ok,
              AVG(json_extract(body, '$.duration_ms')) AS avg_ms,
              SUM(json_extract(body, '$.tokens_used')) AS tokens,
              SUM(json_extract(body, '$.cost')) AS cost,
              AVG(json_extract(body, '$.quality_score')) AS quality
         FROM events WHERE type = 0 AND ts >= ? AND ts < ?`,
    )
    .get(from, to) as { n: number };
  const t1 = performance.now();
  const durations = new Float64Array(agg.n);
  let i = 0;
  for (const d of db.prepare("SELECT json_extract(body, '$.duration_ms') FROM events WHERE type = 0 AND ts >= ? AND ts < ?").pluck().iterate(from, to)) durations[i++] = d as number;
  durations.subarray(0, i).sort();
  const p95 = durations[Math.max(0, Math.ceil(0.95 * i) - 1)]!;
  const t2 = performance.now();
  return { aggregateMs: t1 - t0, percentileMs: t2 - t1, n: agg.n, p95 };
}

async function measureSize(n: number, samples: number): Promise<SizeResult> {
  const { dir, cleanup } = tempDir("vigil-bench-query-");
  try {
    const now = Date.now();
    // Leave margin at the old end so a long load does not push events out of the 24 h window.
    const from = now - 24 * HOUR + 30 * 60_000;
    const to = now - 1000;
    log(`query: writing ${human(n)} events into the store`);
    const writeMs = await writeEvents(dir, n, from, to, { agents: AGENTS, models: MODELS, routes: ROUTES, tenants: ["acme"] }, (done) => log(`query: ${human(done)} written`));
    log(`query: wrote ${human(n)} in ${round(writeMs / 1000, 1)} s; starting the server (start-up replays them into the rollups)`);
    const server = await startChildServer(dir);
    let ours: SizeResult["ours"];
    let totalTasks: number;
    let healthDetailedMs = NaN;
    const client = new HttpClient(server.url, 1);
    try {
      log(`query: server ready after ${round(server.startMs / 1000, 1)} s; waiting for its first rollup flush`);
      // The first periodic flush persists every replayed bucket; measure the steady state after it.
      for (let i = 0; i < 120; i++) {
        const h = await getJson(`${server.url}/api/v1/health/detailed`);
        if (h.rollups.last_flush_at) break;
        await sleep(1000);
      }
      const first = JSON.parse((await client.send("GET", PATH)).text);
      totalTasks = first.metrics.total_tasks;
      for (let i = 0; i < 50; i++) await client.send("GET", PATH);
      const lat: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        const r = await client.send("GET", PATH);
        lat.push(performance.now() - t0);
        if (r.status !== 200) throw new Error(`query answered ${r.status}: ${r.text}`);
      }
      ours = { ...summary(lat), max: Math.max(...lat) };
      const h0 = performance.now();
      await client.send("GET", "/api/v1/health/detailed");
      healthDetailedMs = performance.now() - h0;
    } finally {
      client.close();
      await server.stop();
    }
    const db = new Database(join(dir, "vigil.db"), { readonly: true });
    const runs = n <= 1_000_000 ? 5 : 1;
    const scans = [];
    const qto = Date.now();
    for (let i = 0; i < runs; i++) scans.push(naiveScan(db, qto - 24 * HOUR, qto));
    db.close();
    const total = scans.map((s) => s.aggregateMs + s.percentileMs);
    const mid = summary(total);
    const best = scans[total.indexOf(Math.min(...total))]!;
    return { events: n, writeMs, replayMs: server.startMs, totalTasks, ours, scan: { ...mid, aggregateMs: best.aggregateMs, percentileMs: best.percentileMs }, healthDetailedMs };
  } finally {
    cleanup();
  }
}

/** Runs the query bench and prints its table and BENCH line. */
export async function query(): Promise<void> {
  await querySeries();
  await queryReport();
  if (process.env.BENCH_QUERY_EVENTS === "none") return;
  const big = envInt("BENCH_QUERY_EVENTS", 10_000_000);
  const small = envInt("BENCH_QUERY_SMALL_EVENTS", 100_000);
  const samples = envInt("BENCH_QUERY_SAMPLES", 300);
  const a = await measureSize(small, samples);
  log(`query: ${human(small)}: median ${round(a.ours.median, 2)} ms; scan ${round(a.scan.median, 1)} ms`);
  const b = await measureSize(big, samples);
  log(`query: ${human(big)}: median ${round(b.ours.median, 2)} ms; scan ${round(b.scan.median, 1)} ms`);
  const growth = b.ours.median / a.ours.median;
  const ms = (v: number) => `${round(v, v < 10 ? 2 : 0)} ms`;
  printTable(`query — GET ${PATH}, ${samples} sequential requests after warm-up`, [
    { figure: `median @ ${human(small)}`, ours: ms(a.ours.median), peer: ms(a.scan.median) + " scan", ratio: round(a.ours.median / a.scan.median, 4).toString(), goal: "< 5 ms", met: a.ours.median < 5 },
    { figure: `p95 @ ${human(small)}`, ours: ms(a.ours.p95), peer: ms(a.scan.p95) + " scan", ratio: round(a.ours.p95 / a.scan.p95, 4).toString(), goal: "< 5 ms", met: a.ours.p95 < 5 },
    { figure: `median @ ${human(big)}`, ours: ms(b.ours.median), peer: ms(b.scan.median) + " scan", ratio: round(b.ours.median / b.scan.median, 5).toString(), goal: "< 5 ms", met: b.ours.median < 5 },
    { figure: `p95 @ ${human(big)}`, ours: ms(b.ours.p95), peer: ms(b.scan.p95) + " scan", ratio: round(b.ours.p95 / b.scan.p95, 5).toString(), goal: "< 5 ms", met: b.ours.p95 < 5 },
    { figure: `median ${human(big)} / ${human(small)}`, ours: `${round(growth, 2)}x`, peer: `${round(b.scan.median / a.scan.median, 1)}x scan`, ratio: "", goal: "<= 1.5x", met: growth <= 1.5 },
    { figure: `load ${human(big)} (write + replay)`, ours: `${round((b.writeMs + b.replayMs) / 1000, 1)} s`, peer: "", ratio: "", goal: "(context)" },
  ]);
  if (a.totalTasks !== small || b.totalTasks !== big) log(`query: note: total_tasks answered ${a.totalTasks} and ${b.totalTasks} for ${small} and ${big} stored`);
  const fig = (r: SizeResult) => ({
    events: r.events,
    total_tasks: r.totalTasks,
    median_ms: round(r.ours.median, 3),
    p95_ms: round(r.ours.p95, 3),
    max_ms: round(r.ours.max, 3),
    scan_median_ms: round(r.scan.median, 1),
    scan_aggregate_ms: round(r.scan.aggregateMs, 1),
    scan_percentile_ms: round(r.scan.percentileMs, 1),
    scan_runs: r.scan.n,
    write_s: round(r.writeMs / 1000, 1),
    replay_s: round(r.replayMs / 1000, 1),
    health_detailed_ms: round(r.healthDetailedMs, 1),
  });
  emit("query", { small: fig(a), big: fig(b), growth: round(growth, 3), goal_ms: 5, goal_growth: 1.5, samples });
}
