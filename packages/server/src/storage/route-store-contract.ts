/**
 * The route store's part of the storage contract (`describeStorageContract` registers it): what
 * failover relies on from either engine, above all that a route's state moves by compare-and-set,
 * so that of two instances moving a route at once exactly one wins, and that it survives a restart.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ModelRecord, RouteDecisionRecord, RouteRecord } from "../core/failover/store.js";
import type { RouteRuntime } from "../core/failover/policy.js";
import { openedStores, type FreshStorage } from "./contract-support.js";

const model = (id: string, over: Partial<ModelRecord> = {}): ModelRecord => ({
  id, name: `Model ${id}`, provider: "openai", version: "1.2.0",
  versions: [{ version: "1.0.0", deployed_at: 1000, notes: null }, { version: "1.2.0", deployed_at: 2000, notes: "faster \"tools\" ☃" }],
  capabilities: { context_window: 128_000, tools: true }, status: "active", deployment_status: "deployed",
  upstream: { base_url: "https://api.example.com/v1", api_key_env: "EXAMPLE_API_KEY", model: null },
  thresholds: { error_rate: { trip: 0.1, recover: 0.05, min_samples: 30 }, p95_latency_ms: { trip: 2500 } },
  source: "api", created_at: 1000, updated_at: 2000, ...over,
});
const route = (name: string, over: Partial<RouteRecord> = {}): RouteRecord => ({
  route: name, primary: "m1", backups: ["m2", "m3"], thresholds: { error_rate: { trip: 0.2 }, accuracy: { trip: 0.8, recover: 0.85 } },
  requires: { tools: true, context_window: 32_000 }, switch_back: "auto", policy: { trip_after: 5, ramp: [0.1, 0.3, 0.6] },
  window_ms: 300_000, slow_call_ms: null, source: "config", created_at: 1000, updated_at: 1500, ...over,
});
const runtime = (name: string, revision: number, over: Partial<RouteRuntime> = {}): RouteRuntime => ({
  route: name, active: "m1", state: "normal", since: 1000, reason: null, revision, split: null, pin: null, bad: {}, good: {},
  trips: 0, last_trip_at: null, probe_not_before: 0, recovery_noted: false, ...over,
});
const decision = (name: string, revision: number, at: number, over: Partial<RouteDecisionRecord> = {}): RouteDecisionRecord => ({
  route: name, at, from: "m1", to: "m2", trigger: "auto", metric: "error_rate", value: 0.3, threshold: 0.1,
  reason: "error rate 30% > 10%", state: "failed_over", revision, ...over,
});
/** A state far from the defaults: every nullable set, nested maps and objects filled. */
const busy = (name: string, revision: number): RouteRuntime => runtime(name, revision, {
  active: "m2", state: "pinned", since: 5000, reason: "pinned by ann: \"deploy\" é", split: { model: "m1", share: 0.05, phase: "probe", step: -1, started_at: 4000 },
  pin: { model: "m2", until: 9000, by: "ann", reason: null }, bad: { m1: 3, "m.2": 0 }, good: { m2: 7 }, trips: 2, last_trip_at: 4000,
  probe_not_before: 6000, recovery_noted: true,
});
const revisions = (xs: RouteDecisionRecord[]) => xs.map((d) => d.revision);

/** Registers the route store's contract tests for one engine; `fresh` is the storage contract's factory. */
export function describeRouteStoreContract(engine: string, fresh: FreshStorage): void {
  describe(`route store contract: ${engine}`, () => {
    const { make, reopened, track } = openedStores(fresh);

    it("keeps models sorted by id with every field intact, replaces one on put, and a deleted model stays gone after a reopen", async () => {
      const { storage: s, reopen } = await make();
      assert.deepEqual(await s.routes.listModels(), []);
      const bare = model("a", { provider: null, capabilities: {}, upstream: null, thresholds: {}, versions: [{ version: "1.2.0", deployed_at: 1, notes: null }], status: "standby", deployment_status: "pending", source: "config" });
      for (const id of ["b", "a", "Z", "c"]) await s.routes.putModel(model(id));
      await s.routes.putModel(bare);
      const withKey = model("Z", { upstream: { base_url: "http://127.0.0.1:8080/v1", api_key_env: null, model: "gpt-x" }, status: "retired", deployment_status: "rolled_back" });
      await s.routes.putModel(withKey);
      assert.deepEqual(await s.routes.listModels(), [withKey, bare, model("b"), model("c")]);
      assert.equal(await s.routes.deleteModel("b"), true);
      assert.equal(await s.routes.deleteModel("b"), false);
      assert.equal(await s.routes.deleteModel("nope"), false);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.routes.listModels(), [withKey, bare, model("c")]);
    });

    it("keeps routes sorted by name with every field intact, replaces one on put, and a deleted route stays gone after a reopen", async () => {
      const { storage: s, reopen } = await make();
      assert.deepEqual(await s.routes.listRoutes(), []);
      for (const r of ["chat", "Batch", "summarize", "code"]) await s.routes.putRoute(route(r));
      const bare = route("chat", { backups: [], thresholds: {}, requires: {}, switch_back: "never", policy: {}, slow_call_ms: 8000, source: "api", updated_at: 3000 });
      await s.routes.putRoute(bare);
      assert.deepEqual(await s.routes.listRoutes(), [route("Batch"), bare, route("code"), route("summarize")]);
      assert.equal(await s.routes.deleteRoute("code"), true);
      assert.equal(await s.routes.deleteRoute("code"), false);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.routes.listRoutes(), [route("Batch"), bare, route("summarize")]);
    });

    it("deletes a route's state with the route but keeps its history", async () => {
      const { storage: s } = await make();
      await s.routes.putRoute(route("chat"));
      await s.routes.putRoute(route("code"));
      assert.equal(await s.routes.saveState(runtime("chat", 1), null, [decision("chat", 1, 1000)]), true);
      assert.equal(await s.routes.saveState(runtime("code", 1), null, [decision("code", 1, 1000)]), true);
      assert.equal(await s.routes.deleteRoute("chat"), true);
      assert.deepEqual(await s.routes.listRoutes(), [route("code")]);
      assert.deepEqual(await s.routes.listStates(), [runtime("code", 1)]);
      assert.deepEqual(await s.routes.history("chat", 10), [decision("chat", 1, 1000)]);
      // A route added again under the same name starts without state.
      await s.routes.putRoute(route("chat"));
      assert.equal(await s.routes.saveState(runtime("chat", 1, { since: 2000 }), null, [decision("chat", 1, 2000)]), true);
      assert.deepEqual(revisions(await s.routes.history("chat", 10)), [1, 1]);
    });

    it("saves a route's state only over the revision it expects, and a refused save stores neither state nor decisions", async () => {
      const { storage: s } = await make();
      assert.deepEqual(await s.routes.listStates(), []);
      const first = runtime("chat", 1);
      assert.equal(await s.routes.saveState(first, null, [decision("chat", 1, 1000, { from: null, to: "m1", trigger: "manual", metric: null, value: null, threshold: null })]), true);
      // null means "nothing stored yet": a second first save is refused.
      assert.equal(await s.routes.saveState(runtime("chat", 1, { active: "m9" }), null, [decision("chat", 1, 1100)]), false);
      assert.deepEqual(await s.routes.listStates(), [first]);
      const second = busy("chat", 2);
      assert.equal(await s.routes.saveState(second, 1, [decision("chat", 2, 2000), decision("chat", 2, 2000, { trigger: "manual", state: "pinned" })]), true);
      // A save from the revision before: another instance moved the route first.
      assert.equal(await s.routes.saveState(runtime("chat", 2, { active: "m3" }), 1, [decision("chat", 2, 2100, { to: "m3" })]), false);
      assert.equal(await s.routes.saveState(runtime("chat", 8), 7, [decision("chat", 8, 2200)]), false);
      assert.equal(await s.routes.saveState(runtime("code", 2), 1, [decision("code", 2, 2300)]), false, "no state stored for the route");
      assert.deepEqual(await s.routes.listStates(), [second]);
      const history = await s.routes.history("chat", 10);
      assert.deepEqual(history.map((d) => [d.revision, d.trigger]), [[2, "manual"], [2, "auto"], [1, "manual"]]);
      assert.deepEqual(history[2], decision("chat", 1, 1000, { from: null, to: "m1", trigger: "manual", metric: null, value: null, threshold: null }));
      assert.deepEqual(await s.routes.history("code", 10), []);
      // A state saved without decisions moves the revision all the same.
      assert.equal(await s.routes.saveState(runtime("chat", 3), 2, []), true);
      assert.deepEqual(await s.routes.listStates(), [runtime("chat", 3)]);
      assert.equal((await s.routes.history("chat", 10)).length, 3);
    });

    it("leaves the state as it was when the decisions of a save cannot be stored", async () => {
      const { storage: s } = await make();
      assert.equal(await s.routes.saveState(runtime("chat", 1), null, [decision("chat", 1, 1000)]), true);
      const bad = decision("chat", 2, null as unknown as number);
      await assert.rejects(s.routes.saveState(runtime("chat", 2, { active: "m2" }), 1, [decision("chat", 2, 2000), bad]));
      await assert.rejects(s.routes.saveState(runtime("code", 1), null, [bad]));
      assert.deepEqual(await s.routes.listStates(), [runtime("chat", 1)]);
      assert.deepEqual(await s.routes.history("chat", 10), [decision("chat", 1, 1000)]);
      assert.equal(await s.routes.saveState(runtime("chat", 2, { active: "m2" }), 1, [decision("chat", 2, 2000)]), true);
    });

    it("lets exactly one of several concurrent saves from the same revision win, with only the winner's decisions", async () => {
      const { storage: s, reopen } = await make();
      // On a shared store the racers alternate between two handles, as two instances would.
      const handles = [s];
      if (s.shared) {
        const other = track(await reopen());
        handles.push(other);
      }
      const race = async (expected: number | null, revision: number) => {
        const racers = ["m1", "m2", "m3", "m4", "m5", "m6"];
        const won = await Promise.all(racers.map((m, i) => handles[i % handles.length]!.routes.saveState(runtime("chat", revision, { active: m }), expected, [decision("chat", revision, revision * 1000, { to: m })])));
        assert.equal(won.filter(Boolean).length, 1, `exactly one winner from ${expected}: ${won.join(", ")}`);
        return racers[won.indexOf(true)]!;
      };
      const first = await race(null, 1);
      assert.deepEqual(await s.routes.listStates(), [runtime("chat", 1, { active: first })]);
      const second = await race(1, 2);
      for (const h of handles) {
        assert.deepEqual(await h.routes.listStates(), [runtime("chat", 2, { active: second })]);
        assert.deepEqual((await h.routes.history("chat", 10)).map((d) => [d.revision, d.to]), [[2, second], [1, first]]);
      }
    });

    it("returns a route's decisions newest first, up to the limit, and only its own", async () => {
      const { storage: s } = await make();
      assert.deepEqual(await s.routes.history("chat", 10), []);
      assert.equal(await s.routes.saveState(runtime("chat", 1), null, [decision("chat", 1, 1000), decision("chat", 1, 1000, { trigger: "probe" })]), true);
      assert.equal(await s.routes.saveState(runtime("code", 1), null, [decision("code", 1, 1500)]), true);
      assert.equal(await s.routes.saveState(runtime("chat", 2), 1, [decision("chat", 2, 2000)]), true);
      assert.equal(await s.routes.saveState(runtime("chat", 3), 2, [decision("chat", 3, 3000), decision("chat", 3, 3000, { trigger: "ramp" })]), true);
      const line = (d: RouteDecisionRecord) => `${d.route}@${d.revision}:${d.trigger}`;
      assert.deepEqual((await s.routes.history("chat", 10)).map(line), ["chat@3:ramp", "chat@3:auto", "chat@2:auto", "chat@1:probe", "chat@1:auto"]);
      assert.deepEqual((await s.routes.history("chat", 2)).map(line), ["chat@3:ramp", "chat@3:auto"]);
      assert.deepEqual((await s.routes.history("code", 10)).map(line), ["code@1:auto"]);
      assert.deepEqual(await s.routes.history("chat", 0), []);
      assert.deepEqual(await s.routes.history("nobody", 10), []);
      assert.deepEqual((await s.routes.listStates()).map((r) => [r.route, r.revision]), [["chat", 3], ["code", 1]]);
    });

    it("keeps models, routes, states and history across a reopen, and compares against the revision stored before it", async () => {
      const { storage: s, reopen } = await make();
      await s.routes.putModel(model("m1"));
      await s.routes.putRoute(route("chat"));
      assert.equal(await s.routes.saveState(runtime("chat", 1), null, [decision("chat", 1, 1000)]), true);
      assert.equal(await s.routes.saveState(busy("chat", 2), 1, [decision("chat", 2, 2000, { trigger: "manual", state: "pinned" })]), true);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.routes.listModels(), [model("m1")]);
      assert.deepEqual(await again.routes.listRoutes(), [route("chat")]);
      assert.deepEqual(await again.routes.listStates(), [busy("chat", 2)]);
      assert.deepEqual(await again.routes.history("chat", 10), [decision("chat", 2, 2000, { trigger: "manual", state: "pinned" }), decision("chat", 1, 1000)]);
      assert.equal(await again.routes.saveState(runtime("chat", 2), 1, []), false);
      assert.equal(await again.routes.saveState(runtime("chat", 3), 2, [decision("chat", 3, 3000)]), true);
      assert.deepEqual(revisions(await again.routes.history("chat", 10)), [3, 2, 1]);
    });

    it("shows each handle's registry and state writes to the other on a shared store", async () => {
      const { storage: s, reopen } = await make();
      if (!s.shared) return;
      const other = track(await reopen());
      await s.routes.putModel(model("m1"));
      await s.routes.putRoute(route("chat"));
      assert.equal(await s.routes.saveState(runtime("chat", 1), null, [decision("chat", 1, 1000)]), true);
      assert.deepEqual(await other.routes.listModels(), [model("m1")]);
      assert.deepEqual(await other.routes.listRoutes(), [route("chat")]);
      assert.deepEqual(await other.routes.listStates(), [runtime("chat", 1)]);
      assert.equal(await other.routes.saveState(runtime("chat", 2, { active: "m2" }), 1, [decision("chat", 2, 2000)]), true);
      assert.equal(await other.routes.deleteModel("m1"), true);
      assert.equal(await s.routes.saveState(runtime("chat", 2, { active: "m3" }), 1, []), false);
      assert.deepEqual(await s.routes.listStates(), [runtime("chat", 2, { active: "m2" })]);
      assert.deepEqual(revisions(await s.routes.history("chat", 10)), [2, 1]);
      assert.deepEqual(await s.routes.listModels(), []);
    });
  });
}
