import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const EXAMPLE = fileURLToPath(new URL("../../../../docs/examples/seed-002.yaml", import.meta.url));

describe("seed 002's example config: resource limits", () => {
  it("loads the four components' limits with seed 002's numbers, a rule for each, and the collector as the nervous system", () => {
    const cfg = validateConfig(loadConfig({ config: EXAMPLE, dataDir: "/nonexistent", port: 0, host: "127.0.0.1" }, {}));
    const limits = Object.fromEntries(cfg.resources.limits.map((l) => [`${l.component}.${l.key}`, l.max]));
    assert.deepEqual(limits, {
      "cognitive_core.max_memory_mb": 4096,
      "cognitive_core.max_cpu_percent": 70,
      "cognitive_core.max_concurrent_queries": 15,
      "cognitive_core.query_timeout_ms": 30000,
      "cognitive_core.max_queue_size": 100,
      "cognitive_core.ml_inference_timeout_ms": 5000,
      "user_interface.max_memory_mb": 1024,
      "user_interface.max_cpu_percent": 40,
      "user_interface.max_websocket_connections": 500,
      "user_interface.feedback_processing_timeout_ms": 2000,
      "user_interface.terminal_response_time_ms": 300,
      "data_intelligence.max_training_memory_mb": 8192,
      "data_intelligence.max_training_cpu_percent": 80,
      "data_intelligence.max_training_time_s": 7200,
      "data_intelligence.max_embedding_batch_size": 100,
      "data_intelligence.feature_extraction_timeout_ms": 10000,
      "nervous_system.monitoring_overhead_percent": 5,
      "nervous_system.alert_processing_time_ms": 1000,
    });
    assert.equal(cfg.resources.rules.length, 18);
    const overhead = cfg.resources.rules.find((r) => r.name === "resource_limit:nervous_system:monitoring_overhead_percent")!;
    assert.equal(overhead.component, cfg.resources.collector.component, "the overhead limit checks what the collector records");
    assert.equal(cfg.resources.collector.intervalMs, 30_000);
  });
});
