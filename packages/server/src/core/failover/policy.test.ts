import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ModelHealth, RouteMetric } from "@vigil/contract";
import { evaluateHealth, type RouteThresholds } from "./health.js";
import { DEFAULT_POLICY, backoffMs, effectiveTrips, healthFrom, initialRuntime, manualSwitch, stepRoute, unpin, type CandidateModel, type DecisionDraft, type RouteConfig, type RouteRuntime } from "./policy.js";

const S = 1000;
const EVERY = 10 * S;
const healthy: ModelHealth = { status: "healthy", reasons: [], samples: 100 };
const unknown: ModelHealth = { status: "unknown", reasons: [], samples: 0 };
const degradedH: ModelHealth = { status: "degraded", reasons: [{ metric: "error_rate", value: 0.07, threshold: 0.05 }], samples: 100 };
const sick = (value = 0.3, metric: RouteMetric = "error_rate", threshold = 0.1): ModelHealth => ({ status: "unhealthy", reasons: [{ metric, value, threshold }], samples: 100 });

const models = new Map<string, CandidateModel>([
  ["a", { id: "a", status: "active", capabilities: { tools: true, context_window: 128_000 } }],
  ["b", { id: "b", status: "active", capabilities: { tools: true, context_window: 128_000 } }],
  ["c", { id: "c", status: "standby", capabilities: { tools: true, context_window: 32_000 } }],
  ["notools", { id: "notools", status: "active", capabilities: { tools: false, context_window: 200_000 } }],
  ["old", { id: "old", status: "retired", capabilities: { tools: true, context_window: 200_000 } }],
]);
const cfg = (over: Partial<RouteConfig> = {}): RouteConfig => ({ route: "summarize", primary: "a", backups: ["b", "c"], requires: {}, switch_back: "auto", policy: { ...DEFAULT_POLICY, min_dwell_ms: 30 * S }, ...over });

/** Drives a route through evaluations every 10 s; `health(i)` gives each evaluation's health by model. */
function drive(c: RouteConfig, n: number, health: (i: number, rt: RouteRuntime) => Record<string, ModelHealth>, start?: RouteRuntime) {
  let rt = start ?? initialRuntime(c, 0);
  let t = rt.since;
  const decisions: DecisionDraft[] = [];
  const trace: RouteRuntime[] = [];
  for (let i = 0; i < n; i++) {
    t += EVERY;
    const r = stepRoute(c, models, rt, health(i, rt), t);
    decisions.push(...r.decisions);
    rt = r.next;
    trace.push(rt);
  }
  return { rt, decisions, trace, t };
}

describe("route switching policy", () => {
  it("trips only after trip_after consecutive unhealthy evaluations, and unknown ones neither count nor break the streak", () => {
    const c = cfg({ policy: { ...DEFAULT_POLICY, min_dwell_ms: 0, trip_after: 3 } });
    const seq: ModelHealth[] = [sick(), sick(), unknown, healthy, sick(), sick(), unknown, sick()];
    const r = drive(c, seq.length, (i) => ({ a: seq[i]!, b: healthy }));
    const firstSwitch = r.trace.findIndex((x) => x.active === "b");
    assert.equal(firstSwitch, 7, "the healthy evaluation broke the first streak; the second reaches 3 at the last step");
    assert.equal(r.decisions.length, 1);
    assert.deepEqual({ from: r.decisions[0]!.from, to: r.decisions[0]!.to, trigger: r.decisions[0]!.trigger, metric: r.decisions[0]!.metric, value: r.decisions[0]!.value, threshold: r.decisions[0]!.threshold }, { from: "a", to: "b", trigger: "auto", metric: "error_rate", value: 0.3, threshold: 0.1 });
    assert.equal(r.rt.state, "failed_over");
  });

  it("does not flap on a signal oscillating around the threshold (hysteresis)", () => {
    const thresholds: RouteThresholds = { error_rate: { trip: 0.1, recover: 0.05, min_samples: 10 } };
    const c = cfg({ policy: { ...DEFAULT_POLICY, min_dwell_ms: 0, trip_after: 2 } });
    // Alternates just over and just under the trip value: never two bad evaluations in a row.
    const r = drive(c, 1000, (i) => ({ a: evaluateHealth(thresholds, { calls: 100, error_rate: { value: i % 2 ? 0.11 : 0.09, samples: 100 } }), b: healthy }));
    assert.equal(r.decisions.length, 0);
    // Hovering just over the trip value trips once, and just under it never counts as recovered.
    const after = drive(c, 400, (i) => ({ a: evaluateHealth(thresholds, { calls: 100, error_rate: { value: i < 5 ? 0.11 : i % 2 ? 0.11 : 0.09, samples: 100 } }), b: healthy }));
    const autos = after.decisions.filter((d) => d.trigger === "auto");
    assert.equal(autos.length, 1, "one trip");
    assert.equal(after.decisions.filter((d) => d.trigger === "recovery").length, 0, "0.09 is not past the recover value 0.05");
    assert.equal(after.rt.active, "b");
    assert.ok(after.trace.every((x, i) => i < 5 || x.active === "b"), "all traffic stays on b after the trip");
    // Probes of a are aborted at its next bad evaluation, and their backoff doubles: 400 evaluations
    // (4,000 s) see a handful, not one every few evaluations.
    const probes = after.decisions.filter((d) => d.trigger === "probe" && d.to === "a").length;
    assert.ok(probes >= 1 && probes <= 7, `${probes} probes`);
  });

  it("respects the minimum dwell time before another automatic change", () => {
    const c = cfg({ policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 60 * S } });
    // a fails at once; b fails right after the switch; the move to c waits for the dwell.
    const r = drive(c, 12, (_i, rt) => ({ a: sick(), b: rt.active === "b" ? sick() : healthy, c: healthy }));
    const switches = r.decisions.filter((d) => d.trigger === "auto");
    assert.deepEqual(switches.map((d) => d.to), ["b", "c"]);
    assert.ok(switches[1]!.at - switches[0]!.at >= 60 * S, `${switches[1]!.at - switches[0]!.at} ms between switches`);
    // The first switch did not wait: the dwell is between changes, and a new route has had none.
    assert.equal(switches[0]!.at, 10 * S);
  });

  it("never moves to an unhealthy, retired or incapable backup; takes the next healthy one in order", () => {
    const c = cfg({ backups: ["old", "notools", "b", "c"], requires: { tools: true }, policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0 } });
    const r = drive(c, 1, () => ({ a: sick(), old: healthy, notools: healthy, b: sick(0.2), c: healthy }));
    assert.equal(r.rt.active, "c");
    const big = cfg({ backups: ["c", "b"], requires: { context_window: 100_000 }, policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0 } });
    assert.equal(drive(big, 1, () => ({ a: sick(), b: healthy, c: healthy })).rt.active, "b", "c's 32k context is too small");
    // An untried backup (unknown health) is used when no candidate is known healthy.
    assert.equal(drive(c, 1, () => ({ a: sick(), b: sick(), c: unknown })).rt.active, "c");
  });

  it("when every candidate is unhealthy keeps the least bad one serving and marks the route degraded", () => {
    const c = cfg({ policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0 } });
    const r = drive(c, 3, () => ({ a: sick(0.9), b: sick(0.12), c: sick(0.5) }));
    assert.equal(r.rt.active, "b", "b is the least past its threshold");
    assert.equal(r.rt.state, "degraded");
    assert.equal(r.decisions.length, 1, "no churn while everything stays unhealthy");
    // Already on the least bad one: stays, and says degraded once.
    const stay = drive(c, 4, () => ({ a: sick(0.11), b: sick(0.9), c: sick(0.9) }));
    assert.equal(stay.rt.active, "a");
    assert.equal(stay.rt.state, "degraded");
    assert.equal(stay.decisions.length, 1);
    // And leaves degraded once the active model is healthy again.
    const back = drive(c, 2, () => ({ a: healthy, b: sick(), c: sick() }), stay.rt);
    assert.equal(back.rt.state, "normal");
    assert.equal(back.decisions[0]!.trigger, "recovery");
  });

  it("brings the primary back through a probe and a ramp, then all traffic", () => {
    const p = { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0, backoff_base_ms: 30 * S, probe_evaluations: 3, ramp: [0.25, 0.5], ramp_step_evaluations: 2 };
    const c = cfg({ policy: p });
    const r = drive(c, 20, (i) => ({ a: i === 0 ? sick() : i < 4 ? unknown : healthy, b: healthy }));
    const d = r.decisions.map((x) => `${x.trigger}:${x.to}`);
    assert.deepEqual(d, ["auto:b", "probe:a", "ramp:a", "ramp:a", "recovery:a"]);
    const probeAt = r.decisions[1]!.at;
    assert.ok(probeAt - r.decisions[0]!.at >= 30 * S, "the probe waited for the backoff");
    const shares = r.trace.map((x) => x.split?.share ?? (x.active === "a" ? 1 : 0));
    assert.ok(shares.includes(0.05) && shares.includes(0.25) && shares.includes(0.5));
    assert.equal(r.rt.active, "a");
    assert.equal(r.rt.state, "normal");
    assert.equal(r.rt.split, null);
    // Shares only grow during the return.
    const during = shares.slice(shares.indexOf(0.05));
    for (let i = 1; i < during.length; i++) assert.ok(during[i]! >= during[i - 1]!, `share fell from ${during[i - 1]} to ${during[i]}`);
    // Back on the route, the primary answers for its calls since its probe began, so it does not turn
    // unknown (no calls yet) the moment it takes all traffic back.
    assert.equal(healthFrom(r.rt, "a", 0), probeAt);
  });

  it("judges a probe on the primary's fresh calls, not on the window's old failures, and picks targets on the window", () => {
    const p = { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0, backoff_base_ms: 10 * S, probe_evaluations: 2, ramp: [0.5], ramp_step_evaluations: 1 };
    const c = cfg({ policy: p });
    let rt = initialRuntime(c, 0);
    const decisions: DecisionDraft[] = [];
    for (let i = 1; i <= 12; i++) {
      // The window still holds a's failures while it is off the route; its calls since the change
      // (fresh) are fine. Once back, its window is its new, healthy traffic.
      const window = { a: i === 1 ? sick() : rt.active === "a" ? healthy : sick(0.2), b: healthy };
      const fresh = { a: i === 1 ? sick() : healthy, b: healthy };
      const r = stepRoute(c, models, rt, window, i * EVERY, fresh);
      decisions.push(...r.decisions);
      rt = r.next;
    }
    assert.deepEqual(decisions.map((d) => d.trigger), ["auto", "probe", "ramp", "recovery"]);
    // Without fresh figures the old failures would abort every probe.
    let stale = initialRuntime(c, 0);
    const staleDecisions: DecisionDraft[] = [];
    for (let i = 1; i <= 12; i++) {
      const r = stepRoute(c, models, stale, { a: sick(0.2), b: healthy }, i * EVERY);
      staleDecisions.push(...r.decisions);
      stale = r.next;
    }
    assert.equal(staleDecisions.filter((d) => d.trigger === "recovery").length, 0);
  });

  it("aborts a probe at the primary's first unhealthy evaluation, with a backoff that doubles and decays", () => {
    const p = { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0, backoff_base_ms: 20 * S, backoff_max_ms: 1000 * S, backoff_decay_ms: 600 * S };
    const c = cfg({ policy: p });
    // The primary stays unhealthy whenever it gets traffic.
    const r = drive(c, 40, (_i, rt) => ({ a: rt.split || rt.active === "a" ? sick() : unknown, b: healthy }));
    const probes = r.decisions.filter((d) => d.trigger === "probe" && d.to === "a").map((d) => d.at);
    const aborts = r.decisions.filter((d) => d.trigger === "probe" && d.from === "a").map((d) => d.at);
    assert.ok(probes.length >= 2 && aborts.length >= 2);
    const gaps = probes.slice(1).map((t, i) => t - aborts[i]!);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= gaps[i - 1]!, `backoff did not grow: ${gaps.join(", ")}`);
    assert.ok(gaps[1]! >= 2 * (gaps[0]! - EVERY), `second wait ${gaps[1]} vs first ${gaps[0]}`);
    assert.equal(r.decisions.filter((d) => d.trigger === "recovery").length, 0);
    // Decay: quiet time forgives trips.
    assert.equal(effectiveTrips({ ...r.rt, trips: 3, last_trip_at: 0 }, p, 1200 * S), 1);
    assert.equal(backoffMs(p, 1), 20 * S);
    assert.equal(backoffMs(p, 3), 80 * S);
    assert.equal(backoffMs(p, 30), 1000 * S, "capped");
  });

  it("with switch_back manual or never stays on the backup, and manual says the primary recovered", () => {
    for (const mode of ["manual", "never"] as const) {
      const c = cfg({ switch_back: mode, policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0, backoff_base_ms: 0 } });
      const r = drive(c, 30, (i) => ({ a: i === 0 ? sick() : healthy, b: healthy }));
      assert.equal(r.rt.active, "b");
      assert.equal(r.decisions.length, 1);
      assert.equal(r.rt.split, null);
      if (mode === "manual") assert.match(r.rt.reason!, /switch back manually/);
      else assert.doesNotMatch(r.rt.reason ?? "", /switch back/);
    }
  });

  it("obeys a pin over automation until its TTL, then resumes", () => {
    const c = cfg({ policy: { ...DEFAULT_POLICY, trip_after: 1, min_dwell_ms: 0 } });
    const start = initialRuntime(c, 0);
    const pinned = manualSwitch(start, "c", { ttlMs: 95 * S, by: "dana", reason: "evaluating c" }, 5 * S);
    assert.equal(pinned.next.state, "pinned");
    assert.equal(pinned.next.active, "c");
    assert.equal(pinned.decisions[0]!.trigger, "manual");
    assert.match(pinned.decisions[0]!.reason, /dana/);
    // c is unhealthy the whole time: the pin holds it there until it expires at 100 s.
    const r = drive(c, 15, () => ({ a: healthy, b: healthy, c: sick() }), pinned.next);
    const expired = r.decisions.find((d) => d.trigger === "pin_expired")!;
    assert.ok(expired, "the pin expires");
    // Pinned at 5 s for 95 s; evaluations run at 15 s, 25 s, ...: the first at or after 100 s is 105 s.
    assert.equal(expired.at, 105 * S, "first evaluation at or after the expiry");
    assert.ok(r.trace.filter((x) => x.state === "pinned").every((x) => x.active === "c"));
    const after = r.decisions.filter((d) => d.at > expired.at || (d.at === expired.at && d !== expired));
    assert.equal(after[0]?.trigger, "auto", "automation resumes and moves off the unhealthy c");
    // Unpin by hand.
    const un = unpin(c, pinned.next, "dana", 10 * S);
    assert.equal(un.next.pin, null);
    assert.equal(un.next.state, "failed_over");
    assert.equal(un.next.revision, pinned.next.revision + 1);
  });

  it("keeps its invariants over random health sequences", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pickH = (): ModelHealth => [healthy, healthy, unknown, degradedH, sick(0.2), sick(0.5)][Math.floor(rand() * 6)]!;
    for (let run = 0; run < 200; run++) {
      const c = cfg({ policy: { ...DEFAULT_POLICY, trip_after: 1 + Math.floor(rand() * 3), min_dwell_ms: Math.floor(rand() * 4) * EVERY, backoff_base_ms: Math.floor(rand() * 5) * EVERY } });
      let rt = initialRuntime(c, 0);
      let t = 0;
      let lastAuto = -Infinity;
      for (let i = 0; i < 200; i++) {
        t += EVERY;
        const health = { a: pickH(), b: pickH(), c: pickH() };
        const before = rt;
        const r = stepRoute(c, models, rt, health, t);
        rt = r.next;
        assert.ok(["a", "b", "c"].includes(rt.active), "the route is always served by a candidate");
        const viewChanged = before.active !== rt.active || before.state !== rt.state || JSON.stringify(before.split) !== JSON.stringify(rt.split) || before.reason !== rt.reason;
        assert.equal(rt.revision > before.revision, viewChanged, "the revision moves exactly when the view changes");
        assert.ok(rt.revision - before.revision <= 1);
        for (const d of r.decisions) {
          if (d.trigger === "auto" && d.to !== d.from) {
            assert.ok(d.at - lastAuto >= c.policy.min_dwell_ms || lastAuto === -Infinity || before.state === "pinned", "dwell respected");
            if (d.state !== "degraded") assert.notEqual(health[d.to as "a"].status, "unhealthy", "never onto an unhealthy model unless all are");
            lastAuto = d.at;
          }
        }
        if (rt.split) assert.ok(rt.split.share > 0 && rt.split.share < 1 && rt.split.model === "a" && rt.active !== "a");
      }
    }
  });
});
