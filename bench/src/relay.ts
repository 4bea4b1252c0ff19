/**
 * Relay benches (failover issue).
 *
 * `relay`: added latency of `vigil relay`. A local upstream answers every chat completion in a
 * fixed 20 ms; the same requests go straight to it and through a `vigil relay` child (following a
 * `vigil serve` child), one at a time over keep-alive, interleaved in blocks. Prints p50 and p99
 * of both and the relay's overhead. Goal: p99 overhead under 1 ms.
 *
 * `failover-time`: a route on two models behind the relay, 20 requests/s; the primary starts
 * failing every call. Measures the time from onset to the switch (default 10 s evaluation, and
 * 1 s), and how many requests reached the failed model in between (the relay retried each on the
 * backup, so callers saw none fail). The peer is the bound the policy promises: two evaluation
 * intervals after the primary is judged unhealthy.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { emit, envInt, freePort, log, printTable, quantile, round, sleep, startChildServer, tempDir, VIGIL_BIN, type ChildServer } from "./common.js";

/** The local upstream is on loopback, refused unless allow-listed (on the server for registration, on the relay to connect). */
const ALLOW_LOOPBACK = { VIGIL_UPSTREAM_ALLOW: "127.0.0.1" };

const BODY = Buffer.from(JSON.stringify({ model: "summarize", messages: [{ role: "user", content: "Summarise: the quick brown fox jumps over the lazy dog." }] }));

/** A local OpenAI-compatible upstream answering after `delayMs`; `fail` makes it answer 503. */
async function startUpstream(delayMs: number): Promise<{ server: Server; url: string; hits: Map<string, number[]>; failing: Set<string> }> {
  const hits = new Map<string, number[]>();
  const failing = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const model = (JSON.parse(Buffer.concat(chunks).toString()) as { model: string }).model;
      (hits.get(model) ?? hits.set(model, []).get(model)!).push(Date.now());
      setTimeout(() => {
        if (failing.has(model)) return void res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"down"}}');
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 } }));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, hits, failing };
}

/** Starts a `vigil relay` child and waits for /healthz. */
async function startRelayChild(vigilUrl: string, stateDir: string): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [VIGIL_BIN, "relay", "--vigil", vigilUrl, "--port", String(port), "--state-dir", stateDir, "--log-level", "warn", "--refresh-interval", "2s"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...ALLOW_LOOPBACK } });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d));
  proc.stderr!.on("data", (d: Buffer) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`vigil relay exited:\n${out}`);
    if (Date.now() > end) throw new Error(`vigil relay not ready:\n${out}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  return { url, proc, stop: async () => { proc.kill("SIGTERM"); await new Promise((r) => proc.once("exit", r)); } };
}

/** Registers models (with the upstream) and a route on a Vigil server. */
async function register(vigil: ChildServer, upstream: string, route: Record<string, unknown>, models: string[]): Promise<void> {
  for (const id of models) {
    const r = await fetch(`${vigil.url}/api/v1/models`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id, upstream: { base_url: upstream } }) });
    if (r.status !== 201) throw new Error(`registering ${id}: ${r.status} ${await r.text()}`);
  }
  const r = await fetch(`${vigil.url}/api/v1/routes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(route) });
  if (r.status !== 201) throw new Error(`registering the route: ${r.status} ${await r.text()}`);
}

/** One POST over a keep-alive agent; resolves with the status and the milliseconds it took. */
function post(agent: Agent, base: string, path: string, body: Buffer): Promise<{ status: number; ms: number }> {
  const u = new URL(base);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: "POST", path, agent, headers: { "content-type": "application/json", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Relay added latency against a fixed 20 ms upstream. */
export async function relay(): Promise<void> {
  const n = envInt("BENCH_RELAY_REQUESTS", 2000);
  const up = await startUpstream(20);
  const { dir, cleanup } = tempDir("vigil-bench-relay-");
  const vigil = await startChildServer(join(dir, "vigil"), { env: ALLOW_LOOPBACK });
  let relayChild: Awaited<ReturnType<typeof startRelayChild>> | null = null;
  try {
    await register(vigil, up.url, { route: "summarize", primary: "m-primary", backups: ["m-backup"] }, ["m-primary", "m-backup"]);
    relayChild = await startRelayChild(vigil.url, join(dir, "relay"));
    const direct = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaRelay = new Agent({ keepAlive: true, maxSockets: 1 });
    const directBody = Buffer.from(BODY.toString().replace('"summarize"', '"m-primary"'));
    for (let i = 0; i < 100; i++) {
      await post(direct, up.url, "/v1/chat/completions", directBody);
      await post(viaRelay, relayChild.url, "/v1/chat/completions", BODY);
    }
    const d: number[] = [];
    const r: number[] = [];
    log(`relay: ${n} requests each, direct and through vigil relay, interleaved in blocks of 50`);
    for (let done = 0; done < n; done += 50) {
      for (let i = 0; i < 50; i++) d.push((await post(direct, up.url, "/v1/chat/completions", directBody)).ms);
      for (let i = 0; i < 50; i++) {
        const res = await post(viaRelay, relayChild.url, "/v1/chat/completions", BODY);
        if (res.status !== 200) throw new Error(`relay answered ${res.status}`);
        r.push(res.ms);
      }
    }
    d.sort((a, b) => a - b);
    r.sort((a, b) => a - b);
    const p = (xs: number[], q: number) => quantile(xs, q);
    const over50 = p(r, 0.5) - p(d, 0.5);
    const over99 = p(r, 0.99) - p(d, 0.99);
    printTable(`relay — added latency of vigil relay, upstream answering in 20 ms (${n} requests each, sequential, keep-alive)`, [
      { figure: "p50", ours: `${round(p(r, 0.5), 2)} ms relay`, peer: `${round(p(d, 0.5), 2)} ms direct`, ratio: round(p(r, 0.5) / p(d, 0.5), 3).toFixed(3), goal: "(context)" },
      { figure: "p99", ours: `${round(p(r, 0.99), 2)} ms relay`, peer: `${round(p(d, 0.99), 2)} ms direct`, ratio: round(p(r, 0.99) / p(d, 0.99), 3).toFixed(3), goal: "(context)" },
      { figure: "overhead p50", ours: `${round(over50, 3)} ms`, peer: "", ratio: "", goal: "(context)" },
      { figure: "overhead p99", ours: `${round(over99, 3)} ms`, peer: "", ratio: "", goal: "< 1 ms", met: over99 < 1 },
    ]);
    emit("relay", { requests: n, direct_p50_ms: round(p(d, 0.5), 3), direct_p99_ms: round(p(d, 0.99), 3), relay_p50_ms: round(p(r, 0.5), 3), relay_p99_ms: round(p(r, 0.99), 3), overhead_p50_ms: round(over50, 3), overhead_p99_ms: round(over99, 3), goal_overhead_p99_ms: 1 });
    direct.destroy();
    viaRelay.destroy();
  } finally {
    await relayChild?.stop();
    await vigil.stop();
    up.server.close();
    cleanup();
  }
}

/** Time from the primary failing to the route switching, at two evaluation intervals. */
export async function failoverTime(): Promise<void> {
  const rows = [];
  const figures: Record<string, unknown>[] = [];
  for (const intervalS of [10, 1]) {
    const up = await startUpstream(5);
    const { dir, cleanup } = tempDir("vigil-bench-failover-");
    writeFileSync(join(dir, "vigil.yaml"), `failover:\n  evaluation_interval: ${intervalS}s\n`);
    const vigil = await startChildServer(join(dir, "vigil"), { args: ["--config", join(dir, "vigil.yaml")], env: ALLOW_LOOPBACK });
    let relayChild: Awaited<ReturnType<typeof startRelayChild>> | null = null;
    try {
      await register(vigil, up.url, { route: "summarize", primary: "m-primary", backups: ["m-backup"], window: "1m", thresholds: { error_rate: { trip: 0.1, recover: 0.05, min_samples: 20 } } }, ["m-primary", "m-backup"]);
      relayChild = await startRelayChild(vigil.url, join(dir, "relay"));
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      let stop = false;
      let failedForCaller = 0;
      const load = (async () => {
        while (!stop) {
          const t = Date.now();
          const r = await post(agent, relayChild!.url, "/v1/chat/completions", BODY);
          if (r.status !== 200) failedForCaller++;
          await sleep(Math.max(0, 50 - (Date.now() - t)));
        }
      })();
      // A healthy minute first, as a route would have.
      await sleep(envInt("BENCH_FAILOVER_WARMUP_S", 20) * 1000);
      up.failing.add("m-primary");
      const onset = Date.now();
      log(`failover-time: ${intervalS} s interval, primary failing from now`);
      let switchedAt = 0;
      let unhealthyAt = 0;
      while (!switchedAt && Date.now() - onset < 120_000) {
        const health = (await (await fetch(`${vigil.url}/api/v1/models/m-primary/health?route=summarize&window=1m`)).json()) as { status: string };
        if (!unhealthyAt && health.status === "unhealthy") unhealthyAt = Date.now();
        const view = (await (await fetch(`${vigil.url}/api/v1/routes/summarize`)).json()) as { active_model: string };
        if (view.active_model === "m-backup") switchedAt = Date.now();
        await sleep(100);
      }
      // Requests that reached the failed model until the relay heard of the switch.
      await sleep(1000);
      stop = true;
      await load;
      const toPrimary = (up.hits.get("m-primary") ?? []).filter((t) => t >= onset);
      const lastToPrimary = toPrimary.length ? toPrimary[toPrimary.length - 1]! : onset;
      const secs = (switchedAt - onset) / 1000;
      rows.push({ figure: `onset → switch, ${intervalS} s evaluation`, ours: `${round(secs, 2)} s`, peer: `${round((unhealthyAt - onset) / 1000 + 2 * intervalS, 2)} s bound`, ratio: round(secs / ((unhealthyAt - onset) / 1000 + 2 * intervalS), 3).toFixed(3), goal: "<= 1 (within 2 intervals of unhealthy)", met: switchedAt - unhealthyAt <= 2 * intervalS * 1000 + 500 });
      rows.push({ figure: `requests to the failed model, ${intervalS} s`, ours: String(toPrimary.length), peer: "", ratio: "", goal: `(context; failed for callers: ${failedForCaller})` });
      figures.push({ interval_s: intervalS, onset_to_unhealthy_s: round((unhealthyAt - onset) / 1000, 3), onset_to_switch_s: round(secs, 3), requests_to_failed_model: toPrimary.length, last_request_to_failed_model_after_switch_ms: Math.max(0, lastToPrimary - switchedAt), failed_for_callers: failedForCaller });
      agent.destroy();
    } finally {
      await relayChild?.stop();
      await vigil.stop();
      up.server.close();
      cleanup();
    }
  }
  printTable("failover-time — primary failing every call, 20 requests/s through vigil relay, window 1m, error_rate trip 0.1, trip_after 2", rows);
  emit("failover-time", { runs: figures });
}
