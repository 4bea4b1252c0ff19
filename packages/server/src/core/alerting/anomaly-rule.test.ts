import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatRuleDuration } from "./duration.js";
import { ruleToInput, validateRule, type RuleProblem } from "./rule.js";

const VALID = { name: "LatencyAnomaly", metric: "p95_latency_ms", group_by: ["route"], anomaly: { sensitivity: "medium", min_history: "1d", step: "5m" } };

function refused(over: Record<string, unknown>): RuleProblem[] {
  const r = validateRule({ ...VALID, ...over }, "/rules/4", "file");
  assert.equal(r.rule, null, "the rule should be refused");
  return r.problems;
}

/** The one problem at `field` (a path under the rule), checking that it names the rule. */
function problemAt(ps: RuleProblem[], field: string): RuleProblem {
  const p = ps.filter((x) => x.field === field);
  assert.equal(p.length, 1, `expected one problem on ${field}, got ${JSON.stringify(ps)}`);
  assert.equal(p[0]!.rule, "LatencyAnomaly");
  assert.equal(p[0]!.path, `/rules/4/${field}`);
  return p[0]!;
}

describe("anomaly rules", () => {
  it("fill the defaults: sensitivity medium (0.6), min_history 1d, step 5m; no comparator, threshold or window of their own", () => {
    const { rule, problems } = validateRule({ name: "R", metric: "error_rate", anomaly: {} }, "/rules/0", "api");
    assert.deepEqual(problems, []);
    assert.deepEqual(rule!.anomaly, { threshold: 0.6, sensitivity: "medium", min_history_ms: 86_400_000, step_ms: 300_000 });
    assert.equal(rule!.threshold, null);
    assert.equal(rule!.threshold_key, null);
    assert.equal(rule!.change, null);
    assert.equal(rule!.window_ms, 300_000, "the step is the span each value is read over");
  });

  it("map the named sensitivities to the detector's scores and take a number between 0 and 1", () => {
    const at = (sensitivity: unknown) => validateRule({ ...VALID, anomaly: { sensitivity } }, "", "file").rule?.anomaly?.threshold;
    assert.equal(at("high"), 0.5);
    assert.equal(at("medium"), 0.6);
    assert.equal(at("low"), 0.7);
    assert.equal(at(0.55), 0.55);
    for (const bad of [0, 1, 1.5, "extreme", "0.6"]) assert.match(problemAt(refused({ anomaly: { sensitivity: bad } }), "anomaly/sensitivity").message, /high \(score 0\.5\), medium \(0\.6\), low \(0\.7\) or a score between 0 and 1/);
  });

  it("refuse each field of a threshold rule by its path", () => {
    for (const [field, value] of [["threshold", 5], ["threshold_key", "latency_p95_max_ms"], ["baseline", "search.p95"], ["comparator", ">"], ["change", "ratio"], ["window", "5m"]] as const) {
      const p = problemAt(refused({ [field]: value }), field);
      assert.match(p.message, /does not apply to an anomaly rule/);
    }
  });

  it("refuse a step that is not whole minutes dividing an hour, a malformed block, unknown fields and a long min_history", () => {
    for (const step of ["7m", "30s", "2h", "90s", "5 minutes"]) problemAt(refused({ anomaly: { step } }), "anomaly/step");
    assert.match(problemAt(refused({ anomaly: { step: "7m" } }), "anomaly/step").message, /1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 1h/);
    for (const step of ["1m", "12m", "1h"]) assert.ok(validateRule({ ...VALID, anomaly: { step } }, "", "file").rule);
    assert.match(problemAt(refused({ anomaly: { window: "1h" } }), "anomaly/window").message, /unknown field "window"; an anomaly block takes sensitivity, min_history and step/);
    problemAt(refused({ anomaly: "medium" }), "anomaly");
    problemAt(refused({ anomaly: { min_history: "31d" } }), "anomaly/min_history");
    problemAt(refused({ anomaly: { min_history: "a day" } }), "anomaly/min_history");
  });

  it("watch catalogue metrics of the rollups only", () => {
    assert.match(problemAt(refused({ metric: "custom.queue_depth", group_by: undefined }), "metric").message, /custom metrics .* are not supported/);
    assert.match(problemAt(refused({ metric: "route_degraded" }), "metric").message, /route's state/);
  });

  it("refuse a `for` as long as the step, since a detection holds for one step", () => {
    assert.match(problemAt(refused({ for: "5m" }), "for").message, /shorter than the anomaly step \(5m\)/);
    assert.equal(validateRule({ ...VALID, for: "1m", keep_firing_for: "30m" }, "", "file").rule!.for_ms, 60_000);
  });

  it("take $expected, $lower, $upper and $score in annotations, which other rules refuse", () => {
    const summary = "{{ $value }}, expected {{ $expected }} ({{ $lower }}–{{ $upper }}), score {{ $score }}";
    assert.ok(validateRule({ ...VALID, annotations: { summary } }, "", "file").rule);
    const r = validateRule({ name: "LatencyAnomaly", metric: "p95_latency_ms", comparator: ">", threshold: 5000, annotations: { summary } }, "/rules/4", "file");
    const p = r.problems.filter((x) => x.path === "/rules/4/annotations/summary");
    assert.equal(p.length, 4);
    assert.match(p[0]!.message, /"\{\{ \$expected \}\}" is known only in anomaly rules/);
  });

  it("are written back in input form (as the API answers) and read back as the same rule", () => {
    const { rule } = validateRule({ ...VALID, anomaly: { sensitivity: 0.65, step: "10m", min_history: "12h" } }, "", "api");
    const view = ruleToInput(rule!, formatRuleDuration);
    assert.deepEqual(view.anomaly, { sensitivity: 0.65, min_history: "12h", step: "10m" });
    assert.equal(view.comparator, undefined);
    assert.equal(view.window, undefined);
    assert.equal("threshold" in view, false);
    const { source: _s, ...input } = view;
    assert.deepEqual(validateRule(input, "", "api").rule, rule);
    assert.deepEqual(ruleToInput(validateRule({ ...VALID }, "", "api").rule!, formatRuleDuration).anomaly, { sensitivity: "medium", min_history: "1d", step: "5m" });
  });
});
