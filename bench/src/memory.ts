/**
 * Memory bench: RSS growth of a server per million distinct run events stored in the 24 h window
 * (each with its own id, a timestamp uniform over the last 24 h and its own log-normal latency,
 * spread over `BENCH_MEMORY_SERIES` series), ingested over HTTP and read after a full GC at every
 * step; each step's growth is reported on its own, so a step that adds memory shows. A control run
 * sends one step of events into a single minute, which separates what the ingest machinery itself
 * leaves resident (allocator and V8 high-water marks) from what the 24 h of rollup buckets hold.
 * The peer figure is the raw JSON those events carry, i.e. what a monitor keeping events in memory
 * would need at least.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { emit, envInt, human, log, printTable, procRssBytes, round, sleep, tempDir } from "./common.js";
import { distinctBatch, sendDistinct, seriesSpec, type SeriesSpec } from "./series.js";

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

/** Starts a fresh server child, ingests `total` events over `spanMs` measuring every `step`, and stops it. */
async function phase(label: string, spec: SeriesSpec, spanMs: number, total: number, step: number): Promise<{ base: Memory; points: Point[]; meanEventBytes: number }> {
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
    const sample = distinctBatch(spec, 0, 1000, 0, 1, "m3m0");
    // The request wrapper (`{"events":[` … `]}`) and the 999 commas are not event bytes.
    const meanEventBytes = (sample.length - 13 - 999) / 1000;
    await sleep(500);
    const base = await measure();
    if (!base.gc) log("memory: note: gc() not exposed in the server child; figures include garbage");
    log(`memory[${label}]: baseline RSS ${round(base.rss / MB, 1)} MB; ingesting ${human(total)} events over ${round(spanMs / 60_000, 0)} min, measuring every ${human(step)}`);
    const points: Point[] = [];
    let acked = 0;
    let sent = 0;
    while (sent < total) {
      const count = Math.min(step, total - sent);
      // Timestamps over the span ending now (at most ~24 h, so none leaves the window during the run).
      const now = Date.now();
      const from = now - Math.min(spanMs, 24 * HOUR - 30 * 60_000);
      const st = await sendDistinct(url, { spec, first: sent, total: count, batch: 1000, concurrency: 2, from, to: now - 1000, tag: "m3m0" });
      if (st.errors) throw new Error(`memory: ingest errors: ${st.firstError}`);
      sent += count;
      acked += st.acked;
      const seconds = st.ms / 1000;
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
  const spec = seriesSpec(envInt("BENCH_MEMORY_SERIES", 30));
  const main = await phase("24h", spec, spanMs, total, step);
  const control = process.env.BENCH_MEMORY_CONTROL === "0" ? null : await phase("1min", spec, 60_000, step, step);

  const { base, points, meanEventBytes } = main;
  const last = points[points.length - 1]!;
  const perMillion = mb(last.mem.rss - base.rss) / (last.events / 1e6);
  const jsPerMillion = mb(last.mem.heapUsed + last.mem.external - base.heapUsed - base.external) / (last.events / 1e6);
  const rawPerMillion = (meanEventBytes * 1e6) / MB;
  // Each step on its own: what the events of that step added, per million of them.
  const steps = points.map((p, i) => {
    const prev = i === 0 ? { events: 0, mem: base } : points[i - 1]!;
    const millions = (p.events - prev.events) / 1e6;
    return { from: prev.events, to: p.events, rss: mb(p.mem.rss - prev.mem.rss) / millions, js: mb(p.mem.heapUsed + p.mem.external - prev.mem.heapUsed - prev.mem.external) / millions };
  });
  const ctl = control ? { rss: mb(control.points[0]!.mem.rss - control.base.rss), events: control.points[0]!.events } : null;
  printTable(`memory — server RSS growth per million distinct events in the 24 h window (${spec.series} series, ${human(last.events)} ingested, after GC)`, [
    { figure: `RSS MB per million (0 → ${human(last.events)})`, ours: `${round(perMillion, 1)} MB`, peer: `${round(rawPerMillion, 0)} MB raw JSON`, ratio: round(perMillion / rawPerMillion, 3).toFixed(3), goal: "< 50 MB", met: perMillion < 50 },
    ...steps.map((x) => ({ figure: `RSS MB per million, ${human(x.from)} → ${human(x.to)} alone`, ours: `${round(x.rss, 1)} MB`, peer: `${round(rawPerMillion, 0)} MB raw JSON`, ratio: round(x.rss / rawPerMillion, 3).toFixed(3), goal: "< 50 MB", met: x.rss < 50 })),
    ...steps.map((x) => ({ figure: `(context) heap + external MB per million, ${human(x.from)} → ${human(x.to)}`, ours: `${round(x.js, 1)} MB`, peer: "", ratio: "", goal: "" })),
    { figure: "heap + external MB per million (all)", ours: `${round(jsPerMillion, 1)} MB`, peer: "", ratio: "", goal: "(context)" },
    { figure: `control: RSS growth, ${human(ctl?.events ?? 0)} in 1 min`, ours: ctl ? `${round(ctl.rss, 1)} MB` : "skipped", peer: "", ratio: "", goal: "(context)" },
    { figure: "RSS before / after", ours: `${round(mb(base.rss), 0)} / ${round(mb(last.mem.rss), 0)} MB`, peer: "", ratio: "", goal: "(context)" },
  ]);
  const pt = (p: Point) => ({ events: p.events, rss_mb: mb(p.mem.rss), heap_used_mb: mb(p.mem.heapUsed), heap_total_mb: mb(p.mem.heapTotal), external_mb: mb(p.mem.external), buckets: p.mem.buckets, ingest_s: round(p.seconds, 1) });
  emit("memory", {
    events: last.events,
    series: spec.series,
    rss_mb_per_million: round(perMillion, 2),
    rss_mb_per_million_by_step: steps.map((x) => ({ from: x.from, to: x.to, rss_mb_per_million: round(x.rss, 2), heap_external_mb_per_million: round(x.js, 2) })),
    heap_external_mb_per_million: round(jsPerMillion, 2),
    raw_json_mb_per_million: round(rawPerMillion, 1),
    goal_mb_per_million: 50,
    base: { rss_mb: mb(base.rss), heap_used_mb: mb(base.heapUsed), external_mb: mb(base.external) },
    points: points.map(pt),
    control: control ? { base_rss_mb: mb(control.base.rss), points: control.points.map(pt) } : null,
  });
}
