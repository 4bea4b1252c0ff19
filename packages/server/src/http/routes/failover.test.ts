import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

describe("models and routes endpoints (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
    for (const [id, provider, status] of [
      ["gpt-4o", "openai", "active"],
      ["gpt-4o-mini", "openai", "standby"],
      ["claude-sonnet-4", "anthropic", "active"],
    ]) {
      const r = await t.request("POST", "/api/v1/models", { id, provider, status, version: "1.0.0" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const route = await t.request("POST", "/api/v1/routes", { route: "summarize", primary: "gpt-4o", backups: ["claude-sonnet-4"] });
    assert.equal(route.status, 201, JSON.stringify(route.body));
  });
  after(async () => t?.close());

  const ids = (body: { models: { id: string }[] }) => body.models.map((m) => m.id);

  it("filters the registry by provider and status (GET /api/v1/models?provider= used to answer every model)", async () => {
    const openai = await t.request("GET", "/api/v1/models?provider=openai");
    assert.equal(openai.status, 200);
    assert.deepEqual(ids(openai.body), ["gpt-4o", "gpt-4o-mini"]);
    assert.deepEqual(ids((await t.request("GET", "/api/v1/models?status=standby")).body), ["gpt-4o-mini"]);
    assert.deepEqual(ids((await t.request("GET", "/api/v1/models?provider=openai&status=active,retired")).body), ["gpt-4o"]);
    assert.deepEqual(ids((await t.request("GET", "/api/v1/models")).body), ["claude-sonnet-4", "gpt-4o", "gpt-4o-mini"]);
    const bad = await t.request("GET", "/api/v1/models?status=asleep");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, "/query/status");
  });

  it("refuses a misspelled query parameter by name", async () => {
    await assertUnknownParams(t, [
      ["GET", "/api/v1/models?provder=openai", "provder"],
      ["GET", "/api/v1/models/gpt-4o/health?windw=5m", "windw"],
      ["GET", "/api/v1/models/compare?a=gpt-4o&b=claude-sonnet-4&rout=summarize", "rout"],
      ["GET", "/api/v1/routes?state=pinned", "state"],
      ["GET", "/api/v1/routes/summarize/history?limt=5", "limt"],
      ["GET", "/api/v1/routes/summarize/stream?since=3", "since"],
      ["DELETE", "/api/v1/routes/summarize/pin?user=dana", "user"],
    ]);
  });

  it("refuses a repeated query parameter", async () => {
    const r = await t.request("GET", "/api/v1/routes/summarize/history?limit=1&limit=2");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details, [{ path: "/query/limit", message: "must be given once" }]);
  });

  it("refuses a path parameter that is too long", async () => {
    for (const [url, name] of [
      [`/api/v1/models/${"m".repeat(257)}`, "id"],
      [`/api/v1/routes/${"r".repeat(257)}/history`, "route"],
    ] as const) {
      const r = await t.request("GET", url);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.details[0].path, `/params/${name}`);
    }
  });

  it("names query problems under /query (compare without b, health with a bad window)", async () => {
    const compare = await t.request("GET", "/api/v1/models/compare?a=gpt-4o");
    assert.equal(compare.status, 400);
    assert.equal(compare.body.error.details[0].path, "/query/b");
    const health = await t.request("GET", "/api/v1/models/gpt-4o/health?window=soon");
    assert.equal(health.status, 400);
    assert.equal(health.body.error.details[0].path, "/query/window");
  });

  it("refuses an unknown field of a rollback by name (it used to be ignored)", async () => {
    const r = await t.request("POST", "/api/v1/models/gpt-4o/rollback", { version: "0.9.0" });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.details[0].path, "/version");
  });

  it("answers the documented shapes on the happy path", async () => {
    const model = await t.request("GET", "/api/v1/models/gpt-4o");
    assert.equal(model.status, 200);
    assert.equal(model.body.provider, "openai");
    const health = await t.request("GET", "/api/v1/models/gpt-4o/health?route=summarize&window=5m");
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.deepEqual(Object.keys(health.body).sort(), ["reasons", "samples", "status"]);
    const view = await t.request("GET", "/api/v1/routes/summarize");
    assert.equal(view.status, 200);
    assert.equal(view.body.active_model, "gpt-4o");
    const pinned = await t.request("POST", "/api/v1/routes/summarize/switch", { to: "claude-sonnet-4", by: "dana", ttl_s: 60 });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    assert.equal(pinned.body.state, "pinned");
    const unpinned = await t.request("DELETE", "/api/v1/routes/summarize/pin?by=dana");
    assert.equal(unpinned.status, 200, JSON.stringify(unpinned.body));
    const history = await t.request("GET", "/api/v1/routes/summarize/history?limit=10");
    assert.equal(history.status, 200);
    assert.ok(history.body.decisions.length >= 2);
  });
});
