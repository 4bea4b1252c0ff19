import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRouteView, RouteCache } from "./route-cache.js";
import { routeView } from "./fake-vigil.test-support.js";

describe("RouteCache", () => {
  it("keeps the highest revision: an older or equal one never replaces a newer one", () => {
    const cache = new RouteCache();
    assert.equal(cache.offer(routeView({ revision: 2, active_model: "b" })), true);
    assert.equal(cache.offer(routeView({ revision: 1, active_model: "a" })), false);
    assert.equal(cache.offer(routeView({ revision: 2, active_model: "c" })), false);
    assert.equal(cache.get("summarize")?.active_model, "b");
    assert.equal(cache.offer(routeView({ revision: 5, active_model: "d" })), true);
    assert.equal(cache.get("summarize")?.active_model, "d");
  });

  it("holds routes apart", () => {
    const cache = new RouteCache();
    cache.offer(routeView({ revision: 9 }));
    cache.offer(routeView({ route: "classify", revision: 1 }));
    assert.deepEqual(cache.routes().sort(), ["classify", "summarize"]);
    assert.equal(cache.get("classify")?.revision, 1);
  });
});

describe("parseRouteView", () => {
  it("accepts a view and rejects what a gateway could not route on", () => {
    assert.equal(parseRouteView(routeView({ revision: 1 }))?.active_model, "model-a");
    assert.equal(parseRouteView({ ...routeView({ revision: 1 }), split: undefined })?.split, null);
    for (const bad of [
      null, [], "x", { route: "r", revision: 1 }, { ...routeView({ revision: 1 }), active_model: "" },
      { ...routeView({ revision: 1 }), revision: "3" }, { ...routeView({ revision: 1 }), split: { model: "b", share: 1.5, phase: "probe" } },
      { ...routeView({ revision: 1 }), split: { share: 0.1, phase: "probe" } },
    ]) {
      assert.equal(parseRouteView(bad), null, JSON.stringify(bad));
    }
  });
});
