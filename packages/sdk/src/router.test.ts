import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { VigilConnector } from "./connector.js";
import { VigilConnectorError } from "./connector-errors.js";
import { Router, type RouterEvent, type RouterOptions } from "./router.js";
import { deadEndpoint, routeView, seededRandom, startFakeVigil, until } from "./fake-vigil.test-support.js";
import type { LlmCallInput } from "./types.js";
import { Vigil } from "./vigil.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function router(endpoint: string, options: RouterOptions = {}) {
  const recorded: LlmCallInput[] = [];
  const events: RouterEvent[] = [];
  const connector = new VigilConnector({ endpoint, client: { recordLlmCall: (input) => (recorded.push(input), "id") }, timeoutMs: 200, maxAttempts: 1 });
  const r = new Router(connector, "summarize", { pollIntervalMs: 20, reconnectBaseMs: 20, reconnectMaxMs: 40, ...options, onEvent: (e) => events.push(e) });
  cleanup.push(() => r.close());
  return { router: r, recorded, events, connector };
}

async function fake(views = [routeView({ revision: 1 })]) {
  const f = await startFakeVigil(views);
  cleanup.push(() => f.stop());
  return f;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Router", () => {
  it("sends split.share of the calls to the split's model (10% ± 1.5% over 5,000 picks)", async () => {
    const vigil = await fake([routeView({ revision: 3, active_model: "model-a", split: { model: "model-b", share: 0.1, phase: "probe" } })]);
    const { router: r } = router(vigil.url, { random: seededRandom(42) });
    assert.equal((await r.ready())?.revision, 3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const pick = r.pick()!;
      counts.set(pick.model, (counts.get(pick.model) ?? 0) + 1);
    }
    const share = (counts.get("model-b") ?? 0) / 5000;
    assert.ok(Math.abs(share - 0.1) <= 0.015, `split share ${share}`);
    assert.deepEqual([...counts.keys()].sort(), ["model-a", "model-b"]);
  });

  it("records an llm_call with route, model, latency, status, and the figures the call reports or returns", async () => {
    const vigil = await fake([routeView({ revision: 1, active_model: "model-a" })]);
    const { router: r, recorded } = router(vigil.url);
    await r.ready();
    const result = await r.call(
      async (model, call) => {
        assert.deepEqual([call.model, call.route, call.reason, call.revision], ["model-a", "summarize", "active", 1]);
        await sleep(10);
        call.firstToken();
        await sleep(10);
        call.report({ cost: 0.0021 });
        return { text: `answer from ${model}`, usage: { prompt_tokens: 900, completion_tokens: 120 } };
      },
      { runId: "run-1", agentName: "summarizer", provider: "openai" },
    );
    assert.equal(result.text, "answer from model-a");
    assert.equal(recorded.length, 1);
    const { latencyMs, ttftMs, ...rest } = recorded[0]!;
    assert.deepEqual(rest, {
      runId: "run-1", agentName: "summarizer", provider: "openai", inputTokens: 900, outputTokens: 120, cost: 0.0021,
      model: "model-a", route: "summarize", status: "success",
    });
    assert.ok(latencyMs >= 15 && latencyMs < 1000, `latency ${latencyMs}`);
    assert.ok(ttftMs! >= 5 && ttftMs! < latencyMs, `ttft ${ttftMs}`);
  });

  it("records a throw as a failure with the error's name and HTTP status, and rethrows the caller's error unchanged", async () => {
    const vigil = await fake();
    const { router: r, recorded } = router(vigil.url);
    await r.ready();
    const boom = Object.assign(new Error("rate limited"), { name: "RateLimitError", status: 429 });
    await assert.rejects(r.call(() => Promise.reject(boom)), (err) => err === boom);
    assert.deepEqual(
      recorded.map(({ latencyMs: _l, ...rest }) => rest),
      [{ model: "model-a", route: "summarize", status: "failure", errorType: "RateLimitError", httpStatus: 429 }],
    );
  });

  it("follows a switch pushed by Vigil", async () => {
    const vigil = await fake();
    const { router: r, connector, events } = router(vigil.url);
    await until(() => events.some((e) => e.type === "mode" && e.mode === "streaming"), 1500, "the stream");
    assert.equal(await r.call((model) => model), "model-a");
    assert.equal((await connector.switchRoute("summarize", { to: "model-b", reason: "drill" })).ok, true);
    await until(() => r.current()?.active_model === "model-b", 1500, "the switch");
    assert.equal(await r.call((model) => model), "model-b");
  });

  it("keeps serving the last known route when Vigil stops, with no error to the caller", async () => {
    const vigil = await fake([routeView({ revision: 9, active_model: "model-b" })]);
    const { router: r, recorded, events } = router(vigil.url);
    await r.ready();
    await vigil.stop();
    await until(() => events.some((e) => e.type === "stream_error"), 1500, "the lost stream");
    for (let i = 0; i < 20; i++) assert.equal(await r.call((model) => model), "model-b");
    await sleep(60);
    assert.equal(await r.call((model) => model), "model-b");
    assert.equal(recorded.length, 21);
    assert.equal(r.current()?.revision, 9);
  });

  it("uses defaultModel, and says so once, when no view was ever obtained", async () => {
    const { router: r, recorded, events } = router(await deadEndpoint(), { defaultModel: "model-fallback" });
    const started = performance.now();
    assert.equal(await r.call((model, call) => `${model}/${call.reason}`), "model-fallback/default");
    assert.equal(await r.call((model) => model), "model-fallback");
    assert.ok(performance.now() - started < 100, "no waiting for Vigil when there is a default");
    assert.deepEqual(events.filter((e) => e.type === "default_model"), [{ type: "default_model", route: "summarize", model: "model-fallback" }]);
    assert.deepEqual(recorded.map((c) => c.model), ["model-fallback", "model-fallback"]);
  });

  it("without defaultModel and without a view, refuses the call with NO_ROUTE after firstViewTimeoutMs, without running it", async () => {
    const { router: r } = router(await deadEndpoint(), { firstViewTimeoutMs: 30 });
    let ran = false;
    await assert.rejects(
      r.call(() => (ran = true)),
      (err) => err instanceof VigilConnectorError && err.code === "NO_ROUTE",
    );
    assert.equal(ran, false);
  });
});

describe("Vigil.route", () => {
  it("hands out one router per route, bound to the client: views with its key, calls recorded through its batches", async () => {
    const vigil = await fake([routeView({ revision: 2, active_model: "model-a" })]);
    const client = new Vigil({ endpoint: vigil.url, apiKey: "k-1", flushIntervalMs: 0, flushOnExit: false });
    cleanup.push(() => client.shutdown());
    const r = client.route("summarize", { defaultModel: "model-z" });
    cleanup.push(() => r.close());
    assert.equal(client.route("summarize"), r);
    await r.ready();
    await r.call(async (_model, call) => {
      call.report({ inputTokens: 10, outputTokens: 5, ttftMs: 33 });
      return "ok";
    });
    await client.flush();
    assert.equal(vigil.ingested.length, 1);
    const { body, type } = vigil.ingested[0]!;
    assert.equal(type, "llm_call");
    const { latency_ms, ...rest } = body as Record<string, unknown>;
    assert.deepEqual(rest, { model: "model-a", route: "summarize", status: "success", input_tokens: 10, output_tokens: 5, ttft_ms: 33 });
    assert.equal(typeof latency_ms, "number");
    assert.ok(vigil.requests.filter((q) => q.path.startsWith("/api/v1/routes/")).every((q) => q.headers.authorization === "Bearer k-1"));
    r.close();
    assert.notEqual(client.route("summarize"), r, "a closed router is replaced");
    client.route("summarize").close();
  });
});
