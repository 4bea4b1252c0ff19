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
    assert.match(known.body.error.details[0].message, /known: agent_name, model, route, tenant_id, mode, state, level, rule, limit/);
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
});
