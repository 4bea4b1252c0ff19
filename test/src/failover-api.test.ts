/**
 * Models, routes and failover through the HTTP API on a real server: registry CRUD with clear
 * errors, an automatic switch driven by ingested LLM calls (explained in the history and pushed on
 * the route's event stream), a manual pin with a TTL, and route state surviving a restart.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { createHmac } from "node:crypto";
import { startReceiver, type Receiver } from "./alert-receiver.js";
import { getJson, postJson, tempDir } from "./helpers.js";

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Opens a route's event stream and collects the views it pushes. */
function openStream(url: string): { views: any[]; close: () => void; next: (n: number, ms?: number) => Promise<void> } {
  const views: any[] = [];
  let buf = "";
  const req = request(url, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const msg = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = msg.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) views.push(JSON.parse(data));
      }
    });
  });
  req.end();
  return {
    views,
    close: () => req.destroy(),
    next: async (n, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (views.length < n) {
        if (Date.now() > deadline) throw new Error(`stream gave ${views.length} views, wanted ${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe("models, routes and failover over HTTP", () => {
  const t = tempDir();
  let s: RunningServer;
  const config = join(t.dir, "vigil.yaml");

  let hook: Receiver;

  before(async () => {
    hook = await startReceiver();
    // The evaluation timer is slowed right down: the test drives evaluations itself.
    writeFileSync(config, `failover:\n  evaluation_interval: 1h\n  models:\n    - { id: cfg-model, provider: acme, version: 1.0.0 }\n  webhooks:\n    - { name: gateway, url: "${hook.url}/routes", secret: "0123456789abcdef-secret", routes: [summarize] }\n`);
    s = await startServer(loadConfig({ dataDir: join(t.dir, "data"), port: 0, host: "127.0.0.1", config }, {}), false);
  });
  after(async () => {
    await s?.close();
    await hook?.close();
    t.cleanup();
  });

  it("registers models and routes, refusing bad input by field and unknown or duplicate names", async () => {
    const base = `${s.url}/api/v1`;
    assert.equal((await getJson(`${base}/models`)).body.models[0].id, "cfg-model", "models from the config file");
    for (const id of ["gpt-4o", "claude-sonnet-4", "llama-3-70b"]) assert.equal((await postJson(`${base}/models`, { id, version: "1.0.0", capabilities: { tools: true } })).status, 201);
    const dup = await postJson(`${base}/models`, { id: "gpt-4o" });
    assert.equal(dup.status, 409);
    const bad = await postJson(`${base}/models`, { id: "x", version: "one", status: "asleep" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), ["/status", "/version"]);
    const badRoute = await postJson(`${base}/routes`, { route: "summarize", primary: "gpt-4o", backups: ["nope"], thresholds: { error_rate: { trip: 0.1, recover: 0.5 } } });
    assert.equal(badRoute.status, 400);
    assert.deepEqual(badRoute.body.error.details.map((d: { path: string }) => d.path).sort(), ["/backups/0", "/thresholds/error_rate/recover"]);
    const created = await postJson(`${base}/routes`, { route: "summarize", primary: "gpt-4o", backups: ["claude-sonnet-4", "llama-3-70b"], thresholds: { error_rate: { trip: 0.2, recover: 0.05, min_samples: 20 } }, policy: { trip_after: 2, min_dwell_ms: 0 }, window: "1m" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual({ active: created.body.active_model, state: created.body.state, revision: created.body.revision, split: created.body.split, pin: created.body.pin }, { active: "gpt-4o", state: "normal", revision: 1, split: null, pin: null });
    assert.equal((await getJson(`${base}/routes/nowhere`)).status, 404);
    assert.equal((await send("DELETE", `${base}/models/gpt-4o`)).status, 409, "a model serving a route cannot be deleted");
    const rolled = await send("PATCH", `${base}/models/llama-3-70b`, { version: "1.1.0" });
    assert.equal(rolled.body.version, "1.1.0");
    const back = await postJson(`${base}/models/llama-3-70b/rollback`, {});
    assert.equal(back.body.version, "1.0.0");
    assert.equal(back.body.deployment_status, "rolled_back");
  });

  it("switches automatically when the primary's error rate crosses the threshold, explains it, and streams it", async () => {
    const base = `${s.url}/api/v1`;
    const stream = openStream(`${base}/routes/summarize/stream`);
    try {
      await stream.next(1);
      assert.equal(stream.views[0].active_model, "gpt-4o");
      const calls = (model: string, n: number, failEvery: number) => Array.from({ length: n }, (_, i) => ({ type: "llm_call", body: { model, route: "summarize", latency_ms: 300, status: i % failEvery === 0 ? "failure" : "success" } }));
      assert.equal((await postJson(`${base}/ingest`, { events: [...calls("gpt-4o", 40, 2), ...calls("claude-sonnet-4", 40, 100)] })).status, 207);
      await s.routes.evaluate();
      assert.equal((await getJson(`${base}/routes/summarize`)).body.active_model, "gpt-4o", "one bad evaluation is not enough (trip_after 2)");
      await s.routes.evaluate();
      const view = (await getJson(`${base}/routes/summarize`)).body;
      assert.equal(view.active_model, "claude-sonnet-4");
      assert.equal(view.state, "failed_over");
      assert.equal(view.health["gpt-4o"].status, "unhealthy");
      assert.deepEqual(view.health["gpt-4o"].reasons, [{ metric: "error_rate", value: 0.5, threshold: 0.2, scope: { kind: "route", name: "summarize" }, samples: 40 }], "the reason names the scope its threshold came from and the samples judged");
      const history = (await getJson(`${base}/routes/summarize/history`)).body.decisions;
      assert.deepEqual({ from: history[0].from, to: history[0].to, trigger: history[0].trigger, metric: history[0].metric, value: history[0].value, threshold: history[0].threshold }, { from: "gpt-4o", to: "claude-sonnet-4", trigger: "auto", metric: "error_rate", value: 0.5, threshold: 0.2 });
      // The switch raises an alert through the alerting pipeline.
      await s.alerting.engine.evaluate();
      const alerts = (await getJson(`${base}/alerts?state=firing`)).body.alerts.filter((a: { rule: string }) => a.rule === "RouteFailedOver");
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0].labels.route, "summarize");
      assert.match(alerts[0].message, /summarize failed over/);
      await stream.next(2);
      assert.equal(stream.views[1].active_model, "claude-sonnet-4");
      // The webhook subscriber got the change, signed.
      const deadline = Date.now() + 5000;
      while (!hook.received.some((r) => r.body?.view?.active_model === "claude-sonnet-4") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const got = hook.received.find((r) => r.body?.view?.active_model === "claude-sonnet-4")!;
      assert.ok(got, "the webhook received the switch");
      assert.equal(got.headers["x-vigil-event"], "route_change");
      assert.equal(got.body.decisions[0].trigger, "auto");
      const expected = "sha256=" + createHmac("sha256", "0123456789abcdef-secret").update(`${got.headers["x-vigil-timestamp"]}.${got.raw}`).digest("hex");
      assert.equal(got.headers["x-vigil-signature"], expected);
      assert.ok(stream.views[1].revision > stream.views[0].revision);
    } finally {
      stream.close();
    }
  });

  it("compares two models side by side on a route, with a recommendation", async () => {
    const base = `${s.url}/api/v1`;
    const c = (await getJson(`${base}/models/compare?a=gpt-4o&b=claude-sonnet-4&route=summarize&window=1h`)).body;
    assert.equal(c.a.calls, 40);
    assert.equal(c.a.figures.error_rate.value, 0.5);
    assert.equal(c.b.figures.error_rate.value, 0.025);
    assert.deepEqual(c.better["claude-sonnet-4"], ["error_rate"]);
    assert.equal(c.recommendation.prefer, "claude-sonnet-4");
    assert.match(c.recommendation.reason, /error_rate/);
    const thin = (await getJson(`${base}/models/compare?a=gpt-4o&b=llama-3-70b&window=1h`)).body;
    assert.equal(thin.recommendation.prefer, null);
    assert.match(thin.recommendation.reason, /not enough data/);
    assert.equal((await getJson(`${base}/models/compare?a=gpt-4o`)).status, 400);
    assert.equal((await getJson(`${base}/models/compare?a=gpt-4o&b=nope`)).status, 404);
  });

  it("pins by hand with a TTL over automation, and unpins", async () => {
    const base = `${s.url}/api/v1`;
    const badSwitch = await postJson(`${base}/routes/summarize/switch`, { to: "cfg-model" });
    assert.equal(badSwitch.status, 400, "not a candidate of the route");
    const pinned = await postJson(`${base}/routes/summarize/switch`, { to: "gpt-4o", ttl_s: 600, by: "dana", reason: "provider says fixed" });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    assert.equal(pinned.body.state, "pinned");
    assert.equal(pinned.body.active_model, "gpt-4o");
    const until = Date.parse(pinned.body.pin.until);
    assert.ok(Math.abs(until - (Date.now() + 600_000)) < 5_000, "the pin shows its expiry");
    // gpt-4o is still failing in the window, but the pin holds.
    await s.routes.evaluate();
    await s.routes.evaluate();
    assert.equal((await getJson(`${base}/routes/summarize`)).body.active_model, "gpt-4o");
    const history = (await getJson(`${base}/routes/summarize/history`)).body.decisions;
    assert.equal(history[0].trigger, "manual");
    assert.match(history[0].reason, /dana/);
    const un = await send("DELETE", `${base}/routes/summarize/pin?by=dana`);
    assert.equal(un.body.state, "normal");
    assert.equal(un.body.pin, null);
  });

  it("keeps route state and history across a restart", async () => {
    const base = `${s.url}/api/v1`;
    await postJson(`${base}/routes/summarize/switch`, { to: "llama-3-70b", by: "ops" });
    const before = (await getJson(`${base}/routes/summarize`)).body;
    await s.close();
    s = await startServer(loadConfig({ dataDir: join(t.dir, "data"), port: 0, host: "127.0.0.1", config }, {}), false);
    const after = (await getJson(`${s.url}/api/v1/routes/summarize`)).body;
    assert.deepEqual({ active: after.active_model, state: after.state, revision: after.revision, pin: after.pin }, { active: before.active_model, state: "pinned", revision: before.revision, pin: before.pin });
    assert.ok((await getJson(`${s.url}/api/v1/routes/summarize/history`)).body.decisions.length >= 4);
  });
});
