/**
 * The query bench's report part, against an earlier build (`BENCH_PEER_VIGIL`): `GET /api/v1/report`
 * from two servers, ours and the earlier build, each started on a copy of the same stored runs, their
 * requests alternating one by one (which server goes first alternates too), so background load on
 * the machine hits both alike. Median and p95 to the last byte, the ratio ours / peer, and each
 * server's CPU per answer. Without a peer it is skipped.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "node:http";
import { emit, envInt, getJson, human, log, peerVigil, printTable, procCpuSeconds, quantile, round, sleep, startChildServer, tempDir, type ChildServer, type FigureRow, type PeerVigil } from "./common.js";
import { writeEvents } from "./direct-load.js";
import { timedGet } from "./http-timing.js";
import { parseSeriesList, seriesDims, seriesRun, type SeriesSpec } from "./series.js";

const HOUR = 3_600_000;
const READS = ["/api/v1/report?window=24h", "/api/v1/report?window=1h"];

/** Settings (BENCH_QUERY_REPORT_*). */
interface ReportSettings {
  spec: SeriesSpec;
  events: number;
  samples: number;
  warmup: number;
  /** PUT the same agent-scoped thresholds on both servers first. */
  scoped: boolean;
}

function settings(): ReportSettings {
  return {
    spec: parseSeriesList(process.env.BENCH_QUERY_REPORT_SERIES ?? "1000", "BENCH_QUERY_REPORT_SERIES")[0]!,
    events: envInt("BENCH_QUERY_REPORT_EVENTS", 300_000),
    samples: envInt("BENCH_QUERY_REPORT_SAMPLES", 100),
    warmup: envInt("BENCH_QUERY_REPORT_WARMUP", 5),
    scoped: process.env.BENCH_QUERY_REPORT_SCOPED === "1",
  };
}

/** One server's figures for one read. */
interface ReadFigures {
  ms: number[];
  bytes: number;
  cpuS: number;
}

const sorted = (v: readonly number[]) => Float64Array.from(v).sort();
const med = (v: readonly number[]) => quantile(sorted(v), 0.5);
const p95 = (v: readonly number[]) => quantile(sorted(v), 0.95);

async function waitForFlush(s: ChildServer): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const h = await getJson(`${s.url}/api/v1/health/detailed`).catch((err: Error) => {
      throw new Error(`${s.url}: ${err.message}; server output:\n${s.output()}`);
    });
    if (h.rollups.last_flush_at) return;
    await sleep(1000);
  }
}

/** Limits of their own for the first ten agents (every build since the per-agent thresholds takes this body). */
async function putScoped(s: ChildServer, spec: SeriesSpec): Promise<void> {
  const agents: Record<string, Record<string, number>> = {};
  for (let k = 0; k < Math.min(10, spec.agents); k++) agents[seriesDims(spec, k).agent_name] = { error_rate_max: 0.05, latency_p95_max_ms: 2000, cost_per_task_max: 0.01 };
  const res = await fetch(`${s.url}/api/v1/thresholds`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ agents }) });
  if (res.status !== 200) throw new Error(`PUT /api/v1/thresholds answered ${res.status}: ${await res.text()}`);
}

/** Times `path` on both servers, request by request in turn. */
async function alternate(servers: { ours: ChildServer; peer: ChildServer }, path: string, s: ReportSettings): Promise<{ ours: ReadFigures; peer: ReadFigures }> {
  const agents = { ours: new Agent({ keepAlive: true, maxSockets: 1 }), peer: new Agent({ keepAlive: true, maxSockets: 1 }) };
  const out = { ours: { ms: [] as number[], bytes: 0, cpuS: 0 }, peer: { ms: [] as number[], bytes: 0, cpuS: 0 } };
  try {
    for (let i = 0; i < s.warmup + s.samples; i++) {
      const order: ("ours" | "peer")[] = i % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
      for (const side of order) {
        const server = servers[side];
        const c0 = procCpuSeconds(server.pid);
        const r = await timedGet(agents[side], new URL(server.url), path, 120_000, false);
        if (!r.ok) throw new Error(`${side} ${path}: ${r.error}`);
        if (r.status !== 200) throw new Error(`${side} ${path}: HTTP ${r.status}`);
        if (i < s.warmup) continue;
        out[side].ms.push(r.ms);
        out[side].bytes = r.bytes;
        out[side].cpuS += procCpuSeconds(server.pid) - c0;
      }
    }
  } finally {
    agents.ours.destroy();
    agents.peer.destroy();
  }
  return out;
}

/** Runs the report part (with a peer only) and prints its table and BENCH line. */
export async function queryReport(): Promise<void> {
  const before = peerVigil();
  if (!before) {
    log("query: report part skipped (BENCH_PEER_VIGIL unset: it measures /report against an earlier build)");
    return;
  }
  const s = settings();
  const { dir, cleanup } = tempDir("vigil-bench-query-report-");
  const servers: ChildServer[] = [];
  try {
    const now = Date.now();
    log(`query: report: writing ${human(s.events)} events over ${s.spec.label} series (${s.spec.agents} agents) into the store, and a copy for the peer`);
    const oursDir = join(dir, "ours");
    const peerDir = join(dir, "peer");
    await writeEvents(oursDir, s.events, now - 24 * HOUR + 30 * 60_000, now - 1000, {}, undefined, (r, i) => seriesRun(r, s.spec, i % s.spec.series));
    cpSync(oursDir, peerDir, { recursive: true });
    const ours = await startChildServer(oursDir);
    servers.push(ours);
    await waitForFlush(ours);
    const peer = await startChildServer(peerDir, { bin: before.bin });
    servers.push(peer);
    await waitForFlush(peer);
    if (s.scoped) for (const server of [ours, peer]) await putScoped(server, s.spec);
    const results: { path: string; ours: ReadFigures; peer: ReadFigures }[] = [];
    for (const path of READS) {
      const r = await alternate({ ours, peer }, path, s);
      log(`query: report: ${path}: median ${round(med(r.ours.ms), 2)} against ${round(med(r.peer.ms), 2)} ms`);
      results.push({ path, ...r });
    }
    print(results, s, before);
  } finally {
    for (const server of servers) await server.stop(10_000);
    cleanup();
  }
}

function print(results: { path: string; ours: ReadFigures; peer: ReadFigures }[], s: ReportSettings, before: PeerVigil): void {
  const ms = (v: number) => `${round(v, v < 10 ? 2 : 1)} ms`;
  const rows: FigureRow[] = [];
  for (const r of results) {
    const ratio = med(r.ours.ms) / med(r.peer.ms);
    const pairs = r.ours.ms.map((v, i) => v / r.peer.ms[i]!);
    rows.push(
      { figure: `${r.path}, median`, ours: ms(med(r.ours.ms)), peer: ms(med(r.peer.ms)), ratio: round(ratio, 3).toString(), goal: "<= 1.05", met: ratio <= 1.05 },
      { figure: `${r.path}, p95`, ours: ms(p95(r.ours.ms)), peer: ms(p95(r.peer.ms)), ratio: round(p95(r.ours.ms) / p95(r.peer.ms), 3).toString(), goal: "(context)" },
      { figure: "  median of per-request ratios", ours: "", peer: "", ratio: round(med(pairs), 3).toString(), goal: "(context)" },
      { figure: "  server CPU per answer (with its background jobs)", ours: ms((r.ours.cpuS * 1000) / r.ours.ms.length), peer: ms((r.peer.cpuS * 1000) / r.peer.ms.length), ratio: round(r.ours.cpuS / r.peer.cpuS, 3).toString(), goal: "(context)" },
      { figure: "  answer bytes", ours: human(r.ours.bytes), peer: human(r.peer.bytes), ratio: "", goal: "(context)" },
    );
  }
  printTable(`query — /report before and after: ${human(s.events)} stored runs over ${s.spec.label} series (${s.spec.agents} agents) in 24 h, ${s.samples} requests to each server in turn after ${s.warmup} warm-up${s.scoped ? ", 10 agents with thresholds of their own" : ""} (peer: Vigil at ${before.commit})`, rows);
  emit("query-report", {
    events: s.events,
    series: s.spec.series,
    agents: s.spec.agents,
    samples: s.samples,
    scoped_thresholds: s.scoped,
    peer_commit: before.commit,
    reads: results.map((r) => ({
      path: r.path,
      ours: { median_ms: round(med(r.ours.ms), 3), p95_ms: round(p95(r.ours.ms), 3), cpu_ms: round((r.ours.cpuS * 1000) / r.ours.ms.length, 2), bytes: r.ours.bytes },
      peer: { median_ms: round(med(r.peer.ms), 3), p95_ms: round(p95(r.peer.ms), 3), cpu_ms: round((r.peer.cpuS * 1000) / r.peer.ms.length, 2), bytes: r.peer.bytes },
      ratio: round(med(r.ours.ms) / med(r.peer.ms), 4),
      ratio_pairs: round(med(r.ours.ms.map((v, i) => v / r.peer.ms[i]!)), 4),
    })),
    goal_ratio: 1.05,
  });
}
