/**
 * Failover end to end: a real Vigil (evaluating every second), `vigil relay`, local upstreams that
 * speak the OpenAI chat API, and the real `openai` client as the caller. Routes switch on the
 * primary's error rate, p95 latency, and accuracy from outcome events, within two evaluation
 * intervals of the primary turning unhealthy; the failed primary then gets no traffic but probes;
 * a recovered primary comes back through probe and ramp; a signal hovering at the threshold does
 * not flap; with every model unhealthy requests are still served and the route says degraded; a
 * pin holds until its TTL; and with Vigil stopped the relay and the SDK router keep serving.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { Vigil } from "@vigil/sdk";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { startRelay, type RunningRelay } from "@vigil/server/relay";
import { getJson, postJson, tempDir } from "./helpers.js";

const EVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One OpenAI-compatible upstream serving every model; each model's behaviour is set by the test. */
class Upstreams {
  server!: Server;
  url = "";
  readonly behaviour = new Map<string, { failRate: number; delayMs: number }>();
  readonly hits: { model: string; at: number }[] = [];
  private n = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const body = JSON.parse(raw) as { model: string };
        this.hits.push({ model: body.model, at: Date.now() });
        const b = this.behaviour.get(body.model) ?? { failRate: 0, delayMs: 0 };
        // Deterministic failures: every k-th call fails for a rate of 1/k, spread evenly.
        const fail = b.failRate > 0 && (this.n++ * b.failRate) % 1 + b.failRate >= 1;
        setTimeout(() => {
          if (fail) {
            res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "overloaded", type: "server_error" } }));
            return;
          }
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "cmpl-1", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: `answer from ${body.model}` }, finish_reason: "stop" }], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } }));
        }, b.delayMs);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  set(model: string, failRate: number, delayMs = 0): void {
    this.behaviour.set(model, { failRate, delayMs });
  }

  count(model: string, from: number, to = Infinity): number {
    return this.hits.filter((h) => h.model === model && h.at >= from && h.at < to).length;
  }
}

describe("failover end to end through vigil relay", () => {
  const t = tempDir();
  const up = new Upstreams();
  let vigil: RunningServer;
  let relay: RunningRelay;
  let client: OpenAI;
  const config = join(t.dir, "vigil.yaml");

  /** Sends `n` chat completions for `route`, `concurrency` at a time; every one must succeed. */
  async function traffic(route: string, ms: number, concurrency = 3): Promise<string[]> {
    const served: string[] = [];
    const end = Date.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const r = await client.chat.completions.create({ model: route, messages: [{ role: "user", content: "hi" }] });
          served.push(r.choices[0]!.message.content!.replace("answer from ", ""));
          await sleep(15);
        }
      }),
    );
    return served;
  }

  const view = async (route: string) => (await getJson(`${vigil.url}/api/v1/routes/${route}`)).body;
  const history = async (route: string) => (await getJson(`${vigil.url}/api/v1/routes/${route}/history`)).body.decisions as any[];
  async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined | false>): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  before(async () => {
    await up.start();
    const model = (id: string) => `    - { id: ${id}, provider: fake, upstream: { base_url: "${up.url}" } }\n`;
    const ids = ["err-a", "err-b", "lat-a", "lat-b", "flap-a", "flap-b", "all-a", "all-b", "acc-a", "acc-b"];
    const route = (name: string, a: string, b: string, thresholds: string, policy: string) => `    - { route: ${name}, primary: ${a}, backups: [${b}], window: 30s, thresholds: ${thresholds}, policy: ${policy} }\n`;
    // Probing waits a minute unless a test wants it sooner: no probe traffic muddies the counts.
    const slowProbe = "{ trip_after: 2, min_dwell_ms: 0, backoff_base_ms: 60s }";
    writeFileSync(
      config,
      // The upstreams are on loopback, which is refused unless allow-listed, on the server and on the relay.
      `failover:\n  evaluation_interval: 1s\n  upstreams: { allow: [127.0.0.1] }\n  models:\n${ids.map(model).join("")}  routes:\n` +
        route("err", "err-a", "err-b", "{ error_rate: { trip: 0.3, recover: 0.1, min_samples: 10 } }", "{ trip_after: 2, min_dwell_ms: 0, backoff_base_ms: 3s, probe_evaluations: 2, ramp: [0.5], ramp_step_evaluations: 2 }") +
        route("lat", "lat-a", "lat-b", "{ p95_latency_ms: { trip: 150, recover: 100, min_samples: 10 } }", slowProbe) +
        route("flap", "flap-a", "flap-b", "{ error_rate: { trip: 0.3, recover: 0.05, min_samples: 10 } }", "{ trip_after: 2, min_dwell_ms: 0, backoff_base_ms: 2s }") +
        route("all", "all-a", "all-b", "{ p95_latency_ms: { trip: 100, min_samples: 10 } }", slowProbe) +
        route("acc", "acc-a", "acc-b", "{ accuracy: { trip: 0.8, recover: 0.9, min_samples: 10 } }", slowProbe),
    );
    vigil = await startServer(loadConfig({ dataDir: join(t.dir, "vigil"), port: 0, host: "127.0.0.1", config }, {}), false);
    relay = await startRelay({ vigilUrl: vigil.url, port: 0, stateDir: join(t.dir, "relay"), allowUpstreams: ["127.0.0.1"], refreshIntervalMs: 1000, follow: { pollIntervalMs: 250, reconnectBaseMs: 100, reconnectMaxMs: 500 }, client: { flushIntervalMs: 100 } });
    client = new OpenAI({ baseURL: `${relay.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  after(async () => {
    await relay?.close();
    await vigil?.close();
    await new Promise((r) => up.server?.close(r));
    t.cleanup();
  });

  it("switches on the primary's error rate within 2 evaluations, then only probes reach it, and it comes back through probe and ramp", async () => {
    assert.deepEqual(new Set(await traffic("err", 600)), new Set(["err-a"]), "the primary serves while healthy");
    up.set("err-a", 1);
    const onset = Date.now();
    // Every call still succeeds for the caller: the relay retries on the backup.
    const during = traffic("err", 4000);
    const unhealthyAt = await until("err-a unhealthy", 10_000, async () => (await getJson(`${vigil.url}/api/v1/models/err-a/health?route=err&window=30s`)).body.status === "unhealthy" && Date.now());
    const switchedAt = await until("the switch", 10_000, async () => (await view("err")).active_model === "err-b" && Date.now());
    await during;
    const decision = (await history("err")).find((d) => d.trigger === "auto")!;
    assert.equal(decision.metric, "error_rate");
    assert.ok(decision.value > 0.3 && decision.threshold === 0.3);
    const lag = Date.parse(decision.at) - unhealthyAt;
    assert.ok(lag <= 2 * EVAL_MS + 300, `switched ${lag} ms after err-a turned unhealthy (2 intervals: ${2 * EVAL_MS} ms)`);
    assert.ok(switchedAt - onset < 10_000);
    // After the switch (and the relay hearing of it), only probes go to the failed primary.
    await sleep(300);
    const from = Date.now();
    await traffic("err", 1500);
    const probes = (await history("err")).filter((d) => d.trigger === "probe" && d.to === "err-a");
    if (probes.length === 0) assert.equal(up.count("err-a", from), 0, "no traffic to the failed primary");
    else assert.ok(up.count("err-a", from) <= up.count("err-b", from) * 0.2 + 2, "only a probe share reaches the primary");
    // Recovery: probe, ramp, then all traffic.
    up.set("err-a", 0);
    // Probe, ramp and recovery are each judged on fresh calls over the route's 30-second window, which
    // still holds the primary's failures: traffic lasts until well past the recovery, however long
    // those failures take to be outweighed.
    const back = traffic("err", 25_000, 2);
    // A recovery that does not come says which decisions were made and where the route stands.
    await until("the recovery", 30_000, async () => (await history("err")).some((d) => d.trigger === "recovery")).catch(async (err: Error) => {
      throw new Error(`${err.message}; route: ${JSON.stringify(await view("err"))}; decisions: ${JSON.stringify(await history("err"))}`);
    });
    await back;
    const triggers = (await history("err")).map((d) => d.trigger).reverse();
    const after = triggers.slice(triggers.indexOf("auto"));
    assert.ok(after.includes("probe") && after.includes("ramp"), `decisions: ${after.join(", ")}`);
    assert.ok(after.indexOf("probe") < after.indexOf("ramp") && after.indexOf("ramp") < after.indexOf("recovery"));
    assert.equal((await view("err")).active_model, "err-a");
    const final = Date.now();
    await traffic("err", 500);
    assert.equal(up.count("err-b", final), 0, "all traffic is back on the primary");
  });

  it("switches on the primary's p95 latency", async () => {
    await traffic("lat", 400);
    up.set("lat-a", 0, 250);
    const unhealthyAt = await (async () => {
      const bg = traffic("lat", 5000);
      const at = await until("lat-a unhealthy", 10_000, async () => (await getJson(`${vigil.url}/api/v1/models/lat-a/health?route=lat`)).body.status === "unhealthy" && Date.now());
      await until("the switch", 10_000, async () => (await view("lat")).active_model === "lat-b");
      await bg;
      return at;
    })();
    const d = (await history("lat")).find((x) => x.trigger === "auto")!;
    assert.equal(d.metric, "p95_latency_ms");
    assert.ok(Date.parse(d.at) - unhealthyAt <= 2 * EVAL_MS + 300);
  });

  it("switches on accuracy measured from outcome events", async () => {
    const sdk = new Vigil({ endpoint: vigil.url, flushIntervalMs: 50 });
    try {
      const run = (model: string, i: number, predicted: number, actual: number) => {
        const runId = `acc-${model}-${i}-${Date.now()}`;
        sdk.recordRun({ agentName: "forecaster", status: "success", durationMs: 100, model, route: "acc", runId, metadata: { prediction: predicted } });
        sdk.recordOutcome({ runId, actualOutcome: actual });
      };
      for (let i = 0; i < 12; i++) run("acc-b", i, 100, 100);
      // The primary's predictions drift: accuracy 1 - |p - a| / |a| = 0.5.
      for (let i = 0; i < 12; i++) run("acc-a", i, 150, 100);
      await sdk.flush();
      const unhealthyAt = await until("acc-a unhealthy", 10_000, async () => (await getJson(`${vigil.url}/api/v1/models/acc-a/health?route=acc`)).body.status === "unhealthy" && Date.now());
      await until("the switch", 10_000, async () => (await view("acc")).active_model === "acc-b");
      const d = (await history("acc")).find((x) => x.trigger === "auto")!;
      assert.deepEqual({ metric: d.metric, value: d.value, threshold: d.threshold }, { metric: "accuracy", value: 0.5, threshold: 0.8 });
      assert.ok(Date.parse(d.at) - unhealthyAt <= 2 * EVAL_MS + 300);
    } finally {
      await sdk.shutdown();
    }
  });

  it("does not flap on an error rate oscillating around the threshold", async () => {
    const end = Date.now() + 8000;
    let flip = false;
    const driver = (async () => {
      while (Date.now() < end) {
        // Just over and just under the trip value, a second each.
        up.set("flap-a", flip ? 0.34 : 0.26);
        flip = !flip;
        await sleep(EVAL_MS);
      }
    })();
    await Promise.all([driver, traffic("flap", 8000, 2)]);
    const autos = (await history("flap")).filter((d) => d.trigger === "auto" || d.trigger === "recovery");
    assert.ok(autos.length <= 1, `switches: ${autos.map((d) => `${d.trigger} ${d.from}→${d.to}`).join(", ")}`);
    assert.equal(autos.filter((d) => d.trigger === "recovery").length, 0, "never back and forth");
  });

  it("with every model unhealthy still serves every request on the least bad one and says degraded", async () => {
    up.set("all-a", 0, 220);
    up.set("all-b", 0, 160);
    // The backup answers for its calls since it took the route (from the next 10-second slice),
    // so the traffic lasts long enough for it to be judged too.
    const served = traffic("all", 20_000, 3);
    await until("degraded", 30_000, async () => (await view("all")).state === "degraded");
    const results = await served;
    assert.ok(results.length > 20, "requests kept being answered");
    const v = await view("all");
    assert.equal(v.active_model, "all-b", "all-b is the least past the threshold");
    assert.equal(v.health["all-a"].status, "unhealthy");
    assert.equal(v.health["all-b"].status, "unhealthy");
  });

  it("holds a manual pin over automation until its TTL expires, with every decision explained", async () => {
    // err-a is healthy and serving again; pin the route to it, then make it fail: the pin holds.
    const pinned = await postJson(`${vigil.url}/api/v1/routes/err/switch`, { to: "err-a", ttl_s: 4, by: "oncall", reason: "vendor incident drill" });
    assert.equal(pinned.body.state, "pinned");
    up.set("err-a", 1);
    const pinnedUntil = Date.parse(pinned.body.pin.until);
    const bg = traffic("err", 3000);
    await sleep(2500);
    assert.equal((await view("err")).state, "pinned", "automation does not move a pinned route");
    await bg;
    // Calls keep coming after the pin expires, so automation judges err-a on fresh failures.
    const after = traffic("err", 6000);
    await until("the pin to expire and automation to move off err-a", 15_000, async () => (await view("err")).active_model === "err-b");
    await after;
    const h = await history("err");
    const expired = h.find((d) => d.trigger === "pin_expired")!;
    assert.ok(Date.parse(expired.at) >= pinnedUntil);
    for (const d of h) assert.ok(d.reason.length > 10, `decision ${d.trigger} has a reason`);
    assert.match(h.find((d) => d.trigger === "manual")!.reason, /oncall/);
    up.set("err-a", 0);
  });

  it("keeps serving through the relay and the SDK router on the last known route when Vigil is stopped", async () => {
    const sdk = new Vigil({ endpoint: vigil.url, flushIntervalMs: 50, maxRetries: 0 });
    const router = sdk.route("lat", { defaultModel: "lat-a" });
    await router.ready(5000);
    assert.equal(router.current()!.active_model, "lat-b");
    await vigil.close();
    const served = await traffic("lat", 1500);
    assert.ok(served.length > 10 && served.every((m) => m === "lat-b"), "the relay serves on the last known route");
    let calls = 0;
    for (let i = 0; i < 20; i++) await router.call(async (model) => {
      assert.equal(model, "lat-b");
      calls++;
    });
    assert.equal(calls, 20, "the router serves without errors");
    router.close();
    await sdk.shutdown().catch(() => undefined);
    // Vigil comes back with its route state.
    vigil = await startServer(loadConfig({ dataDir: join(t.dir, "vigil"), port: 0, host: "127.0.0.1", config }, {}), false);
    assert.equal((await view("lat")).active_model, "lat-b", "switching state survives the restart");
  });
});
