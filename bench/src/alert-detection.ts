/**
 * Alert detection bench: time from the first bad event to the webhook arriving, for Vigil
 * (its own evaluation every 10 s, webhook channel) beside Prometheus + Alertmanager (scraping the
 * same Vigil's /metrics every 15 s, evaluating every 15 s, Alertmanager webhook) in the same run.
 * Each trial starts fresh processes, sends healthy runs, then only failures.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HttpClient, emit, envInt, log, printTable, round, sleep, startChildServer, tempDir, type ChildServer } from "./common.js";
import { ALERTMANAGER_BIN, PROMETHEUS_BIN, binaryVersion, startAlertmanager, startPrometheus, startReceiver, withSignalCleanup, type PeerProcess, type Receiver } from "./prom-common.js";

const RULE = "BenchErrorRate";
/** The peer's rule: the brief's PromQL for Vigil's `error_rate > 0.1` over 1 min. */
const PROM_EXPR = 'sum(rate(vigil_runs_total{status=~"failure|timeout"}[1m])) / sum(rate(vigil_runs_total[1m])) > 0.1';

/** Settings (BENCH_DETECT_*). */
interface DetectSettings {
  trials: number;
  /** Runs per second sent to Vigil. */
  rate: number;
  /** Seconds of healthy traffic after Prometheus is ready, plus a random 0..jitter s. */
  healthyS: number;
  jitterS: number;
  timeoutS: number;
  scrapeS: number;
  evalS: number;
}

function settings(): DetectSettings {
  return {
    trials: envInt("BENCH_DETECT_TRIALS", 5),
    rate: envInt("BENCH_DETECT_RATE", 20),
    healthyS: envInt("BENCH_DETECT_HEALTHY", 65),
    jitterS: envInt("BENCH_DETECT_JITTER", 15),
    timeoutS: envInt("BENCH_DETECT_TIMEOUT", 150),
    scrapeS: envInt("BENCH_DETECT_SCRAPE", 15),
    evalS: envInt("BENCH_DETECT_EVAL", 15),
  };
}

/** What one trial measured (milliseconds from t0; null when nothing arrived before the timeout). */
interface Trial {
  healthyS: number;
  vigilMs: number | null;
  promMs: number | null;
  /** When the alert became firing (the evaluation's time), from each webhook's payload. */
  vigilEvalMs: number | null;
  promEvalMs: number | null;
  /** Firing notifications that arrived during the healthy phase (false alarms). */
  early: { vigil: number; prom: number };
  sent: number;
}

/** One batch of `n` runs: healthy (one failure in 50) or all failures. */
function batch(n: number, seq: number, bad: boolean): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const fail = bad || (seq + i) % 50 === 49;
    const body: Record<string, unknown> = { agent_name: "checkout-agent", agent_type: "react", status: fail ? "failure" : "success", duration_ms: 900 + ((seq + i) % 7) * 50, model: "gpt-4o-mini", route: "chat", tenant_id: "acme", input_tokens: 800, output_tokens: 120 };
    if (fail) body.error_type = "tool_error";
    parts.push(JSON.stringify({ type: "run", body }));
  }
  return Buffer.from(`{"events":[${parts.join(",")}]}`);
}

const vigilFiring = (b: any) => b?.kind === "firing" && Array.isArray(b.alerts) && b.alerts.some((a: any) => a.rule === RULE && a.status === "firing");
const amFiring = (b: any) => b?.status === "firing" && Array.isArray(b.alerts) && b.alerts.some((a: any) => a.labels?.alertname === RULE && a.status === "firing");

async function runTrial(k: number, s: DetectSettings): Promise<Trial> {
  const { dir, cleanup } = tempDir("vigil-bench-detect-");
  let vigilRx: Receiver | null = null;
  let amRx: Receiver | null = null;
  let vigil: ChildServer | null = null;
  let am: PeerProcess | null = null;
  let prom: PeerProcess | null = null;
  let client: HttpClient | null = null;
  let running = true;
  let traffic: Promise<void> = Promise.resolve();
  try {
    vigilRx = await startReceiver();
    amRx = await startReceiver();
    const vigilCfg = join(dir, "vigil.yaml");
    writeFileSync(vigilCfg, [
      "alerting:",
      "  default_rules: false",
      "  channels:",
      "    - name: bench",
      "      type: webhook",
      `      url: ${JSON.stringify(`${vigilRx.url}/vigil`)}`,
      "  default_route:",
      "    channels: [bench]",
      "    group_wait: 0s",
      "",
    ].join("\n"));
    const vigilRules = join(dir, "vigil-rules.yaml");
    writeFileSync(vigilRules, [
      "rules:",
      `  - name: ${RULE}`,
      "    metric: error_rate",
      '    comparator: ">"',
      "    threshold: 0.1",
      "    window: 1m",
      "    for: 0s",
      "",
    ].join("\n"));
    vigil = await startChildServer(join(dir, "vigil-data"), { args: ["--config", vigilCfg, "--rules", vigilRules] });
    const amCfg = join(dir, "alertmanager.yml");
    writeFileSync(amCfg, [
      "route:",
      "  receiver: bench",
      "  group_by: [alertname]",
      "  group_wait: 0s",
      "  group_interval: 1s",
      "  repeat_interval: 1h",
      "receivers:",
      "  - name: bench",
      "    webhook_configs:",
      `      - url: ${JSON.stringify(`${amRx.url}/alertmanager`)}`,
      "        send_resolved: false",
      "",
    ].join("\n"));
    am = await startAlertmanager(amCfg, join(dir, "alertmanager-data"));
    const promRules = join(dir, "prometheus-rules.yml");
    writeFileSync(promRules, ["groups:", "  - name: bench", "    rules:", `      - alert: ${RULE}`, `        expr: '${PROM_EXPR}'`, "        for: 0s", ""].join("\n"));
    const promCfg = join(dir, "prometheus.yml");
    writeFileSync(promCfg, [
      "global:",
      `  scrape_interval: ${s.scrapeS}s`,
      `  evaluation_interval: ${s.evalS}s`,
      "rule_files:",
      `  - ${JSON.stringify(promRules)}`,
      "alerting:",
      "  alertmanagers:",
      "    - static_configs:",
      `        - targets: [${JSON.stringify(`127.0.0.1:${am.port}`)}]`,
      "scrape_configs:",
      "  - job_name: vigil",
      "    static_configs:",
      `      - targets: [${JSON.stringify(new URL(vigil.url).host)}]`,
      "",
    ].join("\n"));
    prom = await startPrometheus(promCfg, join(dir, "tsdb"), ["--log.level=warn"]);

    // Traffic: a batch every 100 ms; healthy until `bad` is set.
    client = new HttpClient(vigil.url, 1);
    const perTick = Math.max(1, Math.round(s.rate / 10));
    let seq = 0;
    let bad = false;
    const send = async (isBad: boolean) => {
      const res = await client!.send("POST", "/api/v1/ingest", batch(perTick, seq, isBad));
      seq += perTick;
      if (res.status >= 300) throw new Error(`ingest answered ${res.status}: ${res.text.slice(0, 300)}`);
    };
    traffic = (async () => {
      let next = performance.now();
      while (running) {
        if (!bad) await send(false);
        next += 100;
        await sleep(Math.max(0, next - performance.now()));
      }
    })();
    const healthyS = s.healthyS + Math.random() * s.jitterS;
    log(`alert-detection: trial ${k}: ${round(healthyS, 1)} s of healthy runs (${s.rate}/s, 2% failures)`);
    await sleep(healthyS * 1000);
    const early = { vigil: vigilRx.received.filter((r) => vigilFiring(r.body)).length, prom: amRx.received.filter((r) => amFiring(r.body)).length };

    // t0: the first bad event leaves now; from here on every run fails.
    bad = true;
    const t0 = performance.now();
    const t0Wall = Date.now();
    const badLoop = (async () => {
      let next = t0;
      while (running) {
        await send(true);
        next += 100;
        await sleep(Math.max(0, next - performance.now()));
      }
    })();
    const [v, a] = await Promise.all([
      vigilRx.waitFor((r) => r.at >= t0 && vigilFiring(r.body), s.timeoutS * 1000),
      amRx.waitFor((r) => r.at >= t0 && amFiring(r.body), s.timeoutS * 1000),
    ]);
    running = false;
    await badLoop;
    const evalAt = (iso: unknown) => (typeof iso === "string" && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) - t0Wall : null);
    const vAlert = v?.body.alerts.find((x: any) => x.rule === RULE);
    const aAlert = a?.body.alerts.find((x: any) => x.labels?.alertname === RULE);
    const out: Trial = {
      healthyS,
      vigilMs: v ? v.at - t0 : null,
      promMs: a ? a.at - t0 : null,
      vigilEvalMs: v ? evalAt(vAlert?.starts_at) : null,
      promEvalMs: a ? evalAt(aAlert?.startsAt) : null,
      early,
      sent: seq,
    };
    const show = (x: number | null) => (x === null ? `> ${s.timeoutS} s` : `${round(x / 1000, 2)} s`);
    log(`alert-detection: trial ${k}: Vigil ${show(out.vigilMs)}, Prometheus + Alertmanager ${show(out.promMs)}`);
    return out;
  } finally {
    running = false;
    await traffic.catch(() => undefined);
    client?.close();
    await prom?.stop();
    await am?.stop();
    await vigil?.stop();
    await vigilRx?.close();
    await amRx?.close();
    cleanup();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs the alert-detection bench and prints its table and BENCH line. */
export async function alertDetection(): Promise<void> {
  const s = settings();
  const pv = binaryVersion(PROMETHEUS_BIN);
  const av = binaryVersion(ALERTMANAGER_BIN);
  if (!pv || !av) {
    console.log(`\nalert-detection — peer: n/a: ${!pv ? `${PROMETHEUS_BIN}` : `${ALERTMANAGER_BIN}`} cannot be run (set BENCH_PROMETHEUS / BENCH_ALERTMANAGER); nothing measured`);
    emit("alert-detection", { peer: { na: "prometheus or alertmanager missing" } });
    return;
  }
  log(`alert-detection: ${s.trials} trials; peer ${pv}, ${av}; scrape ${s.scrapeS}s, evaluation ${s.evalS}s`);
  const trials: Trial[] = [];
  await withSignalCleanup(async () => {
    for (let k = 1; k <= s.trials; k++) trials.push(await runTrial(k, s));
  });
  const sec = (x: number | null) => (x === null ? `> ${s.timeoutS} s` : `${round(x / 1000, 2)} s`);
  const rows = trials.map((t, i) => ({
    figure: `trial ${i + 1} (healthy ${round(t.healthyS, 0)} s)`,
    ours: sec(t.vigilMs),
    peer: sec(t.promMs),
    ratio: t.vigilMs !== null && t.promMs !== null ? round(t.vigilMs / t.promMs, 3).toString() : "",
    goal: "<= 0.5",
    met: t.vigilMs !== null && t.promMs !== null ? t.vigilMs <= 0.5 * t.promMs : t.vigilMs !== null,
  }));
  const vs = trials.map((t) => t.vigilMs).filter((x): x is number => x !== null);
  const ps = trials.map((t) => t.promMs).filter((x): x is number => x !== null);
  const mv = median(vs);
  const mp = median(ps);
  const complete = vs.length === trials.length && ps.length === trials.length;
  const ratio = mv / mp;
  const evalV = median(trials.map((t) => t.vigilEvalMs).filter((x): x is number => x !== null));
  const evalP = median(trials.map((t) => t.promEvalMs).filter((x): x is number => x !== null));
  const deliverV = median(trials.filter((t) => t.vigilMs !== null && t.vigilEvalMs !== null).map((t) => t.vigilMs! - t.vigilEvalMs!));
  const deliverP = median(trials.filter((t) => t.promMs !== null && t.promEvalMs !== null).map((t) => t.promMs! - t.promEvalMs!));
  printTable(`alert-detection — first bad event → webhook received; rule error_rate > 0.1 over 1m, for 0s; ${s.rate} runs/s`, [
    ...rows,
    { figure: `median of ${trials.length}`, ours: `${round(mv / 1000, 2)} s`, peer: `${round(mp / 1000, 2)} s Prometheus + AM`, ratio: round(ratio, 3).toString(), goal: "<= 0.5", met: complete && ratio <= 0.5 },
    { figure: "median: alert firing (evaluation time)", ours: `${round(evalV / 1000, 2)} s`, peer: `${round(evalP / 1000, 2)} s`, ratio: "", goal: "(context)" },
    { figure: "median: firing → webhook", ours: `${round(deliverV, 0)} ms`, peer: `${round(deliverP, 0)} ms`, ratio: "", goal: "(context)" },
  ]);
  console.log(`Vigil: evaluation every 10 s (default), webhook channel, default_route group_wait 0s. Peer: ${pv} scraping the same Vigil's /metrics every ${s.scrapeS}s, evaluation_interval ${s.evalS}s, rule ${PROM_EXPR} for 0s; ${av} (not clustered) group_wait 0s, group_interval 1s, webhook. Fresh processes per trial; t0 = the first all-failure batch sent after a random ${s.healthyS}..${s.healthyS + s.jitterS} s of healthy runs, so the scrape and evaluation phases are random relative to t0.`);
  const early = trials.reduce((n, t) => n + t.early.vigil + t.early.prom, 0);
  if (early) console.log(`note: ${early} firing notifications arrived during healthy phases (false alarms)`);
  emit("alert-detection", {
    trials: trials.map((t) => ({ healthy_s: round(t.healthyS, 1), vigil_ms: t.vigilMs === null ? null : round(t.vigilMs, 0), prom_ms: t.promMs === null ? null : round(t.promMs, 0), vigil_eval_ms: t.vigilEvalMs, prom_eval_ms: t.promEvalMs, early: t.early, runs_sent: t.sent })),
    median_vigil_ms: round(mv, 0),
    median_prom_ms: round(mp, 0),
    ratio: round(ratio, 4),
    goal_ratio: 0.5,
    complete,
    settings: s,
    peer: { prometheus: pv, alertmanager: av },
  });
}
