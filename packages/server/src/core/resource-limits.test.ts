import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ruleExpression } from "./alerting/prometheus-rules.js";
import { validateRule } from "./alerting/rule.js";
import { parseResourceLimits, resourceLimitRules } from "./resource-limits.js";

/** Seed 002's AI_SYSTEM_RESOURCE_LIMITS, written with units in the keys. */
const SEED = {
  cognitive_core: { max_memory_mb: 4096, max_cpu_percent: 70, max_concurrent_queries: 15, query_timeout_ms: 30000, max_queue_size: 100, ml_inference_timeout_ms: 5000 },
  user_interface: { max_memory_mb: 1024, max_cpu_percent: 40, max_websocket_connections: 500, feedback_processing_timeout_ms: 2000, terminal_response_time_ms: 300 },
  data_intelligence: { max_training_memory_mb: 8192, max_training_cpu_percent: 80, max_training_time_s: 7200, max_embedding_batch_size: 100, feature_extraction_timeout_ms: 10000 },
  nervous_system: { monitoring_overhead_percent: 5, alert_processing_time_ms: 1000 },
};

describe("resource limits", () => {
  it("reads seed 002's limits into one limit per key, each naming its metric and rule", () => {
    const { limits, problems } = parseResourceLimits(SEED);
    assert.deepEqual(problems, []);
    assert.equal(limits.length, 18);
    const mem = limits.find((l) => l.component === "cognitive_core" && l.key === "max_memory_mb")!;
    assert.deepEqual({ metric: mem.metric, max: mem.max, unit: mem.unit, rule: mem.rule, window: mem.window }, { metric: "memory_mb", max: 4096, unit: "MB", rule: "resource_limit:cognitive_core:memory_mb", window: "1m" });
    assert.equal(limits.find((l) => l.key === "max_training_time_s")!.metric, "training_time_s");
  });

  it("generates a max-over-window rule per limit, scoped to the component, that the rule validator accepts back", () => {
    const rules = resourceLimitRules(parseResourceLimits(SEED).limits);
    assert.equal(rules.length, 18);
    const r = rules.find((x) => x.name === "resource_limit:nervous_system:monitoring_overhead_percent")!;
    assert.equal(r.metric, "custom.monitoring_overhead_percent");
    assert.equal(r.aggregate, "max");
    assert.equal(r.component, "nervous_system");
    assert.equal(r.comparator, ">");
    assert.equal(r.threshold, 5);
    assert.equal(r.source, "default");
    assert.equal(r.labels.pack, "resource-limits");
  });

  it("takes a limit of the user's own with its metric, window and severity", () => {
    const { limits, problems } = parseResourceLimits({ gateway: { max_gpu_memory: { max: 20000, metric: "gpu_memory_used_mb", unit: "MB", window: "5m", severity: "critical" } } });
    assert.deepEqual(problems, []);
    assert.deepEqual(limits.map((l) => [l.rule, l.max, l.window, l.severity]), [["resource_limit:gateway:gpu_memory_used_mb", 20000, "5m", "critical"]]);
  });

  it("refuses bad limits naming each by its JSON pointer", () => {
    const { limits, problems } = parseResourceLimits({
      cognitive_core: { max_memory_mb: -1, max_memory_usage: 4096, max_cpu_percent: "70", max_queue_size: { max: 100, window: "5 minutes" }, mystery: 3 },
      "bad component": { max_memory_mb: 1 },
      user_interface: { own: { max: 3 } },
      nervous_system: 5,
    });
    assert.deepEqual(limits, [], "nothing is kept when anything is wrong");
    const paths = problems.map((p) => p.path);
    assert.deepEqual(paths, [
      "/resource_limits/cognitive_core/max_memory_mb",
      "/resource_limits/cognitive_core/max_memory_usage",
      "/resource_limits/cognitive_core/max_cpu_percent",
      "/resource_limits/cognitive_core/max_queue_size/window",
      "/resource_limits/cognitive_core/mystery",
      "/resource_limits/bad component",
      "/resource_limits/user_interface/own/metric",
      "/resource_limits/nervous_system",
    ]);
    assert.match(problems[1]!.message, /seed 002's name: write max_memory_mb/);
  });

  it("refuses two limits of one component on the same metric", () => {
    const { problems } = parseResourceLimits({ c: { max_memory_mb: 1, other: { max: 2, metric: "memory_mb" } } });
    assert.deepEqual(problems.map((p) => p.path), ["/resource_limits/c/other"]);
  });
});

describe("custom metric rules scoped by component", () => {
  const base = { name: "R", metric: "custom.memory_mb", aggregate: "max", comparator: ">", threshold: 1 };
  it("accepts a component scope on a custom metric", () => {
    const { rule, problems } = validateRule({ ...base, scope: { component: "api" } }, "/rules/0", "api");
    assert.deepEqual(problems, []);
    assert.equal(rule!.component, "api");
  });
  it("is not exported as PromQL over all components: the custom family carries no component label", () => {
    const { rule } = validateRule({ ...base, aggregate: "avg", scope: { component: "api" } }, "/rules/0", "api");
    assert.match((ruleExpression(rule!, 1) as { reason: string }).reason, /no component label/);
    const { rule: unscoped } = validateRule({ ...base, aggregate: "avg" }, "/rules/0", "api");
    assert.ok("expr" in ruleExpression(unscoped!, 1), "the same rule without a component is written");
  });

  it("refuses any other scope on a custom metric, naming the field", () => {
    const { problems } = validateRule({ ...base, scope: { agent_name: "x", component: "" } }, "/rules/0", "api");
    assert.deepEqual(problems.map((p) => p.path), ["/rules/0/scope/agent_name", "/rules/0/scope/component"]);
  });
});
