/**
 * SDK bench: the cost on the caller's thread of `vigil.recordRun({...})` beside prom-client's
 * `Histogram.observe` with two labels, measured in alternating chunks of 50,000 calls in one run.
 * After each chunk the client flushes what it queued to a sink in another process; the headline
 * figure is the time the caller's event loop was busy for the chunk and its flush (record, then
 * serialise and send, all on the same thread), per call. recordRun alone is shown for context.
 */
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Histogram, Registry } from "prom-client";
import { Vigil } from "@vigil/sdk";
import { AGENTS, MODELS, ROUTES, TENANTS, emit, envInt, log, printTable, rng, round, summary } from "./common.js";

/** Inputs are drawn from pools of this size (a power of two, indexed with a mask). */
const POOL = 1024;

const SINK = fileURLToPath(new URL("./sdk-sink.js", import.meta.url));

/** Starts the sink child; `stop` resolves with the bytes it received. */
async function startSink(): Promise<{ url: string; stop: () => Promise<number> }> {
  const child = fork(SINK, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters: ((m: any) => void)[] = [];
  child.on("message", (m) => waiters.shift()?.(m));
  const next = () => new Promise<any>((resolve) => waiters.push(resolve));
  const { port } = await next();
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const p = next();
      child.send({ cmd: "stop" });
      return ((await p) as { bytes: number }).bytes;
    },
  };
}

/** Runs the SDK bench and prints its table and BENCH line. */
export async function sdk(): Promise<void> {
  const chunk = envInt("BENCH_SDK_CHUNK", 50_000);
  const chunks = envInt("BENCH_SDK_CHUNKS", 20);
  const warmup = 3;
  const r = rng(11);
  const statuses = Array.from({ length: POOL }, () => (r() < 0.93 ? "success" : "failure") as "success" | "failure");
  const durations = Array.from({ length: POOL }, () => Math.round(200 + 3000 * r() * r()));
  const inTok = Array.from({ length: POOL }, () => 200 + Math.floor(r() * 3800));
  const outTok = Array.from({ length: POOL }, () => 20 + Math.floor(r() * 980));
  const quality = Array.from({ length: POOL }, () => Math.round(r() * 1000) / 1000);

  const sink = await startSink();
  const vigil = new Vigil({ endpoint: sink.url, flushIntervalMs: 0, maxBatchSize: 500, maxQueueSize: 2 * chunk + 1000, flushOnExit: false });
  const registry = new Registry();
  const hist = new Histogram({ name: "agent_run_duration_seconds", help: "Agent run duration", labelNames: ["agent_name", "model"] as const, registers: [registry] });

  const recordChunk = (base: number): number => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < chunk; k++) {
      const i = base + k;
      const j = i & (POOL - 1);
      // What an instrumented agent writes after each run: ten fields, built inline.
      vigil.recordRun({
        agentName: AGENTS[i % 5]!,
        status: statuses[j]!,
        durationMs: durations[j]!,
        model: MODELS[i % 3]!,
        route: ROUTES[i & 1]!,
        tenantId: TENANTS[(i >> 1) & 1]!,
        inputTokens: inTok[j]!,
        outputTokens: outTok[j]!,
        cost: (inTok[j]! * 2.5 + outTok[j]! * 10) / 1e6,
        qualityScore: quality[j]!,
      });
    }
    return Number(process.hrtime.bigint() - t0) / chunk;
  };
  const observeChunk = (base: number): number => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < chunk; k++) {
      const i = base + k;
      hist.observe({ agent_name: AGENTS[i % 5]!, model: MODELS[i % 3]! }, durations[i & (POOL - 1)]! / 1000);
    }
    return Number(process.hrtime.bigint() - t0) / chunk;
  };

  const rec: number[] = [];
  const recAll: number[] = [];
  const obs: number[] = [];
  log(`sdk: ${warmup} warm-up + ${chunks} measured chunks of ${chunk} calls each, alternating`);
  for (let c = 0; c < warmup + chunks; c++) {
    const base = c * chunk;
    const e0 = performance.eventLoopUtilization();
    const ns = recordChunk(base);
    // Serialising and posting what the chunk queued: work the SDK does later on the same thread.
    // Event-loop busy time counts it and leaves out the wait for the sink's answers.
    await vigil.flush();
    const allIn = (performance.eventLoopUtilization(e0).active * 1e6) / chunk;
    const nsObs = observeChunk(base);
    if (c >= warmup) {
      rec.push(ns);
      recAll.push(allIn);
      obs.push(nsObs);
    }
  }
  const stats = vigil.stats();
  await vigil.shutdown();
  const received = await sink.stop();
  const a = summary(rec);
  const all = summary(recAll);
  const b = summary(obs);
  const ratio = all.median / b.median;
  printTable(`sdk — ns per call on the caller's thread (median of ${chunks} chunks of ${chunk})`, [
    { figure: "recordRun + its share of the flush vs observe", ours: `${round(all.median, 0)} ns`, peer: `${round(b.median, 0)} ns`, ratio: round(ratio, 2).toFixed(2), goal: "<= 1x", met: ratio <= 1 },
    { figure: "  p95 chunk", ours: `${round(all.p95, 0)} ns`, peer: `${round(b.p95, 0)} ns`, ratio: round(all.p95 / b.p95, 2).toFixed(2), goal: "(context)" },
    { figure: "(context) recordRun alone (10 fields)", ours: `${round(a.median, 0)} ns`, peer: `${round(b.median, 0)} ns`, ratio: round(a.median / b.median, 2).toFixed(2), goal: "" },
    { figure: "(context) the flush's share alone", ours: `${round(all.median - a.median, 0)} ns`, peer: "", ratio: "", goal: "" },
  ]);
  if (stats.dropped || stats.rejected) log(`sdk: note: dropped ${stats.dropped}, rejected ${stats.rejected}`);
  emit("sdk", {
    record_run_with_flush_busy_ns: round(all.median, 1),
    record_run_ns: round(a.median, 1),
    record_run_p95_ns: round(a.p95, 1),
    observe_ns: round(b.median, 1),
    observe_p95_ns: round(b.p95, 1),
    ratio: round(ratio, 3),
    goal_ratio: 1,
    sent: stats.sent,
    dropped: stats.dropped,
    chunk,
    chunks,
    bytes_sent: received,
  });
}
