import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { candidateModels, planAttempts } from "./candidates.js";
import { routeView } from "./fakes.test-support.js";
import { upstreamPolicy } from "../core/failover/upstream-policy.js";
import { buildUpstreamTable } from "./upstreams.js";

const table = buildUpstreamTable(
  ["model-a", "model-b", "model-c", "model-d"].map((id) => ({ id, provider: null, upstream: { base_url: `http://127.0.0.1:9/${id}`, api_key_env: null, model: null } })),
  new Map(),
  {},
  upstreamPolicy({ allow: ["127.0.0.1"] }),
).targets;

describe("relay candidates", () => {
  it("tries the pick, then the primary, then the backups, without duplicates", () => {
    const view = routeView({ revision: 1, active_model: "model-b", primary: "model-a", backups: ["model-b", "model-c"] });
    assert.deepEqual(candidateModels({ model: "model-b", reason: "active", view }), ["model-b", "model-a", "model-c"]);
    assert.deepEqual(candidateModels({ model: "model-a", reason: "split", view }), ["model-a", "model-b", "model-c"]);
  });

  it("tries only the default model when no view was ever had", () => {
    assert.deepEqual(candidateModels({ model: "model-d", reason: "default", view: null }), ["model-d"]);
  });

  it("skips models without an upstream and stops at maxAttempts", () => {
    const plan = planAttempts(["model-x", "model-a", "model-b", "model-c"], table, 2);
    assert.deepEqual(plan.targets.map((t) => t.modelId), ["model-a", "model-b"]);
    assert.deepEqual(plan.skipped, ["model-x"]);
  });
});
