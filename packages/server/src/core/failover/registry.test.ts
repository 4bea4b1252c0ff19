import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareSemver, isSemver, parseModel, parseRoute, rollbackModel, routeConfig, thresholdsFor } from "./registry.js";
import type { ModelRecord } from "./store.js";
import { upstreamPolicy } from "./upstream-policy.js";

const ok = <T>(r: { problems: unknown[] } | T): T => {
  assert.ok(!("problems" in (r as object)), JSON.stringify((r as { problems: unknown }).problems));
  return r as T;
};

describe("model registry input", () => {
  it("takes a full model and fills defaults", () => {
    const { model } = ok<{ model: ModelRecord }>(parseModel({ id: "gpt-4o", provider: "openai", version: "2.1.0", capabilities: { context_window: 128000, tools: true }, upstream: { base_url: "http://127.0.0.1:9/v1/", api_key_env: "VIGIL_UPSTREAM_KEY_OPENAI" }, thresholds: { error_rate: { trip: 0.1 } } }, "api", 1000, null, upstreamPolicy({ allow: ["127.0.0.1"] })));
    assert.equal(model.name, "gpt-4o");
    assert.equal(model.status, "active");
    assert.equal(model.deployment_status, "deployed");
    assert.deepEqual(model.versions, [{ version: "2.1.0", deployed_at: 1000, notes: null }]);
    assert.equal(model.upstream!.base_url, "http://127.0.0.1:9/v1", "trailing slash dropped");
    assert.equal(model.upstream!.model, null);
  });

  it("names every wrong field by JSON pointer", () => {
    const r = parseModel({ id: "", version: "v2", status: "on", capabilities: { tools: "yes", context_window: -1 }, upstream: { base_url: "ftp://x", api_key_env: "1BAD" }, colour: "red", thresholds: { error_rate: { trip: 0.1, recover: 0.3 } } }, "api", 0);
    assert.ok("problems" in r);
    assert.deepEqual(r.problems.map((p) => p.path).sort(), ["/api_key_env", "/capabilities/context_window", "/capabilities/tools", "/colour", "/id", "/status", "/thresholds/error_rate/recover", "/upstream/base_url", "/version"].map((p) => (p === "/api_key_env" ? "/upstream/api_key_env" : p)).sort());
  });

  it("refuses an upstream at a loopback, private or link-local address, or with a key variable outside the prefix, naming the field", () => {
    const problems = (upstream: unknown, allow: string[] = [], keyEnvPrefix?: string) => {
      const r = parseModel({ id: "m", upstream }, "api", 0, null, upstreamPolicy({ allow, keyEnvPrefix }));
      return "problems" in r ? r.problems : [];
    };
    const [metadata] = problems({ base_url: "http://169.254.169.254/latest/meta-data" });
    assert.equal(metadata!.path, "/upstream/base_url");
    assert.match(metadata!.message, /^is refused: 169\.254\.169\.254 is a link-local address, not in the upstream allow-list \(failover\.upstreams\.allow/);
    for (const url of ["http://[::ffff:169.254.169.254]/", "http://[fe80::1]/v1", "http://10.0.0.7:4000/v1", "http://localhost:11434/v1", "http://0.0.0.0:8080/v1"]) {
      assert.deepEqual(problems({ base_url: url }).map((p) => p.path), ["/upstream/base_url"], url);
    }
    const [key] = problems({ base_url: "https://api.openai.com/v1", api_key_env: "AWS_SECRET_ACCESS_KEY" });
    assert.deepEqual(key, { path: "/upstream/api_key_env", message: "must start with VIGIL_UPSTREAM_KEY_ (the upstream key prefix), such as VIGIL_UPSTREAM_KEY_OPENAI; other variables are never read" });
    assert.deepEqual(problems({ base_url: "https://api.openai.com/v1", api_key_env: "VIGIL_UPSTREAM_KEY_OPENAI" }), []);
    assert.deepEqual(problems({ base_url: "http://10.0.0.7:4000/v1", api_key_env: "ACME_OPENAI" }, ["10.0.0.0/8"], "ACME_"), [], "the allow-list and the prefix are configurable");
    assert.deepEqual(problems({ base_url: "http://ollama.internal:11434/v1" }), [], "a host name is judged by the relay once resolved");
  });

  it("updates keep unspecified fields and record each new version; rollback returns to the previous one", () => {
    const first = ok<{ model: ModelRecord }>(parseModel({ id: "m", version: "1.0.0", provider: "p" }, "api", 1)).model;
    const second = ok<{ model: ModelRecord }>(parseModel({ version: "1.1.0", notes: "new prompt" }, "api", 2, first)).model;
    assert.equal(second.provider, "p");
    assert.deepEqual(second.versions.map((v) => v.version), ["1.0.0", "1.1.0"]);
    assert.equal(second.created_at, 1);
    const back = ok<{ model: ModelRecord }>(rollbackModel(second, null, 3)).model;
    assert.equal(back.version, "1.0.0");
    assert.equal(back.deployment_status, "rolled_back");
    assert.deepEqual(back.versions.map((v) => v.version), ["1.0.0", "1.1.0", "1.0.0"]);
    assert.ok("problems" in rollbackModel(first, null, 3), "nothing to roll back to");
    assert.ok("problems" in rollbackModel(second, "9.9.9", 3));
    assert.ok("problems" in parseModel({ id: "other" }, "api", 4, first), "ids do not change");
  });

  it("compares semantic versions", () => {
    assert.ok(isSemver("1.2.3-rc.1+build.5"));
    assert.ok(!isSemver("1.2"));
    assert.equal(compareSemver("1.10.0", "1.9.9"), 1);
    assert.equal(compareSemver("2.0.0-rc.1", "2.0.0"), -1);
    assert.equal(compareSemver("2.0.0+b1", "2.0.0"), 0);
  });
});

describe("route registry input", () => {
  const models = new Set(["a", "b", "c"]);

  it("takes a route with backups, thresholds, policy overrides and a window", () => {
    const { route } = ok<{ route: ReturnType<typeof parseRoute> extends infer R ? (R extends { route: infer X } ? X : never) : never }>(parseRoute({ route: "summarize", primary: "a", backups: ["b", "c"], thresholds: { error_rate: { trip: 0.1, recover: 0.05, min_samples: 30 } }, switch_back: "auto", policy: { trip_after: 2, min_dwell_ms: "30s", ramp: [0.1, 0.5] }, window: "2m", slow_call_ms: 5000 }, "config", 0, models));
    assert.equal(route.window_ms, 120_000);
    assert.deepEqual(route.policy, { trip_after: 2, min_dwell_ms: 30_000, ramp: [0.1, 0.5] });
    const cfg = routeConfig(route);
    assert.equal(cfg.policy.trip_after, 2);
    assert.equal(cfg.policy.probe_share, 0.05, "defaults fill the rest");
  });

  it("refuses unknown models, duplicates and bad settings, naming the field", () => {
    const r = parseRoute({ route: "x", primary: "a", backups: ["b", "b", "a", "zzz"], switch_back: "sometimes", policy: { ramp: [0.5, 0.2], probe_share: 2, speed: 1 }, window: "5s" }, "api", 0, models);
    assert.ok("problems" in r);
    assert.deepEqual(r.problems.map((p) => p.path).sort(), ["/backups/1", "/backups/2", "/backups/3", "/policy/probe_share", "/policy/ramp", "/policy/speed", "/switch_back", "/window"].sort());
    assert.match(r.problems.find((p) => p.path === "/backups/3")!.message, /not registered/);
  });

  it("takes the route's thresholds over the model's defaults", () => {
    const { route } = parseRoute({ route: "r", primary: "a", thresholds: { error_rate: { trip: 0.2 } } }, "api", 0, models) as { route: NonNullable<Extract<ReturnType<typeof parseRoute>, { route: unknown }>["route"]> };
    const model = { thresholds: { error_rate: { trip: 0.05 }, p95_latency_ms: { trip: 3000 } } } as unknown as ModelRecord;
    assert.deepEqual(thresholdsFor(route, model), { error_rate: { trip: 0.2 }, p95_latency_ms: { trip: 3000 } });
  });
});
