import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

describe("metrics routes (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
  });
  after(async () => t?.close());

  it("refuses a misspelled query parameter by name instead of answering for the whole system", async () => {
    const errors = await assertUnknownParams(t, [
      ["GET", "/api/v1/metrics/system?windw=5m", "windw"],
      ["GET", "/api/v1/metrics/system?agent=react_agent", "agent"],
      ["GET", "/api/v1/metrics/agents?sort=name&ordr=asc", "ordr"],
      ["GET", "/api/v1/metrics/timeseries?metric=p95_latency_ms&group=model", "group"],
      ["GET", "/api/v1/report?include_agent=false", "include_agent"],
    ]);
    for (const e of errors) assert.match(e.details[0]!.message, /is not a known query parameter here; known: .*window/);
  });

  it("refuses a repeated query parameter rather than picking one", async () => {
    const r = await t.request("GET", "/api/v1/metrics/system?window=5m&window=1h");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details, [{ path: "/query/window", message: "must be given once" }]);
  });

  it("refuses a path parameter longer than any name ingest accepts", async () => {
    const r = await t.request("GET", `/api/v1/metrics/agents/${"a".repeat(257)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details[0].path, "/params/name");
    assert.match(r.body.error.details[0].message, /at most 256 characters/);
  });

  it("answers a path the router cannot take (far too long, a broken %-escape) in the usual error shape", async () => {
    const long = await t.request("GET", `/api/v1/metrics/agents/${"a".repeat(2000)}`);
    assert.equal(long.status, 414);
    assert.equal(long.body.error.code, "URI_TOO_LONG");
    const broken = await t.request("GET", "/api/v1/metrics/agents/caf%C3");
    assert.equal(broken.status, 400, JSON.stringify(broken.body));
    assert.equal(broken.body.error.code, "BAD_URL");
  });

  it("refuses metric names that are Object.prototype members (__proto__, constructor, toString)", async () => {
    for (const metric of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const r = await t.request("GET", `/api/v1/metrics/timeseries?metric=${metric}`);
      assert.equal(r.status, 400, `${metric}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details[0].path, "/query/metric");
    }
  });

  it("serves the detail page of a 256-character agent name with non-ASCII characters, percent-encoded in the URL", async () => {
    const head = "agent-é日本-𝔸-";
    const name = head + "ü".repeat(256 - [...head].length);
    assert.equal([...name].length, 256);
    const ingested = await t.request("POST", "/api/v1/runs", { agent_name: name, status: "success", duration_ms: 120 });
    assert.equal(ingested.status, 202, JSON.stringify(ingested.body));
    const url = `/api/v1/metrics/agents/${encodeURIComponent(name)}`;
    assert.ok(url.length > 500, "the encoded name is longer than Fastify's default parameter limit of 100");
    const r = await t.request("GET", url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.agent_name, name);
    assert.equal(r.body.metrics.total_tasks, 1);
  });

  it("answers the documented shapes on the happy path", async () => {
    const system = await t.request("GET", "/api/v1/metrics/system?window=60m");
    assert.equal(system.status, 200);
    assert.deepEqual(Object.keys(system.body).sort(), ["generated_at", "metrics", "window"]);
    const list = await t.request("GET", "/api/v1/metrics/agents?window=1h&sort=name&order=asc&limit=10");
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ["agents", "next_cursor", "total_count", "window"]);
    const ts = await t.request("GET", "/api/v1/metrics/timeseries?metric=total_tasks,p95_latency_ms&window=1h&step=5m");
    assert.equal(ts.status, 200, JSON.stringify(ts.body));
    assert.ok(Array.isArray(ts.body.series));
  });
});
