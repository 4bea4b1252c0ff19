import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { RouteView } from "@vigil/contract";
import { VigilConnector } from "./connector.js";
import { RouteFollower, type RouteEvent, type RouteFollowerOptions } from "./route-follower.js";
import { deadEndpoint, routeView, startFakeVigil, until, type FakeVigil } from "./fake-vigil.test-support.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function follow(endpoint: string, options: RouteFollowerOptions = {}) {
  const events: RouteEvent[] = [];
  const connector = new VigilConnector({ endpoint, client: { recordLlmCall: () => "" }, timeoutMs: 200, maxAttempts: 1, breaker: { failureThreshold: 1000 } });
  const follower = new RouteFollower(connector, "summarize", {
    pollIntervalMs: 20, reconnectBaseMs: 20, reconnectMaxMs: 40, ...options, onEvent: (e) => events.push(e),
  });
  cleanup.push(() => follower.close());
  follower.start();
  const revision = () => follower.current()?.revision ?? null;
  return { follower, events, revision, connector };
}

async function fake(views: RouteView[] = [routeView({ revision: 1 })]): Promise<FakeVigil> {
  const f = await startFakeVigil(views);
  cleanup.push(() => f.stop());
  return f;
}

describe("RouteFollower", () => {
  it("follows views pushed on the stream, multi-line data and comments included, and never goes back to an older revision", async () => {
    const vigil = await fake();
    const { follower, events, revision } = follow(vigil.url);
    await until(() => follower.mode === "streaming", 1500, "the stream");
    assert.equal(revision(), 1);

    vigil.publish(routeView({ revision: 3, active_model: "model-b", state: "failed_over" }));
    await until(() => revision() === 3, 1500, "revision 3");
    // An older revision (a late or replayed message) is ignored; a pretty-printed view spans several data lines.
    vigil.write("summarize", `: ping\n\nevent: route\ndata: ${JSON.stringify(routeView({ revision: 2, active_model: "model-a" }))}\n\n`);
    const multiLine = JSON.stringify(routeView({ revision: 4, active_model: "model-c" }), null, 2).split("\n").map((l) => `data: ${l}`).join("\n");
    vigil.write("summarize", `event: route\n${multiLine}\n\n`);
    await until(() => revision() === 4, 1500, "revision 4");
    assert.equal(follower.current()?.active_model, "model-c");

    const seen = events.flatMap((e) => (e.type === "view" ? [[e.source, e.view.revision]] : []));
    assert.ok(!seen.some(([, r]) => r === 2), "revision 2 was never accepted");
    assert.deepEqual(seen.filter(([s]) => s === "stream").map(([, r]) => r).filter((r) => r !== 1), [3, 4]);
    assert.equal(vigil.requests.filter((r) => r.path === "/api/v1/routes/summarize").length, 1, "one first GET, no polling while streaming");
  });

  it("falls back to polling when the stream fails, and goes back to the stream when it returns", async () => {
    const vigil = await fake();
    vigil.streamStatus = 503;
    const { follower, events, revision } = follow(vigil.url);
    await until(() => follower.mode === "polling", 1500, "polling");
    vigil.setView(routeView({ revision: 2, active_model: "model-b" }));
    await until(() => revision() === 2, 1500, "the polled view");
    assert.ok(events.some((e) => e.type === "view" && e.source === "poll" && e.view.revision === 2));
    assert.ok(events.some((e) => e.type === "stream_error"));

    vigil.streamStatus = 200;
    await until(() => follower.mode === "streaming", 1500, "the stream again");
    const polls = () => vigil.requests.filter((r) => r.path === "/api/v1/routes/summarize").length;
    const before = polls();
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.ok(polls() - before <= 1, "polling stops once the stream is back");
  });

  it("reconnects a dropped stream no sooner than the server's retry", async () => {
    const vigil = await fake();
    vigil.streamRetryMs = 60;
    const { follower, events } = follow(vigil.url);
    await until(() => follower.mode === "streaming" && vigil.openStreams() === 1, 1500, "the stream");
    vigil.endStreams();
    await until(() => events.some((e) => e.type === "stream_error"), 1500, "the drop");
    const drop = events.find((e) => e.type === "stream_error");
    assert.ok(drop?.type === "stream_error" && drop.reconnectInMs >= 60, `reconnect in ${drop?.type === "stream_error" ? drop.reconnectInMs : "?"}`);
    await until(() => vigil.openStreams() === 1, 1500, "the reconnection");
  });

  it("reopens a stream that goes silent past the idle timeout", async () => {
    const vigil = await fake();
    const { events } = follow(vigil.url, { streamIdleTimeoutMs: 60 });
    await until(() => events.some((e) => e.type === "stream_error" && /no data on the stream/.test(e.error.message)), 1500, "the idle timeout");
  });

  it("keeps serving the last known view when Vigil stops, reporting errors without throwing", async () => {
    const vigil = await fake([routeView({ revision: 7, active_model: "model-b" })]);
    const { follower, events } = follow(vigil.url);
    await until(() => follower.mode === "streaming", 1500, "the stream");
    await vigil.stop();
    await until(() => events.filter((e) => e.type === "poll_error").length >= 2, 1500, "failed polls");
    assert.equal(follower.mode, "polling");
    assert.deepEqual([follower.current()?.revision, follower.current()?.active_model], [7, "model-b"]);
  });

  it("starts from the stored view while Vigil is down, and saves each newer view", async () => {
    const saved: RouteView[] = [];
    const store = { load: async () => routeView({ revision: 5, active_model: "model-b" }), save: (v: RouteView) => void saved.push(v) };
    const down = follow(await deadEndpoint(), { store });
    assert.equal((await down.follower.waitForView(500))?.revision, 5);
    assert.equal(saved.length, 0, "a loaded view is not saved back");

    const vigil = await fake([routeView({ revision: 6 })]);
    const up = follow(vigil.url, { store });
    await until(() => up.revision() === 6, 1500, "the server's newer view");
    assert.deepEqual(saved.map((v) => v.revision), [6]);
  });

  it("reports a failing store without failing", async () => {
    const store = { load: () => Promise.reject(new Error("disk gone")), save: () => { throw new Error("read-only"); } };
    const vigil = await fake();
    const { events, revision } = follow(vigil.url, { store });
    await until(() => revision() === 1 && events.filter((e) => e.type === "store_error").length === 2, 1500, "store errors");
    assert.deepEqual(events.flatMap((e) => (e.type === "store_error" ? [e.operation] : [])).sort(), ["load", "save"]);
  });

  it("resolves waitForView with null after its timeout when no view can be had, and stops on close", async () => {
    const { follower } = follow(await deadEndpoint());
    assert.equal(await follower.waitForView(30), null);
    follower.close();
    assert.equal(follower.closed, true);
    assert.equal(await follower.waitForView(10_000), null, "a closed follower does not wait");
  });
});
