import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { baselineThreshold, compareToBaseline, parseBaselines, scopeWithin, validateBaseline, withBaselineThreshold } from "./baselines.js";
import { validateRule } from "./alerting/rule.js";
import { evaluateRule } from "./alerting/evaluator.js";
import { VigilError } from "./errors.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");

describe("compareToBaseline", () => {
  const latency = { value: 1000, direction: "lower_is_better" as const };
  const success = { value: 0.9, direction: "higher_is_better" as const };

  it("calls latency up worse and latency down better, by the metric's direction", () => {
    assert.equal(compareToBaseline(latency, 1300).status, "worse");
    assert.equal(compareToBaseline(latency, 700).status, "better");
    assert.equal(compareToBaseline(success, 0.8).status, "worse");
    assert.equal(compareToBaseline(success, 0.99).status, "better");
  });

  it("calls a change within ±5% the same, as trends do, and gives ratio and change", () => {
    assert.equal(compareToBaseline(latency, 1050).status, "same");
    assert.equal(compareToBaseline(latency, 950).status, "same");
    assert.equal(compareToBaseline(latency, 1051).status, "worse");
    const c = compareToBaseline(latency, 1170);
    assert.equal(c.ratio, 1.17);
    assert.ok(Math.abs(c.change! - 0.17) < 1e-12);
    assert.equal(c.baseline, 1000);
  });

  it("has no verdict and no NaN without a figure or against a zero baseline", () => {
    assert.deepEqual(compareToBaseline(latency, null), { current: null, baseline: 1000, ratio: null, change: null, status: "no_data" });
    assert.equal(compareToBaseline(latency, Number.NaN).status, "no_data");
    const zero = compareToBaseline({ value: 0, direction: "lower_is_better" }, 0.02);
    assert.equal(zero.ratio, null);
    assert.equal(zero.change, null);
    assert.equal(zero.status, "worse", "any rise from zero is beyond the tolerance");
    assert.equal(compareToBaseline({ value: 0, direction: "lower_is_better" }, 0).status, "same");
  });
});

describe("validateBaseline", () => {
  it("fills unit, direction, measured_at and scope from the catalogue and the clock", () => {
    const { baseline } = validateBaseline({ name: "b", metric: "success_rate", value: 0.97 }, "", "api", NOW);
    assert.equal(baseline?.unit, "ratio");
    assert.equal(baseline?.direction, "higher_is_better");
    assert.equal(baseline?.measured_at, "2026-03-01T12:00:00.000Z");
    assert.deepEqual(baseline?.scope, {});
    assert.equal(baseline?.active, true);
  });

  it("takes a custom metric with its direction and any unit, but no dimension scope", () => {
    assert.equal(validateBaseline({ name: "q", metric: "custom.queue_depth", value: 12, unit: "jobs", direction: "lower_is_better" }, "", "api", NOW).baseline?.unit, "jobs");
    const r = validateBaseline({ name: "q", metric: "custom.queue_depth", value: 12, direction: "lower_is_better", scope: { agent_name: "a" } }, "/baselines/0", "api", NOW);
    assert.deepEqual(r.problems.map((p) => p.path), ["/baselines/0/scope"]);
  });

  it("refuses a direction that contradicts the metric's, route states, and a window on a baseline that was not captured", () => {
    const r = validateBaseline({ name: "x", metric: "p95_latency_ms", value: 1, direction: "higher_is_better", window: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" } }, "", "api", NOW);
    assert.deepEqual(r.problems.map((p) => p.path).sort(), ["/direction", "/window"]);
    assert.deepEqual(validateBaseline({ name: "x", metric: "route_degraded", value: 0 }, "", "api", NOW).problems.map((p) => p.path), ["/metric"]);
  });

  it("refuses a list whole, naming each entry's field and a name used twice", () => {
    const list = [
      { name: "a", metric: "p95_latency_ms", value: 100 },
      { name: "a", metric: "p95_latency_ms", value: 200 },
      { name: "c", metric: "p95_latency_ms", value: -1, active: "yes" },
      "not a baseline",
    ];
    assert.throws(
      () => parseBaselines(list, "/baselines", "config", NOW),
      (e: unknown) => e instanceof VigilError && JSON.stringify((e.details as { path: string }[]).map((d) => d.path).sort()) === JSON.stringify(["/baselines/1/name", "/baselines/2/active", "/baselines/2/value", "/baselines/3"]),
    );
    assert.equal(parseBaselines(list.slice(0, 1), "/baselines", "config", NOW)[0]!.source, "config");
  });
});

describe("baseline rules", () => {
  const rule = (extra: Record<string, unknown>) => validateRule({ name: "R", metric: "p95_latency_ms", comparator: ">", ...extra }, "", "api");

  it("takes exactly one of threshold, threshold_key and baseline, and a positive factor only with a baseline", () => {
    assert.deepEqual(rule({ baseline: "b", factor: 1.2 }).rule?.baseline, { name: "b", factor: 1.2 });
    assert.deepEqual(rule({ baseline: "b" }).rule?.baseline, { name: "b", factor: 1 });
    assert.deepEqual(rule({ baseline: "b", threshold_key: "latency_p95_max_ms" }).problems.map((p) => p.path), ["/baseline"]);
    assert.deepEqual(rule({ threshold: 5, factor: 2 }).problems.map((p) => p.path), ["/factor"]);
    assert.deepEqual(rule({ baseline: "b", factor: -1 }).problems.map((p) => p.path), ["/factor"]);
    assert.deepEqual(rule({}).problems.map((p) => p.path), ["/threshold"]);
  });

  it("resolves the threshold as factor × the baseline in force, and none while the baseline is missing or inactive", () => {
    const r = rule({ baseline: "b", factor: 1.5 }).rule!;
    assert.equal(withBaselineThreshold(r, { value: 200, active: true }).threshold, 300);
    assert.equal(withBaselineThreshold(r, { value: 200, active: true }), withBaselineThreshold(r, { value: 200, active: true }), "the same object while the number holds");
    assert.equal(withBaselineThreshold(r, { value: 400, active: true }).threshold, 600);
    assert.equal(withBaselineThreshold(r, { value: 400, active: false }).threshold, null);
    assert.equal(withBaselineThreshold(r, null).threshold, null);
    assert.equal(baselineThreshold({ value: 2, active: true }, 1.2), 2.4);
  });
});

describe("alerts of a baseline rule", () => {
  const rule = validateRule({ name: "Slow", metric: "p95_latency_ms", comparator: ">", baseline: "search.p95", factor: 1.2, annotations: { summary: "p95 {{ $value }} over {{ $threshold }}" } }, "", "api").rule!;

  it("fire past factor × the baseline, with the number as threshold and the baseline named in a label and an annotation", () => {
    const r = withBaselineThreshold(rule, { value: 1500, active: true });
    const quiet = evaluateRule(r, [{ group: {}, value: 1790, samples: 20, threshold: r.threshold }], [], NOW);
    assert.equal(quiet.upserts.length, 0, "1790 ms is under 1.2 × 1500 = 1800 ms");
    const { upserts } = evaluateRule(r, [{ group: {}, value: 2500, samples: 20, threshold: r.threshold }], [], NOW);
    const a = upserts[0]!;
    assert.equal(a.state, "firing");
    assert.equal(a.threshold, 1800);
    assert.equal(a.labels.baseline, "search.p95");
    assert.equal(a.annotations.baseline, "1.2 × baseline search.p95 = 1.8 s");
    assert.equal(a.annotations.summary, "p95 2.5 s over 1.8 s");
  });

  it("do not fire while the baseline is missing (the rule's no-data behaviour)", () => {
    const r = withBaselineThreshold(rule, null);
    assert.equal(evaluateRule(r, [{ group: {}, value: 99_999, samples: 20, threshold: r.threshold }], [], NOW).upserts.length, 0);
  });
});

describe("scopeWithin", () => {
  it("keeps a baseline whose scope holds every filtered dimension", () => {
    assert.equal(scopeWithin({ agent_name: "a", model: "m" }, { agent_name: "a" }), true);
    assert.equal(scopeWithin({ agent_name: "a" }, { agent_name: "b" }), false);
    assert.equal(scopeWithin({}, { agent_name: "a" }), false);
    assert.equal(scopeWithin({ model: "m" }, {}), true);
  });
});
