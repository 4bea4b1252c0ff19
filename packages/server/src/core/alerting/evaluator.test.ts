import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { alertLabels, compare, evaluateRule, fingerprint, fnv1a64, renderAnnotations, type EvalResult, type Observation } from "./evaluator.js";
import { validateRule } from "./rule.js";
import type { AlertRecord, AlertRule } from "./types.js";

const MIN = 60_000;

function rule(over: Record<string, unknown> = {}): AlertRule {
  const { rule: r, problems } = validateRule({ name: "HighErrorRate", metric: "error_rate", comparator: ">", threshold: 0.05, window: "5m", ...over }, "/rules/0", "file");
  assert.deepEqual(problems, []);
  return r!;
}

const obs = (value: number | null, group: Record<string, string> = {}, samples = 100, threshold: number | null = 0.05): Observation => ({ group, value, samples, threshold });

/** Applies an evaluation's changes to the open alerts, as the alert engine does. */
function apply(open: AlertRecord[], res: EvalResult): AlertRecord[] {
  const byFp = new Map(open.map((a) => [a.fingerprint, a]));
  for (const a of res.upserts) {
    if (a.state === "resolved") byFp.delete(a.fingerprint);
    else byFp.set(a.fingerprint, a);
  }
  for (const a of res.dropped) byFp.delete(a.fingerprint);
  return [...byFp.values()];
}

describe("fingerprint", () => {
  it("is the same for the same rule and labels whatever their order", () => {
    const a = fingerprint("HighErrorRate", { agent_name: "planner", model: "gpt-4o" });
    const b = fingerprint("HighErrorRate", { model: "gpt-4o", agent_name: "planner" });
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{16}$/);
  });

  it("is stable across releases (a pinned value) so stored alerts keep their identity", () => {
    assert.equal(fnv1a64(""), "cbf29ce484222325");
    assert.equal(fnv1a64("a"), "af63dc4c8601ec8c");
    assert.equal(fingerprint("HighErrorRate", { agent_name: "planner" }), fingerprint("HighErrorRate", { agent_name: "planner" }));
  });

  it("differs between rules, between groups, and between a label's name and its value", () => {
    const base = fingerprint("R", { agent_name: "a" });
    assert.notEqual(base, fingerprint("S", { agent_name: "a" }));
    assert.notEqual(base, fingerprint("R", { agent_name: "b" }));
    assert.notEqual(base, fingerprint("R", { model: "a" }));
    assert.notEqual(base, fingerprint("R", {}));
    // Separators keep concatenations apart: {ab: c} is not {a: bc}.
    assert.notEqual(fingerprint("R", { ab: "c" }), fingerprint("R", { a: "bc" }));
  });
});

describe("compare", () => {
  it("applies each comparator exactly at the threshold", () => {
    assert.deepEqual([">", ">=", "<", "<=", "==", "!="].map((op) => compare(5, op as never, 5)), [false, true, false, true, true, false]);
  });
});

describe("evaluateRule", () => {
  it("writes an open alert's annotations from the value of each evaluation, and from the rule as it is now", () => {
    const r = rule({ annotations: { summary: "{{ $labels.agent_name }} at {{ $value }} over {{ $window }} (threshold {{ $threshold }}, {{ $samples }} runs)" } });
    const g = { agent_name: "planner" };
    let open = apply([], evaluateRule(r, [obs(0.1, g)], [], 0));
    assert.equal(open[0]!.annotations.summary, "planner at 10.0% over 5m (threshold 5%, 100 runs)");
    open = apply(open, evaluateRule(r, [obs(0.1, g, 120)], open, MIN));
    assert.equal(open[0]!.annotations.summary, "planner at 10.0% over 5m (threshold 5%, 120 runs)");
    open = apply(open, evaluateRule(r, [obs(0.25, g, 120)], open, 2 * MIN));
    assert.equal(open[0]!.annotations.summary, "planner at 25.0% over 5m (threshold 5%, 120 runs)");
    // The same value under an edited rule (new labels, new template): both are written again.
    const edited = rule({ labels: { team: "core" }, annotations: { summary: "{{ $value }} for {{ $labels.team }}" } });
    open = apply(open, evaluateRule(edited, [obs(0.25, g, 120)], open, 3 * MIN));
    assert.equal(open[0]!.annotations.summary, "25.0% for core");
    assert.equal(open[0]!.labels.team, "core");
  });

  it("opens a pending alert and turns it firing once the condition has held for `for`", () => {
    const r = rule({ for: "2m" });
    let open: AlertRecord[] = [];
    const r0 = evaluateRule(r, [obs(0.1)], open, 0);
    assert.equal(r0.upserts[0]!.state, "pending");
    assert.deepEqual(r0.history.map((h) => h.event), ["pending"]);
    open = apply(open, r0);
    const r1 = evaluateRule(r, [obs(0.2)], open, MIN);
    assert.equal(r1.upserts[0]!.state, "pending");
    assert.equal(r1.upserts[0]!.value, 0.2);
    open = apply(open, r1);
    const r2 = evaluateRule(r, [obs(0.2)], open, 2 * MIN);
    const a = r2.upserts[0]!;
    assert.equal(a.state, "firing");
    assert.equal(a.fired_at, 2 * MIN);
    assert.equal(a.active_at, 0);
    assert.equal(a.id, r0.upserts[0]!.id, "the same occurrence keeps its id");
    assert.deepEqual(r2.history.map((h) => h.event), ["firing"]);
  });

  it("fires at once with for: 0", () => {
    const res = evaluateRule(rule(), [obs(0.1)], [], 0);
    assert.equal(res.upserts[0]!.state, "firing");
    assert.deepEqual(res.history.map((h) => h.event), ["pending", "firing"]);
  });

  it("drops a pending alert whose condition clears, without resolving it", () => {
    const r = rule({ for: "5m" });
    const open = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    const res = evaluateRule(r, [obs(0.01)], open, MIN);
    assert.equal(res.dropped.length, 1);
    assert.deepEqual(res.upserts, []);
    assert.deepEqual(res.history, []);
  });

  it("resolves a firing alert when the condition clears", () => {
    const r = rule();
    const open = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    const res = evaluateRule(r, [obs(0.01)], open, MIN);
    assert.equal(res.upserts[0]!.state, "resolved");
    assert.equal(res.upserts[0]!.resolved_at, MIN);
    assert.equal(res.upserts[0]!.resolved_by, null);
    assert.deepEqual(res.history.map((h) => h.event), ["resolved"]);
  });

  it("keeps an acknowledged alert acknowledged, with its ack fields, while the condition holds", () => {
    const r = rule();
    const [firing] = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    const acked: AlertRecord = { ...firing!, state: "acknowledged", acknowledged_by: "ana", acknowledged_at: 30_000, ack_note: "looking" };
    const still = evaluateRule(r, [obs(0.3)], [acked], MIN).upserts[0]!;
    assert.equal(still.state, "acknowledged");
    assert.equal(still.acknowledged_by, "ana");
    assert.equal(still.acknowledged_at, 30_000);
    assert.equal(still.ack_note, "looking");
    assert.equal(still.value, 0.3);
  });

  it("resolves an acknowledged alert when the condition clears, keeping who acknowledged it", () => {
    const r = rule();
    const [firing] = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    const acked: AlertRecord = { ...firing!, state: "acknowledged", acknowledged_by: "ana", acknowledged_at: 30_000, ack_note: null };
    const res = evaluateRule(r, [obs(0.01)], [acked], MIN);
    const done = res.upserts[0]!;
    assert.equal(done.state, "resolved");
    assert.equal(done.acknowledged_by, "ana");
    assert.equal(done.acknowledged_at, 30_000);
    assert.deepEqual(res.history.map((h) => h.event), ["resolved"]);
  });

  it("keeps a firing alert for keep_firing_for after the condition last held", () => {
    const r = rule({ keep_firing_for: "2m" });
    let open = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    const held = evaluateRule(r, [obs(0.01)], open, MIN);
    assert.equal(held.upserts[0]!.state, "firing");
    assert.equal(held.upserts[0]!.keep_firing_since, MIN);
    open = apply(open, held);
    open = apply(open, evaluateRule(r, [obs(0.01)], open, 2 * MIN));
    assert.equal(open[0]!.state, "firing");
    const res = evaluateRule(r, [obs(0.01)], open, 3 * MIN);
    assert.equal(res.upserts[0]!.state, "resolved");
  });

  it("keeps one alert per group, each with the group's labels", () => {
    const r = rule({ group_by: ["agent_name"], labels: { team: "ml" } });
    const res = evaluateRule(r, [obs(0.1, { agent_name: "planner" }), obs(0.01, { agent_name: "retriever" })], [], 0);
    assert.equal(res.upserts.length, 1);
    assert.deepEqual(res.upserts[0]!.labels, { team: "ml", alertname: "HighErrorRate", severity: "warning", agent_name: "planner" });
    assert.equal(res.upserts[0]!.fingerprint, fingerprint("HighErrorRate", { agent_name: "planner" }));
  });

  describe("no data", () => {
    const firingAt0 = (r: AlertRule) => apply([], evaluateRule(r, [obs(0.1)], [], 0));

    it("no_data: ok resolves a firing alert when its group has no data", () => {
      const r = rule({ no_data: "ok" });
      const res = evaluateRule(r, [obs(null)], firingAt0(r), MIN);
      assert.equal(res.upserts[0]!.state, "resolved");
    });

    it("no_data: ok resolves a firing alert whose group vanished from the observations", () => {
      const r = rule({ group_by: ["agent_name"] });
      const open = apply([], evaluateRule(r, [obs(0.1, { agent_name: "a" })], [], 0));
      const res = evaluateRule(r, [], open, MIN);
      assert.equal(res.upserts[0]!.state, "resolved");
      assert.equal(res.upserts[0]!.labels.agent_name, "a");
    });

    it("no_data: keep_state leaves a firing alert firing and opens nothing new", () => {
      const r = rule({ no_data: "keep_state" });
      const res = evaluateRule(r, [obs(null)], firingAt0(r), MIN);
      assert.equal(res.upserts[0]!.state, "firing");
      assert.equal(res.upserts[0]!.last_evaluated_at, MIN);
      assert.deepEqual(res.history, []);
      assert.deepEqual(evaluateRule(r, [obs(null)], [], MIN), { upserts: [], dropped: [], history: [] });
    });

    it("no_data: keep_state leaves a pending alert pending, so it can still fire later", () => {
      const r = rule({ no_data: "keep_state", for: "2m" });
      let open = apply([], evaluateRule(r, [obs(0.1)], [], 0));
      const res = evaluateRule(r, [obs(null)], open, MIN);
      assert.equal(res.upserts[0]!.state, "pending");
      assert.deepEqual(res.dropped, []);
      open = apply(open, res);
      assert.equal(evaluateRule(r, [obs(0.1)], open, 2 * MIN).upserts[0]!.state, "firing");
    });

    it("no_data: alerting fires for a group without data, with the value shown as no data", () => {
      const r = rule({ no_data: "alerting", annotations: { summary: "error rate {{ $value }}" } });
      const res = evaluateRule(r, [obs(null)], [], 0);
      assert.equal(res.upserts[0]!.state, "firing");
      assert.equal(res.upserts[0]!.value, null);
      assert.equal(res.upserts[0]!.annotations.summary, "error rate no data");
    });

    it("no_data: alerting fires once for the whole rule when no group reported at all", () => {
      const r = rule({ no_data: "alerting", group_by: ["agent_name"] });
      const res = evaluateRule(r, [], [], 0);
      assert.equal(res.upserts.length, 1);
      assert.equal(res.upserts[0]!.fingerprint, fingerprint("HighErrorRate", {}));
    });

    it("min_samples treats a group with fewer samples as having no data", () => {
      const ok = rule({ min_samples: 10 });
      assert.deepEqual(evaluateRule(ok, [obs(0.5, {}, 9)], [], 0).upserts, []);
      assert.equal(evaluateRule(ok, [obs(0.5, {}, 10)], [], 0).upserts[0]!.state, "firing");
      const alerting = rule({ min_samples: 10, no_data: "alerting" });
      assert.equal(evaluateRule(alerting, [obs(0.001, {}, 3)], [], 0).upserts[0]!.state, "firing", "too few samples count as no data, which alerts");
      const firing = apply([], evaluateRule(ok, [obs(0.5, {}, 50)], [], 0));
      assert.equal(evaluateRule(ok, [obs(0.5, {}, 2)], firing, MIN).upserts[0]!.state, "resolved");
    });

    it("a group without a threshold (missing threshold setting) counts as no data", () => {
      assert.deepEqual(evaluateRule(rule(), [obs(0.9, {}, 100, null)], [], 0).upserts, []);
    });
  });
});

describe("annotations", () => {
  const labels = (r: AlertRule) => alertLabels(r, { agent_name: "planner" });

  it("writes ratio metrics as percentages", () => {
    const r = rule({ annotations: { summary: "Error rate of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }}" } });
    assert.deepEqual(renderAnnotations(r, labels(r), 0.125, 0.05, 40), { summary: "Error rate of planner is 12.5%, above 5%" });
  });

  it("writes latency in ms or seconds, money in dollars, and the raw value on request", () => {
    const lat = rule({ metric: "p95_latency_ms", threshold: 5000, annotations: { s: "{{ $value }} > {{ $threshold }} ({{ $value_raw }})" } });
    assert.equal(renderAnnotations(lat, labels(lat), 5200, 5000, 1).s, "5.2 s > 5 s (5200)");
    const fast = renderAnnotations(lat, labels(lat), 850, 5000, 1).s!;
    assert.ok(fast.startsWith("850 ms > "), fast);
    const cost = rule({ metric: "cost_per_task", threshold: 1, annotations: { s: "{{ $value }} vs {{ $threshold }}" } });
    assert.equal(renderAnnotations(cost, labels(cost), 1.35, 1, 1).s, "$1.35 vs $1.00");
  });

  it("writes change functions as factors or percentages, and fills rule, metric, window and samples", () => {
    const r = rule({ metric: "total_cost", change: "ratio", threshold: 2, window: "10m", annotations: { s: "{{ $rule }}: {{ $metric }} ×{{ $value }} in {{ $window }} vs {{ $threshold }} over {{ $samples }} runs" } });
    assert.equal(renderAnnotations(r, labels(r), 2.5, 2, 17).s, "HighErrorRate: total_cost ×2.50× in 10m vs 2× over 17 runs");
    const p = rule({ change: "percent", threshold: 50, annotations: { s: "{{ $value }} / {{ $threshold }}" } });
    assert.equal(renderAnnotations(p, labels(p), 62.34, 50, 1).s, "62.3% / 50%");
  });

  it("renders annotations into the alert when it opens and refreshes them each evaluation", () => {
    const r = rule({ annotations: { summary: "now {{ $value }}" } });
    const open = apply([], evaluateRule(r, [obs(0.1)], [], 0));
    assert.equal(open[0]!.annotations.summary, "now 10.0%");
    assert.equal(evaluateRule(r, [obs(0.2)], open, MIN).upserts[0]!.annotations.summary, "now 20.0%");
  });
});

it("computes the same 64-bit FNV-1a as exact big-integer arithmetic", () => {
  const reference = (text: string) => {
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
    return h.toString(16).padStart(16, "0");
  };
  for (const t of ["", "a", "foobar", "ErrorRateHigh\u0001agent_name\u0000a", "ünïcødé ✓ \uffff", "x".repeat(1000)]) assert.equal(fnv1a64(t), reference(t), t);
  assert.equal(fnv1a64("a"), "af63dc4c8601ec8c");
});
