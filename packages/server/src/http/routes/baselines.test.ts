import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

const MIN = 60_000;

/** `n` runs of an agent at `at`, each `ms` long, all successful. */
function runs(agent: string, n: number, ms: number, at: number) {
  return Array.from({ length: n }, (_, i) => ({ type: "run", timestamp: new Date(at + i * 1000).toISOString(), body: { agent_name: agent, status: "success", duration_ms: ms } }));
}

describe("baselines endpoints (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp({
      configYaml: ["baselines:", "  - name: terminal_load", "    metric: p95_latency_ms", "    value: 280", "    unit: ms", "    category: user_interface", "    scope: {route: terminal}", "    test_conditions: {browser: chromium}", ""].join("\n"),
    });
  });
  after(async () => t?.close());

  const ingest = async (events: unknown[]) => {
    const r = await t.request("POST", "/api/v1/ingest", { events });
    assert.equal(r.status, 207, JSON.stringify(r.body));
    assert.equal(r.body.errors.length, 0, JSON.stringify(r.body.errors));
  };

  it("lists the config file's baselines with their unit and category, and refuses to change them", async () => {
    const r = await t.request("GET", "/api/v1/baselines");
    assert.equal(r.status, 200);
    const b = r.body.baselines.find((x: { name: string }) => x.name === "terminal_load");
    assert.equal(b.source, "config");
    assert.equal(b.value, 280);
    assert.equal(b.category, "user_interface");
    assert.equal(b.direction, "lower_is_better");
    assert.deepEqual(b.scope, { route: "terminal" });
    assert.equal((await t.request("PUT", "/api/v1/baselines/terminal_load", { metric: "p95_latency_ms", value: 1 })).status, 409);
    assert.equal((await t.request("DELETE", "/api/v1/baselines/terminal_load")).status, 409);
    assert.equal((await t.request("GET", "/api/v1/baselines/terminal_load")).body.value, 280);
    await assertUnknownParams(t, [["GET", "/api/v1/baselines?metric=x", "metric"]]);
  });

  it("creates, reads, replaces and deletes an API baseline", async () => {
    const c = await t.request("POST", "/api/v1/baselines", { name: "embed", metric: "llm_p95_latency_ms", value: 2100, category: "ml_inference", component: "embedder", scope: { model: "text-embedding-3" }, measured_at: "2026-01-05T10:00:00Z" });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.unit, "ms", "the unit defaults to the catalogue's");
    assert.equal(c.body.source, "api");
    assert.equal(c.body.measured_at, "2026-01-05T10:00:00.000Z");
    assert.equal((await t.request("POST", "/api/v1/baselines", { name: "embed", metric: "llm_p95_latency_ms", value: 1 })).status, 409, "POST does not replace");
    const p = await t.request("PUT", "/api/v1/baselines/embed", { metric: "llm_p95_latency_ms", value: 1900, active: false });
    assert.equal(p.status, 200);
    assert.equal((await t.request("GET", "/api/v1/baselines/embed")).body.value, 1900);
    assert.equal((await t.request("GET", "/api/v1/baselines/embed")).body.active, false);
    assert.equal((await t.request("DELETE", "/api/v1/baselines/embed")).status, 204);
    assert.equal((await t.request("GET", "/api/v1/baselines/embed")).status, 404);
    assert.equal((await t.request("DELETE", "/api/v1/baselines/embed")).status, 404);
  });

  it("refuses a malformed baseline naming every bad field by path, and keeps the baselines in force", async () => {
    const before = (await t.request("GET", "/api/v1/baselines")).body;
    const r = await t.request("POST", "/api/v1/baselines", { name: "bad", metric: "p95_latncy_ms", value: "fast", scope: { team: "x" }, category: "vibes", measured_at: "yesterday" });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(r.body.error.details.map((d: { path: string }) => d.path).sort(), ["/category", "/measured_at", "/metric", "/scope/team", "/value"]);
    const unit = await t.request("POST", "/api/v1/baselines", { name: "wrong_unit", metric: "p95_latency_ms", value: 8.5, unit: "s" });
    assert.deepEqual(unit.body.error.details.map((d: { path: string }) => d.path), ["/unit"]);
    const custom = await t.request("POST", "/api/v1/baselines", { name: "queue", metric: "custom.queue_depth", value: 10 });
    assert.deepEqual(custom.body.error.details.map((d: { path: string }) => d.path), ["/direction"], "a custom metric's direction is not known");
    assert.deepEqual((await t.request("GET", "/api/v1/baselines")).body, before);
  });

  it("captures a window, sees the next window's regression as worse in the report, and fires a baseline rule", async () => {
    const now = Date.now();
    // The baseline window: an hour ending 70 minutes ago, 40 runs of 1 s. The regression: 2.5 s runs now.
    const end = now - 70 * MIN - (now % MIN);
    await ingest(runs("search", 40, 1000, end - 30 * MIN));
    const cap = await t.request("POST", "/api/v1/baselines/capture", { name: "search", window: "1h", end: new Date(end).toISOString(), scope: { agent_name: "search" }, metrics: ["p95_latency_ms", "success_rate", "avg_accuracy"] });
    assert.equal(cap.status, 201, JSON.stringify(cap.body));
    const p95 = cap.body.captured.find((b: { name: string }) => b.name === "search.p95_latency_ms");
    assert.ok(Math.abs(p95.value - 1000) <= 10, `p95 captured ${p95.value}`);
    assert.equal(p95.source, "captured");
    assert.deepEqual(p95.test_conditions.scope, { agent_name: "search" });
    assert.equal(p95.test_conditions.samples, 40);
    assert.deepEqual(cap.body.skipped, [{ metric: "avg_accuracy", reason: "no samples in the window" }], "no outcomes: accuracy is not captured");
    // The captured value is the metrics API's figure for that window and scope.
    assert.equal(cap.body.window.end, new Date(end).toISOString());

    const rule = await t.request("PUT", "/api/v1/alert-rules/SearchSlowerThanBaseline", { metric: "p95_latency_ms", comparator: ">", baseline: "search.p95_latency_ms", factor: 1.2, scope: { agent_name: "search" }, window: "5m", for: "0s", min_samples: 5, annotations: { summary: "search p95 {{ $value }} over {{ $threshold }}" } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.equal(rule.body.baseline, "search.p95_latency_ms");
    assert.equal(rule.body.factor, 1.2);
    assert.equal(rule.body.threshold, undefined);

    await ingest(runs("search", 20, 2500, now - 60_000));
    const rep = await t.request("GET", "/api/v1/report?window=15m");
    assert.equal(rep.status, 200);
    const entry = rep.body.baselines.find((b: { name: string }) => b.name === "search.p95_latency_ms");
    assert.equal(entry.status, "worse");
    assert.ok(Math.abs(entry.current - 2500) <= 25, `current ${entry.current}`);
    assert.ok(entry.change > 1.4 && entry.change < 1.6, `change ${entry.change}`);
    assert.equal(rep.body.baselines.find((b: { name: string }) => b.name === "search.success_rate").status, "same");
    assert.equal(rep.body.baselines.find((b: { name: string }) => b.name === "terminal_load").status, "no_data");
    // The comparison for a window and filter is the report's, limited to the baselines within the filter.
    const cmp = await t.request("GET", "/api/v1/baselines/compare?window=15m&agent_name=search");
    assert.equal(cmp.status, 200);
    assert.deepEqual(cmp.body.baselines.map((b: { name: string }) => b.name).sort(), ["search.p95_latency_ms", "search.success_rate"]);
    assert.deepEqual(cmp.body.baselines.find((b: { name: string }) => b.name === "search.p95_latency_ms"), entry);
    assert.equal(cmp.body.window.end, rep.body.window.end);
    await assertUnknownParams(t, [["GET", "/api/v1/baselines/compare?metric=p95", "metric"]]);
    assert.equal((await t.request("POST", "/api/v1/baselines", { name: "compare", metric: "p95_latency_ms", value: 1 })).status, 400, "a name the routes read is reserved");

    await t.server.alerting.engine.evaluate();
    const alerts = await t.request("GET", "/api/v1/alerts?rule=SearchSlowerThanBaseline");
    assert.equal(alerts.status, 200, JSON.stringify(alerts.body));
    const a = alerts.body.alerts[0];
    assert.ok(a, JSON.stringify(alerts.body));
    assert.equal(a.state, "firing");
    assert.ok(Math.abs(a.threshold - 1.2 * p95.value) < 1e-9, `threshold ${a.threshold}`);
    assert.equal(a.labels.baseline, "search.p95_latency_ms");
    assert.match(a.annotations.baseline, /^1\.2 × baseline search\.p95_latency_ms = /);
    assert.match(a.annotations.summary, /over 1\.2 s/);
  });

  it("refuses a rule naming an unknown baseline or mixing threshold sources, by path", async () => {
    const unknown = await t.request("PUT", "/api/v1/alert-rules/X", { metric: "p95_latency_ms", comparator: ">", baseline: "nope" });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.error.details.map((d: { path: string }) => d.path), ["/baseline"]);
    const both = await t.request("PUT", "/api/v1/alert-rules/X", { metric: "p95_latency_ms", comparator: ">", baseline: "terminal_load", threshold: 3 });
    assert.deepEqual(both.body.error.details.map((d: { path: string }) => d.path), ["/baseline"]);
    const factor = await t.request("PUT", "/api/v1/alert-rules/X", { metric: "p95_latency_ms", comparator: ">", baseline: "terminal_load", factor: 0 });
    assert.deepEqual(factor.body.error.details.map((d: { path: string }) => d.path), ["/factor"]);
    assert.equal((await t.request("GET", "/api/v1/alert-rules/X")).status, 404);
  });

  it("refuses a capture with bad fields by path", async () => {
    const r = await t.request("POST", "/api/v1/baselines/capture", { window: "soon", scope: { team: "a" }, metrics: ["p95_latency_ms", "nope"], end: "2999-01-01T00:00:00Z" });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details.map((d: { path: string }) => d.path).sort(), ["/end", "/metrics/1", "/scope/team", "/window"]);
    const far = await t.request("POST", "/api/v1/baselines/capture", { window: "1h", end: "2020-01-01T00:00:00Z" });
    assert.equal(far.status, 400);
    assert.deepEqual(far.body.error.details.map((d: { path: string }) => d.path), ["/end"]);
    assert.match(far.body.error.message, /reaches back further than the hour rollups are kept/);
  });
});
