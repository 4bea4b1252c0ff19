/**
 * Anomaly rules' detectors are fed each whole step of the rollups once, in time order, empty steps
 * skipped: after any sequence of evaluations a group's reading is the one a detector fed the same
 * series by hand gives. A rule seen for the first time (or changed) replays the history held; a
 * group is judged only past its warm-up and `min_history`; a rule follows at most
 * `maxGroupsPerRule` groups, the busiest, and one that joins later replays its own history.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDetector } from "../core/anomaly/detector.js";
import type { AnomalyObservation } from "../core/alerting/evaluator.js";
import { parseRuleSet } from "../core/alerting/rule.js";
import type { AlertRule } from "../core/alerting/types.js";
import { HOUR, MINUTE, RollupIndex } from "../core/rollup-index.js";
import type { StoredEvent } from "../core/stored-event.js";
import { AnomalyService, SETTLE_MS } from "./anomaly-service.js";

/** Midnight UTC. */
const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
let seq = 0;
const run = (ts: number, agent: string): StoredEvent => ({ id: `e${seq++}`, type: "run", ts, receivedAt: ts, body: { agent_name: agent, status: "success", duration_ms: 100 } });

function rule(over: Record<string, unknown> = {}, name = "RunsAnomaly"): AlertRule {
  return parseRuleSet([{ name, metric: "total_tasks", group_by: ["agent_name"], anomaly: { step: "1m", min_history: "1h" }, ...over }], "file", "test")[0]!;
}

/** Runs of one agent in the step starting at `t`: a daily cycle, some noise, and now and then none. */
function runsAt(t: number, salt: number): number {
  const minute = Math.floor((t - T0) / MINUTE);
  if ((minute * 7 + salt) % 23 === 0) return 0; // an empty step: skipped, not fed as 0
  return 20 + Math.round(10 * Math.sin((2 * Math.PI * (t % (24 * HOUR))) / (24 * HOUR))) + ((minute * 13 + salt * 5) % 5);
}

function world(minuteHorizon = 48 * HOUR, maxGroupsPerRule?: number) {
  let now = T0;
  const index = new RollupIndex({ minuteMs: minuteHorizon, hourMs: 35 * 24 * HOUR }, () => now);
  const scans: number[] = [];
  const warnings: object[] = [];
  const service = new AnomalyService({
    index: {
      *scan(from, to, at, filter, groupBy, fine, only) {
        scans.push(from);
        return yield* index.scan(from, to, at, filter, groupBy, fine, only);
      },
      sums: (...args) => index.sums(...args),
      minuteFloor: (at) => index.minuteFloor(at),
      maxSpanMs: () => index.maxSpanMs(),
    },
    maxGroupsPerRule,
    warn: (obj) => warnings.push(obj),
  });
  /** Folds `agent`'s runs for the steps in [from, to), each run in the middle of its minute. */
  const send = (agent: string, from: number, to: number, salt: number, scale = 1) => {
    for (let t = from; t < to; t += MINUTE) for (let i = 0; i < runsAt(t, salt) * scale; i++) index.fold(run(t + 30_000, agent));
  };
  const observe = (r: AlertRule, at: number) => {
    now = at;
    return service.observe(r, at);
  };
  return { index, service, scans, warnings, send, observe, setNow: (at: number) => (now = at) };
}

/** What a detector fed `agent`'s series over [from, to) by hand reads at its last step (band kept at 0 and above). */
function reference(from: number, to: number, salt: number, threshold = 0.6): AnomalyObservation | null {
  const d = createDetector({ threshold });
  let last = null;
  for (let t = from; t < to; t += MINUTE) {
    const v = runsAt(t, salt);
    if (v > 0) last = d.update(t, v);
  }
  if (!last || last.expected === null) return null;
  return { score: last.score, expected: last.expected, lower: Math.max(0, last.lower!), upper: last.upper! };
}

/** The evaluation time at which the step ending at `end` has just settled. */
const settled = (end: number) => end + SETTLE_MS;

describe("AnomalyService", () => {
  it("replays the history held on first sight and then feeds each whole step once, in order, empty steps skipped", async () => {
    const w = world();
    const r = rule();
    const end = T0 + 30 * HOUR;
    w.send("a", T0, end + 10 * MINUTE, 1);
    // First sight: every step of the history, once.
    let obs = await w.observe(r, settled(end));
    const steps = (end - w.service.earliestStep(MINUTE, settled(end))) / MINUTE;
    assert.equal(w.scans.length, steps);
    assert.equal(new Set(w.scans).size, steps, "no step read twice");
    assert.deepEqual(obs.map((o) => o.anomaly), [reference(T0, end, 1)]);
    assert.equal(obs[0]!.value, runsAt(end - MINUTE, 1), "the value is the latest whole step's");
    // Evaluations within a step, just before a step settles, and after several steps at once.
    w.scans.length = 0;
    for (const at of [settled(end) + 20_000, settled(end + MINUTE) - 1, settled(end + MINUTE), settled(end + MINUTE) + 5_000, settled(end + 4 * MINUTE)]) obs = await w.observe(r, at);
    assert.deepEqual(w.scans, [end, end + MINUTE, end + 2 * MINUTE, end + 3 * MINUTE], "each new step read once, none skipped");
    assert.deepEqual(obs.map((o) => o.anomaly), [reference(T0, end + 4 * MINUTE, 1)]);
  });

  it("gives no observation for a group whose latest step is empty, and keeps its detector for the next", async () => {
    const w = world();
    const r = rule();
    // runsAt is 0 for salt 2 at the step where (minute * 7 + 2) % 23 === 0.
    let end = T0 + 30 * HOUR;
    while (runsAt(end - MINUTE, 2) !== 0) end += MINUTE;
    w.send("b", T0, end + 2 * MINUTE, 2);
    assert.deepEqual(await w.observe(r, settled(end)), [], "nothing in the latest step: no observation");
    const obs = await w.observe(r, settled(end + MINUTE));
    assert.deepEqual(obs.map((o) => o.anomaly), [reference(T0, end + MINUTE, 2)]);
  });

  it("judges a group only past its warm-up and min_history", async () => {
    const w = world();
    w.send("a", T0, T0 + 30 * HOUR, 1);
    // 4 hours are 240 points: still in the 300-point warm-up, whatever min_history says.
    const early = await w.observe(rule({ anomaly: { step: "1m", min_history: "0s" } }), settled(T0 + 4 * HOUR));
    assert.equal(early.length, 1);
    assert.equal(early[0]!.anomaly, null);
    const w2 = world();
    w2.send("a", T0, T0 + 30 * HOUR, 1);
    const at = settled(T0 + 30 * HOUR);
    assert.equal((await w2.observe(rule({ anomaly: { step: "1m", min_history: "2d" } }, "Long"), at))[0]!.anomaly, null, "30 h of history is less than 2 days");
    assert.notEqual((await w2.observe(rule({ anomaly: { step: "1m", min_history: "1d" } }, "Day"), at))[0]!.anomaly, null, "30 h is at least a day");
  });

  it("starts a changed rule afresh from the history held", async () => {
    const w = world();
    w.send("a", T0, T0 + 31 * HOUR, 1);
    const at = settled(T0 + 30 * HOUR);
    await w.observe(rule(), at);
    // Same name, sensitivity changed: a new detector (its rest follows the new threshold) replays the whole history.
    const changed = rule({ anomaly: { step: "1m", min_history: "1h", sensitivity: "low" } });
    w.scans.length = 0;
    const obs = await w.observe(changed, at + MINUTE);
    assert.equal(w.scans.length, (T0 + 30 * HOUR + MINUTE - w.service.earliestStep(MINUTE, at + MINUTE)) / MINUTE);
    assert.deepEqual(obs.map((o) => o.anomaly), [reference(T0, T0 + 30 * HOUR + MINUTE, 1, 0.7)]);
  });

  it("replays only what the rollups hold for the step: the minute tier, from its first whole step", async () => {
    const w = world(6 * HOUR);
    const end = T0 + 30 * HOUR;
    w.send("a", end - 6 * HOUR, end, 1);
    await w.observe(rule({ anomaly: { step: "5m", min_history: "1h" } }), settled(end));
    const floor = w.index.minuteFloor(settled(end));
    const first = Math.ceil(floor / (5 * MINUTE)) * 5 * MINUTE;
    assert.equal(Math.min(...w.scans), first);
    assert.equal(w.scans.length, (end - first) / (5 * MINUTE));
  });

  it("follows at most maxGroupsPerRule groups, the busiest, and replays a group that joins once a slot is free", async () => {
    const w = world(6 * HOUR, 2);
    const r = rule();
    const end = T0 + 6 * HOUR;
    w.send("busy", T0, end + 7 * HOUR, 1, 3);
    w.send("fading", T0, end - HOUR, 2, 2);
    w.send("quiet", T0, end + 7 * HOUR, 3);
    const obs = await w.observe(r, settled(end));
    assert.deepEqual(obs.map((o) => o.group.agent_name).sort(), ["busy"], "fading has no value in the latest step; quiet is not followed");
    assert.equal(w.service.stats().groups, 2);
    assert.equal(w.warnings.length, 1, "said once");
    // Once fading has no value left in the minute rollups its slot goes to quiet, which replays its held history alone.
    const later = end + 6 * HOUR;
    await w.observe(r, settled(later));
    const obs2 = await w.observe(r, settled(later + MINUTE));
    const quiet = obs2.find((o) => o.group.agent_name === "quiet");
    assert.ok(quiet, `quiet is followed: ${JSON.stringify(obs2.map((o) => o.group))}`);
    const floor = w.service.earliestStep(MINUTE, settled(later + MINUTE));
    const qa = quiet.anomaly;
    assert.ok(qa);
    // Its detector saw the minute tier's history from the first step held when it joined, then each later step.
    const d = createDetector({ threshold: 0.6 });
    let last = null;
    for (let t = floor; t < later + MINUTE; t += MINUTE) if (runsAt(t, 3) > 0) last = d.update(t, runsAt(t, 3));
    assert.equal(qa.score, last!.score);
    assert.equal(qa.expected, last!.expected);
  });

  it("keeps each group's latest readings as its detector made them, marked where the rule's condition held, and answers them without a prior evaluation", async () => {
    const w = world();
    // A spike in the last step of a steady series: the rule fires there, and the readings say so.
    const end = T0 + 30 * HOUR;
    w.send("a", T0, end - MINUTE, 1);
    for (let i = 0; i < 200; i++) w.index.fold(run(end - 30_000, "a"));
    const r = rule({ anomaly: { step: "1m", min_history: "6h" } });
    // No evaluation before: the first call replays the history held, as the first evaluation would.
    w.setNow(settled(end));
    const read = await w.service.readings(r, { agent_name: "a" }, -Infinity, Infinity, settled(end));
    assert.equal(read.followed, true);
    assert.equal(read.points.length, 288, "the latest 288 steps");
    assert.equal(read.points.at(-1)!.at, end - MINUTE);
    // Each reading is what a detector fed the same series by hand made of that step.
    const d = createDetector({ threshold: 0.6 });
    const byHand = new Map<number, ReturnType<typeof d.update>>();
    for (let t = T0; t < end; t += MINUTE) {
      const v = t === end - MINUTE ? 200 : runsAt(t, 1);
      if (v > 0) byHand.set(t, d.update(t, v));
    }
    for (const p of read.points) {
      const h = byHand.get(p.at)!;
      assert.ok(h, `step ${p.at} was fed`);
      assert.equal(p.score, h.expected === null ? null : Math.fround(h.score), `score at step ${(p.at - end) / MINUTE}`);
      assert.equal(p.expected, h.expected === null ? null : Math.fround(h.expected));
    }
    // The marks are the steps the rule fires on: the evaluation of the latest step holds, and it is marked.
    const obs = await w.observe(r, settled(end));
    assert.ok(obs[0]!.anomaly && obs[0]!.anomaly.score >= 0.6, `the spike scores ${obs[0]!.anomaly?.score}`);
    assert.deepEqual(
      read.points.filter((p) => p.anomalous).map((p) => p.at),
      read.points.filter((p) => p.score !== null && p.score >= 0.6).map((p) => p.at),
    );
    assert.equal(read.points.at(-1)!.anomalous, true, "the spike is marked");
    assert.equal(Math.fround(obs[0]!.anomaly!.upper), read.points.at(-1)!.upper, "the alert's band is the chart's");
    // A group the rule does not follow.
    assert.deepEqual(await w.service.readings(r, { agent_name: "nobody" }, -Infinity, Infinity, settled(end)), { followed: false, kept: 0, points: [] });
  });

  it("reads a new step once for every rule watching the same groups in one evaluation", async () => {
    const w = world();
    const end = T0 + 30 * HOUR;
    w.send("a", T0, end + 3 * MINUTE, 1);
    w.send("b", T0, end + 3 * MINUTE, 2);
    const rules = [rule({}, "RunsAnomaly"), rule({ metric: "error_rate" }, "ErrorsAnomaly"), rule({ metric: "p95_latency_ms" }, "LatencyAnomaly")];
    for (const r of rules) await w.observe(r, settled(end));
    w.scans.length = 0;
    const at = settled(end + MINUTE);
    const obs: Awaited<ReturnType<typeof w.observe>>[] = [];
    for (const r of rules) obs.push(await w.observe(r, at));
    assert.deepEqual(w.scans, [end], "one scan of the new step for the three rules");
    // Each rule still reads its own metric of the shared step: runs, no errors, 100 ms latencies.
    const value = (i: number, agent: string) => obs[i]!.find((o) => o.group.agent_name === agent)?.value;
    assert.deepEqual([value(0, "a"), value(0, "b")], [runsAt(end, 1), runsAt(end, 2)]);
    assert.deepEqual([value(1, "a"), value(2, "a")], [0, 100]);
    // A later evaluation reads the next step afresh.
    for (const r of rules) await w.observe(r, settled(end + 2 * MINUTE));
    assert.deepEqual(w.scans, [end, end + MINUTE]);
  });
});
