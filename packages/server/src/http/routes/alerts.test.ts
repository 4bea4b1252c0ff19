import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

describe("alerting routes (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
  });
  after(async () => t?.close());

  it("refuses a misspelled query parameter by name", async () => {
    await assertUnknownParams(t, [
      ["GET", "/api/v1/alerts?stat=firing", "stat"],
      ["GET", "/api/v1/alerts?agent=react_agent", "agent"],
      ["GET", "/api/v1/alerts/summary?windw=1d", "windw"],
      ["GET", "/api/v1/notifications?alert=x", "alert"],
      ["GET", "/api/v1/silences?state=active", "state"],
      ["GET", "/api/v1/alert-rules?enabled=true", "enabled"],
    ]);
    const known = await t.request("GET", "/api/v1/alerts?stat=firing");
    assert.match(known.body.error.details[0].message, /known: agent_name, model, route, tenant_id, mode, query_class, component, service, endpoint, state, level, rule, limit/);
  });

  it("refuses a repeated query parameter", async () => {
    const r = await t.request("GET", "/api/v1/alerts?state=firing&state=pending");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details, [{ path: "/query/state", message: "must be given once" }]);
  });

  it("refuses a path parameter that is too long", async () => {
    for (const [method, url, name] of [
      ["GET", `/api/v1/alerts/${"a".repeat(257)}`, "id"],
      ["POST", `/api/v1/alerts/${"a".repeat(300)}/acknowledge`, "id"],
      ["GET", `/api/v1/alert-rules/${"r".repeat(257)}`, "name"],
      ["DELETE", `/api/v1/silences/${"s".repeat(257)}`, "id"],
    ] as const) {
      const r = await t.request(method, url, method === "POST" ? { by: "dana" } : undefined);
      assert.equal(r.status, 400, `${method} ${url.slice(0, 40)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details[0].path, `/params/${name}`);
    }
  });

  it("refuses unknown body fields of the test notifications by name (they used to be ignored)", async () => {
    const channel = await t.request("POST", "/api/v1/channels/console/test", { levle: "critical" });
    assert.equal(channel.status, 400, JSON.stringify(channel.body));
    assert.equal(channel.body.error.details[0].path, "/levle");
    const test = await t.request("POST", "/api/v1/alerts/test", { level: "info", chanel: "console" });
    assert.equal(test.status, 400, JSON.stringify(test.body));
    assert.equal(test.body.error.details[0].path, "/chanel");
  });

  it("refuses a body holding __proto__ or constructor.prototype with FORBIDDEN_KEY naming where it is", async () => {
    const silence = '{"matchers":["alertname=X"],"duration":"1h","created_by":"dana","comment":"c","__proto__":{"polluted":"yes"}}';
    const r = await t.request("POST", "/api/v1/silences", silence);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "FORBIDDEN_KEY");
    assert.equal(r.body.error.details[0].path, "/__proto__");
    const rule = '{"name":"X","metric":"error_rate","comparator":">","threshold":0.1,"labels":{"constructor":{"prototype":{"polluted":"yes"}}}}';
    const c = await t.request("PUT", "/api/v1/alert-rules/X", rule);
    assert.equal(c.status, 400, JSON.stringify(c.body));
    assert.equal(c.body.error.code, "FORBIDDEN_KEY");
    assert.equal(c.body.error.details[0].path, "/labels/constructor/prototype");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("answers the documented shapes on the happy path", async () => {
    const list = await t.request("GET", "/api/v1/alerts?state=firing,acknowledged&level=critical&agent_name=a&limit=5");
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body, { alerts: [], total_count: 0 });
    const summary = await t.request("GET", "/api/v1/alerts/summary?window=1d");
    assert.equal(summary.status, 200);
    assert.equal(summary.body.total, 0);
    const created = await t.request("POST", "/api/v1/silences", { matchers: ["alertname=HighLatency"], duration: "2h", created_by: "dana" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, "active");
    const expired = await t.request("DELETE", `/api/v1/silences/${encodeURIComponent(created.body.id)}`);
    assert.equal(expired.status, 200, JSON.stringify(expired.body));
    assert.equal(expired.body.state, "expired");
    const queued = await t.request("POST", "/api/v1/channels/console/test", { level: "warning" });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    const log = await t.request("GET", "/api/v1/notifications?alert_id=none&limit=5");
    assert.equal(log.status, 200);
    assert.deepEqual(Object.keys(log.body).sort(), ["deliveries", "outbox"]);
    const rules = await t.request("GET", "/api/v1/alert-rules");
    assert.equal(rules.status, 200);
    const first = rules.body.rules[0].name as string;
    assert.equal((await t.request("GET", `/api/v1/alert-rules/${first}`)).status, 200);
  });

  it("names the wrong field of a silence by its path, never answering 500 to a client's mistake", async () => {
    const ok = { matchers: ["alertname=HighLatency"], duration: "2h", created_by: "dana" };
    const cases: [unknown, string][] = [
      [[ok], "/"],
      [{ ...ok, until: "tomorrow" }, "/until"],
      [{ ...ok, matchers: [] }, "/matchers"],
      [{ ...ok, matchers: ["alertname=X", "agent_name"] }, "/matchers/1"],
      [{ ...ok, matchers: ["alertname=X", 'agent_name=~"(a)\\1"'] }, "/matchers/1"],
      [{ ...ok, matchers: [{ label: "model", op: "=~", value: "(?=x)" }] }, "/matchers/0/value"],
      [{ ...ok, matchers: [null] }, "/matchers/0"],
      [{ ...ok, duration: "2 weeks" }, "/duration"],
      [{ ...ok, duration: 7200 }, "/duration"],
      // Far past the last date JavaScript can write: it used to be stored, then answered 500 (and so was every later list).
      [{ ...ok, duration: "100000000d" }, "/duration"],
      [{ matchers: ok.matchers, created_by: "dana" }, "/ends_at"],
      [{ matchers: ok.matchers, created_by: "dana", ends_at: "+275760-09-13T00:00:00.000Z" }, "/ends_at"],
      [{ matchers: ok.matchers, created_by: "dana", starts_at: "2026-12-07T13:00:00Z", ends_at: "2026-12-07T12:00:00Z" }, "/ends_at"],
      [{ ...ok, starts_at: 0 }, "/starts_at"],
      [{ ...ok, created_by: "" }, "/created_by"],
      [{ ...ok, comment: ["c"] }, "/comment"],
    ];
    for (const [body, path] of cases) {
      const r = await t.request("POST", "/api/v1/silences", body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
      assert.equal(r.body.error.details[0].path, path, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error.message.startsWith(path === "/" ? "body:" : `${path.slice(1).replace(/\//g, ".")}:`), r.body.error.message);
    }
    const notJson = await t.request("POST", "/api/v1/silences", '{"matchers": [');
    assert.equal(notJson.status, 400, JSON.stringify(notJson.body));
    const missing = await t.request("DELETE", "/api/v1/silences/sil_none");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "NOT_FOUND");
    const list = await t.request("GET", "/api/v1/silences");
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(!list.body.silences.some((s: { created_by: string; ends_at: string }) => s.ends_at.startsWith("+")), "no refused silence was stored");
  });

  it("answers a silence with its state: pending until it starts, listed after it is expired", async () => {
    const starts = new Date(Date.now() + 3_600_000).toISOString();
    const created = await t.request("POST", "/api/v1/silences", { matchers: ['agent_name=~"support-.*"', { label: "model", op: "!=", value: "gpt-4o" }], starts_at: starts, duration: "30m", created_by: " dana ", comment: "maintenance" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body), ["id", "matchers", "starts_at", "ends_at", "created_by", "comment", "created_at", "state"]);
    assert.match(created.body.id, /^sil_/);
    assert.deepEqual(created.body.matchers, [
      { label: "agent_name", op: "=~", value: "support-.*" },
      { label: "model", op: "!=", value: "gpt-4o" },
    ]);
    assert.equal(created.body.starts_at, starts);
    assert.equal(Date.parse(created.body.ends_at) - Date.parse(starts), 30 * 60_000);
    assert.equal(created.body.created_by, "dana");
    assert.equal(created.body.state, "pending");
    const id = created.body.id as string;
    const listed = (await t.request("GET", "/api/v1/silences")).body.silences.find((s: { id: string }) => s.id === id);
    assert.deepEqual(listed, created.body);
    const expired = await t.request("DELETE", `/api/v1/silences/${encodeURIComponent(id)}`);
    assert.equal(expired.status, 200);
    assert.equal(expired.body.state, "expired");
    const after = (await t.request("GET", "/api/v1/silences")).body.silences.find((s: { id: string }) => s.id === id);
    assert.equal(after.state, "expired");
  });

  it("answers the summary of the window asked, and names a wrong window parameter", async () => {
    const r = await t.request("GET", "/api/v1/alerts/summary?window=1d");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ["window", "total", "open", "by_level", "by_state", "by_rule", "mean_time_to_acknowledge_s", "mean_time_to_resolve_s", "acknowledged_samples", "resolved_samples", "evaluation"]);
    assert.equal(Date.parse(r.body.window.end) - Date.parse(r.body.window.start), 86_400_000);
    assert.deepEqual(r.body.by_level, { info: 0, warning: 0, critical: 0 });
    assert.deepEqual(r.body.by_state, { pending: 0, firing: 0, acknowledged: 0, resolved: 0 });
    const byMinutes = await t.request("GET", "/api/v1/alerts/summary?time_window_minutes=90");
    assert.equal(Date.parse(byMinutes.body.window.end) - Date.parse(byMinutes.body.window.start), 90 * 60_000);
    const week = await t.request("GET", "/api/v1/alerts/summary");
    assert.equal(Date.parse(week.body.window.end) - Date.parse(week.body.window.start), 7 * 86_400_000);
    for (const [url, name] of [
      ["/api/v1/alerts/summary?window=7x", "window"],
      ["/api/v1/alerts/summary?window=91d", "window"],
      ["/api/v1/alerts/summary?window=", "window"],
      ["/api/v1/alerts/summary?time_window_minutes=0", "time_window_minutes"],
      ["/api/v1/alerts/summary?window=1d&time_window_minutes=60", "window"],
    ] as const) {
      const bad = await t.request("GET", url);
      assert.equal(bad.status, 400, `${url}: ${JSON.stringify(bad.body)}`);
      assert.equal(bad.body.error.details[0].path, `/query/${name}`, url);
    }
  });
});
