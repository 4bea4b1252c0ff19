/**
 * Shared pieces of the benchmarks: realistic event generation, child `vigil serve` processes,
 * a light keep-alive HTTP client, CPU accounting and the figure table / `BENCH {...}` line.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Path of the `vigil` executable. */
export const VIGIL_BIN = fileURLToPath(new URL("../../packages/server/bin/vigil.js", import.meta.url));

/** An earlier build of Vigil to measure against. */
export interface PeerVigil {
  /** Root of its checkout. */
  root: string;
  /** Its `vigil` executable. */
  bin: string;
  /** Its commit (short hash), or "unknown". */
  commit: string;
}

/**
 * The earlier build named by `BENCH_PEER_VIGIL` (the root of a built checkout, e.g. a `git worktree`
 * of an older commit after `npm install` there), or null when unset.
 */
export function peerVigil(): PeerVigil | null {
  const root = process.env.BENCH_PEER_VIGIL;
  if (!root) return null;
  const bin = join(root, "packages/server/bin/vigil.js");
  if (!existsSync(bin)) throw new Error(`BENCH_PEER_VIGIL=${root}: ${bin} not found (is it a Vigil checkout?)`);
  if (!existsSync(join(root, "packages/server/dist"))) throw new Error(`BENCH_PEER_VIGIL=${root}: packages/server/dist not found (run npm install there)`);
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    /* not a git checkout: the figures still stand, unlabelled */
  }
  return { root, bin, commit };
}

/** Agents, models, routes and tenants the generated events are spread over. */
export const AGENTS = ["react_agent", "planner", "retriever", "evaluator", "forecaster"] as const;
/** Models of the generated events. */
export const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"] as const;
/** Routes of the generated events. */
export const ROUTES = ["summarize", "classify"] as const;
/** Tenants of the ingest bench's events. */
export const TENANTS = ["acme", "globex"] as const;

/** Seeded PRNG (mulberry32), so every run generates the same events. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What shapes a generated run. */
export interface RunShape {
  agents?: readonly string[];
  models?: readonly string[];
  routes?: readonly string[];
  tenants?: readonly string[];
  /**
   * Workflow modes. When given, every dimension follows the run's index (agent fastest, then
   * model, route, tenant, mode), so any `agents × models × routes × tenants × modes` consecutive
   * runs cover every series once; without it runs carry no mode and the tenant is drawn at random.
   */
  modes?: readonly string[];
}

/**
 * The ingest benches' runs: 1,000 series (5 agents × 5 models × 4 routes × 5 tenants × 2 modes),
 * the cardinality the ingest goal is stated at.
 */
export const INGEST_SHAPE: Required<RunShape> = {
  agents: AGENTS,
  models: [...MODELS, "gemini-1.5-pro", "llama-3.1-70b"],
  routes: [...ROUTES, "extract", "answer"],
  tenants: [...TENANTS, "initech", "umbrella", "hooli"],
  modes: ["online", "batch"],
};

/** Number of series (distinct agent, model, route, tenant and mode) that run bodies span. */
export function seriesOf(bodies: readonly Record<string, unknown>[]): number {
  return new Set(bodies.map((b) => `${b.agent_name}|${b.model}|${b.route}|${b.tenant_id}|${b.mode}`)).size;
}

/**
 * A realistic run body as an agent would send it (~300 bytes serialised): dimensions, status,
 * lognormal duration, tokens, cost, quality and a small metadata object.
 */
export function runBody(r: () => number, i: number, shape: RunShape = {}): Record<string, unknown> {
  const agents = shape.agents ?? AGENTS;
  const models = shape.models ?? MODELS;
  const routes = shape.routes ?? ROUTES;
  const tenants = shape.tenants ?? TENANTS;
  const u = r();
  const status = u < 0.9 ? "success" : u < 0.96 ? "failure" : u < 0.985 ? "partial" : "timeout";
  const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const agentIx = i % agents.length;
  const cycle = agents.length * models.length * routes.length;
  // Drawn in every case, so that the other fields' random stream is the same with and without modes.
  const tenantIx = () => {
    const drawn = Math.floor(r() * tenants.length);
    return shape.modes ? Math.floor(i / cycle) % tenants.length : drawn;
  };
  const input = 200 + Math.floor(r() * 3800);
  const output = 20 + Math.floor(r() * 980);
  const body: Record<string, unknown> = {
    agent_name: agents[agentIx]!,
    agent_type: "react",
    status,
    duration_ms: Math.round((400 + 150 * agentIx) * Math.exp(0.8 * g) * 10) / 10,
    model: models[Math.floor(i / agents.length) % models.length]!,
    route: routes[Math.floor(i / (agents.length * models.length)) % routes.length]!,
    tenant_id: tenants[tenantIx()]!,
    input_tokens: input,
    output_tokens: output,
    cost: Math.round((input * 2.5 + output * 10) / 1e6 * 1e7) / 1e7,
    quality_score: Math.round((0.6 + 0.4 * r()) * 1000) / 1000,
    metadata: { prompt_version: "v3", region: r() < 0.5 ? "eu-west-1" : "us-east-1", trace_id: Math.floor(r() * 2 ** 52).toString(16).padStart(13, "0") },
  };
  if (shape.modes) body.mode = shape.modes[Math.floor(i / (cycle * tenants.length)) % shape.modes.length]!;
  if (status === "failure" || status === "timeout") body.error_type = status === "timeout" ? "provider_timeout" : "tool_error";
  return body;
}

/** The body the server stores for a run body with a client cost (what ingest adds: tokens_used, cost_source). */
export function storedBody(body: Record<string, unknown>): Record<string, unknown> {
  return { ...body, tokens_used: (body.input_tokens as number) + (body.output_tokens as number), cost_source: "client" };
}

/** Time-ordered unique ids shaped like the server's (`evt_<ms36><counter36><hex>`). */
export function idMaker(prefix = "b3nc4"): (ts: number) => string {
  let last = -1;
  let counter = 0;
  return (ts) => {
    if (ts !== last) {
      last = ts;
      counter = 0;
    }
    return `evt_${ts.toString(36)}${(counter++).toString(36).padStart(4, "0")}${prefix}`;
  };
}

/** A free loopback TCP port (the `--log-level warn` server does not print its URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running `vigil serve` child. */
export interface ChildServer {
  proc: ChildProcess;
  url: string;
  pid: number;
  /** Milliseconds from spawn until it answered /readyz. */
  startMs: number;
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 60 s) if it has not exited. */
  stop: (graceMs?: number) => Promise<void>;
}

/**
 * Starts `vigil serve` in a child process on a free port and waits until /readyz answers 200.
 * `bin` selects another build's executable (see `peerVigilBin`).
 */
export async function startChildServer(dataDir: string, opts: { nodeArgs?: string[]; args?: string[]; timeoutMs?: number; env?: Record<string, string>; bin?: string } = {}): Promise<ChildServer> {
  const port = await freePort();
  const t0 = performance.now();
  // BENCH_SERVER_NODE_ARGS passes node flags to every server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extraNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const proc = spawn(process.execPath, [...extraNodeArgs, ...(opts.nodeArgs ?? []), opts.bin ?? VIGIL_BIN, "serve", "--port", String(port), "--data-dir", dataDir, "--log-level", "warn", ...(opts.args ?? [])], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(opts.env ?? {}) } });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  let exited = false;
  const exitP = new Promise<void>((resolve) => proc.once("exit", () => { exited = true; resolve(); }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  for (;;) {
    if (exited) throw new Error(`vigil serve exited during start-up:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`vigil serve did not become ready:\n${out}`);
    }
    try {
      const r = await fetch(`${url}/readyz`);
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not listening yet: start-up replay may take a while */
    }
    await sleep(100);
  }
  const startMs = performance.now() - t0;
  return {
    proc,
    url,
    pid: proc.pid!,
    startMs,
    output: () => out,
    stop: async (graceMs = 60_000) => {
      if (exited) return;
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exitP;
      clearTimeout(killer);
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Peak resident set size of a process so far in bytes (VmHWM), from /proc (Linux). */
export function procPeakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** This process's CPU seconds so far. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** A keep-alive HTTP/1.1 client for one origin, lighter than fetch on the client side. */
export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(url: string, maxSockets: number) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends a request and resolves with its status and body text. */
  send(method: string, path: string, body?: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body) {
        headers["content-type"] = "application/json";
        headers["content-length"] = body.length;
      }
      const req = request({ host: this.host, port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      if (body) req.end(body);
      else req.end();
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** GETs a JSON document with fetch. */
export async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}: ${await r.text()}`);
  return r.json();
}

/** The q-quantile of ascending-sorted values (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Median, p95 and count of samples (not sorted in place). */
export function summary(samples: readonly number[]): { median: number; p95: number; n: number } {
  const s = Float64Array.from(samples).sort();
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), n: s.length };
}

/** Rounds to `d` significant-looking decimals for printing and the JSON line. */
export function round(v: number, d = 2): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** Human form of a count (1234567 → "1.23M"). */
export function human(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${round(n / 1e6, 2)}M`;
  if (Math.abs(n) >= 1e4) return `${round(n / 1e3, 1)}k`;
  return String(round(n, 3));
}

/** One row of a bench's figure table. */
export interface FigureRow {
  figure: string;
  ours: string;
  peer: string;
  ratio: string;
  goal: string;
  met?: boolean | null;
}

/** Prints the figure table of a bench. */
export function printTable(title: string, rows: readonly FigureRow[]): void {
  const head: FigureRow = { figure: "figure", ours: "ours", peer: "peer", ratio: "ratio", goal: "goal", met: null };
  const all = [head, ...rows];
  const met = (r: FigureRow) => (r === head ? "met" : r.met === undefined || r.met === null ? "" : r.met ? "yes" : "NO");
  const cols: ((r: FigureRow) => string)[] = [(r) => r.figure, (r) => r.ours, (r) => r.peer, (r) => r.ratio, (r) => r.goal, met];
  const widths = cols.map((c) => Math.max(...all.map((r) => c(r).length)));
  const line = (r: FigureRow) => "| " + cols.map((c, i) => c(r).padEnd(widths[i]!)).join(" | ") + " |";
  console.log(`\n${title}`);
  console.log(line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

/** Prints the machine-readable line of a bench's figures. */
export function emit(bench: string, figures: Record<string, unknown>): void {
  console.log("BENCH " + JSON.stringify({ bench, ...figures }));
}

/** Progress line on stderr (kept apart from the figures on stdout). */
export function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Reads an integer setting from the environment, or its default. */
export function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v.replace(/_/g, ""));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
  return Math.floor(n);
}

/**
 * Pre-serialised ingest request bodies: `count` batches of `batchSize` run events without id or
 * timestamp, shaped by `shape` (default: the ingest benches' 1,000 series), and how many series
 * they span.
 */
export function batchBodies(count: number, batchSize: number, shape: RunShape = INGEST_SHAPE, seed = 7): { bodies: Buffer[]; meanEventBytes: number; series: number } {
  const r = rng(seed);
  const bodies: Buffer[] = [];
  const runs: Record<string, unknown>[] = [];
  let eventBytes = 0;
  let n = 0;
  for (let b = 0; b < count; b++) {
    const parts: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      const body = runBody(r, n++, shape);
      runs.push(body);
      const part = JSON.stringify({ type: "run", body });
      eventBytes += Buffer.byteLength(part);
      parts.push(part);
    }
    bodies.push(Buffer.from(`{"events":[${parts.join(",")}]}`));
  }
  return { bodies, meanEventBytes: eventBytes / n, series: seriesOf(runs) };
}
