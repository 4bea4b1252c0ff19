import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const EXAMPLE = fileURLToPath(new URL("../../../../docs/examples/seed-002.yaml", import.meta.url));

describe("seed 002's example config: baselines", () => {
  it("loads seed 002's five baselines with their values, categories, components and test conditions", () => {
    const cfg = validateConfig(loadConfig({ config: EXAMPLE, dataDir: "/nonexistent", port: 0, host: "127.0.0.1" }, {}));
    const byName = new Map(cfg.configBaselines.map((b) => [b.name, b]));
    const expected: [string, string, number, string, string][] = [
      ["conversational_query_response_time", "ai_query", 8500, "cognitive_core", "p95_latency_ms"],
      ["ml_prediction_inference_time", "ml_inference", 450, "cognitive_core", "llm_p95_latency_ms"],
      ["user_feedback_processing_time", "user_feedback", 120, "user_interface", "p95_latency_ms"],
      ["embedding_generation_time", "ai_query", 2100, "data_intelligence", "llm_p95_latency_ms"],
      ["ai_terminal_load_time", "user_interface", 280, "user_interface", "p95_latency_ms"],
    ];
    assert.equal(cfg.configBaselines.length, expected.length);
    for (const [name, category, value, component, metric] of expected) {
      const b = byName.get(name);
      assert.ok(b, `${name} is loaded`);
      assert.equal(b.category, category);
      assert.equal(b.value, value);
      assert.equal(b.unit, "ms");
      assert.equal(b.component, component);
      assert.equal(b.metric, metric);
      assert.equal(b.source, "config");
      assert.equal(b.direction, "lower_is_better");
      assert.equal(b.active, true);
    }
    assert.deepEqual(byName.get("conversational_query_response_time")!.scope, { query_class: "moderate", component: "cognitive_core" });
    assert.deepEqual(byName.get("conversational_query_response_time")!.test_conditions, { query_complexity: "moderate", includes_ml: true });
  });
});
