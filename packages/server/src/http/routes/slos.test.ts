import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

const CONFIG = `
service_classes:
  simple_queries: { description: simple, match: { query_class: simple } }
slos:
  - name: simple_latency
    class: simple_queries
    sli: { kind: latency, threshold_ms: 3000, max_ms: 6000 }
    target: 0.95
    period: 7d
`;

/** `n` runs of the class `cls`, `slow` of them taking 4 s (over 3 s), `failed` of them failures. */
function runs(cls: string, n: number, slow: number, failed = 0) {
  return Array.from({ length: n }, (_, i) => ({ type: "run", body: { agent_name: "qa", query_class: cls, status: i < failed ? "failure" : "success", duration_ms: i < slow ? 4000 : 800 } }));
}

describe("SLO and service-class endpoints (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp({ configYaml: CONFIG });
  });
  after(() => t.close());

  it("answers a config-file SLO's figures from the traffic of its class, and keeps it read-only", async () => {
    const r = await t.request("POST", "/api/v1/ingest", { events: [...runs("simple", 40, 4), ...runs("complex", 10, 10)] });
    assert.equal(r.status, 207);
    const s = await t.request("GET", "/api/v1/slos/simple_latency");
    assert.equal(s.status, 200);
    assert.equal(s.body.source, "file");
    assert.deepEqual(s.body.samples, { good: 36, total: 40 });
    assert.equal(s.body.compliance, 0.9);
    assert.equal(s.body.met, false);
    assert.equal(s.body.budget.unit, "events");
    assert.ok(Math.abs(s.body.budget.total - 2) < 1e-9, `budget total ${s.body.budget.total}`);
    assert.equal(s.body.budget.consumed, 4);
    assert.ok(s.body.budget.remaining < 0, "4 slow runs overspend a budget of 2");
    assert.ok(Math.abs(s.body.burn_rates["5m"] - 2) < 1e-9, `burn 5m ${s.body.burn_rates["5m"]}`);
    assert.equal(s.body.exhaustion.in_seconds, null);
    assert.ok(s.body.exhausted_at !== null);
    assert.deepEqual(s.body.class, { name: "simple_queries", description: "simple", match: { query_class: "simple" } });
    assert.deepEqual(s.body.alerts.map((a: { kind: string; long_window: string; factor: number }) => [a.kind, a.long_window, a.factor]), [["page", "1h", 3.36], ["page", "6h", 1.4], ["ticket", "1d", 0.7], ["ticket", "3d", 0.233333333333]]);
    assert.equal((await t.request("PUT", "/api/v1/slos/simple_latency", { class: "simple_queries", sli: { kind: "availability" }, target: 0.9 })).status, 409);
    assert.equal((await t.request("DELETE", "/api/v1/slos/simple_latency")).status, 409);
    assert.equal((await t.request("DELETE", "/api/v1/service-classes/simple_queries")).status, 409);
  });

  it("creates, replaces and deletes classes and SLOs through the API", async () => {
    const c = await t.request("POST", "/api/v1/service-classes", { name: "complex_queries", match: { query_class: "complex" } });
    assert.equal(c.status, 201);
    assert.deepEqual(c.body, { name: "complex_queries", match: { query_class: "complex" }, source: "api", slos: [] });
    const p = await t.request("POST", "/api/v1/slos", { name: "complex_avail", class: "complex_queries", sli: { kind: "availability" }, target: 0.99, period: "7d" });
    assert.equal(p.status, 201);
    assert.equal(p.body.source, "api");
    assert.deepEqual(p.body.samples, { good: 10, total: 10 });
    assert.equal((await t.request("POST", "/api/v1/slos", { name: "complex_avail", class: "complex_queries", sli: { kind: "availability" }, target: 0.99 })).status, 409);
    const put = await t.request("PUT", "/api/v1/slos/complex_avail", { class: "complex_queries", sli: { kind: "latency", threshold_ms: 3000 }, target: 0.5, period: "7d" });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.samples, { good: 0, total: 10 });
    const list = await t.request("GET", "/api/v1/slos");
    assert.deepEqual(list.body.slos.map((s: { name: string }) => s.name), ["simple_latency", "complex_avail"]);
    const classes = await t.request("GET", "/api/v1/service-classes");
    assert.deepEqual(classes.body.classes.map((x: { name: string; slos: string[] }) => [x.name, x.slos]), [["complex_queries", ["complex_avail"]], ["simple_queries", ["simple_latency"]]]);
    // A class an SLO names cannot go; once the SLO is gone it can.
    assert.equal((await t.request("DELETE", "/api/v1/service-classes/complex_queries")).status, 409);
    assert.equal((await t.request("DELETE", "/api/v1/slos/complex_avail")).status, 204);
    assert.equal((await t.request("DELETE", "/api/v1/service-classes/complex_queries")).status, 204);
    assert.equal((await t.request("GET", "/api/v1/slos/complex_avail")).status, 404);
  });

  it("refuses bad SLOs naming each field by its path, and leaves the SLOs in force as they were", async () => {
    const before = (await t.request("GET", "/api/v1/slos")).body.slos.map((s: { name: string }) => s.name);
    const r = await t.request("POST", "/api/v1/slos", { name: "bad", class: "nope", sli: { kind: "throughput" }, target: 1.5, period: "90d" });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(r.body.error.details.map((d: { path: string }) => d.path).sort(), ["/class", "/period", "/sli/kind", "/target"]);
    const c = await t.request("POST", "/api/v1/service-classes", { name: "x", match: { colour: "red" } });
    assert.equal(c.status, 400);
    assert.equal(c.body.error.details[0].path, "/match/colour");
    assert.deepEqual((await t.request("GET", "/api/v1/slos")).body.slos.map((s: { name: string }) => s.name), before);
    assert.equal((await t.request("GET", "/api/v1/service-classes/x")).status, 404);
  });

  it("lists the SLO's generated alert rules as read-only", async () => {
    const rules = (await t.request("GET", "/api/v1/alert-rules")).body.rules.filter((r: { source: string }) => r.source === "slo");
    assert.deepEqual(rules.map((r: { name: string }) => r.name).sort(), ["slo:simple_latency:max_ms", "slo:simple_latency:page_1h", "slo:simple_latency:page_6h", "slo:simple_latency:ticket_1d", "slo:simple_latency:ticket_3d"]);
    const page = rules.find((r: { name: string }) => r.name === "slo:simple_latency:page_1h");
    assert.equal(page.severity, "critical");
    assert.deepEqual(page.labels, { slo: "simple_latency", slo_class: "simple_queries" });
    assert.equal((await t.request("PUT", "/api/v1/alert-rules/slo:simple_latency:page_1h", { enabled: false })).status, 409);
    assert.equal((await t.request("DELETE", "/api/v1/alert-rules/slo:simple_latency:page_1h")).status, 409);
  });

  it("adds a compliance section to the report: SLOs met, availability, and the mean rating on the 1-5 scale", async () => {
    await t.request("POST", "/api/v1/service-classes", { name: "all_simple", match: { query_class: "simple" } });
    assert.equal((await t.request("POST", "/api/v1/slos", { name: "simple_avail", class: "all_simple", sli: { kind: "availability" }, target: 0.5, period: "7d" })).status, 201);
    const fb = [5, 4, 3].map((rating) => ({ type: "feedback", body: { run_id: `fb-${rating}`, rating } }));
    assert.equal((await t.request("POST", "/api/v1/ingest", { events: fb })).status, 207);
    const r = await t.request("GET", "/api/v1/report?window=1h");
    assert.equal(r.status, 200);
    const c = r.body.compliance;
    // simple_latency misses (36 of 40 within 3 s against 95%), simple_avail meets (every run succeeded).
    assert.equal(c.slos_total, 2);
    assert.equal(c.slos_met, 1);
    assert.equal(c.share_met, 0.5);
    assert.equal(c.availability, 1);
    assert.equal(c.satisfaction, 4);
    assert.deepEqual(c.slos.map((x: { name: string; met: boolean; kind: string }) => [x.name, x.kind, x.met]), [["simple_latency", "latency", false], ["simple_avail", "availability", true]]);
    assert.equal((await t.request("DELETE", "/api/v1/slos/simple_avail")).status, 204);
  });

  it("answers the history as points up to now, and refuses unknown parameters and names", async () => {
    const h = await t.request("GET", "/api/v1/slos/simple_latency/history?step=1h");
    assert.equal(h.status, 200);
    assert.equal(h.body.step_seconds, 3600);
    assert.ok(h.body.points.length >= 1);
    assert.deepEqual(h.body.points.at(-1).total, 40);
    assert.equal((await t.request("GET", "/api/v1/slos/simple_latency/history?step=10s")).status, 400);
    assert.equal((await t.request("GET", "/api/v1/slos/nope/history")).status, 404);
    await assertUnknownParams(t, [
      ["GET", "/api/v1/slos?window=1h", "window"],
      ["GET", "/api/v1/slos/simple_latency?window=1h", "window"],
      ["GET", "/api/v1/slos/simple_latency/history?steps=1h", "steps"],
      ["GET", "/api/v1/service-classes?x=1", "x"],
    ]);
  });
});
