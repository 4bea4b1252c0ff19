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

  it("filters, groups and lists by query_class, component, service and endpoint like any other dimension", async () => {
    const classes = ["simple", "simple", "simple", "moderate", "moderate", "complex"];
    const events = classes.map((query_class, i) => ({ type: "run", body: { agent_name: "qc_agent", run_id: `qc-${i}`, status: i === 1 ? "failure" : "success", duration_ms: 100 * (i + 1), query_class, component: i < 3 ? "cognitive_core" : "user_interface", service: "answers", endpoint: "POST /v1/answer" } }));
    // Feedback names only its run: it takes the run's query class from the run.
    events.push({ type: "feedback", body: { run_id: "qc-0", rating: 5 } as never });
    const ingested = await t.request("POST", "/api/v1/ingest", { events });
    assert.equal(ingested.status, 207, JSON.stringify(ingested.body));
    assert.equal(ingested.body.errors.length, 0, JSON.stringify(ingested.body.errors));

    const simple = await t.request("GET", "/api/v1/metrics/system?window=60m&query_class=simple");
    assert.equal(simple.status, 200, JSON.stringify(simple.body));
    assert.equal(simple.body.metrics.total_tasks, 3);
    assert.equal(simple.body.metrics.failed_tasks, 1);
    assert.equal(simple.body.metrics.feedback_samples, 1, "the feedback counts under its run's query class");
    const ui = await t.request("GET", "/api/v1/metrics/system?window=60m&component=user_interface&service=answers&endpoint=POST%20%2Fv1%2Fanswer");
    assert.equal(ui.body.metrics.total_tasks, 3);
    const unknown = await t.request("GET", "/api/v1/metrics/system?window=60m&query_class=no_such_class");
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body.metrics.total_tasks, 0, "an unknown value matches nothing, as for agent_name");

    const ts = await t.request("GET", "/api/v1/metrics/timeseries?metric=total_tasks&window=1h&step=5m&group_by=query_class&agent_name=qc_agent");
    assert.equal(ts.status, 200, JSON.stringify(ts.body));
    const totals = Object.fromEntries(ts.body.series.map((s: { labels: { query_class: string }; points: [number, number | null][] }) => [s.labels.query_class, s.points.reduce((n, [, v]) => n + (v ?? 0), 0)]));
    assert.deepEqual(totals, { simple: 3, moderate: 2, complex: 1 });

    const list = await t.request("GET", "/api/v1/metrics/query-classes?window=1h&sort=name&order=asc");
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.query_classes.map((g: { query_class: string; metrics: { total_tasks: number } }) => [g.query_class, g.metrics.total_tasks]), [["complex", 1], ["moderate", 2], ["simple", 3]]);
    const one = await t.request("GET", "/api/v1/metrics/components/cognitive_core?window=1h");
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.component, "cognitive_core");
    assert.equal(one.body.metrics.total_tasks, 3);
    for (const path of ["services", "endpoints"]) assert.equal((await t.request("GET", `/api/v1/metrics/${path}?window=1h`)).body[path].length, 1, path);

    const bad = await t.request("GET", "/api/v1/metrics/timeseries?metric=total_tasks&group_by=query_klass");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, "/query/group_by");
    const typo = await t.request("GET", "/api/v1/metrics/system?query_klass=simple");
    assert.equal(typo.status, 400);
    assert.equal(typo.body.error.details[0].path, "/query/query_klass");
  });
});
