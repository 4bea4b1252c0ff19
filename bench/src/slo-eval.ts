/**
 * SLO evaluation bench: the cost of one evaluation cycle of 200 SLOs (800 burn-rate conditions,
 * 1,400 window reads) — the slice watch's poll, each ledger's refresh from the slices that
 * changed, and every SLO's burn-rate and maximum conditions — over a real RollupIndex holding 30
 * days of traffic of 1,000 dimension sets, beside the alert engine evaluating 200 plain threshold
 * rules (the alert-eval bench's rules and traffic) in the same run, cycle for cycle. Also: the time
 * of a 30-day ledger's first fill and the memory an SLO holds.
 */
import { fileURLToPath } from "node:url";
import { HOUR, MINUTE, RollupIndex } from "../../packages/server/dist/core/rollup-index.js";
import { sloConditions } from "../../packages/server/dist/core/slo/burn.js";
import { sloFigures } from "../../packages/server/dist/core/slo/budget.js";
import { SloLedger } from "../../packages/server/dist/core/slo/ledger.js";
import { SliceWatch } from "../../packages/server/dist/core/slo/slice-watch.js";
import type { SloSpec } from "../../packages/server/dist/core/slo/spec.js";
import { drain } from "../../packages/server/dist/core/stepped.js";
import type { StoredEvent } from "../../packages/server/dist/core/stored-event.js";
import { LocalSide } from "./alert-eval-side.js";
import { AGENTS, CYCLE_MS, MODELS, SERIES, benchRules, runEvent } from "./alert-eval-workload.js";
import { emit, envInt, human, log, printTable, quantile, rng, round } from "./common.js";

const OUR_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DAY = 24 * HOUR;
const HORIZONS = { minuteMs: 48 * HOUR, hourMs: 35 * DAY };

/** The 200 SLOs: availability and latency over agents, models and both, event-budgeted over 30 and 7 days, and time slices. */
export function benchSlos(n: number): SloSpec[] {
  const out: SloSpec[] = [];
  for (let i = 0; i < n; i++) {
    const agent = AGENTS[i % AGENTS.length]!;
    const model = MODELS[i % MODELS.length]!;
    const base = { name: `slo_${i}`, maxMs: null, target: 0.99, period: { kind: "rolling" as const, ms: 30 * DAY }, budgeting: { kind: "events" as const } };
    switch (i % 5) {
      case 0:
        out.push({ ...base, filter: { agent_name: agent }, sli: { kind: "availability", events: "runs" } });
        break;
      case 1:
        out.push({ ...base, filter: { model }, sli: { kind: "latency", events: "runs", threshold_ms: 3000 }, maxMs: 8000, target: 0.95 });
        break;
      case 2:
        out.push({ ...base, filter: { agent_name: agent, model }, sli: { kind: "availability", events: "runs" }, period: { kind: "rolling", ms: 7 * DAY } });
        break;
      case 3:
        out.push({ ...base, filter: { agent_name: agent }, sli: { kind: "latency", events: "runs", threshold_ms: 2000 }, budgeting: { kind: "timeslices", sliceMs: HOUR, sliceTarget: 0.9, meanRatingAtLeast: null }, period: { kind: "calendar_month" } });
        break;
      default:
        out.push({ ...base, filter: { agent_name: agent }, sli: { kind: "availability", events: "runs" }, budgeting: { kind: "timeslices", sliceMs: 5 * MINUTE, sliceTarget: 0.95, meanRatingAtLeast: null }, period: { kind: "rolling", ms: DAY } });
    }
  }
  return out;
}

export async function sloEval(): Promise<void> {
  const slos = envInt("BENCH_SLO_COUNT", 200);
  const rules = envInt("BENCH_SLO_RULES", slos);
  const rate = envInt("BENCH_SLO_RATE", 100);
  const oldPerMinute = envInt("BENCH_SLO_OLD_PER_MIN", 20);
  const recentPerMinute = envInt("BENCH_SLO_RECENT_PER_MIN", 120);
  const days = envInt("BENCH_SLO_DAYS", 30);
  const warmup = envInt("BENCH_SLO_WARMUP", 5);
  const cycles = envInt("BENCH_SLO_CYCLES", 30);
  const now0 = Date.UTC(2026, 10, 20, 12, 0, 7);

  // Ours: 30 days of traffic — thin past the minute horizon, denser within it, and at `rate` for the
  // last 32 minutes as the peer's — then live traffic at `rate`.
  let clock = now0 - days * DAY;
  const index = new RollupIndex(HORIZONS, () => clock);
  const r = rng(5);
  let seq = 0;
  const fold = (ts: number) => {
    clock = ts;
    const ev: StoredEvent = { id: `e${seq}`, type: "run", ts, receivedAt: ts, body: runEvent(r, seq) };
    seq++;
    index.fold(ev);
  };
  const f0 = performance.now();
  const recent = now0 - 2 * DAY;
  const live = now0 - 32 * MINUTE;
  for (let t = now0 - days * DAY; t < recent; t += MINUTE / oldPerMinute) fold(Math.floor(t));
  for (let t = recent; t < live; t += MINUTE / recentPerMinute) fold(Math.floor(t));
  for (let t = live; t < now0; t += 1000 / rate) fold(Math.floor(t));
  clock = now0;
  index.prune(now0);
  const foldS = (performance.now() - f0) / 1000;
  log(`slo-eval: folded ${human(seq)} events over ${days} days in ${round(foldS, 1)} s`);

  const specs = benchSlos(slos);
  const watch = new SliceWatch(index, HORIZONS);
  watch.poll(now0);
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const fills: number[] = [];
  const ledgers = specs.map((s) => {
    const l = new SloLedger(s, index, HORIZONS);
    const t0 = performance.now();
    drain(l.refresh(now0, watch));
    fills.push(performance.now() - t0);
    return l;
  });
  (globalThis as { gc?: () => void }).gc?.();
  const heapPerSlo = (process.memoryUsage().heapUsed - heap0) / slos;
  const bytes = ledgers.map((l) => l.bytes());
  const fill30 = fills.filter((_, i) => specs[i]!.period.kind === "rolling" && (specs[i]!.period as { ms: number }).ms === 30 * DAY && specs[i]!.budgeting.kind === "events").sort((a, b) => a - b);

  // Peer: the alert engine with `rules` threshold rules on the alert-eval workload at the same rate.
  log(`slo-eval: opening the alert engine with ${rules} threshold rules`);
  const peer = await LocalSide.open({ root: OUR_ROOT, rules: benchRules(rules), thresholds: null, rate, now: now0 });

  let now = now0;
  let liveNext = now0;
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const theirs: number[] = [];
  const theirsCpu: number[] = [];
  let firing = 0;
  for (let c = 0; c < warmup + cycles; c++) {
    now += CYCLE_MS;
    for (; liveNext <= now; liveNext += 1000 / rate) fold(Math.floor(liveNext));
    clock = now;
    index.prune(now);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    watch.poll(now);
    firing = 0;
    for (const l of ledgers) {
      drain(l.refresh(now, watch));
      const cond = sloConditions(l, now);
      for (const b of cond.burn) if (b.firing) firing++;
      if (cond.max?.firing) firing++;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const p = await peer.cycle();
    if (c < warmup) continue;
    ours.push(ms);
    oursCpu.push((cpu.user + cpu.system) / 1000);
    theirs.push(p.ms);
    theirsCpu.push(p.cpuMs);
  }
  const t0 = performance.now();
  for (const l of ledgers) sloFigures(l, now, watch.firstData);
  const statusMs = performance.now() - t0;
  const peerSummary = await peer.summary();

  const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  const p95 = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.95);
  const ms = (v: number) => `${round(v, 2)} ms`;
  const ratio = (a: number, b: number) => (b > 0 ? `${round(a / b, 2)}×` : "");
  printTable(`slo-eval — one cycle of ${slos} SLOs (${slos * 4} burn-rate conditions) beside ${rules} threshold rules, ${cycles} cycles after ${warmup} warm-up, ${SERIES} dimension sets, ${rate} runs/s`, [
    { figure: "ms per cycle, median", ours: ms(med(ours)), peer: ms(med(theirs)), ratio: ratio(med(ours), med(theirs)), goal: "< 20 ms", met: med(ours) < 20 },
    { figure: "ms per cycle, p95", ours: ms(p95(ours)), peer: ms(p95(theirs)), ratio: ratio(p95(ours), p95(theirs)), goal: "< 20 ms", met: p95(ours) < 20 },
    { figure: "CPU ms per cycle, median", ours: ms(med(oursCpu)), peer: ms(med(theirsCpu)), ratio: ratio(med(oursCpu), med(theirsCpu)), goal: "(context)" },
    { figure: "conditions firing / alerts open", ours: String(firing), peer: String(peerSummary.firing + peerSummary.pending), ratio: "", goal: "(context)" },
    { figure: "first fill of a 30-day ledger, median / max", ours: `${ms(med(fill30))} / ${ms(fill30[fill30.length - 1] ?? 0)}`, peer: "", ratio: "", goal: "(context)" },
    { figure: "typed arrays per SLO, min / max", ours: `${human(Math.min(...bytes))} / ${human(Math.max(...bytes))} B`, peer: "", ratio: "", goal: "(context)" },
    { figure: "heap per SLO (ledger + caches)", ours: `${human(Math.round(heapPerSlo))} B`, peer: "", ratio: "", goal: "(context)" },
    { figure: `status of all ${slos} SLOs (GET /slos)`, ours: ms(statusMs), peer: "", ratio: "", goal: "(context)" },
    { figure: "events folded", ours: human(seq), peer: human(peerSummary.folded), ratio: "", goal: "(context)" },
  ]);
  console.log("Ours: SliceWatch.poll + SloLedger.refresh + sloConditions per SLO, in this process. Peer: AlertEngine.evaluate of threshold rules (in-memory store, no-op sink), in this process, cycle for cycle.");
  emit("slo-eval", {
    slos,
    rules,
    rate,
    cycles,
    median_ms: round(med(ours), 3),
    p95_ms: round(p95(ours), 3),
    cpu_median_ms: round(med(oursCpu), 3),
    peer_median_ms: round(med(theirs), 3),
    peer_p95_ms: round(p95(theirs), 3),
    peer_cpu_median_ms: round(med(theirsCpu), 3),
    ratio: round(med(ours) / med(theirs), 3),
    fill_30d_median_ms: round(med(fill30), 2),
    ledger_bytes_max: Math.max(...bytes),
    heap_per_slo_bytes: Math.round(heapPerSlo),
    status_all_ms: round(statusMs, 2),
    events: seq,
  });
}
