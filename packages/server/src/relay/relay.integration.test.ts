import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { RouteView } from "@vigil/contract";
import { VigilError } from "../core/errors.js";
import { deadBaseUrl, registryModel, routeView, seededRandom, startFakeUpstream, startFakeVigil, waitFor, type FakeUpstream, type FakeVigil, type UpstreamMode } from "./fakes.test-support.js";
import { startRelay, type RelayOptions, type RunningRelay } from "./relay.js";
import { STATE_FILE_NAME } from "./state-file.js";

const root = mkdtempSync(join(tmpdir(), "vigil-relay-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** Options that keep every wait of the suite short; the fake upstreams are on loopback, allowed explicitly. */
const FAST: Partial<RelayOptions> = {
  allowUpstreams: ["127.0.0.1"],
  refreshIntervalMs: 60_000, registryTimeoutMs: 1000, firstViewTimeoutMs: 300, drainTimeoutMs: 1000, flushTimeoutMs: 1000, upstreamTimeoutMs: 2000,
  follow: { pollIntervalMs: 100, reconnectBaseMs: 20, reconnectMaxMs: 100 },
  client: { flushIntervalMs: 20, retryBaseMs: 20, retryMaxMs: 100 },
};

interface Rig {
  vigil: FakeVigil;
  a: FakeUpstream;
  b: FakeUpstream;
  relay: RunningRelay;
  stateDir: string;
  post(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  calls(n: number): Promise<Record<string, any>[]>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function rig(fields: { view?: RouteView; modes?: [UpstreamMode?, UpstreamMode?]; aUrl?: string; relay?: Partial<RelayOptions> } = {}): Promise<Rig> {
  const a = await startFakeUpstream("model-a", fields.modes?.[0]);
  const b = await startFakeUpstream("model-b", fields.modes?.[1]);
  closers.push(() => a.close(), () => b.close());
  const models = [
    registryModel("model-a", fields.aUrl ?? a.baseUrl, { provider: "openai", model: "gpt-a-upstream", keyEnv: "VIGIL_UPSTREAM_KEY_A" }),
    registryModel("model-b", b, { provider: "anthropic" }),
    { id: "model-c", provider: "meta", upstream: null },
  ];
  const vigil = await startFakeVigil(models, [fields.view ?? routeView({ revision: 1 })]);
  closers.push(() => vigil.stop());
  const stateDir = join(root, `state-${++dirs}`);
  const relay = await startRelay({ ...FAST, vigilUrl: vigil.url, port: 0, stateDir, env: { VIGIL_UPSTREAM_KEY_A: "sk-a" }, ...fields.relay });
  closers.push(() => relay.close());
  return {
    vigil, a, b, relay, stateDir,
    post: (body, headers = {}) => fetch(`${relay.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }),
    calls: (n) => waitFor(() => { const calls = vigil.ingested.filter((e) => e.type === "llm_call").map((e) => e.body); return calls.length >= n && calls; }, 3000, `${n} llm_call events`),
  };
}

const ask = (model = "summarize", extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra });

describe("vigil relay", () => {
  it("sends a route's request to its active model under the upstream's name, with its key, and records the call", async () => {
    const r = await rig();
    const res = await r.post(ask(), { "x-vigil-tenant": "acme", authorization: "Bearer caller-key" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-vigil-route"), "summarize");
    assert.equal(res.headers.get("x-vigil-model"), "model-a");
    assert.equal(res.headers.get("x-upstream"), "model-a");
    const text = await res.text();
    assert.equal(text, r.a.answers[0]!.toString());
    assert.equal(r.a.requests[0]!.body.model, "gpt-a-upstream");
    assert.deepEqual(r.a.requests[0]!.body.messages, [{ role: "user", content: "hi" }]);
    assert.equal(r.a.requests[0]!.headers.authorization, "Bearer sk-a");
    assert.equal(r.b.requests.length, 0);
    const [call] = await r.calls(1);
    assert.equal(call!.model, "model-a");
    assert.equal(call!.provider, "openai");
    assert.equal(call!.route, "summarize");
    assert.equal(call!.tenant_id, "acme");
    assert.equal(call!.status, "success");
    assert.equal(call!.http_status, 200);
    assert.equal(call!.input_tokens, 11);
    assert.equal(call!.output_tokens, 7);
    assert.equal(call!.cached_input_tokens, 3);
    assert.ok(call!.latency_ms >= 0);
    assert.equal(call!.metadata.relay, true);
  });

  it("sends the split's share of traffic to the split model (seeded random)", async () => {
    const r = await rig({ view: routeView({ revision: 2, split: { model: "model-b", share: 0.2, phase: "ramp" } }), relay: { random: seededRandom(42) } });
    const n = 400;
    for (let i = 0; i < n; i++) assert.equal((await r.post(ask())).status, 200);
    const share = r.b.requests.length / n;
    assert.equal(r.a.requests.length + r.b.requests.length, n);
    assert.ok(share > 0.15 && share < 0.25, `share to the split model ${share}`);
  });

  it("follows a switch pushed over the event stream on the next request", async () => {
    const r = await rig({ relay: { follow: { pollIntervalMs: 60_000, reconnectBaseMs: 20, reconnectMaxMs: 100 } } });
    await waitFor(() => r.vigil.paths.includes("GET /api/v1/routes/summarize/stream"), 3000, "the relay's stream");
    assert.equal((await r.post(ask())).headers.get("x-vigil-model"), "model-a");
    r.vigil.publish(routeView({ revision: 2, active_model: "model-b", state: "failed_over" }));
    await waitFor(async () => ((await (await fetch(`${r.relay.url}/healthz`)).json()) as { routes: Record<string, string> }).routes.summarize === "model-b", 3000, "the switch");
    const res = await r.post(ask());
    assert.equal(res.headers.get("x-vigil-model"), "model-b");
    assert.match(await res.text(), /hello from model-b/);
  });

  it("retries on the next candidate after a 503, recording the failure and the success", async () => {
    const r = await rig({ modes: [{ kind: "status", status: 503, body: { error: { message: "overloaded" } } }] });
    const res = await r.post(ask());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-vigil-model"), "model-b");
    assert.match(await res.text(), /hello from model-b/);
    assert.equal(r.b.requests[0]!.body.model, "model-b");
    const calls = await r.calls(2);
    assert.deepEqual(calls.map((c) => [c.model, c.status, c.error_type, c.http_status, c.metadata.attempt]), [["model-a", "failure", "http_5xx", 503, 1], ["model-b", "success", undefined, 200, 2]]);
  });

  it("retries on the next candidate when the upstream refuses the connection", async () => {
    const r = await rig({ aUrl: await deadBaseUrl() });
    const res = await r.post(ask());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-vigil-model"), "model-b");
    const calls = await r.calls(2);
    assert.deepEqual(calls.map((c) => [c.model, c.status, c.error_type]), [["model-a", "failure", "connect"], ["model-b", "success", undefined]]);
    assert.equal(calls[0]!.http_status, undefined);
  });

  it("retries after the upstream timeout and answers 502 when every candidate is down", async () => {
    const r = await rig({ modes: [{ kind: "stall" }], relay: { upstreamTimeoutMs: 150 } });
    const res = await r.post(ask());
    assert.equal(res.status, 200);
    const calls = await r.calls(2);
    assert.equal(calls[0]!.error_type, "timeout");
    assert.ok(calls[0]!.latency_ms >= 140);
    await r.b.close();
    const down = await r.post(ask());
    assert.equal(down.status, 502);
    const body = (await down.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "upstream_unavailable");
    assert.match(body.error.message, /model-a: timeout.*model-b: connect/);
  });

  it("passes a 400 through unchanged without trying another model", async () => {
    const error = { error: { message: "messages is required", type: "invalid_request_error", param: "messages", code: null } };
    const r = await rig({ modes: [{ kind: "status", status: 400, body: error }] });
    const res = await r.post(ask());
    assert.equal(res.status, 400);
    assert.equal(await res.text(), JSON.stringify(error));
    assert.equal(r.b.requests.length, 0);
    const [call] = await r.calls(1);
    assert.deepEqual([call!.model, call!.status, call!.error_type, call!.http_status], ["model-a", "failure", "http_4xx", 400]);
  });

  it("passes a stream through byte for byte and records time to first token and the final usage", async () => {
    const r = await rig({ modes: [{ kind: "ok", firstTokenDelayMs: 60 }] });
    const res = await r.post(ask("summarize", { stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/event-stream/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.ok(bytes.equals(r.a.answers[0]!), "the caller gets the upstream's bytes");
    assert.deepEqual(r.a.requests[0]!.body.stream_options, { include_usage: true });
    const [call] = await r.calls(1);
    assert.equal(call!.status, "success");
    assert.ok(call!.ttft_ms >= 50, `ttft ${call!.ttft_ms}`);
    assert.ok(call!.latency_ms >= call!.ttft_ms);
    assert.equal(call!.input_tokens, 13);
    assert.equal(call!.output_tokens, 5);
  });

  it("keeps the caller's stream_options as they are", async () => {
    const r = await rig();
    await (await r.post(ask("summarize", { stream: true, stream_options: { include_usage: false } }))).arrayBuffer();
    assert.deepEqual(r.a.requests[0]!.body.stream_options, { include_usage: false });
    const [call] = await r.calls(1);
    assert.equal(call!.input_tokens, undefined);
    assert.ok(call!.ttft_ms >= 0);
  });

  it("serves the real openai client, plain and streaming, behind a relay key", async () => {
    const r = await rig({ relay: { relayKey: "x" } });
    const client = new OpenAI({ baseURL: `${r.relay.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "summarize", messages: [{ role: "user", content: "hi" }] });
    assert.equal(answer.choices[0]!.message.content, "hello from model-a");
    assert.equal(answer.usage?.prompt_tokens, 11);
    const stream = await client.chat.completions.create({ model: "summarize", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, "hello from model-a");
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["summarize", "model-a", "model-b"]);
    const denied = new OpenAI({ baseURL: `${r.relay.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    await assert.rejects(denied.chat.completions.create({ model: "summarize", messages: [] }), (err: unknown) => err instanceof OpenAI.APIError && err.status === 401);
    assert.equal(r.a.requests.length, 2, "a refused caller reaches no upstream");
    assert.equal(r.a.requests[0]!.headers.authorization, "Bearer sk-a", "the relay key is not sent upstream");
  });

  it("sends a model named directly to its upstream without failover", async () => {
    const r = await rig({ modes: [undefined, { kind: "status", status: 503, body: { error: { message: "down" } } }] });
    const res = await r.post(ask("model-b"));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("x-vigil-route"), null);
    assert.equal(r.a.requests.length, 0);
    const [call] = await r.calls(1);
    assert.deepEqual([call!.model, call!.route, call!.error_type], ["model-b", undefined, "http_5xx"]);
    assert.equal((await r.post(ask("model-c"))).status, 503, "a registered model without upstream");
    const unknown = await r.post(ask("nope"));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "model_not_found");
  });

  it("keeps serving the last known route while Vigil is down, and delivers the events once it is back", async () => {
    const r = await rig({ view: routeView({ revision: 3, active_model: "model-b" }) });
    assert.equal((await r.post(ask())).headers.get("x-vigil-model"), "model-b");
    await r.calls(1);
    await r.vigil.stop();
    await r.relay.refresh();
    for (let i = 0; i < 5; i++) {
      const res = await r.post(ask());
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-vigil-model"), "model-b");
    }
    const health = (await (await fetch(`${r.relay.url}/healthz`)).json()) as { vigil: string; routes: Record<string, string> };
    assert.equal(health.vigil, "unreachable");
    assert.equal(health.routes.summarize, "model-b");
    await r.vigil.start();
    const calls = await r.calls(6);
    assert.equal(calls.length, 6);
  });

  it("routes from the state file when restarted while Vigil is down", async () => {
    const r = await rig({ view: routeView({ revision: 5, active_model: "model-b", state: "failed_over" }) });
    assert.equal((await r.post(ask())).status, 200);
    await r.relay.close();
    const saved = JSON.parse(readFileSync(join(r.stateDir, STATE_FILE_NAME), "utf8")) as { routes: RouteView[]; models: { id: string }[] };
    assert.equal(saved.routes[0]!.active_model, "model-b");
    assert.deepEqual(saved.models.map((m) => m.id), ["model-a", "model-b", "model-c"]);
    await r.vigil.stop();
    const again = await startRelay({ ...FAST, vigilUrl: r.vigil.url, port: 0, stateDir: r.stateDir, env: {}, client: { ...FAST.client, maxRetries: 1 } });
    closers.push(() => again.close());
    const res = await fetch(`${again.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(ask()) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-vigil-model"), "model-b");
    assert.equal(r.b.requests.length, 2);
  });

  it("serves a route before any view from its --default-model-for model", async () => {
    const a = await startFakeUpstream("model-a");
    closers.push(() => a.close());
    const relay = await startRelay({ ...FAST, vigilUrl: (await deadBaseUrl()).replace(/\/v1$/, ""), port: 0, stateDir: join(root, `state-${++dirs}`), defaultModels: { summarize: "model-a" }, upstreams: { "model-a": { baseUrl: a.baseUrl } }, client: { ...FAST.client, maxRetries: 0 } });
    closers.push(() => relay.close());
    const res = await fetch(`${relay.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(ask()) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-vigil-model"), "model-a");
    const none = await fetch(`${relay.url}/v1/chat/completions`, { method: "POST", body: "{" });
    assert.equal(none.status, 400);
  });

  it("finishes a request in flight when it shuts down, then flushes its events", async () => {
    const r = await rig({ modes: [{ kind: "ok", firstTokenDelayMs: 200 }] });
    const pending = r.post(ask("summarize", { stream: true })).then(async (res) => ({ status: res.status, text: await res.text() }));
    await waitFor(() => r.a.requests.length === 1, 3000, "the upstream request");
    await r.relay.close();
    const done = await pending;
    assert.equal(done.status, 200);
    assert.match(done.text, /hello.*\[DONE\]/s);
    await assert.rejects(fetch(`${r.relay.url}/healthz`));
    assert.equal(r.vigil.ingested.filter((e) => e.type === "llm_call").length, 1, "flushed at close");
  });

  it("refuses a non-loopback host without a relay key", async () => {
    await assert.rejects(startRelay({ vigilUrl: "http://127.0.0.1:1", host: "0.0.0.0", port: 0 }), (err: unknown) => err instanceof VigilError && err.code === "CONFIG_INVALID" && /relay key/.test(err.message));
  });
});

