import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

describe("operations routes (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
  });
  after(async () => t?.close());

  it("refuses query parameters the route does not read, by name", async () => {
    await assertUnknownParams(t, [
      ["GET", "/healthz?verbose=1", "verbose"],
      ["GET", "/readyz?full=true", "full"],
      ["GET", "/metrics?format=openmetrics", "format"],
      ["GET", "/api/v1/health/detailed?window=1h", "window"],
      ["GET", "/api/v1/prices?model=gpt-4o", "model"],
      ["GET", "/api/v1/session?key=x", "key"],
      ["POST", "/api/v1/sync?lookback_hour=5", "lookback_hour"],
    ]);
    const sync = await t.request("POST", "/api/v1/sync?lookback_hour=5");
    assert.match(sync.body.error.details[0].message, /known: lookback_hours/);
    const none = await t.request("GET", "/healthz?verbose=1");
    assert.equal(none.body.error.message, 'query parameter "verbose" is not a known query parameter: this route takes none');
  });

  it("refuses a repeated query parameter", async () => {
    const r = await t.request("POST", "/api/v1/sync?lookback_hours=1&lookback_hours=48");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details, [{ path: "/query/lookback_hours", message: "must be given once" }]);
  });

  it("refuses sync parameters sent in the body (they used to be ignored, rebuilding 24 hours)", async () => {
    const r = await t.request("POST", "/api/v1/sync", { lookback_hours: 48 });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.details[0].path, "/lookback_hours");
    assert.match(r.body.error.details[0].message, /query string/);
    const list = await t.request("POST", "/api/v1/sync", [1]);
    assert.equal(list.status, 400);
    assert.equal(list.body.error.message, "the body must be a JSON object (or left out)");
  });

  it("refuses a price entry holding __proto__ with FORBIDDEN_KEY", async () => {
    const r = await t.request("POST", "/api/v1/prices", '{"model":"m","input_per_1m":1,"output_per_1m":2,"\\u005f_proto__":{"polluted":1}}');
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "FORBIDDEN_KEY");
    assert.equal(r.body.error.details[0].path, "/__proto__");
  });

  it("answers the documented shapes on the happy path", async () => {
    assert.deepEqual((await t.request("GET", "/healthz")).body, { status: "alive" });
    assert.deepEqual((await t.request("GET", "/readyz")).body, { status: "ready" });
    const metrics = await t.request("GET", "/metrics");
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers["content-type"]), /^text\/plain/);
    const synced = await t.request("POST", "/api/v1/sync?lookback_hours=2");
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.equal(synced.body.status, "synced");
    assert.equal(synced.body.lookback_hours, 2);
    assert.equal((await t.request("POST", "/api/v1/sync", {})).status, 200);
    const price = await t.request("POST", "/api/v1/prices", { model: "my-model-*", input_per_1m: 1, output_per_1m: 2 });
    assert.equal(price.status, 201, JSON.stringify(price.body));
    assert.ok((await t.request("GET", "/api/v1/prices")).body.prices.some((p: { model: string }) => p.model === "my-model-*"));
    assert.deepEqual((await t.request("GET", "/api/v1/session")).body, { auth: "none", key_name: null, scopes: ["ingest", "read", "admin"] });
  });
});
