/**
 * Ingest bench: events/s through `POST /api/v1/ingest` (batches of 500 realistic runs, several
 * concurrent keep-alive clients) into a `vigil serve` child, read from the server's own counter,
 * beside the raw better-sqlite3 insert rate of the same rows on the same disk, the two taking
 * turns in short slices of the same run (`ingest-interleaved.ts`).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { batchBodies, emit, envInt, getJson, human, log, peerVigil, printTable, procCpuSeconds, round, selfCpuSeconds, sleep, startChildServer, summary, tempDir, type FigureRow } from "./common.js";
import { interleaved } from "./ingest-interleaved.js";
import { startLoad, type ClientKind, type LoadStats } from "./load.js";

const LOAD_CHILD = fileURLToPath(new URL("./load-child.js", import.meta.url));

/** Settings of one ingest measurement. */
export interface IngestSettings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  batchSize: number;
  client: ClientKind;
  /** Where the load loops run: in the bench process or in a child process of their own. */
  placement: "inline" | "child";
}

/** What one measurement of the server gave. */
export interface ServerRun {
  eventsPerSec: number;
  ackedPerSec: number;
  serverCores: number;
  loadCores: number;
  healthMs: number[];
  errors: number;
  firstError: string | null;
  stored: number;
}

/** Reads settings from the environment (BENCH_INGEST_*). */
export function ingestSettings(): IngestSettings {
  const client = (process.env.BENCH_INGEST_CLIENT ?? "http") as ClientKind;
  const placement = (process.env.BENCH_INGEST_PLACEMENT ?? "inline") as IngestSettings["placement"];
  if (client !== "http" && client !== "fetch") throw new Error("BENCH_INGEST_CLIENT must be http or fetch");
  if (placement !== "inline" && placement !== "child") throw new Error("BENCH_INGEST_PLACEMENT must be inline or child");
  return {
    seconds: envInt("BENCH_INGEST_SECONDS", 15),
    warmupSeconds: envInt("BENCH_INGEST_WARMUP", 2),
    concurrency: envInt("BENCH_INGEST_CONCURRENCY", 4),
    batchSize: envInt("BENCH_INGEST_BATCH", 500),
    client,
    placement,
  };
}

/** A load generator running inline or in a child, behind one interface. */
interface LoadHandle {
  stats(): Promise<LoadStats>;
  stop(): Promise<LoadStats>;
}

async function launchLoad(url: string, s: IngestSettings, batches: number): Promise<LoadHandle> {
  if (s.placement === "inline") {
    const { bodies } = batchBodies(batches, s.batchSize);
    const load = startLoad({ url, bodies, concurrency: s.concurrency, client: s.client });
    const base = selfCpuSeconds();
    const rel = (st: LoadStats) => ({ ...st, cpu: st.cpu - base });
    return { stats: async () => rel(load.stats()), stop: async () => rel(await load.stop()) };
  }
  const child = fork(LOAD_CHILD, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters: ((m: any) => void)[] = [];
  child.on("message", (m) => waiters.shift()?.(m));
  const ask = (msg: object) => new Promise<any>((resolve) => {
    waiters.push(resolve);
    child.send(msg);
  });
  await ask({ cmd: "start", url, concurrency: s.concurrency, client: s.client, batches, batchSize: s.batchSize });
  const base = (await ask({ cmd: "stats" })).stats.cpu as number;
  const rel = (st: LoadStats) => ({ ...st, cpu: st.cpu - base });
  return {
    stats: async () => rel((await ask({ cmd: "stats" })).stats),
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      const st = rel((await ask({ cmd: "stop" })).stats);
      await exited;
      return st;
    },
  };
}

/** Runs the load against a fresh child server (another build's when `bin` is given) and measures the steady-state rate. */
export async function measureServer(s: IngestSettings, env: Record<string, string> = {}, bin?: string): Promise<ServerRun> {
  const { dir, cleanup } = tempDir("vigil-bench-ingest-");
  const server = await startChildServer(dir, { env, bin });
  try {
    const load = await launchLoad(server.url, s, 16);
    await sleep(s.warmupSeconds * 1000);
    const read = async () => {
      const t0 = performance.now();
      const h = await getJson(`${server.url}/api/v1/health/detailed`);
      const t1 = performance.now();
      return { at: (t0 + t1) / 2, took: t1 - t0, accepted: h.ingest.accepted as number, stored: h.storage.events.run as number, cpu: procCpuSeconds(server.pid), load: await load.stats() };
    };
    const a = await read();
    await sleep(s.seconds * 1000);
    const b = await read();
    const end = await load.stop();
    const secs = (b.at - a.at) / 1000;
    return {
      eventsPerSec: (b.accepted - a.accepted) / secs,
      ackedPerSec: (b.load.acked - a.load.acked) / secs,
      serverCores: (b.cpu - a.cpu) / secs,
      loadCores: (b.load.cpu - a.load.cpu) / secs,
      healthMs: [a.took, b.took],
      errors: end.errors,
      firstError: end.firstError,
      stored: b.stored,
    };
  } finally {
    await server.stop();
    cleanup();
  }
}

/** The same load against an earlier build (`BENCH_PEER_VIGIL`), in alternating rounds: the rows and figures it adds, or null when unset. */
async function beforeAndAfter(s: IngestSettings): Promise<{ rounds: number; oursMedianRun: ServerRun; rows: FigureRow[]; json: Record<string, unknown> } | null> {
  const before = peerVigil();
  if (!before) return null;
  const { bin, commit: peerCommit } = before;
  const rounds = envInt("BENCH_INGEST_ROUNDS", 5);
  const ours: ServerRun[] = [];
  const peer: ServerRun[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which side goes first so drift in the machine's speed does not favour one.
    for (const side of i % 2 === 0 ? ["ours", "peer"] as const : ["peer", "ours"] as const) {
      log(`ingest: round ${i + 1}/${rounds}, ${side === "ours" ? "this build" : `before (${peerCommit})`}`);
      const r = await measureServer(s, {}, side === "ours" ? undefined : bin);
      if (r.errors) log(`ingest: ${side}: ${r.errors} errors, first: ${r.firstError}`);
      log(`ingest: ${side} ${human(r.eventsPerSec)} events/s`);
      (side === "ours" ? ours : peer).push(r);
    }
  }
  const rate = (r: ServerRun) => r.eventsPerSec;
  const cpuUs = (r: ServerRun) => (r.serverCores / r.eventsPerSec) * 1e6;
  const medianRun = (runs: ServerRun[]) => [...runs].sort((a, b) => rate(a) - rate(b))[(runs.length - 1) >> 1]!;
  const o = medianRun(ours);
  const p = medianRun(peer);
  const r = rate(o) / rate(p);
  const paired = summary(ours.map((x, i) => rate(x) / rate(peer[i]!))).median;
  const oCpu = summary(ours.map(cpuUs)).median;
  const pCpu = summary(peer.map(cpuUs)).median;
  const range = (runs: ServerRun[]) => `${human(Math.min(...runs.map(rate)))}–${human(Math.max(...runs.map(rate)))}`;
  return {
    rounds,
    oursMedianRun: o,
    rows: [
      { figure: `events/s vs before (median of ${rounds} rounds)`, ours: human(rate(o)), peer: `${human(rate(p))} at ${peerCommit}`, ratio: round(r, 3).toFixed(3), goal: ">= 0.97 (at most 3% slower)", met: r >= 0.97 },
      { figure: "(context) median of per-round ratios", ours: "", peer: "", ratio: round(paired, 3).toFixed(3), goal: "" },
      { figure: "(context) events/s range over the rounds", ours: range(ours), peer: range(peer), ratio: "", goal: "" },
      { figure: "(context) server CPU per event (median)", ours: `${round(oCpu, 2)} µs`, peer: `${round(pCpu, 2)} µs`, ratio: round(oCpu / pCpu, 3).toFixed(3), goal: "" },
    ],
    json: {
      peer_commit: peerCommit,
      rounds,
      events_per_s: ours.map((x) => round(rate(x), 0)),
      peer_events_per_s: peer.map((x) => round(rate(x), 0)),
      median_events_per_s: round(rate(o), 0),
      peer_median_events_per_s: round(rate(p), 0),
      ratio: round(r, 4),
      paired_ratio_median: round(paired, 4),
      server_cpu_us_per_event: ours.map((x) => round(cpuUs(x), 3)),
      peer_server_cpu_us_per_event: peer.map((x) => round(cpuUs(x), 3)),
      errors: ours.reduce((a, x) => a + x.errors, 0),
      peer_errors: peer.reduce((a, x) => a + x.errors, 0),
      goal_ratio: 0.97,
    },
  };
}

/** Runs the ingest bench and prints its table and BENCH line. */
export async function ingest(): Promise<void> {
  const s = ingestSettings();
  const rounds = envInt("BENCH_INGEST_SLICES", 8);
  const slice = envInt("BENCH_INGEST_SLICE_SECONDS", 2);
  // The same 16 batches the load sends round robin.
  const { meanEventBytes, series } = batchBodies(16, s.batchSize);
  if (s.placement !== "inline") log("ingest: note: the interleaved measurement runs its load in the bench process (BENCH_INGEST_PLACEMENT applies to ingest-compare and the before-and-after rounds)");
  log(`ingest: batches of ${s.batchSize} runs (~${Math.round(meanEventBytes)} bytes each, ${series} series), ${s.concurrency} ${s.client} loops in the bench process; Vigil and raw better-sqlite3 in alternating ${slice} s slices, ${rounds} rounds`);
  const il = await interleaved(s, rounds, slice);
  if (il.errors) log(`ingest: ${il.errors} errors, first: ${il.firstError}`);
  const before = await beforeAndAfter(s);
  const ratios = il.rounds.map((r) => r.ratio);
  const rng = (v: number[]) => `${round(Math.min(...v), 3)}–${round(Math.max(...v), 3)}`;
  printTable(`ingest — events/s through POST /api/v1/ingest (batches of ${s.batchSize} over ${series} series, ${s.concurrency} clients; Vigil and raw insert in alternating ${slice} s slices, median of ${rounds} rounds)`, [
    { figure: "events/s (server count) vs raw insert", ours: human(il.vigil), peer: human(il.raw) + " raw insert", ratio: round(il.ratio, 3).toFixed(3), goal: ">= 0.5 of raw", met: il.ratio >= 0.5 },
    { figure: "  per-round ratios (range)", ours: "", peer: "", ratio: rng(ratios), goal: "(context)" },
    { figure: "events/s absolute", ours: human(il.vigil), peer: "", ratio: "", goal: ">= 100k", met: il.vigil >= 100_000 },
    { figure: "raw insert + Vigil's indexes", ours: "", peer: human(il.rawIndexed), ratio: round(il.vigil / il.rawIndexed, 3).toFixed(3), goal: "(context)" },
    { figure: "server CPU (cores busy)", ours: round(il.serverCores, 2).toFixed(2), peer: "", ratio: "", goal: "(context)" },
    { figure: "load generator CPU (cores)", ours: round(il.loadCores, 2).toFixed(2), peer: "", ratio: "", goal: "(context)" },
    ...(before ? before.rows : []),
  ]);
  console.log(`per round (ratio = Vigil / raw): ${il.rounds.map((r, i) => `${i + 1}: ${human(r.vigil)} / ${human(r.raw)} = ${round(r.ratio, 3)} (${r.first} first)`).join("; ")}`);
  emit("ingest", {
    ...(before ? { before: before.json } : {}),
    events_per_s: round(il.vigil, 0),
    acked_per_s: round(il.ackedPerSec, 0),
    raw_rows_per_s: round(il.raw, 0),
    raw_tx_p50_ms: round(il.rawTxP50Ms, 3),
    raw_indexed_rows_per_s: round(il.rawIndexed, 0),
    ratio: round(il.ratio, 4),
    rounds: il.rounds.map((r) => ({ first: r.first, events_per_s: round(r.vigil, 0), raw_rows_per_s: round(r.raw, 0), raw_indexed_rows_per_s: round(r.rawIndexed, 0), ratio: round(r.ratio, 4), server_cores: round(r.serverCores, 3) })),
    goal_ratio: 0.5,
    goal_events_per_s: 100_000,
    server_cores: round(il.serverCores, 3),
    load_cores: round(il.loadCores, 3),
    errors: il.errors,
    mean_event_bytes: Math.round(meanEventBytes),
    series,
    settings: { ...s, slices: rounds, slice_seconds: slice },
  });
}

/** Compares load placements and clients (BENCH_INGEST_COMPARE=1): which leaves the server the most CPU. */
export async function comparePlacements(): Promise<void> {
  const base = ingestSettings();
  const rows = [];
  for (const placement of ["inline", "child"] as const) {
    for (const client of ["http", "fetch"] as const) {
      const s = { ...base, placement, client };
      log(`ingest compare: ${placement} ${client}`);
      const r = await measureServer(s);
      rows.push({ placement, client, events_per_s: round(r.eventsPerSec, 0), server_cores: round(r.serverCores, 2), load_cores: round(r.loadCores, 2), errors: r.errors });
    }
  }
  console.log("\ningest — load generator placement and client");
  console.table(rows);
  emit("ingest-compare", { rows, seconds: base.seconds });
}
