import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "../errors.js";
import { formatRuleDuration } from "./duration.js";
import { parseRuleSet, ruleToInput, validateRule, type RuleProblem } from "./rule.js";

const VALID = { name: "HighErrorRate", metric: "error_rate", comparator: ">", threshold: 0.05, window: "5m" };

function problems(over: Record<string, unknown>): RuleProblem[] {
  const r = validateRule({ ...VALID, ...over }, "/rules/4", "file");
  assert.equal(r.rule, null, "the rule should be refused");
  return r.problems;
}

/** The one problem about `field`, checking that it names the rule and points at the field. */
function problemAt(ps: RuleProblem[], field: string, rule = "HighErrorRate"): RuleProblem {
  const p = ps.find((x) => x.field === field);
  assert.ok(p, `expected a problem on ${field}, got ${JSON.stringify(ps)}`);
  assert.equal(p.rule, rule);
  assert.equal(p.path, `/rules/4/${field}`);
  return p;
}

describe("validateRule", () => {
  it("accepts a minimal rule and fills the defaults", () => {
    const { rule, problems: ps } = validateRule(VALID, "/rules/0", "api");
    assert.deepEqual(ps, []);
    assert.equal(rule!.window_ms, 300_000);
    assert.equal(rule!.for_ms, 0);
    assert.equal(rule!.keep_firing_for_ms, 0);
    assert.equal(rule!.severity, "warning");
    assert.equal(rule!.no_data, "ok");
    assert.equal(rule!.min_samples, null, "unset: a fixed-threshold rule then needs 1 sample");
    assert.equal(rule!.source, "api");
  });

  it("names rule and field for an unknown metric, and points at the catalogue", () => {
    const p = problemAt(problems({ metric: "error_rat" }), "metric");
    assert.match(p.message, /unknown metric "error_rat"/);
    assert.match(p.message, /custom\.<name>/);
  });

  it("accepts custom metrics with an aggregate and refuses an aggregate on catalogue metrics", () => {
    assert.equal(validateRule({ ...VALID, metric: "custom.queue_depth", aggregate: "max" }, "", "file").rule!.aggregate, "max");
    assert.equal(validateRule({ ...VALID, metric: "custom.queue_depth" }, "", "file").rule!.aggregate, "avg");
    problemAt(problems({ aggregate: "max" }), "aggregate");
  });

  it("names rule and field for a bad duration", () => {
    const p = problemAt(problems({ for: "5 minutes" }), "for");
    assert.match(p.message, /duration such as 30s/);
    problemAt(problems({ window: "5m30" }), "window");
    problemAt(problems({ keep_firing_for: "1s1m" }), "keep_firing_for");
    assert.match(problemAt(problems({ window: "10s" }), "window").message, /between 30s and 7d/);
  });

  it("names rule and field for a bad comparator, and requires one", () => {
    assert.match(problemAt(problems({ comparator: "=>" }), "comparator").message, /must be one of > >= < <= == !=|must be one of >, >=/);
    const { comparator: _c, ...noComparator } = VALID;
    const r = validateRule(noComparator, "/rules/4", "file");
    problemAt(r.problems, "comparator");
  });

  it("names rule and annotation for an unknown template variable", () => {
    const p = problemAt(problems({ annotations: { summary: "value {{ $valeu }}" } }), "annotations/summary");
    assert.match(p.message, /unknown template variable "\{\{ \$valeu \}\}"/);
    assert.match(problemAt(problems({ annotations: { summary: "{{ $labels }}" } }), "annotations/summary").message, /needs a label name/);
  });

  it("names rule and annotation for unbalanced braces", () => {
    assert.match(problemAt(problems({ annotations: { summary: "value {{ $value }" } }), "annotations/summary").message, /unbalanced/);
    assert.match(problemAt(problems({ annotations: { description: "value $value }}" } }), "annotations/description").message, /unbalanced/);
  });

  it("names rule and field for unknown fields, so typos do not vanish", () => {
    const ps = problems({ treshold: 3, labes: {} });
    assert.match(problemAt(ps, "treshold").message, /unknown field "treshold"/);
    problemAt(ps, "labes");
  });

  it("refuses labels that Vigil sets itself", () => {
    for (const k of ["alertname", "severity", "agent_name", "model", "route", "tenant_id", "mode", "query_class", "component", "service", "endpoint"]) {
      assert.match(problemAt(problems({ labels: { [k]: "x" } }), `labels/${k}`).message, /set by Vigil/);
    }
  });

  it("refuses unknown dimensions in scope and group_by, and a rule without a name", () => {
    problemAt(problems({ scope: { agent: "a" } }), "scope/agent");
    problemAt(problems({ group_by: ["agent_name", "agent_name"] }), "group_by/1");
    const { name: _n, ...noName } = VALID;
    const r = validateRule(noName, "/rules/4", "file");
    assert.equal(r.problems[0]!.field, "name");
    assert.equal(r.problems[0]!.rule, "(rule at /rules/4)");
  });

  it("requires exactly one of threshold and threshold_key", () => {
    const { threshold: _t, ...noThreshold } = VALID;
    problemAt(validateRule(noThreshold, "/rules/4", "file").problems, "threshold");
    problemAt(problems({ threshold_key: "error_rate_max" }), "threshold_key");
    problemAt(problems({ threshold: undefined, threshold_key: "error_rate_maximum" }), "threshold_key");
  });

  it("round-trips a full rule through ruleToInput and validateRule", () => {
    const input = {
      name: "AgentLatency",
      description: "p95 per agent",
      metric: "p95_latency_ms",
      scope: { route: "summarize" },
      group_by: ["agent_name", "model"],
      comparator: ">=",
      threshold: 5000,
      window: "15m",
      for: "1h30m",
      keep_firing_for: "45s",
      min_samples: 20,
      change: "ratio",
      severity: "critical",
      labels: { team: "ml" },
      annotations: { summary: "{{ $labels.agent_name }} at {{ $value }}" },
      no_data: "keep_state",
      enabled: false,
    };
    const first = validateRule(input, "", "file").rule!;
    const again = validateRule(ruleToInput(first, formatRuleDuration), "", "file");
    assert.deepEqual(again.problems, []);
    assert.deepEqual(again.rule, first);
    const custom = validateRule({ name: "Q", metric: "custom.queue", aggregate: "rate", comparator: "<", threshold_key: "success_rate_min" }, "", "default").rule!;
    assert.deepEqual(validateRule(ruleToInput(custom, formatRuleDuration), "", "default").rule, custom);
  });
});

describe("parseRuleSet", () => {
  it("refuses duplicate names, naming the rule and the field", () => {
    assert.throws(
      () => parseRuleSet({ rules: [VALID, { ...VALID, threshold: 0.1 }] }, "file", "rules.yaml"),
      (err: unknown) => {
        assert.ok(err instanceof VigilError);
        assert.equal(err.code, "VALIDATION_FAILED");
        assert.match(err.message, /^rules\.yaml: invalid rule: rule "HighErrorRate", field "name": another rule is already named "HighErrorRate"/);
        assert.deepEqual(err.details, [{ path: "/rules/1/name", rule: "HighErrorRate", field: "name", message: 'another rule is already named "HighErrorRate"' }]);
        return true;
      },
    );
  });

  it("reports every problem of every rule at once", () => {
    assert.throws(
      () => parseRuleSet([{ ...VALID, metric: "nope" }, { ...VALID, name: "Other", for: "soon" }], "file", "rules.yaml"),
      (err: VigilError) => {
        assert.match(err.message, /2 problems/);
        assert.match(err.message, /rule "HighErrorRate", field "metric"/);
        assert.match(err.message, /rule "Other", field "for"/);
        assert.deepEqual(err.details!.map((d) => (d as { path: string }).path), ["/0/metric", "/1/for"]);
        return true;
      },
    );
  });

  it("accepts an empty document and a bare list, and refuses a document without rules", () => {
    assert.deepEqual(parseRuleSet(null, "file", "x"), []);
    assert.equal(parseRuleSet([VALID], "file", "x").length, 1);
    assert.throws(() => parseRuleSet({ rule: [] }, "file", "x"), /expected a "rules:" list/);
  });
});
