import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BODY_SCHEMAS, type EventType, type WireEvent } from "@vigil/contract";
import { Vigil, VigilSdkError, type VigilOptions } from "./index.js";

/** A canned answer; "stall" never answers. */
type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | "stall";

interface Received {
  headers: IncomingHttpHeaders;
  events: WireEvent[];
  at: number;
}

interface FakeOptions {
  /** Answers for the first requests, in order; later requests get the real 207 treatment. */
  replies?: Reply[];
  /** Every request stalls. */
  stallAll?: boolean;
  /** Requests without `Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Larger batches get 413. */
  maxEvents?: number;
}

/**
 * A Vigil ingest endpoint that speaks the real protocol: 400 for a malformed envelope, 401 for a wrong key,
 * 413 for an oversize batch, and 207 with per-event errors checked against the contract's schemas
 * (unknown fields, missing required fields, numbers under their minimum), storing each id once.
 */
async function startFakeIngest(opts: FakeOptions = {}) {
  const received: Received[] = [];
  const stored = new Map<string, WireEvent>();
  const stalled: ServerResponse[] = [];
  const replies = [...(opts.replies ?? [])];
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/api/v1/ingest") return answer(res, 404, { error: { code: "NOT_FOUND", message: "no route" } });
    let parsed: { events?: unknown };
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events?: unknown };
    } catch {
      return answer(res, 400, { error: { code: "MALFORMED_BODY", message: "body is not JSON" } });
    }
    if (!Array.isArray(parsed?.events)) return answer(res, 400, { error: { code: "MALFORMED_BODY", message: "events must be an array" } });
    const events = parsed.events as WireEvent[];
    received.push({ headers: req.headers, events, at: performance.now() });
    if (opts.stallAll) return void stalled.push(res);
    const reply = replies.shift();
    if (reply === "stall") return void stalled.push(res);
    if (reply) return answer(res, reply.status, reply.body ?? { error: { code: "CANNED", message: `canned ${reply.status}` } }, reply.headers);
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return answer(res, 401, { error: { code: "UNAUTHORIZED", message: "missing or wrong API key" } });
    }
    if (opts.maxEvents !== undefined && events.length > opts.maxEvents) {
      return answer(res, 413, { error: { code: "PAYLOAD_TOO_LARGE", message: `at most ${opts.maxEvents} events` } });
    }
    const successes: { index: number; id: string; duplicate?: true }[] = [];
    const errors: { index: number; id?: string; status: number; code: string; message: string; path: string }[] = [];
    events.forEach((event, index) => {
      const problem = check(event);
      if (problem) return void errors.push({ index, id: event.id, status: 400, code: "VALIDATION_FAILED", message: problem.message, path: `/events/${index}${problem.path}` });
      const id = event.id ?? `srv-${stored.size}`;
      if (stored.has(id)) return void successes.push({ index, id, duplicate: true });
      stored.set(id, event);
      successes.push({ index, id });
    });
    answer(res, 207, { successes, errors });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    for (const res of stalled) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, received, stored, close };
}

function check(event: WireEvent): { path: string; message: string } | null {
  const schema = BODY_SCHEMAS[event.type as EventType] as unknown as { properties: Record<string, { minimum?: number }>; required?: string[] } | undefined;
  if (!schema) return { path: "/type", message: "unknown event type" };
  const body = event.body as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    const prop = schema.properties[key];
    if (!prop) return { path: `/body/${key}`, message: `unknown field "${key}"` };
    if (prop.minimum !== undefined && typeof value === "number" && value < prop.minimum) return { path: `/body/${key}`, message: `must be >= ${prop.minimum}` };
  }
  for (const key of schema.required ?? []) if (!(key in body)) return { path: `/body/${key}`, message: "is required" };
  return null;
}

/** A free port with nothing listening on it. */
async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(fake: FakeOptions = {}, options: Partial<VigilOptions> = {}) {
  const server = await startFakeIngest(fake);
  cleanups.push(server.close);
  const errors: VigilSdkError[] = [];
  const vigil = new Vigil({ endpoint: server.url, flushIntervalMs: 0, flushOnExit: false, retryBaseMs: 1, onError: (e) => errors.push(e), ...options });
  cleanups.push(() => vigil.shutdown());
  return { server, vigil, errors };
}

describe("Vigil delivery", () => {
  it("sends every event type as the documented snake_case wire event", async () => {
    const { server, vigil } = await setup();
    const at = new Date("2026-11-21T10:00:00Z");
    const runId = vigil.recordRun({
      agentName: "react_agent", status: "success", durationMs: 1250.5, agentType: "react", runId: "run_1", taskId: "task_1",
      model: "gpt-4o", route: "summarize", tenantId: "acme", userId: "u1", mode: "fast", tags: { env: "prod" },
      inputTokens: 200, outputTokens: 150, tokensUsed: 350, cost: 0.07, cacheHit: false, memoryMb: 512, cpuMs: 900,
      qualityScore: 0.9, confidence: 0.8, errorType: undefined, retries: 1, metadata: { prediction: "up", nestedKey: 1 }, timestamp: at,
    });
    const llmId = vigil.recordLlmCall({
      model: "gpt-4o", latencyMs: 820, provider: "openai", runId: "run_1", agentName: "react_agent", route: "summarize", tenantId: "acme",
      mode: "fast", inputTokens: 1000, outputTokens: 500, cachedInputTokens: 100, cached: false, ttftMs: 120, status: "failure",
      errorType: "RateLimit", httpStatus: 429, cost: 0.01, metadata: { attempt: 2 }, id: "my-llm-id", timestamp: 1_790_000_000_000,
    });
    vigil.recordOutcome({ taskId: "task_1", runId: "run_1", actualOutcome: { up: true }, predictedOutcome: { up: false }, agentName: "react_agent", model: "gpt-4o", route: "summarize", feedbackSource: "user", metadata: {} });
    vigil.recordFeedback({ runId: "run_1", taskId: "task_1", rating: 4, thumbs: "up", agentName: "react_agent", model: "gpt-4o", route: "summarize", correction: "better", source: "ui", metadata: { x: 1 } });
    vigil.recordMetric({ name: "queue_depth", value: 3, unit: "items", category: "system", component: "worker", labels: { pool: "a" }, timestamp: "2026-11-21T10:00:00Z" });
    await vigil.flush();

    assert.equal(llmId, "my-llm-id");
    assert.equal(server.received.length, 1);
    const [run, llm, outcome, feedback, metric] = server.received[0]!.events;
    assert.deepEqual(run, {
      id: runId, type: "run", timestamp: at.getTime(),
      body: {
        agent_name: "react_agent", status: "success", duration_ms: 1250.5, agent_type: "react", run_id: "run_1", task_id: "task_1",
        model: "gpt-4o", route: "summarize", tenant_id: "acme", user_id: "u1", mode: "fast", tags: { env: "prod" },
        input_tokens: 200, output_tokens: 150, tokens_used: 350, cost: 0.07, cache_hit: false, memory_mb: 512, cpu_ms: 900,
        quality_score: 0.9, confidence: 0.8, retries: 1, metadata: { prediction: "up", nestedKey: 1 },
      },
    });
    assert.deepEqual(llm, {
      id: "my-llm-id", type: "llm_call", timestamp: 1_790_000_000_000,
      body: {
        model: "gpt-4o", latency_ms: 820, provider: "openai", run_id: "run_1", agent_name: "react_agent", route: "summarize", tenant_id: "acme",
        mode: "fast", input_tokens: 1000, output_tokens: 500, cached_input_tokens: 100, cached: false, ttft_ms: 120, status: "failure",
        error_type: "RateLimit", http_status: 429, cost: 0.01, metadata: { attempt: 2 },
      },
    });
    assert.deepEqual(outcome!.body, { task_id: "task_1", run_id: "run_1", actual_outcome: { up: true }, predicted_outcome: { up: false }, agent_name: "react_agent", model: "gpt-4o", route: "summarize", feedback_source: "user", metadata: {} });
    assert.deepEqual(feedback!.body, { run_id: "run_1", task_id: "task_1", rating: 4, thumbs: "up", agent_name: "react_agent", model: "gpt-4o", route: "summarize", correction: "better", source: "ui", metadata: { x: 1 } });
    assert.deepEqual(metric, { id: metric!.id, type: "metric", timestamp: "2026-11-21T10:00:00Z", body: { name: "queue_depth", value: 3, unit: "items", category: "system", component: "worker", labels: { pool: "a" } } });
    assert.equal(typeof outcome!.timestamp, "number");
    assert.ok(Math.abs((outcome!.timestamp as number) - Date.now()) < 5000, "default timestamp is the record time in epoch ms");
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 5, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("splits batches at maxBatchSize and flush sends everything", async () => {
    const { server, vigil } = await setup({}, { maxBatchSize: 3 });
    const ids = Array.from({ length: 7 }, (_, i) => vigil.recordMetric({ name: "m", value: i }));
    await vigil.flush();
    assert.deepEqual(server.received.map((r) => r.events.length), [3, 3, 1]);
    assert.deepEqual(server.received.flatMap((r) => r.events.map((e) => e.id)), ids, "order is kept");
    assert.equal(vigil.stats().sent, 7);
  });

  it("starts sending as soon as maxBatchSize events are queued, without waiting for the timer", async () => {
    const { server, vigil } = await setup({}, { maxBatchSize: 5, flushIntervalMs: 60_000 });
    for (let i = 0; i < 4; i++) vigil.recordMetric({ name: "m", value: i });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(server.received.length, 0, "a partial batch waits for the timer");
    vigil.recordMetric({ name: "m", value: 4 });
    await waitFor(() => vigil.stats().sent === 5);
    assert.deepEqual(server.received.map((r) => r.events.length), [5]);
  });

  it("sends queued events on the flush interval", async () => {
    const { server, vigil } = await setup({}, { flushIntervalMs: 20 });
    vigil.recordRun({ agentName: "a", status: "success", durationMs: 1 });
    await waitFor(() => vigil.stats().sent === 1);
    assert.equal(server.received.length, 1);
  });

  it("sends the API key as a bearer token, and none without one", async () => {
    const { server, vigil } = await setup({ apiKey: "sekret" }, { apiKey: "sekret" });
    vigil.recordMetric({ name: "m", value: 1 });
    await vigil.flush();
    assert.equal(server.received[0]!.headers.authorization, "Bearer sekret");
    assert.equal(server.received[0]!.headers["content-type"], "application/json");

    const anonymous = new Vigil({ endpoint: server.url, flushIntervalMs: 0, flushOnExit: false });
    anonymous.recordMetric({ name: "m", value: 1 });
    await anonymous.shutdown();
    assert.equal(server.received[1]!.headers.authorization, undefined);
    assert.equal(anonymous.stats().rejected, 1, "the server refused the keyless batch");
  });
});

describe("Vigil retries and drops", () => {
  it("retries a 503 twice and then delivers the batch once, with the same event ids", async () => {
    const { server, vigil, errors } = await setup({ replies: [{ status: 503 }, { status: 503 }] });
    const ids = [vigil.recordRun({ agentName: "a", status: "success", durationMs: 5 }), vigil.recordMetric({ name: "m", value: 1 })];
    await vigil.flush();
    assert.equal(server.received.length, 3);
    for (const request of server.received) assert.deepEqual(request.events.map((e) => e.id), ids);
    assert.deepEqual([...server.stored.keys()], ids, "stored once");
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 2, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
    assert.deepEqual(errors, []);
  });

  it("counts an event the server already holds as sent when a retry delivers it again", async () => {
    const { server, vigil } = await setup();
    vigil.recordMetric({ name: "m", value: 1, id: "same" });
    vigil.recordMetric({ name: "m", value: 1, id: "same" });
    await vigil.flush();
    assert.equal(server.stored.size, 1);
    assert.equal(vigil.stats().sent, 2);
  });

  it("waits as long as Retry-After asks on a 429", async () => {
    const { server, vigil } = await setup({ replies: [{ status: 429, headers: { "retry-after": "0.3" } }] }, { retryBaseMs: 1 });
    vigil.recordMetric({ name: "m", value: 1 });
    await vigil.flush();
    assert.equal(server.received.length, 2);
    const waited = server.received[1]!.at - server.received[0]!.at;
    assert.ok(waited >= 280 && waited < 1500, `waited ${waited} ms`);
    assert.equal(vigil.stats().sent, 1);
  });

  it("drops the batch after maxRetries when the server is down, without ever throwing", async () => {
    const errors: VigilSdkError[] = [];
    const vigil = new Vigil({ endpoint: await deadEndpoint(), flushIntervalMs: 0, flushOnExit: false, maxRetries: 2, retryBaseMs: 1, onError: (e) => errors.push(e) });
    for (let i = 0; i < 4; i++) assert.equal(typeof vigil.recordMetric({ name: "m", value: i }), "string");
    await vigil.flush();
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 0, dropped: 4, rejected: 0, failedBatches: 1, inFlight: 0 });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof VigilSdkError);
    assert.equal(errors[0].code, "BATCH_DROPPED");
    assert.deepEqual({ count: errors[0].details.count, attempts: errors[0].details.attempts, status: errors[0].details.status }, { count: 4, attempts: 3, status: 0 });
    await vigil.shutdown();
  });

  it("treats a request that outlives timeoutMs as a retryable failure", async () => {
    const { server, vigil, errors } = await setup({ stallAll: true }, { timeoutMs: 50, maxRetries: 1 });
    vigil.recordMetric({ name: "m", value: 1 });
    await vigil.flush();
    assert.equal(server.received.length, 2);
    assert.equal(vigil.stats().dropped, 1);
    assert.match(errors[0]!.message, /timed out after 50 ms/);
  });

  it("bounds the queue: with maxQueueSize 10 and a stalled server, 25 records drop 15", async () => {
    const { vigil, errors } = await setup({ stallAll: true }, { maxQueueSize: 10, timeoutMs: 50, maxRetries: 0 });
    for (let i = 0; i < 25; i++) vigil.recordRun({ agentName: "a", status: "success", durationMs: i });
    assert.deepEqual(vigil.stats(), { queued: 10, sent: 0, dropped: 15, rejected: 0, failedBatches: 0, inFlight: 0 });
    await Promise.resolve();
    assert.deepEqual(errors.map((e) => e.code), ["QUEUE_FULL"], "reported once, not once per event");
  });

  it("never throws from a record call, whatever it is given", () => {
    const vigil = new Vigil({ endpoint: "http://127.0.0.1:9", flushIntervalMs: 0, flushOnExit: false });
    const hostile = Object.defineProperty({}, "agentName", { enumerable: true, get: () => { throw new Error("boom"); } });
    // @ts-expect-error status and durationMs are required: the types catch what the server would reject
    assert.equal(typeof vigil.recordRun({ agentName: "a" }), "string");
    assert.equal(vigil.recordRun(null as never), "");
    assert.equal(vigil.recordRun(hostile as never), "");
    assert.deepEqual([vigil.stats().dropped, vigil.stats().queued], [2, 1]);
  });
});

describe("Vigil rejections", () => {
  it("counts per-event 207 errors as rejected, reports them with their path, and does not retry them", async () => {
    const { server, vigil, errors } = await setup();
    vigil.recordRun({ agentName: "a", status: "success", durationMs: 3 });
    const bad = vigil.recordRun({ agentName: "a", status: "success", durationMs: -1 });
    const typo = vigil.recordRun({ agentName: "a", status: "success", durationMs: 1, agentNmae: "x" } as never);
    await vigil.flush();
    assert.equal(server.received.length, 1);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 1, dropped: 0, rejected: 2, failedBatches: 0, inFlight: 0 });
    assert.deepEqual(errors.map((e) => [e.code, e.details.id, e.details.path, e.details.index, e.details.status]), [
      ["REJECTED_EVENT", bad, "/events/1/body/duration_ms", 1, 400],
      ["REJECTED_EVENT", typo, "/events/2/body/agent_nmae", 2, 400],
    ]);
    assert.match(errors[0]!.message, /must be >= 0/);
  });

  it("refuses a whole batch on 401 without retrying it", async () => {
    const { server, vigil, errors } = await setup({ apiKey: "right" }, { apiKey: "wrong" });
    vigil.recordMetric({ name: "m", value: 1 });
    vigil.recordMetric({ name: "m", value: 2 });
    await vigil.flush();
    assert.equal(server.received.length, 1);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 0, dropped: 0, rejected: 2, failedBatches: 1, inFlight: 0 });
    assert.deepEqual([errors[0]!.code, errors[0]!.details.status, errors[0]!.details.serverCode], ["BATCH_REJECTED", 401, "UNAUTHORIZED"]);
  });

  it("splits a batch the server finds too large (413) until the pieces fit", async () => {
    const { server, vigil, errors } = await setup({ maxEvents: 2 });
    const ids = Array.from({ length: 5 }, (_, i) => vigil.recordMetric({ name: "m", value: i }));
    await vigil.flush();
    assert.deepEqual([...server.stored.keys()], ids);
    assert.equal(vigil.stats().sent, 5);
    assert.deepEqual(errors, []);
  });

  it("survives a 207 answer it cannot make sense of, counting the batch as sent", async () => {
    const fetchFn = (async () => new Response(JSON.stringify({ successes: null, errors: [null, { index: 99 }, "x"] }), { status: 207 })) as typeof fetch;
    const vigil = new Vigil({ endpoint: "http://vigil.test", fetch: fetchFn, flushIntervalMs: 0, flushOnExit: false });
    vigil.recordMetric({ name: "m", value: 1 });
    await vigil.shutdown();
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 1, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("rejects an event JSON cannot encode and still delivers the rest of its batch", async () => {
    const { server, vigil, errors } = await setup();
    const bad = vigil.recordRun({ agentName: "a", status: "success", durationMs: 1, metadata: { big: 1n } });
    vigil.recordRun({ agentName: "a", status: "success", durationMs: 2 });
    await vigil.flush();
    assert.equal(server.stored.size, 1);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 1, dropped: 0, rejected: 1, failedBatches: 0, inFlight: 0 });
    assert.deepEqual([errors[0]!.code, errors[0]!.details.id], ["REJECTED_EVENT", bad]);
  });
});

describe("Vigil.trackRun", () => {
  it("records a successful run with its duration and returns the function's value", async () => {
    const { server, vigil } = await setup();
    const value = await vigil.trackRun({ agentName: "react_agent", model: "gpt-4o" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(await vigil.trackRun({ agentName: "sync_agent" }, () => "sync"), "sync");
    await vigil.flush();
    const [timed, sync] = server.received[0]!.events.map((e) => e.body as Record<string, unknown>);
    assert.equal(timed!.status, "success");
    assert.equal(timed!.agent_name, "react_agent");
    assert.equal(timed!.model, "gpt-4o");
    assert.ok((timed!.duration_ms as number) >= 15, `duration ${String(timed!.duration_ms)}`);
    assert.equal(sync!.status, "success");
  });

  it("records a failed run named after the error and rethrows the caller's error unchanged", async () => {
    const { server, vigil } = await setup();
    const thrown = new TypeError("bad input");
    await assert.rejects(vigil.trackRun({ agentName: "a" }, async () => { throw thrown; }), (err) => err === thrown);
    await assert.rejects(vigil.trackRun({ agentName: "b" }, () => { throw new RangeError("sync"); }), RangeError);
    await vigil.flush();
    const bodies = server.received[0]!.events.map((e) => e.body as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => [b.agent_name, b.status, b.error_type]), [["a", "failure", "TypeError"], ["b", "failure", "RangeError"]]);
    assert.ok(bodies.every((b) => typeof b.duration_ms === "number" && b.duration_ms >= 0));
  });
});

describe("Vigil.shutdown", () => {
  it("flushes pending events, then counts later records as dropped", async () => {
    const { server, vigil } = await setup({}, { flushIntervalMs: 60_000 });
    vigil.recordMetric({ name: "m", value: 1 });
    vigil.recordMetric({ name: "m", value: 2 });
    await vigil.shutdown();
    assert.equal(server.stored.size, 2);
    vigil.recordMetric({ name: "m", value: 3 });
    await vigil.flush();
    assert.equal(server.received.length, 1);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 2, dropped: 1, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("registers one beforeExit listener and removes it on shutdown", async () => {
    const before = process.listenerCount("beforeExit");
    const vigil = new Vigil({ endpoint: "http://127.0.0.1:9" });
    assert.equal(process.listenerCount("beforeExit"), before + 1);
    await vigil.shutdown();
    assert.equal(process.listenerCount("beforeExit"), before);
  });
});

describe("Vigil event ids", () => {
  it("returns ids that are unique across 100,000 calls and increase lexicographically", async () => {
    const vigil = new Vigil({ endpoint: "http://127.0.0.1:9", flushIntervalMs: 0, flushOnExit: false, maxBatchSize: 1_000_000, maxQueueSize: 1_000_000 });
    const ids: string[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(i % 2 ? vigil.recordMetric({ name: "m", value: i }) : vigil.recordRun({ agentName: "a", status: "success", durationMs: i }));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    assert.ok(ids.every((id) => id.length <= 128));
    const other = new Vigil({ endpoint: "http://127.0.0.1:9", flushIntervalMs: 0, flushOnExit: false });
    assert.notEqual(other.recordMetric({ name: "m", value: 1 }).slice(0, 8), ids[0]!.slice(0, 8), "each client has its own prefix");
  });
});
