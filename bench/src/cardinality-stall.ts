/**
 * Cardinality stall bench (`cardinality-stall`): what N distinct agent names cost a `vigil serve`
 * child, beside an earlier build of Vigil (`BENCH_PEER_VIGIL`) given the same events in the same
 * run. For each N, each side gets a fresh server and data dir, N runs (one per agent, batches of 5,000), then:
 * (a) `GET /api/v1/metrics/agents?window=60m`: answer time (median after a warm-up) and bytes;
 * (b) `/healthz` p50/p99 every 20 ms while four clients in a child process poll `/report` and
 *     `/metrics/agents` (a blocked event loop shows as probe latency);
 * (c) server RSS at start, after ingest and after the polling.
 * Answers that take longer than the cap are abandoned and reported as "> cap".
 */
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { timedGet } from "./http-timing.js";
import { emit, envInt, human, log, peerVigil, printTable, procPeakRssBytes, procRssBytes, round, sleep, startChildServer, tempDir, type ChildServer, type FigureRow } from "./common.js";
import type { PollerStats } from "./cardinality-poller.js";

const POLLER = fileURLToPath(new URL("./cardinality-poller.js", import.meta.url));
const LIST_PATH = "/api/v1/metrics/agents?window=60m";
const POLL_PATHS = ["/api/v1/report?window=60m", LIST_PATH];
const MB = 1024 * 1024;

/** Settings of the cardinality bench (BENCH_CARD_*). */
export interface CardinalitySettings {
  agents: number[];
  batch: number;
  samples: number;
  capSeconds: number;
  probeSeconds: number;
  probeIntervalMs: number;
  probeWaitSeconds: number;
  pollers: number;
}

/** Reads the settings from the environment. */
export function cardinalitySettings(): CardinalitySettings {
  const list = (process.env.BENCH_CARD_AGENTS ?? "1000,10000,100000").split(",").map((v) => Number(v.trim().replace(/_/g, "")));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`BENCH_CARD_AGENTS must be a comma-separated list of positive integers, got "${process.env.BENCH_CARD_AGENTS}"`);
  return {
    agents: list,
    batch: envInt("BENCH_CARD_BATCH", 5000),
    samples: envInt("BENCH_CARD_SAMPLES", 5),
    capSeconds: envInt("BENCH_CARD_CAP", 120),
    probeSeconds: envInt("BENCH_CARD_PROBE_SECONDS", 8),
    probeIntervalMs: envInt("BENCH_CARD_PROBE_INTERVAL", 20),
    probeWaitSeconds: envInt("BENCH_CARD_PROBE_WAIT", 30),
    pollers: envInt("BENCH_CARD_POLLERS", 4),
  };
}

/** POSTs one JSON body and checks the batch was stored whole. */
function post(agent: Agent, url: URL, path: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 207) return reject(new Error(`ingest: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        const errors = (JSON.parse(text) as { errors: unknown[] }).errors;
        if (errors.length) return reject(new Error(`ingest: ${errors.length} events refused: ${JSON.stringify(errors[0])}`));
        resolve();
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The ingest bodies for `n` agents: one run each, `batch` events per request. */
function agentBatches(n: number, batch: number): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < n; start += batch) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const body = { agent_name: `agent-${String(i).padStart(6, "0")}`, status: i % 10 === 0 ? "failure" : "success", duration_ms: 100 + (i % 1000), model: `model-${i % 7}` };
      parts.push(JSON.stringify({ type: "run", body }));
    }
    out.push(Buffer.from(`{"events":[${parts.join(",")}]}`));
  }
  return out;
}

/** A probe time, or a lower bound when the probe was abandoned. */
interface Probe {
  ms: number;
  censored: boolean;
}

/** What one side gave at one N. */
export interface SideResult {
  ingestMs: number;
  rss: { start: number; ingest: number; poll: number; peak: number };
  /** The listing: measured times (after the warm-up), whether one was abandoned, its bytes and agents. */
  list: { ms: number[]; warmupMs: number; capped: boolean; bytes: number | null; shown: number | null; total: number | null };
  /** Milliseconds spent waiting for an abandoned listing to finish before the probes (0 when none). */
  drainMs: number;
  probes: Probe[];
  polls: PollerStats;
}

/** Times the listing: one warm-up, then up to `samples` answers, within `cap` seconds in all. */
async function measureListing(server: ChildServer, s: CardinalitySettings): Promise<SideResult["list"]> {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const budgetEnd = performance.now() + s.capSeconds * 1000;
  const out: SideResult["list"] = { ms: [], warmupMs: NaN, capped: false, bytes: null, shown: null, total: null };
  try {
    for (let i = 0; i <= s.samples; i++) {
      const left = budgetEnd - performance.now();
      if (i > 0 && left <= 0) break;
      const r = await timedGet(agent, url, LIST_PATH, i === 0 ? s.capSeconds * 1000 : left, i === 0);
      if (!r.ok) {
        if (r.error !== "timeout") throw new Error(`${LIST_PATH}: ${r.error}`);
        if (i === 0) {
          out.warmupMs = r.ms;
          out.capped = true;
        }
        break;
      }
      if (r.status !== 200) throw new Error(`${LIST_PATH}: HTTP ${r.status}: ${r.body?.toString("utf8").slice(0, 300)}`);
      if (i === 0) {
        out.warmupMs = r.ms;
        out.bytes = r.bytes;
        const json = JSON.parse(r.body!.toString("utf8")) as { agents: unknown[]; total_count?: number };
        out.shown = json.agents.length;
        out.total = json.total_count ?? json.agents.length;
      } else out.ms.push(r.ms);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** Waits until `/healthz` answers again (after an abandoned answer), up to `capMs`; the time waited. */
async function drain(server: ChildServer, capMs: number): Promise<number> {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: false });
  try {
    return (await timedGet(agent, url, "/healthz", capMs, false)).ms;
  } finally {
    agent.destroy();
  }
}

/** Starts the pollers in a child process. */
async function startPollers(url: string, paths: string[]): Promise<{ stop: () => Promise<PollerStats> }> {
  const child = fork(POLLER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters: ((m: any) => void)[] = [];
  child.on("message", (m) => waiters.shift()?.(m));
  const ask = (msg: object) => new Promise<any>((resolve) => {
    waiters.push(resolve);
    child.send(msg);
  });
  await ask({ cmd: "start", url, paths });
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      const st = (await ask({ cmd: "stop" })).stats as PollerStats;
      await exited;
      return st;
    },
  };
}

/** Probes `/healthz` one at a time every `probeIntervalMs` for `probeSeconds`; a probe still waiting past the window is waited for up to `probeWaitSeconds`, then abandoned. */
async function probe(server: ChildServer, s: CardinalitySettings): Promise<Probe[]> {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: Probe[] = [];
  const windowEnd = performance.now() + s.probeSeconds * 1000;
  const giveUp = windowEnd + s.probeWaitSeconds * 1000;
  try {
    while (performance.now() < windowEnd) {
      const r = await timedGet(agent, url, "/healthz", giveUp - performance.now(), false);
      if (!r.ok) {
        if (r.error !== "timeout") throw new Error(`/healthz: ${r.error}`);
        out.push({ ms: r.ms, censored: true });
        break;
      }
      if (r.status !== 200) throw new Error(`/healthz: HTTP ${r.status}`);
      out.push({ ms: r.ms, censored: false });
      await sleep(s.probeIntervalMs);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** One side at one N: fresh server, ingest, listing, probes under polling, RSS. */
async function measureSide(n: number, s: CardinalitySettings, bin: string | undefined, label: string): Promise<SideResult> {
  const { dir, cleanup } = tempDir("vigil-bench-card-");
  const server = await startChildServer(dir, { bin });
  let killHard = false;
  try {
    const rssStart = procRssBytes(server.pid);
    const url = new URL(server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const t0 = performance.now();
    try {
      for (const body of agentBatches(n, s.batch)) await post(agent, url, "/api/v1/ingest", body);
    } finally {
      agent.destroy();
    }
    const ingestMs = performance.now() - t0;
    const rssIngest = procRssBytes(server.pid);
    log(`cardinality-stall: ${label} ${human(n)} agents ingested in ${round(ingestMs / 1000, 1)} s, RSS ${round(rssIngest / MB, 0)} MB; timing ${LIST_PATH}`);
    const list = await measureListing(server, s);
    let drainMs = 0;
    if (list.capped) {
      log(`cardinality-stall: ${label} listing abandoned after ${round(list.warmupMs / 1000, 0)} s; waiting for /healthz before the probes`);
      drainMs = await drain(server, s.capSeconds * 1000);
    }
    log(`cardinality-stall: ${label} listing ${list.capped ? "> cap" : `${round(median(list.ms), 1)} ms`}; probing /healthz for ${s.probeSeconds} s under ${s.pollers} pollers`);
    const pollers = await startPollers(server.url, Array.from({ length: s.pollers }, (_, i) => POLL_PATHS[i % POLL_PATHS.length]!));
    const probes = await probe(server, s);
    const polls = await pollers.stop();
    const rssPoll = procRssBytes(server.pid);
    const peak = procPeakRssBytes(server.pid);
    // A server still answering abandoned requests would not heed SIGTERM until it is done.
    killHard = probes.some((p) => p.censored) || polls.inFlight > 0;
    return { ingestMs, rss: { start: rssStart, ingest: rssIngest, poll: rssPoll, peak }, list, drainMs, probes, polls };
  } finally {
    await server.stop(killHard ? 2_000 : 60_000);
    cleanup();
  }
}

function median(v: readonly number[]): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** The q-quantile (nearest rank) of probes, as a number and whether it is only a lower bound. */
function probeQuantile(probes: readonly Probe[], q: number): { ms: number; lower: boolean } {
  if (!probes.length) return { ms: NaN, lower: false };
  const s = [...probes].sort((a, b) => a.ms - b.ms);
  const p = s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { ms: p.ms, lower: p.censored };
}

function fmtMs(ms: number, lower = false): string {
  if (!Number.isFinite(ms)) return "n/a";
  const v = ms >= 10_000 ? `${round(ms / 1000, 1)} s` : ms >= 100 ? `${Math.round(ms)} ms` : `${round(ms, 2)} ms`;
  return lower ? `> ${v}` : v;
}

function fmtBytes(b: number | null): string {
  if (b === null || !Number.isFinite(b)) return "n/a";
  return b >= MB ? `${round(b / MB, 2)} MB` : `${round(b / 1024, 1)} KB`;
}

/** Ratio ours/peer; when the peer's figure is a lower bound, ours/peer is an upper bound. */
function ratio(ours: number, peer: number, peerLower = false, oursLower = false): string {
  if (!Number.isFinite(ours) || !Number.isFinite(peer) || peer === 0) return "";
  if (oursLower && peerLower) return "";
  const r = ours / peer;
  const v = r < 0.001 ? r.toExponential(1) : round(r, 3).toFixed(3);
  return peerLower ? `< ${v}` : oursLower ? `> ${v}` : v;
}

function listTime(l: SideResult["list"], capSeconds: number): { ms: number; lower: boolean; text: string } {
  if (l.capped) return { ms: capSeconds * 1000, lower: true, text: `> ${capSeconds} s` };
  const m = median(l.ms);
  return { ms: m, lower: false, text: `${fmtMs(m)} (median of ${l.ms.length})` };
}

function sideJson(r: SideResult, s: CardinalitySettings): Record<string, unknown> {
  const p50 = probeQuantile(r.probes, 0.5);
  const p99 = probeQuantile(r.probes, 0.99);
  const polls = Object.fromEntries(Object.entries(r.polls.byPath).map(([p, v]) => [p, { done: v.ms.length, median_ms: round(median(v.ms), 1), median_bytes: median(v.bytes) }]));
  return {
    ingest_ms: round(r.ingestMs, 0),
    list_ms: r.list.ms.map((v) => round(v, 2)),
    list_median_ms: r.list.capped ? null : round(median(r.list.ms), 2),
    list_warmup_ms: round(r.list.warmupMs, 1),
    list_capped_at_s: r.list.capped ? s.capSeconds : null,
    list_bytes: r.list.bytes,
    list_agents_shown: r.list.shown,
    list_total_count: r.list.total,
    drain_ms: round(r.drainMs, 0),
    healthz_p50_ms: round(p50.ms, 2),
    healthz_p50_lower_bound: p50.lower,
    healthz_p99_ms: round(p99.ms, 2),
    healthz_p99_lower_bound: p99.lower,
    healthz_max_ms: round(Math.max(...r.probes.map((p) => p.ms)), 1),
    probes: r.probes.length,
    polls,
    polls_in_flight_at_stop: r.polls.inFlight,
    poll_errors: r.polls.errors,
    rss_start_mb: round(r.rss.start / MB, 1),
    rss_after_ingest_mb: round(r.rss.ingest / MB, 1),
    rss_after_poll_mb: round(r.rss.poll / MB, 1),
    rss_peak_mb: round(r.rss.peak / MB, 1),
  };
}

function rows(n: number, ours: SideResult, peer: SideResult | null, s: CardinalitySettings): FigureRow[] {
  const na = "n/a (BENCH_PEER_VIGIL unset)";
  const ol = listTime(ours.list, s.capSeconds);
  const pl = peer ? listTime(peer.list, s.capSeconds) : null;
  const shown = (r: SideResult) => (r.list.shown === null ? "" : ` (${human(r.list.shown)} of ${human(r.list.total ?? NaN)} agents)`);
  const q = (r: SideResult, x: number) => probeQuantile(r.probes, x);
  const out: FigureRow[] = [
    { figure: `metrics/agents?window=60m time`, ours: ol.text, peer: pl ? pl.text : na, ratio: pl ? ratio(ol.ms, pl.ms, pl.lower, ol.lower) : "", goal: "(context)" },
    { figure: "metrics/agents answer bytes", ours: fmtBytes(ours.list.bytes) + shown(ours), peer: peer ? (peer.list.bytes === null ? "n/a (no answer)" : fmtBytes(peer.list.bytes) + shown(peer)) : na, ratio: peer && peer.list.bytes ? ratio(ours.list.bytes ?? NaN, peer.list.bytes) : "", goal: "< 1 MB", met: ours.list.bytes !== null && ours.list.bytes < MB },
  ];
  for (const [name, x] of [["p50", 0.5], ["p99", 0.99]] as const) {
    const o = q(ours, x);
    const p = peer ? q(peer, x) : null;
    out.push({ figure: `/healthz ${name} under ${s.pollers} pollers`, ours: fmtMs(o.ms, o.lower), peer: p ? fmtMs(p.ms, p.lower) : na, ratio: p ? ratio(o.ms, p.ms, p.lower, o.lower) : "", goal: name === "p99" ? "< 50 ms" : "(context)", met: name === "p99" ? !o.lower && o.ms < 50 : null });
  }
  const done = (r: SideResult) => `${r.probes.length} probes, ${r.polls.requests} polls done${r.polls.inFlight ? `, ${r.polls.inFlight} unfinished` : ""}`;
  out.push({ figure: "(context) probes / polls answered", ours: done(ours), peer: peer ? done(peer) : na, ratio: "", goal: "" });
  const rss = (k: keyof SideResult["rss"]) => ({ o: ours.rss[k], p: peer ? peer.rss[k] : NaN });
  for (const [k, label] of [["start", "RSS at start"], ["ingest", "RSS after ingest"], ["poll", "RSS after polling"], ["peak", "peak RSS (VmHWM)"]] as const) {
    const v = rss(k);
    out.push({ figure: label, ours: fmtBytes(v.o), peer: peer ? fmtBytes(v.p) : na, ratio: peer ? ratio(v.o, v.p) : "", goal: "(context)" });
  }
  const grow = (r: SideResult) => r.rss.poll - r.rss.start;
  out.push({ figure: "RSS growth, start → after polling", ours: fmtBytes(grow(ours)), peer: peer ? fmtBytes(grow(peer)) : na, ratio: peer ? ratio(grow(ours), grow(peer)) : "", goal: "(context)" });
  out.push({ figure: `(context) ingest of ${human(n)} runs`, ours: fmtMs(ours.ingestMs), peer: peer ? fmtMs(peer.ingestMs) : na, ratio: peer ? ratio(ours.ingestMs, peer.ingestMs) : "", goal: "" });
  return out;
}

/** Runs the cardinality stall bench and prints one table per N and the BENCH line. */
export async function cardinalityStall(): Promise<void> {
  const s = cardinalitySettings();
  const before = peerVigil();
  const peerBin = before?.bin;
  const peerCommit = before?.commit ?? null;
  log(`cardinality-stall: ${s.agents.map(human).join(", ")} agents; peer ${before ? `${before.root} (${peerCommit})` : "none (BENCH_PEER_VIGIL unset)"}`);
  const sizes: Record<string, unknown>[] = [];
  for (const n of s.agents) {
    log(`cardinality-stall: ${human(n)} agents, ours`);
    const ours = await measureSide(n, s, undefined, "ours");
    let peer: SideResult | null = null;
    if (peerBin) {
      log(`cardinality-stall: ${human(n)} agents, peer`);
      peer = await measureSide(n, s, peerBin, "peer");
    }
    printTable(`cardinality-stall — ${human(n)} agent names, one run each (peer: ${peerCommit ? `Vigil at ${peerCommit}` : "none"})`, rows(n, ours, peer, s));
    sizes.push({ agents: n, ours: sideJson(ours, s), peer: peer ? sideJson(peer, s) : null });
  }
  emit("cardinality-stall", { sizes, peer_commit: peerCommit, goal_healthz_p99_ms: 50, goal_answer_bytes: MB, settings: s });
}
