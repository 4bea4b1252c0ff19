/**
 * Memory bench: RSS growth of a server per million run events stored in the 24 h window
 * (timestamps spread over the last 24 h, 5 agents × 3 models × 2 routes), ingested over HTTP and
 * read after a full GC at every million. A control run sends the same number of events into a
 * single minute, which separates what the ingest machinery itself leaves resident (allocator and
 * V8 high-water marks) from what the 24 h of rollup buckets hold. The peer figure is the raw
 * JSON those events carry, i.e. what a monitor keeping events in memory would need at least.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AGENTS, MODELS, ROUTES, emit, envInt, human, log, printTable, procRssBytes, rng, round, runBody, sleep, tempDir } from "./common.js";
import { startLoad } from "./load.js";

const GC_SERVER = fileURLToPath(new URL("./gc-server.js", import.meta.url));
const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** Memory figures the server child reports. */
interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
  buckets: { minute: number; hour: number };
}

/** One measurement point. */
interface Point {
  events: number;
  mem: Memory;
  seconds: number;
}

/** Batch bodies whose events carry timestamps spread at random over the last `spanMs` (at most ~24 h). */
function spreadBodies(count: number, batchSize: number, now: number, spanMs: number): { bodies: Buffer[]; meanEventBytes: number } {
  const r = rng(23);
  const from = now - Math.min(spanMs, 24 * HOUR - 30 * 60_000);
  const bodies: Buffer[] = [];
  let bytes = 0;
  let n = 0;
  for (let b = 0; b < count; b++) {
    const parts: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      const ts = Math.floor(from + r() * (now - 1000 - from));
      const part = JSON.stringify({ type: "run", timestamp: ts, body: runBody(r, n++, { agents: AGENTS, models: MODELS, routes: ROUTES, tenants: ["acme"] }) });
      bytes += Buffer.byteLength(part);
      parts.push(part);
    }
    bodies.push(Buffer.from(`{"events":[${parts.join(",")}]}`));
  }
  return { bodies, meanEventBytes: bytes / n };
}

/** Starts a fresh server child, ingests `total` events over `spanMs` measuring every `step`, and stops it. */
async function phase(label: string, spanMs: number, total: number, step: number): Promise<{ base: Memory; points: Point[]; meanEventBytes: number }> {
  const { dir, cleanup } = tempDir("vigil-bench-memory-");
  const child = fork(GC_SERVER, [dir], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters: ((m: any) => void)[] = [];
  child.on("message", (m) => waiters.shift()?.(m));
  const next = () => new Promise<any>((resolve) => waiters.push(resolve));
  const measure = async (): Promise<Memory> => {
    const p = next();
    child.send({ cmd: "measure" });
    const m = (await p) as Memory;
    // The child's own figure and /proc agree; /proc is read to be sure it is the server's process.
    return { ...m, rss: procRssBytes(child.pid!) };
  };
  try {
    const { url } = await next();
    const { bodies, meanEventBytes } = spreadBodies(64, 500, Date.now(), spanMs);
    await sleep(500);
    const base = await measure();
    if (!base.gc) log("memory: note: gc() not exposed in the server child; figures include garbage");
    log(`memory[${label}]: baseline RSS ${round(base.rss / MB, 1)} MB; ingesting ${human(total)} events over ${round(spanMs / 60_000, 0)} min, measuring every ${human(step)}`);
    const points: Point[] = [];
    let acked = 0;
    while (acked < total) {
      const goal = Math.min(total, acked + step);
      const t0 = performance.now();
      const load = startLoad({ url, bodies, concurrency: 4, client: "http" });
      while (load.stats().acked + acked < goal) await sleep(20);
      const st = await load.stop();
      if (st.errors) throw new Error(`memory: ingest errors: ${st.firstError}`);
      acked += st.acked;
      const seconds = (performance.now() - t0) / 1000;
      // Let the periodic rollup flush (every 5 s) persist and release the dirty list before reading.
      await sleep(6000);
      const mem = await measure();
      points.push({ events: acked, mem, seconds });
      log(`memory[${label}]: ${human(acked)} events (${round(st.acked / seconds / 1000, 1)}k/s): RSS ${round(mem.rss / MB, 1)} MB, heap ${round(mem.heapUsed / MB, 1)}/${round(mem.heapTotal / MB, 1)} MB, external ${round(mem.external / MB, 1)} MB, buckets ${mem.buckets.minute} minute + ${mem.buckets.hour} hour`);
    }
    return { base, points, meanEventBytes };
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ cmd: "stop" });
    await exited;
    cleanup();
  }
}

const mb = (b: number) => round(b / MB, 1);

/** Runs the memory bench and prints its table and BENCH line. */
export async function memory(): Promise<void> {
  const total = envInt("BENCH_MEMORY_EVENTS", 2_000_000);
  const step = Math.min(total, envInt("BENCH_MEMORY_STEP", 1_000_000));
  const spanMs = envInt("BENCH_MEMORY_SPAN_MINUTES", 24 * 60) * 60_000;
  const main = await phase("24h", spanMs, total, step);
  const control = process.env.BENCH_MEMORY_CONTROL === "0" ? null : await phase("1min", 60_000, step, step);

  const { base, points, meanEventBytes } = main;
  const last = points[points.length - 1]!;
  const first = points[0]!;
  const perMillion = mb(last.mem.rss - base.rss) / (last.events / 1e6);
  const marginal = points.length > 1 ? mb(last.mem.rss - first.mem.rss) / ((last.events - first.events) / 1e6) : null;
  const jsPerMillion = mb(last.mem.heapUsed + last.mem.external - base.heapUsed - base.external) / (last.events / 1e6);
  const rawPerMillion = (meanEventBytes * 1e6) / MB;
  const ctl = control ? { rss: mb(control.points[0]!.mem.rss - control.base.rss), events: control.points[0]!.events } : null;
  printTable(`memory — server RSS growth per million events in the 24 h window (${human(last.events)} ingested, after GC)`, [
    { figure: `RSS MB per million (0 → ${human(last.events)})`, ours: `${round(perMillion, 1)} MB`, peer: `${round(rawPerMillion, 0)} MB raw JSON`, ratio: round(perMillion / rawPerMillion, 3).toFixed(3), goal: "< 50 MB", met: perMillion < 50 },
    { figure: `RSS MB per million (${human(first.events)} → ${human(last.events)})`, ours: marginal === null ? "n/a" : `${round(marginal, 1)} MB`, peer: "", ratio: "", goal: "< 50 MB", met: marginal === null ? null : marginal < 50 },
    { figure: "heap + external MB per million", ours: `${round(jsPerMillion, 1)} MB`, peer: "", ratio: "", goal: "(context)" },
    { figure: `control: RSS growth, ${human(ctl?.events ?? 0)} in 1 min`, ours: ctl ? `${round(ctl.rss, 1)} MB` : "skipped", peer: "", ratio: "", goal: "(context)" },
    { figure: "RSS before / after", ours: `${round(mb(base.rss), 0)} / ${round(mb(last.mem.rss), 0)} MB`, peer: "", ratio: "", goal: "(context)" },
  ]);
  const pt = (p: Point) => ({ events: p.events, rss_mb: mb(p.mem.rss), heap_used_mb: mb(p.mem.heapUsed), heap_total_mb: mb(p.mem.heapTotal), external_mb: mb(p.mem.external), buckets: p.mem.buckets, ingest_s: round(p.seconds, 1) });
  emit("memory", {
    events: last.events,
    rss_mb_per_million: round(perMillion, 2),
    rss_mb_per_million_after_first: marginal === null ? null : round(marginal, 2),
    heap_external_mb_per_million: round(jsPerMillion, 2),
    raw_json_mb_per_million: round(rawPerMillion, 1),
    goal_mb_per_million: 50,
    base: { rss_mb: mb(base.rss), heap_used_mb: mb(base.heapUsed), external_mb: mb(base.external) },
    points: points.map(pt),
    control: control ? { base_rss_mb: mb(control.base.rss), points: control.points.map(pt) } : null,
  });
}
