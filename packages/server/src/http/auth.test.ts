import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { routeTestApp, type RouteTestApp } from "../test-support/route-app.js";

const KEY = "auth-test-key-0123456789";

describe("API keys (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp({ env: { VIGIL_API_KEYS: `${KEY}:read` } });
  });
  after(async () => t?.close());

  it("takes the Bearer scheme in any case (RFC 7235: the scheme is case-insensitive)", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      const r = await t.request("GET", "/api/v1/session", undefined, { authorization: `${scheme} ${KEY}` });
      assert.equal(r.status, 200, `${scheme}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { auth: "key", key_name: "env-1", scopes: ["read"] });
    }
    const tab = await t.request("GET", "/api/v1/metrics/system", undefined, { authorization: `bearer\t${KEY}` });
    assert.equal(tab.status, 200, JSON.stringify(tab.body));
  });

  it("still refuses other schemes, a missing key and an unknown key", async () => {
    assert.equal((await t.request("GET", "/api/v1/session", undefined, { authorization: `Basic ${KEY}` })).status, 401);
    assert.equal((await t.request("GET", "/api/v1/session", undefined, { authorization: `Bearerx ${KEY}` })).status, 401);
    assert.equal((await t.request("GET", "/api/v1/session", undefined, { authorization: "bearer " })).status, 401);
    assert.equal((await t.request("GET", "/api/v1/session", undefined, { authorization: "bearer not-the-key-at-all" })).status, 401);
    assert.equal((await t.request("GET", "/api/v1/session", undefined, { "x-api-key": KEY })).status, 200);
  });
});
