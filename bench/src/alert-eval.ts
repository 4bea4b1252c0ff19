/**
 * Alert evaluation bench: the CPU cost of one evaluation cycle of 1,000 alert rules over 1,000
 * active dimension sets (50 agents × 20 models), through the real AlertEngine reading a real
 * RollupIndex, beside Prometheus evaluating the same 1,000 rules (exported as PromQL by
 * `exportPrometheusRules`) over the same 1,000 series, scraped from a Vigil `/metrics`.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseRuleSet } from "../../packages/server/dist/core/alerting/rule.js";
import { exportPrometheusRules } from "../../packages/server/dist/core/alerting/prometheus-rules.js";
import type { AlertRule } from "../../packages/server/dist/core/alerting/types.js";
import { alertEvalBeforeAfter } from "./alert-eval-before-after.js";
import { LocalSide, type CycleFigures } from "./alert-eval-side.js";
import { AGENTS, HISTORY_MS, MODELS, SERIES, benchRules, benchThresholds, runEvent } from "./alert-eval-workload.js";
import { HttpClient, emit, envInt, getJson, human, log, peerVigil, printTable, quantile, rng, round, sleep, startChildServer, tempDir, type ChildServer } from "./common.js";
import { PROMETHEUS_BIN, PROMTOOL_BIN, binaryVersion, parseExposition, startPrometheus, withSignalCleanup, type PeerProcess } from "./prom-common.js";

/** Root of this checkout (the build measured as ours). */
const OUR_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MINUTE = 60_000;

/** Settings (BENCH_ALERT_*). */
interface EvalSettings {
  rules: number;
  /** Run events per second over all dimension sets. */
  rate: number;
  warmup: number;
  cycles: number;
  peer: boolean;
  peerCycles: number;
  peerIntervalS: number;
  peerScrapeS: number;
  /** Longest the peer's measurement may run, in seconds. */
  peerMaxS: number;
  /** Percent of the threshold rules with a threshold key that take their threshold from the thresholds settings. */
  keyed: number;
}

function settings(): EvalSettings {
  return {
    rules: envInt("BENCH_ALERT_RULES", 1000),
    rate: envInt("BENCH_ALERT_RATE", 1000),
    warmup: envInt("BENCH_ALERT_WARMUP", 5),
    cycles: envInt("BENCH_ALERT_CYCLES", 30),
    peer: process.env.BENCH_ALERT_PEER !== "0",
    peerCycles: envInt("BENCH_ALERT_PEER_CYCLES", 3),
    peerIntervalS: envInt("BENCH_ALERT_PEER_INTERVAL", 5),
    peerScrapeS: envInt("BENCH_ALERT_PEER_SCRAPE", 15),
    peerMaxS: envInt("BENCH_ALERT_PEER_MAX", 900),
    keyed: envInt("BENCH_ALERT_KEYED", 0),
  };
}

/** Distinct rollup reads one cycle makes (rules sharing window, scope and grouping share one). */
function distinctReads(rules: readonly AlertRule[]): number {
  const keys = new Set<string>();
  for (const r of rules) {
    const k = `${JSON.stringify(r.scope)}|${r.group_by.join(",")}`;
    keys.add(`${r.window_ms}|cur|${k}`);
    if (r.change) keys.add(`${r.window_ms}|prev|${k}`);
  }
  return keys.size;
}

/** Groups (rule × group label set) one cycle evaluates when every dimension set has data. */
function groupsPerCycle(rules: readonly AlertRule[]): number {
  const size: Record<string, number> = { agent_name: AGENTS.length, model: MODELS.length };
  let n = 0;
  for (const r of rules) n += r.group_by.reduce((p, d) => p * (d in r.scope ? 1 : (size[d] ?? 1)), 1);
  return n;
}

interface PeerResult {
  version: string;
  durationsMs: number[];
  exported: number;
  skipped: number;
  series: number;
  backfillSamples: number;
  backfillMs: number;
  firing: number;
  pending: number;
  failures: number;
  missed: number;
  intervalS: number;
  scrapeS: number;
}

/** Sends `count` run events (timestamps from `from`, `step` ms apart) to a Vigil in batches of 1,000. */
async function ingestEvents(client: HttpClient, r: () => number, first: number, count: number, from: number, step: number): Promise<void> {
  const batch = 1000;
  const sendOne = async (lo: number, hi: number) => {
    const parts: string[] = [];
    for (let i = lo; i < hi; i++) parts.push(JSON.stringify({ type: "run", timestamp: Math.floor(from + (i - first) * step), body: runEvent(r, i) }));
    const res = await client.send("POST", "/api/v1/ingest", Buffer.from(`{"events":[${parts.join(",")}]}`));
    if (res.status >= 300) throw new Error(`ingest answered ${res.status}: ${res.text.slice(0, 500)}`);
  };
  // Two requests in flight (the client has two sockets).
  let next = first;
  const loop = async () => {
    while (next < first + count) {
      const lo = next;
      next = Math.min(first + count, lo + batch);
      await sendOne(lo, next);
    }
  };
  await Promise.all([loop(), loop()]);
}

/** Reads the rule group's figures from Prometheus' own /metrics. */
async function groupFigures(prom: PeerProcess): Promise<{ lastEval: number; lastDurationS: number; failures: number; missed: number; headSeries: number }> {
  const text = await (await fetch(`${prom.url}/metrics`)).text();
  let lastEval = NaN;
  let lastDurationS = NaN;
  let failures = 0;
  let missed = 0;
  let headSeries = NaN;
  for (const s of parseExposition(text)) {
    const group = s.labels.rule_group ?? "";
    if (s.name === "prometheus_tsdb_head_series") headSeries = s.value;
    if (!group.endsWith(";vigil")) continue;
    if (s.name === "prometheus_rule_group_last_evaluation_timestamp_seconds") lastEval = s.value;
    else if (s.name === "prometheus_rule_group_last_duration_seconds") lastDurationS = s.value;
    else if (s.name === "prometheus_rule_evaluation_failures_total") failures = s.value;
    else if (s.name === "prometheus_rule_group_iterations_missed_total") missed = s.value;
  }
  return { lastEval, lastDurationS, failures, missed, headSeries };
}

/**
 * The peer: a Vigil child gets the same events (so its /metrics holds the same 1,000 dimension
 * sets); its /metrics is backfilled into a fresh Prometheus TSDB as 32 min of history at the scrape
 * interval (promtool tsdb create-blocks-from openmetrics), then Prometheus scrapes that Vigil live
 * and evaluates the exported rules while the events keep coming. Durations come from Prometheus'
 * own prometheus_rule_group_last_duration_seconds, one per evaluation.
 */
async function measurePeer(rules: AlertRule[], s: EvalSettings): Promise<PeerResult | { na: string }> {
  const version = binaryVersion(PROMETHEUS_BIN);
  if (!version) return { na: `${PROMETHEUS_BIN} cannot be run (set BENCH_PROMETHEUS)` };
  if (!binaryVersion(PROMTOOL_BIN)) return { na: `${PROMTOOL_BIN} cannot be run (set BENCH_PROMTOOL); it backfills the history` };
  const exp = exportPrometheusRules(rules, {});
  const families = new Set<string>();
  for (const m of exp.yaml.matchAll(/\bvigil_[a-z_]+/g)) families.add(m[0]);
  const { dir, cleanup } = tempDir("vigil-bench-alert-eval-peer-");
  let vigil: ChildServer | null = null;
  let prom: PeerProcess | null = null;
  let client: HttpClient | null = null;
  let stopTraffic = () => undefined as void;
  let traffic: Promise<void> = Promise.resolve();
  try {
    const cfg = join(dir, "vigil.yaml");
    writeFileSync(cfg, "alerting:\n  default_rules: false\n");
    vigil = await startChildServer(join(dir, "vigil-data"), { args: ["--config", cfg] });
    client = new HttpClient(vigil.url, 2);
    const step = 1000 / s.rate;
    const r = rng(5);
    const historyEvents = Math.floor(HISTORY_MS / step);
    const T0 = Date.now();
    log(`alert-eval: peer — ingesting ${human(historyEvents)} events (the same 32 min of traffic) into a Vigil child`);
    await ingestEvents(client, r, 0, historyEvents, T0 - HISTORY_MS, step);
    // Its /metrics now holds the counters of the whole history; write them as 32 min of samples.
    const captured = Date.now();
    const samples = parseExposition(await (await fetch(`${vigil.url}/metrics`)).text()).filter((x) => families.has(x.name) || families.has(x.name.replace(/_(bucket|sum|count)$/, "")));
    const instance = new URL(vigil.url).host;
    const scrapeMs = s.peerScrapeS * 1000;
    const points: number[] = [];
    for (let t = captured - HISTORY_MS; t < captured - 1000; t += scrapeMs) points.push(t);
    const base = captured - HISTORY_MS - scrapeMs;
    const file = join(dir, "backfill.om");
    const fd = openSync(file, "w");
    let buf = "";
    let written = 0;
    for (const x of samples) {
      const labels = Object.entries({ ...x.labels, job: "vigil", instance })
        .filter(([, v]) => v !== "")
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",");
      for (const t of points) {
        const v = (x.value * (t - base)) / (captured - base);
        buf += `${x.name}{${labels}} ${v} ${(t / 1000).toFixed(3)}\n`;
        written++;
      }
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, `${buf}# EOF\n`);
    closeSync(fd);
    log(`alert-eval: peer — backfilling ${human(written)} samples (${human(samples.length)} series × ${points.length} scrapes) with promtool`);
    const tsdb = join(dir, "tsdb");
    const b0 = performance.now();
    const bf = spawnSync(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", file, tsdb], { encoding: "utf8", maxBuffer: 64 << 20 });
    const backfillMs = performance.now() - b0;
    if (bf.status !== 0) throw new Error(`promtool backfill failed: ${bf.stderr || bf.stdout}`);
    const rulesFile = join(dir, "rules.yml");
    writeFileSync(rulesFile, exp.yaml);
    const check = spawnSync(PROMTOOL_BIN, ["check", "rules", rulesFile], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (check.status !== 0) throw new Error(`promtool check rules refused the export: ${(check.stderr || check.stdout).slice(0, 2000)}`);
    const promCfg = join(dir, "prometheus.yml");
    const writeConfig = (withRules: boolean) =>
      writeFileSync(promCfg, [
        "global:",
        `  scrape_interval: ${s.peerScrapeS}s`,
        `  evaluation_interval: ${s.peerIntervalS}s`,
        ...(withRules ? ["rule_files:", `  - ${JSON.stringify(rulesFile)}`] : []),
        "scrape_configs:",
        "  - job_name: vigil",
        "    static_configs:",
        `      - targets: [${JSON.stringify(instance)}]`,
        "",
      ].join("\n"));
    writeConfig(false);

    // Live traffic from here on, at the same rate, so that short windows hold fresh samples.
    let running = true;
    stopTraffic = () => { running = false; };
    let nextSeq = historyEvents;
    traffic = (async () => {
      while (running) {
        const t = performance.now();
        const n = s.rate;
        await ingestEvents(client!, r, nextSeq, n, Date.now() - 1000, step);
        nextSeq += n;
        await sleep(Math.max(0, 1000 - (performance.now() - t)));
      }
    })();

    prom = await startPrometheus(promCfg, tsdb, ["--log.level=warn", "--web.enable-lifecycle"]);
    // Scrape only for a minute (30-second windows and their change baselines need live scrapes),
    // then load the rules: every evaluation from then on counts.
    log(`alert-eval: peer — ${version}; scraping for 60 s before loading the rules (${exp.skipped.length} of ${rules.length} skipped by the export)`);
    await sleep(60_000);
    writeConfig(true);
    const reload = await fetch(`${prom.url}/-/reload`, { method: "POST" });
    if (reload.status !== 200) throw new Error(`prometheus refused the rules: HTTP ${reload.status}: ${await reload.text()}`);
    const started = Date.now();
    log(`alert-eval: peer — rules loaded; waiting for ${s.peerCycles} evaluations (at most ${s.peerMaxS} s)`);
    const durationsMs: number[] = [];
    let last = NaN;
    let fig = await groupFigures(prom);
    const deadline = started + s.peerMaxS * 1000;
    while (durationsMs.length < s.peerCycles && Date.now() < deadline) {
      await sleep(500);
      fig = await groupFigures(prom);
      if (!Number.isFinite(fig.lastEval) || fig.lastEval === last || fig.lastEval <= 0) continue;
      last = fig.lastEval;
      log(`alert-eval: peer — evaluation started at +${round(fig.lastEval - started / 1000, 1)} s took ${round(fig.lastDurationS * 1000, 1)} ms`);
      durationsMs.push(fig.lastDurationS * 1000);
    }
    const alerts = await getJson(`${prom.url}/api/v1/alerts`);
    const list = (alerts.data?.alerts ?? []) as { state: string }[];
    return {
      version,
      durationsMs,
      exported: rules.length - exp.skipped.length,
      skipped: exp.skipped.length,
      series: fig.headSeries,
      backfillSamples: written,
      backfillMs,
      firing: list.filter((a) => a.state === "firing").length,
      pending: list.filter((a) => a.state === "pending").length,
      failures: fig.failures,
      missed: fig.missed,
      intervalS: s.peerIntervalS,
      scrapeS: s.peerScrapeS,
    };
  } finally {
    stopTraffic();
    await traffic.catch(() => undefined);
    await prom?.stop();
    client?.close();
    await vigil?.stop();
    cleanup();
  }
}

/** Runs the alert-eval bench and prints its table and BENCH line. */
export async function alertEval(): Promise<void> {
  const s = settings();
  const inputs = benchRules(s.rules, 11, s.keyed);
  const thresholds = s.keyed > 0 ? benchThresholds() : null;
  const rules = parseRuleSet({ rules: inputs }, "file", "bench rules");
  const count = (f: (r: AlertRule) => boolean) => rules.filter(f).length;
  log(`alert-eval: ${rules.length} rules (${count((r) => r.change !== null)} change: ratio, ${count((r) => Object.keys(r.scope).length > 0)} scoped, ${count((r) => r.group_by.length === 0)} ungrouped, ${count((r) => r.group_by.length === 2)} by agent × model, ${count((r) => r.threshold_key !== null)} with threshold_key), ${distinctReads(rules)} distinct rollup reads and ${human(groupsPerCycle(rules))} rule × group evaluations per cycle`);
  log(`alert-eval: folding ${HISTORY_MS / MINUTE} min of history (${s.rate} runs/s over ${SERIES} dimension sets)`);
  const before = peerVigil();
  const options = { root: OUR_ROOT, rules: inputs, thresholds, rate: s.rate, now: Date.now() };
  if (before) {
    // The peer is the earlier build: both evaluate in child processes, cycle by cycle in turn.
    await alertEvalBeforeAfter(options, before, { warmup: s.warmup, cycles: s.cycles, keyed: s.keyed, keyedRules: count((r) => r.threshold_key !== null), groupsPerCycle: groupsPerCycle(rules) });
    return;
  }
  const side = await LocalSide.open(options);
  const figures: CycleFigures[] = [];
  for (let c = 0; c < s.warmup + s.cycles; c++) {
    const f = await side.cycle();
    if (c >= s.warmup) figures.push(f);
  }
  const ours = { ...(await side.summary()), cyclesMs: figures.map((f) => f.ms) };
  const o = { median: quantile(Float64Array.from(ours.cyclesMs).sort(), 0.5), p95: quantile(Float64Array.from(ours.cyclesMs).sort(), 0.95), max: Math.max(...ours.cyclesMs) };
  log(`alert-eval: ours median ${round(o.median, 1)} ms, p95 ${round(o.p95, 1)} ms, max ${round(o.max, 1)} ms per cycle; ${ours.firing} firing, ${ours.pending} pending (${Object.entries(ours.byMetric).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(", ")})`);

  let peer: PeerResult | { na: string };
  if (!s.peer) peer = { na: "skipped (BENCH_ALERT_PEER=0)" };
  else {
    try {
      peer = await withSignalCleanup(() => measurePeer(rules, s));
    } catch (err) {
      log(`alert-eval: peer failed: ${(err as Error).message}`);
      peer = { na: `Prometheus run failed: ${(err as Error).message.split("\n")[0]}` };
    }
  }
  const has = !("na" in peer) && peer.durationsMs.length > 0;
  const p = has ? (() => {
    const d = Float64Array.from((peer as PeerResult).durationsMs).sort();
    return { median: quantile(d, 0.5), p95: quantile(d, 0.95), max: d[d.length - 1]! };
  })() : null;
  const ms = (v: number) => `${round(v, v < 10 ? 2 : 1)} ms`;
  const peerCell = (v: number | undefined) => (p && v !== undefined ? `${ms(v)} Prometheus` : "n/a");
  const ratio = (a: number, b: number | undefined) => (b ? round(a / b, 3).toString() : "");
  printTable(`alert-eval — one evaluation cycle of ${rules.length} rules over ${SERIES} active dimension sets (${s.cycles} cycles after ${s.warmup} warm-up)`, [
    { figure: "ms per cycle, median", ours: ms(o.median), peer: peerCell(p?.median), ratio: ratio(o.median, p?.median), goal: "< 50 ms", met: o.median < 50 },
    { figure: "ms per cycle, p95", ours: ms(o.p95), peer: peerCell(p?.p95), ratio: ratio(o.p95, p?.p95), goal: "< 50 ms", met: o.p95 < 50 },
    { figure: "ms per cycle, max", ours: ms(o.max), peer: peerCell(p?.max), ratio: ratio(o.max, p?.max), goal: "(context)" },
    { figure: "alerts open (firing + pending)", ours: `${ours.firing + ours.pending} (${ours.firing} + ${ours.pending})`, peer: has ? `${(peer as PeerResult).firing + (peer as PeerResult).pending} (${(peer as PeerResult).firing} + ${(peer as PeerResult).pending})` : "", ratio: "", goal: "(context)" },
    { figure: "rules evaluated", ours: String(rules.length), peer: "na" in peer ? "" : `${peer.exported} (${peer.skipped} not exportable)`, ratio: "", goal: "(context)" },
    { figure: "rule × group evaluations per cycle", ours: human(groupsPerCycle(rules)), peer: "", ratio: "", goal: "(context)" },
    { figure: "series behind the rules", ours: `${SERIES} dimension sets`, peer: has ? `${human((peer as PeerResult).series)} TSDB head series` : "", ratio: "", goal: "(context)" },
    { figure: "heap after folding 32 min", ours: `${round(ours.heapMB, 0)} MB`, peer: "", ratio: "", goal: "(context)" },
  ]);
  console.log("AlertStore: an in-memory stub (maps; no SQLite or PostgreSQL writes), notification sink: a no-op, leadership: always leader. This is the evaluation's CPU cost only.");
  if ("na" in peer) console.log(`peer: n/a — ${peer.na}`);
  else {
    console.log(`peer: ${peer.version}; the same rules exported by exportPrometheusRules (${peer.exported} rules, one group), evaluation_interval ${peer.intervalS}s, scraping that Vigil's /metrics every ${peer.scrapeS}s; 32 min of history backfilled from its /metrics (${human(peer.backfillSamples)} samples, promtool ${round(peer.backfillMs / 1000, 1)} s). Rules loaded after 60 s of live scrapes; figure: prometheus_rule_group_last_duration_seconds of the first ${peer.durationsMs.length} evaluations (${peer.missed} iterations missed while they ran; ${peer.failures} rule evaluation failures).`);
  }
  emit("alert-eval", {
    rules: rules.length,
    series: SERIES,
    cycles: s.cycles,
    median_ms: round(o.median, 3),
    p95_ms: round(o.p95, 3),
    max_ms: round(o.max, 3),
    firing: ours.firing,
    pending: ours.pending,
    distinct_reads: distinctReads(rules),
    groups_per_cycle: groupsPerCycle(rules),
    open_by_metric: ours.byMetric,
    events_folded: ours.folded,
    fold_s: round(ours.foldMs / 1000, 2),
    heap_mb: round(ours.heapMB, 1),
    goal_ms: 50,
    store: "in-memory stub",
    peer: "na" in peer
      ? { na: peer.na }
      : { version: peer.version, evaluations: peer.durationsMs.length, median_ms: p ? round(p.median, 2) : null, p95_ms: p ? round(p.p95, 2) : null, max_ms: p ? round(p.max, 2) : null, exported: peer.exported, skipped: peer.skipped, head_series: peer.series, firing: peer.firing, pending: peer.pending, failures: peer.failures, missed: peer.missed, evaluation_interval_s: peer.intervalS, scrape_interval_s: peer.scrapeS, backfill_samples: peer.backfillSamples },
    ratio: p ? round(o.median / p.median, 4) : null,
  });
}
