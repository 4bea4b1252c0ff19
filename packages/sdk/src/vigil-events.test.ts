// The record and track methods for caches, tool calls, retrievals and priced LLM calls, and the run's degradation fields.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { BODY_SCHEMAS, type IngestResponse, type WireEvent } from "@vigil/contract";
import { Vigil, type VigilSdkError } from "./index.js";

/**
 * A client whose fetch answers like the server's ingest: 207, with a per-event error for every body that the
 * contract's JSON schema refuses (checked with TypeBox, which built the schemas), so `rejected` counts them.
 */
function setup() {
  const events: WireEvent[] = [];
  const fetchFn = (async (_url: unknown, init?: { body?: unknown }) => {
    const batch = JSON.parse(String(init?.body)) as { events: WireEvent[] };
    const answer: IngestResponse = { successes: [], errors: [] };
    batch.events.forEach((event, index) => {
      events.push(event);
      const problem = [...Value.Errors(BODY_SCHEMAS[event.type], event.body)][0];
      if (problem) answer.errors.push({ index, id: event.id, status: 400, code: "VALIDATION_FAILED", message: problem.message, path: `/events/${index}/body${problem.path}` });
      else answer.successes.push({ index, id: event.id as string });
    });
    return new Response(JSON.stringify(answer), { status: 207, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const errors: VigilSdkError[] = [];
  const vigil = new Vigil({ endpoint: "http://vigil.test", fetch: fetchFn, flushIntervalMs: 0, flushOnExit: false, onError: (e) => errors.push(e) });
  const bodies = () => events.map((e) => e.body as Record<string, unknown>);
  return { vigil, events, errors, bodies };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Vigil record methods for the new event types", () => {
  it("sends cache, tool_call and retrieval events and a degraded run as exact snake_case bodies the contract accepts", async () => {
    const { vigil, events, errors } = setup();
    const at = new Date("2026-11-21T10:00:00Z");
    const cacheId = vigil.recordCache({
      operation: "evict", cache: "answers", count: 3, entryAgeMs: 61_000, reason: "capacity", entries: 997, capacity: 1000,
      memoryBytes: 52_428_800, agentName: "react_agent", model: "gpt-4", route: "summarize", tenantId: "acme", mode: "1",
      runId: "run_1", metadata: { shard: 2 }, timestamp: at,
    });
    const toolId = vigil.recordToolCall({
      tool: "web_search", status: "failure", durationMs: 812.5, cost: 0.005, errorType: "Timeout", agentName: "react_agent",
      model: "gpt-4", route: "summarize", tenantId: "acme", mode: "1", runId: "run_1", metadata: { query: "q" }, id: "tool-1",
    });
    const retrievalId = vigil.recordRetrieval({
      status: "success", source: "pinecone", durationMs: 1500, documents: 8, cost: 0.0001, errorType: undefined,
      agentName: "react_agent", model: "gpt-4", route: "summarize", tenantId: "acme", mode: "1", runId: "run_1", metadata: { k: 8 },
    });
    const runId = vigil.recordRun({
      agentName: "react_agent", status: "partial", durationMs: 2800, degraded: true, degradationReason: "rag_timeout",
      warnings: ["low_confidence", "stale_cache"], qualityScore: 0.7,
    });
    await vigil.flush();

    assert.equal(toolId, "tool-1");
    assert.deepEqual(events.map((e) => [e.id, e.type]), [[cacheId, "cache"], [toolId, "tool_call"], [retrievalId, "retrieval"], [runId, "run"]]);
    assert.deepEqual(events[0], {
      id: cacheId, type: "cache", timestamp: at.getTime(),
      body: {
        operation: "evict", cache: "answers", count: 3, entry_age_ms: 61_000, reason: "capacity", entries: 997, capacity: 1000,
        memory_bytes: 52_428_800, agent_name: "react_agent", model: "gpt-4", route: "summarize", tenant_id: "acme", mode: "1",
        run_id: "run_1", metadata: { shard: 2 },
      },
    });
    assert.deepEqual(events[1]!.body, {
      tool: "web_search", status: "failure", duration_ms: 812.5, cost: 0.005, error_type: "Timeout", agent_name: "react_agent",
      model: "gpt-4", route: "summarize", tenant_id: "acme", mode: "1", run_id: "run_1", metadata: { query: "q" },
    });
    assert.deepEqual(events[2]!.body, {
      status: "success", source: "pinecone", duration_ms: 1500, documents: 8, cost: 0.0001,
      agent_name: "react_agent", model: "gpt-4", route: "summarize", tenant_id: "acme", mode: "1", run_id: "run_1", metadata: { k: 8 },
    });
    assert.deepEqual(events[3]!.body, {
      agent_name: "react_agent", status: "partial", duration_ms: 2800, degraded: true, degradation_reason: "rag_timeout",
      warnings: ["low_confidence", "stale_cache"], quality_score: 0.7,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 4, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("sends the smallest valid bodies, and the contract's validator refuses what the server would", async () => {
    const { vigil, bodies, errors } = setup();
    vigil.recordCache({ operation: "hit" });
    vigil.recordToolCall({ tool: "calculator", status: "success" });
    vigil.recordRetrieval({ status: "failure" });
    vigil.recordCache({ operation: "flush" } as never);
    vigil.recordRun({ agentName: "a", status: "success", durationMs: 1, warnings: Array.from({ length: 17 }, (_, i) => `w${i}`) });
    await vigil.flush();
    assert.deepEqual(bodies().slice(0, 3), [{ operation: "hit" }, { tool: "calculator", status: "success" }, { status: "failure" }]);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 3, dropped: 0, rejected: 2, failedBatches: 0, inFlight: 0 });
    assert.deepEqual(errors.map((e) => e.details.path), ["/events/3/body/operation", "/events/4/body/warnings"]);
  });
});

describe("Vigil.trackToolCall and Vigil.trackRetrieval", () => {
  it("records a successful tool call with its duration and returns the function's value", async () => {
    const { vigil, bodies } = setup();
    const value = await vigil.trackToolCall({ tool: "web_search", agentName: "react_agent", runId: "run_1" }, async () => {
      await sleep(20);
      return { hits: 3 };
    });
    assert.deepEqual(value, { hits: 3 });
    assert.equal(await vigil.trackToolCall({ tool: "calculator" }, () => 4), 4);
    await vigil.flush();
    const [timed, sync] = bodies();
    assert.deepEqual(Object.keys(timed!), ["tool", "agent_name", "run_id", "status", "duration_ms"]);
    assert.equal(timed!.status, "success");
    assert.ok((timed!.duration_ms as number) >= 15, `duration ${String(timed!.duration_ms)}`);
    assert.equal(sync!.status, "success");
    assert.equal(vigil.stats().sent, 2);
  });

  it("records a failed tool call named after the error and rethrows the caller's error unchanged", async () => {
    const { vigil, bodies } = setup();
    const thrown = new TypeError("bad args");
    await assert.rejects(vigil.trackToolCall({ tool: "a" }, async () => { throw thrown; }), (err) => err === thrown);
    await assert.rejects(vigil.trackToolCall({ tool: "b" }, () => { throw new RangeError("sync"); }), RangeError);
    await vigil.flush();
    assert.deepEqual(bodies().map((b) => [b.tool, b.status, b.error_type]), [["a", "failure", "TypeError"], ["b", "failure", "RangeError"]]);
    assert.ok(bodies().every((b) => typeof b.duration_ms === "number" && b.duration_ms >= 0));
    assert.equal(vigil.stats().rejected, 0);
  });

  it("records a retrieval, counting the documents of an array result unless documents is given", async () => {
    const { vigil, bodies } = setup();
    const docs = await vigil.trackRetrieval({ source: "pinecone", tenantId: "acme" }, async () => ["d1", "d2", "d3"]);
    assert.deepEqual(docs, ["d1", "d2", "d3"]);
    await vigil.trackRetrieval({ source: "supabase", documents: 10 }, async () => ["d1"]);
    await vigil.trackRetrieval({ source: "memory" }, async () => ({ matches: [] }));
    await vigil.flush();
    const [pinecone, supabase, memory] = bodies();
    assert.deepEqual(Object.keys(pinecone!), ["source", "tenant_id", "status", "duration_ms", "documents"]);
    assert.deepEqual([pinecone!.status, pinecone!.documents], ["success", 3]);
    assert.equal(supabase!.documents, 10);
    assert.equal("documents" in memory!, false);
    assert.equal(vigil.stats().sent, 3);
  });

  it("records a failed retrieval and rethrows the caller's error unchanged", async () => {
    const { vigil, bodies } = setup();
    class VectorStoreDown extends Error { override name = "VectorStoreDown"; }
    const thrown = new VectorStoreDown("503");
    await assert.rejects(vigil.trackRetrieval({ source: "pinecone" }, async () => { await sleep(5); throw thrown; }), (err) => err === thrown);
    await vigil.flush();
    assert.deepEqual(Object.keys(bodies()[0]!), ["source", "status", "duration_ms", "error_type"]);
    assert.deepEqual([bodies()[0]!.status, bodies()[0]!.error_type], ["failure", "VectorStoreDown"]);
  });

  it("never throws its own error, even when the input cannot be read", async () => {
    const { vigil } = setup();
    const hostile = Object.defineProperty({}, "tool", { enumerable: true, get: () => { throw new Error("getter"); } });
    assert.equal(await vigil.trackToolCall(hostile as never, () => "ok"), "ok");
    await assert.rejects(vigil.trackRetrieval(hostile as never, () => { throw new SyntaxError("mine"); }), SyntaxError);
    assert.equal(vigil.stats().dropped, 2);
  });
});

describe("Vigil.trackLlmCall", () => {
  it("records seed 004's one-liner with the cost from its per-1k prices and returns that cost", async () => {
    const { vigil, events } = setup();
    const cost = vigil.trackLlmCall({ model: "gpt-4", mode: "1", inputTokens: 1000, outputTokens: 500, cached: false, costPer1kInput: 0.03, costPer1kOutput: 0.06 });
    await vigil.flush();
    assert.equal(cost, 0.06);
    assert.equal(events[0]!.type, "llm_call");
    assert.deepEqual(events[0]!.body, { model: "gpt-4", mode: "1", input_tokens: 1000, output_tokens: 500, cached: false, latency_ms: 0, cost: 0.06 });
    assert.equal(vigil.stats().sent, 1);
  });

  it("prices cached input tokens and per-1M prices, keeps the given latency, and sends no price field", async () => {
    const { vigil, bodies } = setup();
    const cost = vigil.trackLlmCall({
      model: "gpt-4o", provider: "openai", latencyMs: 820, inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400,
      pricePer1MInput: 2.5, pricePer1MOutput: 10, pricePer1MCachedInput: 1.25, costPer1kInput: 99, id: "llm-1",
    });
    await vigil.flush();
    assert.equal(cost, 0.007);
    assert.deepEqual(bodies()[0], { model: "gpt-4o", provider: "openai", latency_ms: 820, input_tokens: 1000, output_tokens: 500, cached_input_tokens: 400, cost: 0.007 });
  });

  it("returns 0 for a cached answer and leaves its cost to the server, unless the caller gives a cost", async () => {
    const { vigil, bodies } = setup();
    assert.equal(vigil.trackLlmCall({ model: "gpt-4", inputTokens: 1000, outputTokens: 500, cached: true, costPer1kInput: 0.03, costPer1kOutput: 0.06 }), 0);
    assert.equal(vigil.trackLlmCall({ model: "gpt-4", cached: true, cost: 0.001, costPer1kInput: 0.03 }), 0.001);
    await vigil.flush();
    assert.deepEqual(bodies(), [
      { model: "gpt-4", input_tokens: 1000, output_tokens: 500, cached: true, latency_ms: 0 },
      { model: "gpt-4", cached: true, cost: 0.001, latency_ms: 0 },
    ]);
  });

  it("returns undefined and sends no cost when no price is given, so that the server prices the call", async () => {
    const { vigil, bodies } = setup();
    assert.equal(vigil.trackLlmCall({ model: "gpt-4o", inputTokens: 1000, outputTokens: 500, latencyMs: 300 }), undefined);
    assert.equal(vigil.trackLlmCall({ model: "gpt-4o", inputTokens: 1000, outputTokens: 500, costPer1kInput: 0.03 }), undefined, "output tokens without an output price");
    await vigil.flush();
    assert.deepEqual(bodies(), [
      { model: "gpt-4o", input_tokens: 1000, output_tokens: 500, latency_ms: 300 },
      { model: "gpt-4o", input_tokens: 1000, output_tokens: 500, latency_ms: 0 },
    ]);
  });

  it("lets the caller's cost win over the prices", async () => {
    const { vigil, bodies } = setup();
    assert.equal(vigil.trackLlmCall({ model: "m", inputTokens: 1000, cost: 0.5, costPer1kInput: 0.03 }), 0.5);
    await vigil.flush();
    assert.equal(bodies()[0]!.cost, 0.5);
  });

  it("never throws: an unreadable input is counted as dropped and gives no cost", () => {
    const { vigil } = setup();
    const hostile = Object.defineProperty({ model: "m" }, "inputTokens", { enumerable: true, get: () => { throw new Error("getter"); } });
    assert.equal(vigil.trackLlmCall(null as never), undefined);
    assert.equal(vigil.trackLlmCall(hostile as never), undefined);
    assert.deepEqual([vigil.stats().dropped, vigil.stats().queued], [2, 0]);
  });
});

describe("Vigil.timeLlmCall", () => {
  it("times the call, reads OpenAI usage from the result, prices it, and returns the result unchanged", async () => {
    const { vigil, bodies } = setup();
    const answer = { choices: [{ message: { content: "hi" } }], usage: { prompt_tokens: 1000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 400 } } };
    const result = await vigil.timeLlmCall({ model: "gpt-4o", provider: "openai", pricePer1MInput: 2.5, pricePer1MOutput: 10, pricePer1MCachedInput: 1.25 }, async () => {
      await sleep(20);
      return answer;
    });
    assert.equal(result, answer);
    await vigil.flush();
    const body = bodies()[0]!;
    assert.ok((body.latency_ms as number) >= 15, `latency ${String(body.latency_ms)}`);
    assert.deepEqual({ ...body, latency_ms: 0 }, {
      model: "gpt-4o", provider: "openai", input_tokens: 1000, output_tokens: 500, cached_input_tokens: 400, latency_ms: 0, status: "success", cost: 0.007,
    });
    assert.equal(vigil.stats().sent, 1);
  });

  it("reads the counts with the caller's usage function when given", async () => {
    const { vigil, bodies } = setup();
    const text = await vigil.timeLlmCall({ model: "local-llm", costPer1kInput: 0.001, costPer1kOutput: 0.002, usage: (t: string) => ({ inputTokens: 10, outputTokens: t.length }) }, () => "four");
    assert.equal(text, "four");
    await vigil.flush();
    assert.deepEqual([bodies()[0]!.input_tokens, bodies()[0]!.output_tokens, bodies()[0]!.cost], [10, 4, 0.000018]);
  });

  it("records a failed call with the error's name and HTTP status, and rethrows the caller's error unchanged", async () => {
    const { vigil, bodies } = setup();
    const thrown = Object.assign(new Error("rate limited"), { name: "RateLimitError", status: 429 });
    await assert.rejects(vigil.timeLlmCall({ model: "gpt-4o", costPer1kInput: 0.03, costPer1kOutput: 0.06 }, async () => { throw thrown; }), (err) => err === thrown);
    await assert.rejects(vigil.timeLlmCall({ model: "gpt-4o" }, () => { throw Object.assign(new TypeError("x"), { status: "nope" }); }), TypeError);
    await vigil.flush();
    const [limited, typed] = bodies();
    assert.deepEqual({ ...limited!, latency_ms: 0 }, { model: "gpt-4o", latency_ms: 0, status: "failure", error_type: "RateLimitError", http_status: 429 });
    assert.deepEqual(Object.keys(typed!), ["model", "latency_ms", "status", "error_type"]);
    assert.equal(vigil.stats().sent, 2);
  });

  it("still records the call when the usage function throws", async () => {
    const { vigil, bodies } = setup();
    assert.equal(await vigil.timeLlmCall({ model: "m", usage: () => { throw new Error("bad reader"); } }, () => 1), 1);
    await vigil.flush();
    assert.deepEqual(Object.keys(bodies()[0]!), ["model", "latency_ms", "status"]);
  });
});
