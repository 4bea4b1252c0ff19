/**
 * Anomaly rule evaluation bench: `BENCH_ANOMALY_EVAL_RULES` [10] anomaly rules, each following
 * `BENCH_ANOMALY_EVAL_GROUPS` [1,000] agents (10,000 groups), evaluated by the alert engine through
 * the AnomalyService over a real RollupIndex holding `BENCH_ANOMALY_EVAL_HOURS` [49] hours of runs
 * (the 48 hours of minute rollups a 5-minute step replays on first sight). Measured: the first
 * sight (each rule's replay, at once and through the cooperative runner with the event loop's
 * delay meanwhile), the steady cycle (each evaluation after a new whole step: rollup scan, detector
 * update and observations per group), and the heap the service keeps per group. Peer, same run,
 * same index and traffic: the alert engine evaluating threshold rules on the same metrics and
 * grouping over the same 5 minutes, cycle for cycle. Run by name:
 * `node --expose-gc bench/dist/run-all.js anomaly-eval`.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { parseRuleSet } from "../../packages/server/dist/core/alerting/rule.js";
import type { AlertRule } from "../../packages/server/dist/core/alerting/types.js";
import { HOUR, MINUTE, RollupIndex } from "../../packages/server/dist/core/rollup-index.js";
import type { StoredEvent } from "../../packages/server/dist/core/stored-event.js";
import { AnomalyService, SETTLE_MS } from "../../packages/server/dist/services/anomaly-service.js";
import { CooperativeRunner } from "../../packages/server/dist/services/cooperative-runner.js";
import { anomalyRun, evalRules, openEngine, type Incident } from "./anomaly-eval-workload.js";
import { emit, envInt, human, log, printTable, quantile, rng, round } from "./common.js";

const STEP = 5 * MINUTE;
/** Simulated time between evaluations: the server's default evaluation interval. */
const CYCLE = 10_000;
const HORIZONS = { minuteMs: 48 * HOUR, hourMs: 35 * 24 * HOUR };

const gc = () => (globalThis as { gc?: () => void }).gc?.();
/** Heap plus array buffers (typed arrays keep their contents outside the heap), after GC. */
const heapNow = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const med = (xs: readonly number[]) => quantile(sorted(xs), 0.5);
const p95 = (xs: readonly number[]) => quantile(sorted(xs), 0.95);
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const ms = (v: number) => `${round(v, 2)} ms`;
const ratio = (a: number, b: number) => (b > 0 ? `${round(a / b, 2)}×` : "");

/** One timed evaluation of one side. */
interface Cycle {
  ms: number;
  cpu: number;
  /** Time spent in AnomalyService.observe (ours only). */
  service: number;
  /** True when a new whole step was fed in it. */
  fresh: boolean;
  step: number;
}

export async function anomalyEval(): Promise<void> {
  const groups = envInt("BENCH_ANOMALY_EVAL_GROUPS", 1000);
  const ruleCount = envInt("BENCH_ANOMALY_EVAL_RULES", 10);
  const perMin = envInt("BENCH_ANOMALY_EVAL_PER_MIN", 2);
  const hours = envInt("BENCH_ANOMALY_EVAL_HOURS", 49);
  const steps = envInt("BENCH_ANOMALY_EVAL_STEPS", 24);
  const useRunner = process.env.BENCH_ANOMALY_EVAL_RUNNER !== "0";
  // The default cap (alerting.max_groups_per_rule) is 1,000; a rule following more needs it raised.
  const maxGroupsPerRule = Math.max(1000, groups);
  const total = groups * ruleCount;
  if (!(globalThis as { gc?: unknown }).gc) log("anomaly-eval: run node with --expose-gc for the heap per group");

  const now0 = Date.UTC(2026, 10, 20, 12, 0, 7);
  const start = now0 - hours * HOUR;
  const incident: Incident = { from: now0 + STEP * (1 + Math.floor(steps / 3)), to: now0 + STEP * (1 + Math.floor((2 * steps) / 3)) };

  // The history: `perMin` runs a minute per agent, round robin, folded as the server folds them.
  const heapStart = heapNow();
  let clock = start;
  const index = new RollupIndex(HORIZONS, () => clock);
  index.startFine(start);
  const r = rng(17);
  const gap = MINUTE / (groups * perMin);
  let next = start;
  let seq = 0;
  const foldUntil = (to: number) => {
    for (; next <= to; next += gap) {
      const ts = Math.floor(next);
      clock = ts;
      const ev: StoredEvent = { id: `e${seq}`, type: "run", ts, receivedAt: ts, body: anomalyRun(r, seq, ts, groups, incident) };
      index.fold(ev);
      seq++;
    }
    clock = to;
  };
  log(`anomaly-eval: folding ${hours} h of ${human(groups * perMin)} runs a minute (${human(groups)} agents)`);
  const f0 = performance.now();
  for (let t = start + MINUTE; t < now0; t += MINUTE) {
    foldUntil(t);
    index.prune(t);
  }
  foldUntil(now0);
  index.prune(now0);
  const foldS = (performance.now() - f0) / 1000;
  const historyRuns = seq;
  log(`anomaly-eval: folded ${human(seq)} runs in ${round(foldS, 1)} s`);

  const specs = evalRules(ruleCount);
  const anomalyRules: AlertRule[] = parseRuleSet(specs.anomaly, "file", "bench anomaly rules");
  const thresholdRules: AlertRule[] = parseRuleSet(specs.threshold, "file", "bench threshold rules");

  // First sight, at once (as measured by the cold caches of a server's first evaluation): each rule's replay.
  const heap0 = heapNow();
  const rollupMB = (heap0 - heapStart) / 2 ** 20;
  let service: AnomalyService | null = new AnomalyService({ index, maxGroupsPerRule });
  const replayMs: number[] = [];
  const replayCpu: number[] = [];
  for (const rule of anomalyRules) {
    log(`anomaly-eval: first sight of ${rule.name}`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await service.observe(rule, now0);
    replayMs.push(performance.now() - t0);
    replayCpu.push(cpuMs(process.cpuUsage(c0)));
  }
  const followed = service.stats();
  const heapFirst = (heapNow() - heap0) / total;

  // First sight through the cooperative runner (as the server runs it): the event loop's delay meanwhile.
  let runnerMs = 0;
  let runnerTimeouts = 0;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcMax = 0;
  let gcTotal = 0;
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration);
      gcTotal += e.duration;
    }
  });
  if (useRunner) {
    log("anomaly-eval: first sight again, through the cooperative runner");
    const runner = new CooperativeRunner();
    let other: AnomalyService | null = new AnomalyService({ index, run: (w) => runner.run(w, "anomaly replay"), maxGroupsPerRule });
    delay.enable();
    gcWatch.observe({ entryTypes: ["gc"] });
    const t0 = performance.now();
    for (const rule of anomalyRules) {
      // A replay past the runner's timeout fails; what was fed stays fed and the next evaluation goes on.
      for (;;) {
        try {
          await other.observe(rule, now0);
          break;
        } catch (err) {
          if (++runnerTimeouts > 100) throw err;
        }
      }
    }
    runnerMs = performance.now() - t0;
    delay.disable();
    gcWatch.disconnect();
    other = null;
  }

  // The steady cycles: both engines on the same index, an evaluation every 10 s, alternating which goes first.
  let now = now0;
  let serviceMs = 0;
  let ours: Awaited<ReturnType<typeof openEngine>> | null = await openEngine({
    index,
    rules: anomalyRules,
    now: () => now,
    maxGroupsPerRule,
    anomalyObservations: async (rule, at) => {
      const t0 = performance.now();
      const obs = await service!.observe(rule, at);
      serviceMs += performance.now() - t0;
      return obs;
    },
  });
  const peer = await openEngine({ index, rules: thresholdRules, now: () => now, maxGroupsPerRule });
  const latestOf = (t: number) => Math.floor((t - SETTLE_MS) / STEP) * STEP - STEP;
  const t1 = performance.now();
  await ours.evaluate();
  const firstEvalMs = performance.now() - t1;
  await peer.evaluate();
  const warmSteps = 1;
  const cycles = ((warmSteps + steps) * STEP) / CYCLE;
  const oursCycles: Cycle[] = [];
  const peerCycles: Cycle[] = [];
  let latest = latestOf(now);
  log(`anomaly-eval: ${cycles} evaluations of each side (${warmSteps + steps} steps of 5 minutes)`);
  for (let c = 0; c < cycles; c++) {
    now += CYCLE;
    foldUntil(now);
    index.prune(now);
    const fresh = latestOf(now) !== latest;
    latest = latestOf(now);
    const step = Math.floor((now - now0) / STEP) - warmSteps;
    const time = async (engine: { evaluate(): Promise<unknown> }): Promise<Cycle> => {
      serviceMs = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await engine.evaluate();
      return { ms: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)), service: serviceMs, fresh, step };
    };
    const a = c % 2 === 0 ? await time(ours) : null;
    const p = await time(peer);
    const o = a ?? (await time(ours));
    if (step < 0) continue;
    oursCycles.push(o);
    peerCycles.push(p);
  }
  const open = (e: { openAlerts(): { state: string }[] }) => e.openAlerts().filter((x) => x.state === "firing").length;
  const oursFiring = open(ours);
  const peerFiring = open(peer);

  // What the service keeps per group: the heap with it, less the heap once it is gone.
  ours = null;
  const heapWith = heapNow();
  service = null;
  const heapPerGroup = (heapWith - heapNow()) / total;

  const fresh = oursCycles.filter((c) => c.fresh);
  const between = oursCycles.filter((c) => !c.fresh);
  const perStep = (xs: Cycle[]) => sum(xs.map((c) => c.cpu)) / steps;
  const freshMs = fresh.map((c) => c.ms);
  const peerMs = peerCycles.map((c) => c.ms);
  const delayMax = useRunner ? delay.max / 1e6 : NaN;
  const delayP99 = useRunner ? delay.percentile(99) / 1e6 : NaN;
  const delayNote = useRunner ? `${ms(delayP99)} / ${ms(delayMax)} (GC pauses ${round(gcTotal / 1000, 1)} s, longest ${ms(gcMax)}; ${round(runnerMs / 1000, 1)} s, ${runnerTimeouts} runner timeouts)` : "not run";
  const shape = `${ruleCount} anomaly rules × ${human(groups)} agents = ${human(total)} groups`;
  printTable(`anomaly-eval — ${shape}, 5-minute step, ${hours} h of history (${human(historyRuns)} runs), ${steps} steps of evaluations every 10 s after ${warmSteps} warm-up step`, [
    { figure: `steady cycle (a new step fed to ${human(total)} groups), median`, ours: ms(med(freshMs)), peer: ms(med(peerMs)), ratio: ratio(med(freshMs), med(peerMs)), goal: "< 50 ms", met: med(freshMs) < 50 },
    { figure: "steady cycle, p95", ours: ms(p95(freshMs)), peer: ms(p95(peerMs)), ratio: ratio(p95(freshMs), p95(peerMs)), goal: "< 50 ms", met: p95(freshMs) < 50 },
    { figure: "steady cycle, CPU median", ours: ms(med(fresh.map((c) => c.cpu))), peer: ms(med(peerCycles.map((c) => c.cpu))), ratio: ratio(med(fresh.map((c) => c.cpu)), med(peerCycles.map((c) => c.cpu))), goal: "(context)" },
    { figure: "of which AnomalyService.observe, median", ours: ms(med(fresh.map((c) => c.service))), peer: "", ratio: "", goal: "(context)" },
    { figure: "evaluation between steps (nothing to feed), median", ours: ms(med(between.map((c) => c.ms))), peer: ms(med(peerMs)), ratio: ratio(med(between.map((c) => c.ms)), med(peerMs)), goal: "(context)" },
    { figure: "CPU per 5 minutes (30 evaluations)", ours: ms(perStep(oursCycles)), peer: ms(perStep(peerCycles)), ratio: ratio(perStep(oursCycles), perStep(peerCycles)), goal: "(context)" },
    { figure: "first sight: replay per rule, median / max", ours: `${ms(med(replayMs))} / ${ms(Math.max(...replayMs))}`, peer: "", ratio: "", goal: "(context)" },
    { figure: `first sight: all ${ruleCount} rules (CPU)`, ours: `${round(sum(replayMs) / 1000, 2)} s (${round(sum(replayCpu) / 1000, 2)} s)`, peer: "", ratio: "", goal: "(context)" },
    { figure: "first sight through the runner: loop delay p99 / max", ours: delayNote, peer: "", ratio: "", goal: "(context)" },
    { figure: "first evaluation after the replay", ours: ms(firstEvalMs), peer: "", ratio: "", goal: "(context)" },
    { figure: "heap kept by the service per group", ours: `${human(Math.round(heapPerGroup))} B`, peer: "", ratio: "", goal: "(context)" },
    { figure: "heap growth over the first sight per group (with read caches)", ours: `${human(Math.round(heapFirst))} B`, peer: "", ratio: "", goal: "(context)" },
    { figure: `rollups held (${hours} h, heap + array buffers)`, ours: `${round(rollupMB)} MB`, peer: "", ratio: "", goal: "(context)" },
    { figure: "groups followed / alerts firing at the end", ours: `${human(followed.groups)} / ${oursFiring}`, peer: `— / ${peerFiring}`, ratio: "", goal: "(context)" },
  ]);
  console.log(`Ours: AlertEngine.evaluate of the anomaly rules through AnomalyService (in-memory store, no-op sink), steady figures over the ${fresh.length} evaluations that fed a new step. Peer: AlertEngine.evaluate of threshold rules on the same metrics, grouping and 5 minutes, every evaluation, in this process, cycle for cycle. History folded in ${round(foldS, 1)} s.`);
  emit("anomaly-eval", {
    rules: ruleCount,
    groups_per_rule: groups,
    groups: total,
    hours,
    steps,
    runs: historyRuns,
    median_ms: round(med(freshMs), 3),
    p95_ms: round(p95(freshMs), 3),
    cpu_median_ms: round(med(fresh.map((c) => c.cpu)), 3),
    service_median_ms: round(med(fresh.map((c) => c.service)), 3),
    between_median_ms: round(med(between.map((c) => c.ms)), 3),
    peer_median_ms: round(med(peerMs), 3),
    peer_p95_ms: round(p95(peerMs), 3),
    peer_cpu_median_ms: round(med(peerCycles.map((c) => c.cpu)), 3),
    ratio: round(med(freshMs) / med(peerMs), 3),
    cpu_per_step_ms: round(perStep(oursCycles), 2),
    peer_cpu_per_step_ms: round(perStep(peerCycles), 2),
    replay_rule_median_ms: round(med(replayMs), 1),
    replay_total_ms: round(sum(replayMs), 1),
    runner_replay_ms: round(runnerMs, 1),
    runner_timeouts: runnerTimeouts,
    loop_delay_p99_ms: round(delayP99, 2),
    loop_delay_max_ms: round(delayMax, 2),
    gc_pause_max_ms: round(gcMax, 2),
    gc_pause_total_ms: round(gcTotal, 1),
    heap_per_group_bytes: Math.round(heapPerGroup),
    heap_first_sight_per_group_bytes: Math.round(heapFirst),
    rollup_mb: round(rollupMB, 1),
    firing: oursFiring,
    peer_firing: peerFiring,
    goal_ms: 50,
  });
}
