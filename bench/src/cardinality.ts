/**
 * Cardinality bench: how the cost of a `vigil serve` child grows with the number of distinct series
 * (agent × model × route × tenant × mode). For each size, a fresh server (started with
 * `--expose-gc` and `gc-preload`) gets the same number of distinct run events (own id, timestamp
 * uniform over the last 24 h, log-normal latency, statuses, tokens, cost) over HTTP; then: RSS after
 * a full GC, server CPU per ingested event (/proc/<pid>/stat), and the median latency and bytes of
 * the 24 h queries a dashboard and an API client send. With `BENCH_PEER_VIGIL` an earlier build
 * gets the same events in the same run; without it, our figures are shown against the goals.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { emit, envInt, getJson, human, log, peerVigil, printTable, procCpuSeconds, procPeakRssBytes, procRssBytes, round, sleep, startChildServer, tempDir, type ChildServer, type FigureRow } from "./common.js";
import { median, timeEndpoint, type EndpointTiming } from "./http-timing.js";
import { parseSeriesList, seriesDims, sendDistinct, type SeriesSpec } from "./series.js";

const PRELOAD = pathToFileURL(fileURLToPath(new URL("./gc-preload.js", import.meta.url))).href;
const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** Settings of the cardinality bench (BENCH_CARD_SERIES, BENCH_CARD_EVENTS, ...). */
export interface SeriesBenchSettings {
  sizes: SeriesSpec[];
  events: number;
  batch: number;
  concurrency: number;
  samples: number;
  budgetSeconds: number;
  capSeconds: number;
}

function settings(): SeriesBenchSettings {
  return {
    sizes: parseSeriesList(process.env.BENCH_CARD_SERIES ?? "10,1000,50000,100000t", "BENCH_CARD_SERIES"),
    events: envInt("BENCH_CARD_EVENTS", 300_000),
    batch: envInt("BENCH_CARD_INGEST_BATCH", 1000),
    concurrency: envInt("BENCH_CARD_INGEST_CONCURRENCY", 2),
    samples: envInt("BENCH_CARD_QUERY_SAMPLES", 7),
    budgetSeconds: envInt("BENCH_CARD_QUERY_BUDGET", 20),
    capSeconds: envInt("BENCH_CARD_QUERY_CAP", 120),
  };
}

/** The queries timed at each size (`{agent}` is the first series' agent). */
const QUERIES = [
  { key: "filtered", label: "/metrics/system 24h, agent_name=<one>", path: "/api/v1/metrics/system?window=24h&agent_name={agent}" },
  { key: "agents", label: "/metrics/agents 24h", path: "/api/v1/metrics/agents?window=24h" },
  { key: "report", label: "/report 24h", path: "/api/v1/report?window=24h" },
  { key: "tenants", label: "/metrics/tenants 24h", path: "/api/v1/metrics/tenants?window=24h" },
  { key: "system", label: "/metrics/system 24h (unfiltered)", path: "/api/v1/metrics/system?window=24h" },
] as const;
type QueryKey = (typeof QUERIES)[number]["key"];

/** Memory of the server after a full GC. */
interface GcMemory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** What one build gave at one size. */
interface SideResult {
  acked: number;
  errors: number;
  ingestSeconds: number;
  cpuUsPerEvent: number;
  start: GcMemory;
  after: GcMemory;
  peakRss: number;
  queries: Record<QueryKey, EndpointTiming>;
}

/** Asks the preloaded hook for a GC and the memory after it; RSS from /proc right after. */
async function gcMemory(server: ChildServer, file: string): Promise<GcMemory> {
  rmSync(file, { force: true });
  process.kill(server.pid, "SIGUSR2");
  const deadline = Date.now() + 120_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error("the server did not answer the GC request within 120 s");
    await sleep(50);
  }
  const m = JSON.parse(readFileSync(file, "utf8")) as { gc: boolean; heapUsed: number; external: number };
  if (!m.gc) throw new Error("gc() is not exposed in the server child");
  return { rss: procRssBytes(server.pid), heapUsed: m.heapUsed, external: m.external };
}

/** Waits (up to 60 s) for the server's first rollup flush that starts after `since`. */
async function waitForFlush(url: string, since: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const h = await getJson(`${url}/api/v1/health/detailed`);
    if ((h.rollups?.last_flush_at ?? 0) > since) return;
    await sleep(500);
  }
  log("cardinality: note: no rollup flush seen within 60 s after the ingest");
}

async function measureSide(spec: SeriesSpec, s: SeriesBenchSettings, bin: string | undefined, label: string): Promise<SideResult> {
  const data = tempDir("vigil-bench-series-");
  const gcDir = tempDir("vigil-bench-gc-");
  const gcFile = join(gcDir.dir, "memory.json");
  const server = await startChildServer(data.dir, { bin, nodeArgs: ["--expose-gc", "--import", PRELOAD], env: { BENCH_GC_FILE: gcFile } });
  try {
    await sleep(1000);
    const start = await gcMemory(server, gcFile);
    const now = Date.now();
    const cpu0 = procCpuSeconds(server.pid);
    log(`cardinality: ${label} ${spec.label} series: ingesting ${human(s.events)} distinct events`);
    const sent = await sendDistinct(server.url, { spec, total: s.events, batch: s.batch, concurrency: s.concurrency, from: now - 24 * HOUR + 30 * 60_000, to: now - 1000, tag: "c4rd", progress: (n) => log(`cardinality: ${label} ${human(n)} acknowledged`) });
    if (sent.errors) log(`cardinality: ${label}: ${sent.errors} events refused, first: ${sent.firstError}`);
    await waitForFlush(server.url, Date.now());
    const cpuUsPerEvent = ((procCpuSeconds(server.pid) - cpu0) / sent.acked) * 1e6;
    const after = await gcMemory(server, gcFile);
    log(`cardinality: ${label} ${spec.label}: ${round(sent.acked / (sent.ms / 1000) / 1000, 1)}k events/s, ${round(cpuUsPerEvent, 1)} µs CPU/event, RSS after GC ${round(after.rss / MB, 0)} MB; timing queries`);
    const agent = seriesDims(spec, 0).agent_name;
    const queries = {} as Record<QueryKey, EndpointTiming>;
    for (const q of QUERIES) {
      const t = await timeEndpoint(server.url, q.path.replace("{agent}", encodeURIComponent(agent)), { samples: s.samples, budgetMs: s.budgetSeconds * 1000, capMs: s.capSeconds * 1000 });
      queries[q.key] = t;
      log(`cardinality: ${label} ${spec.label}: ${q.label}: ${t.capped ? `> ${s.capSeconds} s` : `${round(median(t.ms), 2)} ms, ${human(t.bytes ?? NaN)} bytes`}`);
      if (t.capped) break;
    }
    return { acked: sent.acked, errors: sent.errors, ingestSeconds: sent.ms / 1000, cpuUsPerEvent, start, after, peakRss: procPeakRssBytes(server.pid), queries };
  } finally {
    await server.stop(10_000);
    data.cleanup();
    gcDir.cleanup();
  }
}

/** The goal of a figure at a size, or null (context only). */
function goalOf(spec: SeriesSpec, key: "memory" | QueryKey): number | null {
  const big = !spec.tenantsOnly && spec.series >= 50_000;
  if (key === "memory") return spec.series <= 10 ? 50 : big ? 150 : null;
  if (key === "filtered") return 5;
  if (key === "agents") return big ? 50 : null;
  return null;
}

const mb = (b: number) => round(b / MB, 1);
const perMillion = (r: SideResult) => (r.after.rss - r.start.rss) / MB / (r.acked / 1e6);
const qMs = (r: SideResult, k: QueryKey) => (r.queries[k] ? (r.queries[k].capped ? Infinity : median(r.queries[k].ms)) : NaN);

function fmtMs(ms: number, cap: number): string {
  if (ms === Infinity) return `> ${cap} s`;
  if (!Number.isFinite(ms)) return "n/a";
  return ms >= 100 ? `${Math.round(ms)} ms` : `${round(ms, 2)} ms`;
}

function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return "n/a";
  return b >= MB ? `${round(b / MB, 1)} MB` : `${round(b / 1024, 1)} KB`;
}

function ratioText(ours: number, other: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(other) || other === 0) return "";
  return round(ours / other, 3).toFixed(3);
}

function rows(spec: SeriesSpec, ours: SideResult, peer: SideResult | null, s: SeriesBenchSettings): FigureRow[] {
  const na = "n/a (BENCH_PEER_VIGIL unset)";
  const row = (figure: string, o: number, p: number | null, text: (v: number) => string, goal: number | null, goalText: string): FigureRow => ({
    figure,
    ours: text(o),
    peer: peer ? text(p ?? NaN) : na,
    ratio: peer ? ratioText(o, p ?? NaN) : goal !== null ? `${ratioText(o, goal)} of goal` : "",
    goal: goal !== null ? goalText : "(context)",
    met: goal !== null ? o < goal : null,
  });
  const memGoal = goalOf(spec, "memory");
  const out: FigureRow[] = [
    row("RSS after GC, after ingest", ours.after.rss, peer?.after.rss ?? null, (v) => `${mb(v)} MB`, null, ""),
    row("RSS growth per million events (after GC)", perMillion(ours), peer ? perMillion(peer) : null, (v) => `${round(v, 1)} MB`, memGoal, `< ${memGoal} MB`),
    row("heap used after GC, after ingest", ours.after.heapUsed, peer?.after.heapUsed ?? null, (v) => `${mb(v)} MB`, null, ""),
    row("ingest: server CPU per event", ours.cpuUsPerEvent, peer?.cpuUsPerEvent ?? null, (v) => `${round(v, 1)} µs`, null, ""),
  ];
  for (const q of QUERIES) {
    const goal = goalOf(spec, q.key);
    out.push(row(`${q.label}, median`, qMs(ours, q.key), peer ? qMs(peer, q.key) : null, (v) => fmtMs(v, s.capSeconds), goal, `< ${goal} ms`));
    if (q.key === "agents" || q.key === "tenants" || q.key === "report") out.push({ figure: `  answer bytes`, ours: fmtBytes(ours.queries[q.key]?.bytes), peer: peer ? fmtBytes(peer.queries[q.key]?.bytes) : na, ratio: "", goal: "(context)" });
  }
  out.push(row("peak RSS (VmHWM)", ours.peakRss, peer?.peakRss ?? null, (v) => `${mb(v)} MB`, null, ""));
  return out;
}

function sideJson(r: SideResult): Record<string, unknown> {
  return {
    acked: r.acked,
    errors: r.errors,
    ingest_s: round(r.ingestSeconds, 1),
    cpu_us_per_event: round(r.cpuUsPerEvent, 2),
    rss_start_mb: mb(r.start.rss),
    rss_after_gc_mb: mb(r.after.rss),
    rss_mb_per_million: round(perMillion(r), 1),
    heap_used_after_gc_mb: mb(r.after.heapUsed),
    external_after_gc_mb: mb(r.after.external),
    peak_rss_mb: mb(r.peakRss),
    queries: Object.fromEntries(Object.entries(r.queries).map(([k, t]) => [k, { path: t.path, median_ms: t.capped ? null : round(median(t.ms), 2), ms: t.ms.map((v) => round(v, 2)), warmup_ms: round(t.warmupMs, 1), capped: t.capped, bytes: t.bytes }])),
  };
}

/** One summary line per size and build, in the shape of the README's table. */
function summaryTable(results: { spec: SeriesSpec; ours: SideResult; peer: SideResult | null }[], peerCommit: string | null, cap: number): void {
  const head = ["series", "build", "RSS after GC", "ingest CPU/event", "filtered", "/metrics/agents", "/report", "/metrics/tenants"];
  const line = (cells: string[]) => console.log(`| ${cells.join(" | ")} |`);
  console.log("\ncardinality — summary (24 h window; query figures are medians)");
  line(head);
  line(head.map(() => "---"));
  const side = (spec: SeriesSpec, name: string, r: SideResult) =>
    line([spec.tenantsOnly ? `${human(spec.series)} tenants` : human(spec.series), name, `${Math.round(mb(r.after.rss))} MB`, `${round(r.cpuUsPerEvent, 1)} µs`, ...(["filtered", "agents", "report", "tenants"] as const).map((k) => fmtMs(qMs(r, k), cap) + (k === "tenants" ? ` (${fmtBytes(r.queries.tenants?.bytes)})` : ""))]);
  for (const { spec, ours, peer } of results) {
    side(spec, "ours", ours);
    if (peer) side(spec, `peer ${peerCommit}`, peer);
  }
}

/** Runs the cardinality bench: one table per size, a summary, and the BENCH line. */
export async function cardinality(): Promise<void> {
  const s = settings();
  const before = peerVigil();
  log(`cardinality: series ${s.sizes.map((x) => x.label).join(", ")}; ${human(s.events)} distinct events each; peer ${before ? `${before.root} (${before.commit})` : "none (BENCH_PEER_VIGIL unset): figures against the goals"}`);
  const results: { spec: SeriesSpec; ours: SideResult; peer: SideResult | null }[] = [];
  for (const [i, spec] of s.sizes.entries()) {
    let ours: SideResult;
    let peer: SideResult | null = null;
    // Alternate which build goes first, so drift in the machine's speed does not favour one.
    if (before && i % 2 === 1) {
      peer = await measureSide(spec, s, before.bin, "peer");
      ours = await measureSide(spec, s, undefined, "ours");
    } else {
      ours = await measureSide(spec, s, undefined, "ours");
      if (before) peer = await measureSide(spec, s, before.bin, "peer");
    }
    const dims = spec.tenantsOnly ? `${human(spec.series)} tenants` : `${spec.agents} agents × ${spec.models} models × ${spec.routes} routes × ${spec.modes} modes × ${spec.tenants} tenants, ${human(spec.series)} used`;
    printTable(`cardinality — ${spec.tenantsOnly ? `${human(spec.series)} distinct tenants` : `${human(spec.series)} distinct series`} (${dims}), ${human(ours.acked)} distinct events over 24 h (peer: ${before ? `Vigil at ${before.commit}` : "none"})`, rows(spec, ours, peer, s));
    results.push({ spec, ours, peer });
  }
  summaryTable(results, before?.commit ?? null, s.capSeconds);
  emit("cardinality", {
    peer_commit: before?.commit ?? null,
    goals: { rss_mb_per_million_at_10_series: 50, rss_mb_per_million_at_50000_series: 150, agents_24h_ms_at_50000_series: 50, filtered_ms: 5 },
    settings: { ...s, sizes: s.sizes.map((x) => x.label) },
    sizes: results.map((r) => ({ series: r.spec.series, tenants_only: r.spec.tenantsOnly, dims: { agents: r.spec.agents, models: r.spec.models, routes: r.spec.routes, modes: r.spec.modes, tenants: r.spec.tenants }, ours: sideJson(r.ours), peer: r.peer ? sideJson(r.peer) : null })),
  });
}
