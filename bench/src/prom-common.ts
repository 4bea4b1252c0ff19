/**
 * Real Prometheus and Alertmanager processes for the alerting benches' peers: where the binaries
 * are, starting them on loopback with throw-away storage, waiting until they are ready, reading
 * their own metrics, and making sure no child outlives the bench (even on Ctrl-C).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { freePort, sleep } from "./common.js";

/** The Prometheus server binary (`BENCH_PROMETHEUS`, default `prometheus` on PATH; Debian: /usr/bin/prometheus). */
export const PROMETHEUS_BIN = process.env.BENCH_PROMETHEUS ?? "prometheus";
/** promtool (`BENCH_PROMTOOL`, default `promtool`). */
export const PROMTOOL_BIN = process.env.BENCH_PROMTOOL ?? "promtool";
/** The Alertmanager binary (`BENCH_ALERTMANAGER`, default `prometheus-alertmanager`, Debian's name; upstream calls it `alertmanager`). */
export const ALERTMANAGER_BIN = process.env.BENCH_ALERTMANAGER ?? "prometheus-alertmanager";

/** The first line of `<bin> --version`, or null when the binary cannot be run. */
export function binaryVersion(bin: string): string | null {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).split("\n")[0]!.trim();
}

/** Children started here; killed on exit so that an interrupted bench leaves nothing running. */
const live = new Set<ChildProcess>();
let hooked = false;
function track(p: ChildProcess): void {
  live.add(p);
  p.once("exit", () => live.delete(p));
  if (hooked) return;
  hooked = true;
  process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

/**
 * While `fn` runs, SIGINT and SIGTERM end the bench through `process.exit` (so the exit hook
 * above kills the Prometheus and Alertmanager children) instead of leaving them behind.
 */
export async function withSignalCleanup<T>(fn: () => Promise<T>): Promise<T> {
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping the peer processes\n`);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** A running Prometheus or Alertmanager. */
export interface PeerProcess {
  proc: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a server binary and waits until `GET <url>/-/ready` answers 200. */
async function startPeer(bin: string, args: (port: number) => string[], what: string, timeoutMs = 120_000): Promise<PeerProcess> {
  const port = await freePort();
  const proc = spawn(bin, args(port), { stdio: ["ignore", "pipe", "pipe"] });
  track(proc);
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exited = false;
  const exitP = new Promise<void>((resolve) => proc.once("exit", () => { exited = true; resolve(); }));
  proc.once("error", (err) => { out += `\nspawn error: ${err.message}`; });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited || proc.exitCode !== null) return;
    proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await exitP;
    clearTimeout(killer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${what} exited during start-up:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${what} was not ready after ${timeoutMs / 1000} s:\n${out.slice(-4000)}`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  return { proc, url, port, output: () => out, stop };
}

/** Starts Prometheus on loopback with its TSDB in `tsdbDir`. */
export function startPrometheus(configFile: string, tsdbDir: string, extra: string[] = []): Promise<PeerProcess> {
  return startPeer(PROMETHEUS_BIN, (port) => [`--config.file=${configFile}`, `--storage.tsdb.path=${tsdbDir}`, `--web.listen-address=127.0.0.1:${port}`, ...extra], "prometheus");
}

/** Starts Alertmanager on loopback, not clustered, with its state in `storageDir`. */
export function startAlertmanager(configFile: string, storageDir: string): Promise<PeerProcess> {
  return startPeer(ALERTMANAGER_BIN, (port) => [`--config.file=${configFile}`, `--storage.path=${storageDir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], "alertmanager");
}

/** Parses Prometheus text exposition into samples (comments skipped). */
export function parseExposition(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  const line = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
  const label = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const l of text.split("\n")) {
    if (!l || l.startsWith("#")) continue;
    const m = line.exec(l);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const lm of m[2].matchAll(label)) labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_w, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** One HTTP request that reached a receiver. */
export interface Received {
  /** `performance.now()` when the body had fully arrived. */
  at: number;
  /** `Date.now()` at the same moment. */
  wall: number;
  path: string;
  body: any;
}

/** A local HTTP receiver for webhooks: records every POST with its arrival time and answers 200. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves with the first request `match` accepts (including one already received). */
  waitFor(match: (r: Received) => boolean, timeoutMs: number): Promise<Received | null>;
  close(): Promise<void>;
}

/** Starts a webhook receiver on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const wall = Date.now();
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = Buffer.concat(chunks).toString("utf8");
      }
      const r: Received = { at, wall, path: req.url ?? "", body };
      received.push(r);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      for (const w of [...waiters]) {
        if (w.match(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(match, timeoutMs) {
      const done = received.find(match);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const w = { match, resolve: (r: Received) => { clearTimeout(t); resolve(r); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          resolve(null);
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
