import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

/** `n` runs of an agent, `failed` of them failures, `ms` each, on a model and route when given. */
function runs(agent: string, n: number, failed: number, ms = 800, dims: Record<string, string> = {}) {
  return Array.from({ length: n }, (_, i) => ({ type: "run", body: { agent_name: agent, status: i < failed ? "failure" : "success", duration_ms: ms, ...dims } }));
}

/** `n` LLM calls of a model on a route, `failed` of them failures. */
function calls(model: string, route: string, n: number, failed: number) {
  return Array.from({ length: n }, (_, i) => ({ type: "llm_call", body: { model, route, latency_ms: 300, status: i < failed ? "failure" : "success" } }));
}

describe("thresholds endpoints and the verdicts that read them (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
    for (const id of ["gpt-4o", "claude-sonnet-4", "spare"]) assert.equal((await t.request("POST", "/api/v1/models", { id })).status, 201);
    for (const [route, primary, backups] of [
      ["summarize", "gpt-4o", ["claude-sonnet-4"]],
      ["classify", "claude-sonnet-4", ["gpt-4o"]],
    ] as const) {
      const r = await t.request("POST", "/api/v1/routes", { route, primary, backups });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });
  after(async () => t?.close());

  const ingest = async (events: unknown[]) => {
    const r = await t.request("POST", "/api/v1/ingest", { events });
    assert.equal(r.status, 207, JSON.stringify(r.body));
    assert.equal(r.body.errors.length, 0, JSON.stringify(r.body.errors));
  };

  it("answers the defaults with the minimum sample count, and refuses query parameters", async () => {
    const r = await t.request("GET", "/api/v1/thresholds");
    assert.equal(r.status, 200);
    assert.equal(r.body.global.success_rate_min, 0.8);
    assert.equal(r.body.global.min_samples, 10);
    assert.deepEqual(Object.keys(r.body).sort(), ["agents", "global", "models", "routes", "tenants"]);
    await assertUnknownParams(t, [["GET", "/api/v1/thresholds?scope=agents", "scope"]]);
  });

  it("refuses a change whole, naming every bad path, and keeps the settings in force", async () => {
    const r = await t.request("PUT", "/api/v1/thresholds", { global: { error_rate_max: 2 }, agents: { a: { latency_p95_max_ms: { trip: 100, recover: 200 } } }, teams: {} });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details.map((d: { path: string }) => d.path).sort(), ["/agents/a/latency_p95_max_ms/recover", "/global/error_rate_max", "/teams"]);
    assert.equal((await t.request("GET", "/api/v1/thresholds")).body.global.error_rate_max, 0.15);
  });

  it("makes no verdict on three runs, one failed: no breach, no recommendation, no health score", async () => {
    await ingest(runs("newcomer", 3, 1));
    const rep = await t.request("GET", "/api/v1/report?window=15m");
    assert.equal(rep.status, 200);
    assert.ok(!rep.body.threshold_breaches.some((b: { subject: { name: string } }) => b.subject.name === "newcomer"), JSON.stringify(rep.body.threshold_breaches));
    assert.ok(!rep.body.recommendations.some((s: string) => s.includes("newcomer")));
    const agent = await t.request("GET", "/api/v1/metrics/agents/newcomer?window=15m");
    assert.equal(agent.body.health_score, null, "3 runs are below the minimum of 10: the score has no component");
  });

  it("honours a per-agent override in the report as alerting does, naming its scope and samples", async () => {
    await ingest(runs("slow-agent", 12, 0, 7000));
    await ingest(runs("other-slow", 12, 0, 7000));
    const put = await t.request("PUT", "/api/v1/thresholds", { agents: { "slow-agent": { latency_p95_max_ms: 9000 } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.agents, { "slow-agent": { latency_p95_max_ms: 9000 } });
    const rep = await t.request("GET", "/api/v1/report?window=15m");
    const latency = rep.body.threshold_breaches.filter((b: { metric: string }) => b.metric === "latency_p95_max_ms");
    const subjects = latency.map((b: { subject: { name: string | null } }) => b.subject.name);
    assert.ok(!subjects.includes("slow-agent"), "its own 9 s limit allows 7 s");
    const other = latency.find((b: { subject: { name: string | null } }) => b.subject.name === "other-slow");
    assert.ok(other, JSON.stringify(latency));
    assert.deepEqual(other.threshold_scope, { kind: "global", name: null });
    assert.equal(other.threshold, 5000);
    assert.equal(other.samples, 12);
  });

  it("judges model health on the threshold model: PUT /thresholds {models} counts, and PATCH /models/:id is its alias", async () => {
    await ingest(calls("gpt-4o", "summarize", 30, 6)); // 20% errors
    const before = await t.request("GET", "/api/v1/models/gpt-4o/health?route=summarize");
    assert.equal(before.body.status, "unhealthy", JSON.stringify(before.body));
    assert.deepEqual(before.body.reasons[0], { metric: "error_rate", value: 0.2, threshold: 0.15, scope: { kind: "global", name: null }, samples: 30 });
    const put = await t.request("PUT", "/api/v1/thresholds", { models: { "gpt-4o": { error_rate_max: 0.25 } } });
    assert.equal(put.status, 200);
    const after = await t.request("GET", "/api/v1/models/gpt-4o/health?route=summarize");
    assert.equal(after.body.status, "healthy", JSON.stringify(after.body));
    assert.deepEqual((await t.request("GET", "/api/v1/models/gpt-4o")).body.thresholds, { error_rate: { trip: 0.25 } }, "the registry shows the same scope");
    const patch = await t.request("PATCH", "/api/v1/models/gpt-4o", { thresholds: { error_rate: { trip: 0.1, recover: 0.05 } } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    assert.deepEqual(patch.body.thresholds, { error_rate: { trip: 0.1, recover: 0.05 } });
    assert.deepEqual((await t.request("GET", "/api/v1/thresholds")).body.models["gpt-4o"], { error_rate_max: { trip: 0.1, recover: 0.05 } });
    const again = await t.request("GET", "/api/v1/models/gpt-4o/health?route=summarize");
    assert.deepEqual(again.body.reasons[0].scope, { kind: "model", name: "gpt-4o" });
  });

  it("lets a model's own limit beat its route's", async () => {
    const r = await t.request("PATCH", "/api/v1/routes/summarize", { thresholds: { error_rate: { trip: 0.5 } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const h = await t.request("GET", "/api/v1/models/gpt-4o/health?route=summarize");
    assert.equal(h.body.status, "unhealthy", "the model's 10% beats the route's 50%");
    assert.equal(h.body.reasons[0].threshold, 0.1);
  });

  it("aggregates model health over the routes a model serves when no route is given", async () => {
    await ingest(calls("claude-sonnet-4", "classify", 40, 0));
    await ingest(calls("claude-sonnet-4", "summarize", 20, 12)); // 60%: past the route's 50%
    const h = await t.request("GET", "/api/v1/models/claude-sonnet-4/health");
    assert.equal(h.status, 200);
    assert.equal(h.body.status, "unhealthy", JSON.stringify(h.body));
    assert.equal(h.body.samples, 60);
    assert.deepEqual(Object.keys(h.body.routes).sort(), ["classify", "summarize"]);
    assert.equal(h.body.routes.classify.status, "healthy");
    assert.equal(h.body.reasons[0].route, "summarize");
    const spare = await t.request("GET", "/api/v1/models/spare/health");
    assert.equal(spare.body.status, "unknown", "no route and no traffic");
  });

  it("answers the system health with its signals, the same as the report's", async () => {
    const h = await t.request("GET", "/api/v1/health?window=15m");
    assert.equal(h.status, 200);
    for (const k of ["status", "health_score", "band", "metrics_score", "samples", "open_critical_alerts", "routes_not_normal", "reasons"]) assert.ok(k in h.body, k);
    const rep = await t.request("GET", "/api/v1/report?window=15m");
    assert.equal(rep.body.health_score, h.body.health_score);
    assert.equal(rep.body.status, h.body.status);
    assert.equal(rep.body.health.samples, h.body.samples);
  });

  it("removes a model's scope with the model", async () => {
    await t.request("PUT", "/api/v1/thresholds", { models: { spare: { error_rate_max: 0.3 } } });
    assert.equal((await t.request("DELETE", "/api/v1/models/spare")).status, 204);
    assert.equal((await t.request("GET", "/api/v1/thresholds")).body.models.spare, undefined);
  });
});
