/**
 * OTLP ingest bench: spans/s through `POST /v1/traces` (protobuf, batches of 512 GenAI spans,
 * several keep-alive clients) into a `vigil serve` child, beside the same calls as Vigil events
 * through `POST /api/v1/ingest` into another fresh child, the two taking turns in short slices of
 * the same run. OTLP/JSON (plain, and gzip-compressed ahead of time) is measured in the same rounds
 * for context.
 */
import { Agent, request } from "node:http";
import { gzipSync } from "node:zlib";
import { emit, envInt, human, log, printTable, procCpuSeconds, round, sleep, startChildServer, summary, tempDir, type ChildServer } from "./common.js";
import { genBatches, IdSlots, nativeRequest, otlpJsonRequest, toProtobuf, traceTypes } from "./otlp-workload.js";

/** Which request a load sends. */
type Kind = "protobuf" | "json" | "native";

/** Counters of one load slice. */
interface SliceStats {
  acked: number;
  errors: number;
  firstError: string | null;
  /** Request latencies in ms, of requests that ended inside the measured window. */
  latencies: number[];
}

interface Sender {
  path: string;
  headers: Record<string, string>;
  /** Items the answer accepted, or a thrown message. */
  accepted: (status: number, body: Buffer) => number;
}

function post(agent: Agent, url: URL, s: Sender, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), method: "POST", path: s.path, agent, headers: { ...s.headers, "content-length": body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends bodies from `next()` with `concurrency` loops until it returns null or `stop` is set. */
async function runLoops(url: string, s: Sender, concurrency: number, next: () => Buffer | null, window: { on: boolean; stop: boolean }, st: SliceStats): Promise<void> {
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const loop = async () => {
    for (;;) {
      if (window.stop) return;
      const body = next();
      if (!body) return;
      const t0 = performance.now();
      try {
        const r = await post(agent, u, s, body);
        const n = s.accepted(r.status, r.body);
        if (window.on) {
          st.acked += n;
          st.latencies.push(performance.now() - t0);
        }
      } catch (err) {
        st.errors++;
        st.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
}

/** What one slice gave. */
interface Slice {
  rate: number;
  p50: number;
  p95: number;
  cpuUsPerItem: number;
  errors: number;
  firstError: string | null;
}

/** One timed slice: the loops run `seconds` after a 300 ms ramp; only that window counts. */
async function slice(server: ChildServer, s: Sender, concurrency: number, next: () => Buffer, seconds: number): Promise<Slice> {
  const window = { on: false, stop: false };
  const st: SliceStats = { acked: 0, errors: 0, firstError: null, latencies: [] };
  const done = runLoops(server.url, s, concurrency, next, window, st);
  await sleep(300);
  const c0 = procCpuSeconds(server.pid);
  const t0 = performance.now();
  window.on = true;
  await sleep(seconds * 1000);
  window.on = false;
  const secs = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(server.pid) - c0;
  window.stop = true;
  await done;
  const l = summary(st.latencies);
  return { rate: st.acked / secs, p50: l.median, p95: l.p95, cpuUsPerItem: (cpu / st.acked) * 1e6, errors: st.errors, firstError: st.firstError };
}

/** Sends all of `bodies` once (each `items` long) and returns items/s over the whole send. */
async function fixedSend(server: ChildServer, s: Sender, concurrency: number, bodies: Buffer[]): Promise<Slice> {
  const window = { on: true, stop: false };
  const st: SliceStats = { acked: 0, errors: 0, firstError: null, latencies: [] };
  let i = 0;
  const c0 = procCpuSeconds(server.pid);
  const t0 = performance.now();
  await runLoops(server.url, s, concurrency, () => bodies[i++] ?? null, window, st);
  const secs = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(server.pid) - c0;
  const l = summary(st.latencies);
  return { rate: st.acked / secs, p50: l.median, p95: l.p95, cpuUsPerItem: (cpu / st.acked) * 1e6, errors: st.errors, firstError: st.firstError };
}

/** Runs the otlp-ingest bench and prints its table and BENCH line. */
export async function otlpIngest(): Promise<void> {
  const rounds = envInt("BENCH_OTLP_ROUNDS", 6);
  const seconds = envInt("BENCH_OTLP_SLICE_SECONDS", 3);
  const concurrency = envInt("BENCH_OTLP_CONCURRENCY", 4);
  const batchSize = envInt("BENCH_OTLP_BATCH", 512);
  const gzipBatches = envInt("BENCH_OTLP_GZIP_BATCHES", 24);
  // BENCH_OTLP_JSON=0 leaves out the JSON slices (e.g. to profile the protobuf path alone).
  const withJson = process.env.BENCH_OTLP_JSON !== "0";
  const types = await traceTypes();
  const batches = genBatches(8, batchSize);
  const attrs = summary(batches.flat().map((s) => s.attrs.length));
  const proto = batches.map((b) => new IdSlots(toProtobuf(types.request, otlpJsonRequest(b)), "binary"));
  const json = batches.map((b) => new IdSlots(Buffer.from(JSON.stringify(otlpJsonRequest(b))), "hex"));
  const native = batches.map((b) => new IdSlots(Buffer.from(JSON.stringify(nativeRequest(b))), "hex"));
  const bytes = (x: IdSlots[]) => Math.round(summary(x.map((b) => b.next(0n).length)).median / 1024);
  log(`otlp-ingest: batches of ${batchSize} spans (${batches[0]!.length} per batch, median ${attrs.median} attributes per span); protobuf ${bytes(proto)} KiB, JSON ${bytes(json)} KiB, native events ${bytes(native)} KiB per batch; ${concurrency} clients, ${rounds} rounds of ${seconds} s slices`);
  let stamp = 1n;
  const cycler = (slots: IdSlots[]) => {
    let i = 0;
    return () => slots[i++ % slots.length]!.next(stamp++);
  };
  let warning: string | null = null;
  const otlpAccepted = (decode: (b: Buffer) => { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: string } }) => (status: number, body: Buffer) => {
    if (status !== 200) throw new Error(`HTTP ${status}: ${body.toString("utf8").slice(0, 300)}`);
    const ps = body.length ? decode(body).partialSuccess : undefined;
    if (ps?.errorMessage) warning ??= ps.errorMessage;
    const rejected = Number(ps?.rejectedSpans ?? 0);
    if (rejected) throw new Error(`${rejected} spans rejected: ${ps?.errorMessage}`);
    return batchSize;
  };
  const senders: Record<Kind, Sender> = {
    protobuf: { path: "/v1/traces", headers: { "content-type": "application/x-protobuf" }, accepted: otlpAccepted((b) => types.response.toObject(types.response.decode(b)) as never) },
    json: { path: "/v1/traces", headers: { "content-type": "application/json" }, accepted: otlpAccepted((b) => JSON.parse(b.toString("utf8")) as never) },
    native: {
      path: "/api/v1/ingest",
      headers: { "content-type": "application/json" },
      accepted: (status, body) => {
        if (status !== 207 && status !== 200) throw new Error(`HTTP ${status}: ${body.toString("utf8").slice(0, 300)}`);
        const a = JSON.parse(body.toString("utf8")) as { successes: { duplicate?: boolean }[]; errors: { message: string }[] };
        if (a.errors.length) throw new Error(`${a.errors.length} events refused: ${a.errors[0]!.message}`);
        if (a.successes.some((x) => x.duplicate)) throw new Error("duplicate events");
        return a.successes.length;
      },
    },
  };
  const gzipSender: Sender = { ...senders.json, headers: { ...senders.json.headers, "content-encoding": "gzip" } };
  const dirs = [tempDir("vigil-bench-otlp-"), tempDir("vigil-bench-native-")];
  const otlpServer = await startChildServer(dirs[0]!.dir);
  const nativeServer = await startChildServer(dirs[1]!.dir);
  const res: Record<Kind | "gzip", Slice[]> = { protobuf: [], json: [], native: [], gzip: [] };
  const next = { protobuf: cycler(proto), json: cycler(json), native: cycler(native) };
  const run = (k: Kind, secs: number) => slice(k === "native" ? nativeServer : otlpServer, senders[k], concurrency, next[k], secs);
  try {
    log("otlp-ingest: warm-up");
    for (const k of ["protobuf", "native", "json"] as const) if (k !== "json" || withJson) await run(k, 2);
    for (let i = 0; i < rounds; i++) {
      const order: Kind[] = i % 2 === 0 ? ["protobuf", "native"] : ["native", "protobuf"];
      for (const k of order) res[k].push(await run(k, seconds));
      if (!withJson) {
        log(`otlp-ingest: round ${i + 1}/${rounds}: protobuf ${human(res.protobuf[i]!.rate)} spans/s, native ${human(res.native[i]!.rate)} events/s`);
        continue;
      }
      res.json.push(await run("json", seconds));
      const gz = Array.from({ length: gzipBatches }, (_, j) => gzipSync(json[j % json.length]!.next(stamp++)));
      res.gzip.push(await fixedSend(otlpServer, gzipSender, concurrency, gz));
      log(`otlp-ingest: round ${i + 1}/${rounds}: protobuf ${human(res.protobuf[i]!.rate)} spans/s, native ${human(res.native[i]!.rate)} events/s, JSON ${human(res.json[i]!.rate)}, JSON+gzip ${human(res.gzip[i]!.rate)}`);
    }
  } finally {
    await otlpServer.stop();
    await nativeServer.stop();
    for (const d of dirs) d.cleanup();
  }
  const med = (k: Kind | "gzip", f: (s: Slice) => number) => summary(res[k].map(f)).median;
  const ratios = res.protobuf.map((p, i) => p.rate / res.native[i]!.rate);
  const ratio = summary(ratios).median;
  const errors = Object.values(res).flat().reduce((a, s) => a + s.errors, 0);
  const firstError = Object.values(res).flat().find((s) => s.firstError)?.firstError ?? null;
  if (errors) log(`otlp-ingest: ${errors} errors, first: ${firstError}`);
  if (warning) log(`otlp-ingest: partial success message: ${warning}`);
  const lat = (k: Kind) => `${round(med(k, (s) => s.p50), 1)} / ${round(med(k, (s) => s.p95), 1)} ms`;
  const cpu = (k: Kind | "gzip") => `${round(med(k, (s) => s.cpuUsPerItem), 1)} µs`;
  printTable(`otlp-ingest — spans/s through POST /v1/traces (protobuf, batches of ${batchSize} GenAI spans, ${concurrency} clients) vs the same calls as events through POST /api/v1/ingest; alternating ${seconds} s slices, median of ${rounds} rounds`, [
    { figure: "spans/s (protobuf) vs events/s (native)", ours: human(med("protobuf", (s) => s.rate)), peer: human(med("native", (s) => s.rate)), ratio: round(ratio, 3).toFixed(3), goal: ">= 0.5 of native", met: ratio >= 0.5 },
    { figure: "  per-round ratios (range)", ours: "", peer: "", ratio: `${round(Math.min(...ratios), 3)}–${round(Math.max(...ratios), 3)}`, goal: "(context)" },
    { figure: "request latency p50 / p95 (median of rounds)", ours: lat("protobuf"), peer: lat("native"), ratio: "", goal: "(context)" },
    { figure: "server CPU per span / event", ours: cpu("protobuf"), peer: cpu("native"), ratio: round(med("protobuf", (s) => s.cpuUsPerItem) / med("native", (s) => s.cpuUsPerItem), 3).toFixed(3), goal: "(context)" },
    ...(withJson ? [
      { figure: "spans/s, OTLP/JSON", ours: human(med("json", (s) => s.rate)), peer: "", ratio: round(med("json", (s) => s.rate) / med("native", (s) => s.rate), 3).toFixed(3), goal: "(context)" },
      { figure: `spans/s, OTLP/JSON + gzip (${gzipBatches} batches sent once per round)`, ours: human(med("gzip", (s) => s.rate)), peer: "", ratio: round(med("gzip", (s) => s.rate) / med("native", (s) => s.rate), 3).toFixed(3), goal: "(context)" },
      { figure: "server CPU per span, JSON / JSON + gzip", ours: `${cpu("json")} / ${cpu("gzip")}`, peer: "", ratio: "", goal: "(context)" },
    ] : []),
  ]);
  const per = (k: Kind | "gzip") => res[k].map((s) => round(s.rate, 0));
  emit("otlp-ingest", {
    spans_per_s: round(med("protobuf", (s) => s.rate), 0),
    native_events_per_s: round(med("native", (s) => s.rate), 0),
    ratio: round(ratio, 4),
    goal_ratio: 0.5,
    rounds: { protobuf: per("protobuf"), native: per("native"), json: per("json"), json_gzip: per("gzip") },
    json_spans_per_s: round(med("json", (s) => s.rate), 0),
    json_gzip_spans_per_s: round(med("gzip", (s) => s.rate), 0),
    latency_ms: { protobuf: { p50: round(med("protobuf", (s) => s.p50), 2), p95: round(med("protobuf", (s) => s.p95), 2) }, native: { p50: round(med("native", (s) => s.p50), 2), p95: round(med("native", (s) => s.p95), 2) } },
    server_cpu_us: { protobuf: round(med("protobuf", (s) => s.cpuUsPerItem), 2), native: round(med("native", (s) => s.cpuUsPerItem), 2), json: round(med("json", (s) => s.cpuUsPerItem), 2), json_gzip: round(med("gzip", (s) => s.cpuUsPerItem), 2) },
    errors,
    first_error: firstError,
    settings: { rounds, slice_seconds: seconds, concurrency, batch_spans: batchSize, gzip_batches: gzipBatches, median_attributes_per_span: attrs.median },
  });
}
