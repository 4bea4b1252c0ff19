import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { BODY_SCHEMAS, EventEnvelope, MAX_METADATA_BYTES, type EventType } from "@vigil/contract";
import type { Attributes, OtlpSpan, OtlpSpanEvent, SpanRecord } from "./model.js";
import { mapSpans, type SpanEvent } from "./map-spans.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

/** Span `id` (padded to 16 hex digits) under `parent`, from `start` to `end` ms after T0. */
const span = (id: string, parent: string | null, start: number, end: number, attributes: Attributes, over: Partial<OtlpSpan> = {}): OtlpSpan => ({
  traceId: TRACE,
  spanId: id.padStart(16, "0"),
  parentSpanId: parent === null ? null : parent.padStart(16, "0"),
  name: `span ${id}`,
  kind: "client",
  startMs: T0 + start,
  endMs: T0 + end,
  attributes,
  events: [],
  status: { code: "unset", message: "" },
  resource: { "service.name": "support-bot" },
  scope: { name: "@opentelemetry/instrumentation-openai", version: "0.5.0" },
  ...over,
});
const spanEvent = (name: string, at: number, attributes: Attributes = {}): OtlpSpanEvent => ({ name, timeMs: T0 + at, attributes });

/** Asserts every event is one `POST /api/v1/ingest` accepts (envelope and body schema). */
function assertIngestible(events: SpanEvent[]): void {
  for (const e of events) {
    assert.ok(Value.Check(EventEnvelope, e), `${e.id}: ${JSON.stringify([...Value.Errors(EventEnvelope, e)][0])}`);
    const schema = BODY_SCHEMAS[e.type as EventType];
    assert.ok(Value.Check(schema, e.body), `${e.id}: ${JSON.stringify([...Value.Errors(schema, e.body)][0])}`);
    assert.ok(JSON.stringify(e.body.metadata ?? {}).length <= MAX_METADATA_BYTES);
  }
}
const only = (events: SpanEvent[], type: string) => {
  const found = events.filter((e) => e.type === type);
  assert.equal(found.length, 1, `one ${type} among ${events.map((e) => e.type).join(", ")}`);
  return found[0]!;
};

describe("GenAI spans as Vigil events", () => {
  it("makes a chat span in the current conventions an llm_call: model, provider, tokens and their subsets, latency, TTFT, session, service, trace link", () => {
    const s = span("a1", null, 0, 1234.5, {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.usage.input_tokens": 1000,
      "gen_ai.usage.output_tokens": 500,
      "gen_ai.usage.cache_read.input_tokens": 800,
      "gen_ai.usage.cache_creation.input_tokens": 100,
      "gen_ai.usage.reasoning.output_tokens": 300,
      "gen_ai.response.time_to_first_chunk": 0.25,
      "gen_ai.conversation.id": "conv_5j66UpCpwteGg4YSxUnt7lPY",
      "http.response.status_code": 200,
      "server.address": "api.openai.com",
    });
    const { events, records, problems } = mapSpans([s]);
    assert.deepEqual(problems, []);
    assertIngestible(events);
    const call = only(events, "llm_call");
    assert.equal(call.id, `otel-${TRACE}-00000000000000a1`);
    assert.equal(call.timestamp, T0);
    const { metadata, ...fields } = call.body;
    assert.deepEqual(fields, {
      model: "gpt-4o-2024-08-06",
      latency_ms: 1234.5,
      provider: "openai",
      input_tokens: 1000,
      output_tokens: 500,
      cached_input_tokens: 800,
      cache_creation_input_tokens: 100,
      reasoning_tokens: 300,
      ttft_ms: 250,
      status: "success",
      http_status: 200,
      service: "support-bot",
      session_id: "conv_5j66UpCpwteGg4YSxUnt7lPY",
      trace_id: TRACE,
      span_id: "00000000000000a1",
    });
    assert.deepEqual(metadata, { "gen_ai.operation.name": "chat", "otel.scope.name": "@opentelemetry/instrumentation-openai", "server.address": "api.openai.com" });
    assert.deepEqual(records[0]!.eventType, "llm_call");
    assert.equal(records[0]!.eventId, call.id);
    assert.equal(records[0]!.sessionId, "conv_5j66UpCpwteGg4YSxUnt7lPY");
    assert.equal(records[0]!.service, "support-bot");
  });

  it("reads the older names the same way: gen_ai.system, request model only, prompt/completion tokens, OpenLLMetry's cache and reasoning names", () => {
    const s = span("b1", null, 0, 800, {
      "gen_ai.operation.name": "text_completion",
      "gen_ai.system": "anthropic",
      "gen_ai.request.model": "claude-3-5-sonnet",
      "gen_ai.usage.prompt_tokens": "1200",
      "gen_ai.usage.completion_tokens": 340,
      "gen_ai.usage.cache_read_input_tokens": 900,
      "gen_ai.usage.cache_creation_input_tokens": 200,
      "gen_ai.usage.reasoning_tokens": 40,
      "session.id": "s-42",
    });
    const call = only(mapSpans([s]).events, "llm_call");
    assert.equal(call.body.model, "claude-3-5-sonnet");
    assert.equal(call.body.provider, "anthropic");
    assert.deepEqual([call.body.input_tokens, call.body.output_tokens, call.body.cached_input_tokens, call.body.cache_creation_input_tokens, call.body.reasoning_tokens], [1200, 340, 900, 200, 40]);
    assert.equal(call.body.session_id, "s-42");
  });

  it("reads OpenLIT's and the Vercel AI SDK's own names for cached and reasoning tokens and the TTFT", () => {
    const openlit = span("b2", null, 0, 900, {
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "o4-mini",
      "gen_ai.usage.input_tokens": 400,
      "gen_ai.usage.output_tokens": 90,
      "gen_ai.usage.prompt_tokens_details.cached_tokens": 256,
      "gen_ai.usage.completion_tokens_details.reasoning_tokens": 64,
      "gen_ai.server.time_to_first_token": 1.005,
    });
    const vercel = span("b3", null, 0, 700, {
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.model.id": "claude-3-5-haiku",
      "ai.model.provider": "anthropic.messages",
      "ai.usage.promptTokens": 300,
      "ai.usage.completionTokens": 20,
      "ai.usage.cachedInputTokens": 200,
      "ai.usage.reasoningTokens": 5,
      "ai.response.msToFirstChunk": 120,
    });
    const [a, b] = mapSpans([openlit, vercel]).events;
    assert.deepEqual([a!.body.input_tokens, a!.body.cached_input_tokens, a!.body.output_tokens, a!.body.reasoning_tokens, a!.body.ttft_ms], [400, 256, 90, 64, 1005]);
    assert.deepEqual([b!.body.model, b!.body.provider, b!.body.input_tokens, b!.body.cached_input_tokens, b!.body.output_tokens, b!.body.reasoning_tokens, b!.body.ttft_ms], ["claude-3-5-haiku", "anthropic.messages", 300, 200, 20, 5, 120]);
  });

  it("keeps cached, cache-write and reasoning tokens as parts of the totals: input + output is exactly what the sender reported", () => {
    const s = span("c1", null, 0, 10, {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "o3-mini",
      "gen_ai.usage.input_tokens": 2000,
      "gen_ai.usage.output_tokens": 700,
      "gen_ai.usage.cache_read.input_tokens": 1500,
      "gen_ai.usage.cache_creation.input_tokens": 400,
      "gen_ai.usage.reasoning.output_tokens": 650,
    });
    const b = only(mapSpans([s]).events, "llm_call").body;
    assert.equal((b.input_tokens as number) + (b.output_tokens as number), 2700);
    assert.equal(b.tokens_used, undefined);
    assert.ok((b.cached_input_tokens as number) + (b.cache_creation_input_tokens as number) <= (b.input_tokens as number));
    assert.ok((b.reasoning_tokens as number) <= (b.output_tokens as number));
  });

  it("adds cache parts to the input only when they exceed it (a sender that counted them apart), and says what was reported", () => {
    // Anthropic's API counts input_tokens without the cache; OpenLLMetry copied it so before following the conventions.
    const s = span("c2", null, 0, 10, {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "claude-sonnet-4",
      "gen_ai.usage.input_tokens": 50,
      "gen_ai.usage.output_tokens": 20,
      "gen_ai.usage.cache_read.input_tokens": 3000,
      "gen_ai.usage.cache_creation.input_tokens": 100,
      "gen_ai.usage.reasoning.output_tokens": 30,
    });
    const b = only(mapSpans([s]).events, "llm_call").body;
    assert.deepEqual([b.input_tokens, b.cached_input_tokens, b.output_tokens, b.reasoning_tokens], [3150, 3000, 50, 30]);
    assert.equal((b.metadata as Record<string, unknown>)["otel.input_tokens_reported"], 50);
    assert.equal((b.metadata as Record<string, unknown>)["otel.output_tokens_reported"], 20);
  });

  it("marks a failed call: error status or error.type, the error class, the HTTP status", () => {
    const failed = span("d1", null, 0, 30, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "error.type": "rate_limit_exceeded", "http.response.status_code": 429 }, { status: { code: "error", message: "429 Too Many Requests" } });
    const thrown = span("d2", null, 0, 30, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" }, {
      status: { code: "error", message: "boom" },
      events: [spanEvent("exception", 29, { "exception.type": "APIConnectionError", "exception.message": "boom" })],
    });
    const [a, b] = mapSpans([failed, thrown]).events;
    assert.deepEqual([a!.body.status, a!.body.error_type, a!.body.http_status], ["failure", "rate_limit_exceeded", 429]);
    assert.deepEqual([b!.body.status, b!.body.error_type], ["failure", "APIConnectionError"]);
  });

  it("takes the TTFT from a first-chunk span event when no attribute gives it", () => {
    const s = span("e1", null, 100, 900, { "ai.operationId": "ai.streamText.doStream", "gen_ai.system": "openai.chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 30 }, {
      events: [spanEvent("ai.stream.firstChunk", 280)],
    });
    const outer = span("e0", null, 0, 1000, { "ai.operationId": "ai.streamText", "ai.model.id": "gpt-4o-mini", "ai.usage.promptTokens": 12, "ai.usage.completionTokens": 30 });
    const { events, records } = mapSpans([outer, s]);
    // The Vercel AI SDK's outer span sums its provider calls: only the provider call counts.
    const call = only(events, "llm_call");
    assert.equal(call.body.ttft_ms, 180);
    assert.equal(call.body.input_tokens, 12);
    assert.equal(records[0]!.eventType, null);
  });

  it("keeps a GenAI span missing what its event needs as a span, and names it and the attribute in the problems", () => {
    const noModel = span("f1", null, 0, 10, { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5 }, { name: "chat" });
    const noTool = span("f2", null, 0, 10, { "gen_ai.operation.name": "execute_tool" }, { name: "run tool" });
    const plain = span("f3", null, 0, 10, { "http.request.method": "GET" }, { name: "GET /health" });
    const badAgent = span("f4", null, 0, 10, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "x".repeat(300) }, { name: "" });
    const { events, records, problems } = mapSpans([noModel, noTool, plain, badAgent]);
    assert.deepEqual(events, []);
    assert.equal(records.length, 4);
    assert.deepEqual(records.map((r) => r.eventType), [null, null, null, null]);
    assert.deepEqual(problems.map((p) => p.path), ["spans/0", "spans/1", "spans/3"]);
    assert.match(problems[2]!.message, /gen_ai\.agent\.name/);
    assert.match(problems[0]!.message, /"chat".*00000000000000f1.*gen_ai\.request\.model/);
    assert.match(problems[1]!.message, /"run tool".*gen_ai\.tool\.name/);
  });

  it("joins the LLM and tool calls under an agent span to its run, however deep, and makes the run", () => {
    const agent = span("1", null, 0, 5000, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 3000, "gen_ai.usage.output_tokens": 900, "gen_ai.conversation.id": "conv-1" }, { kind: "internal", name: "invoke_agent planner" });
    const chat = span("2", "1", 100, 1500, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 200 });
    const step = span("3", "1", 1600, 4000, {}, { kind: "internal", name: "step" });
    const tool = span("4", "3", 1700, 2500, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "web_search" }, { kind: "internal" });
    const retrieval = span("5", "3", 2600, 2900, { "gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "kb-main", "gen_ai.retrieval.documents": [{ id: "d1", score: 0.9 }, { id: "d2", score: 0.8 }] });
    const { events, problems } = mapSpans([tool, chat, retrieval, step, agent]);
    assert.deepEqual(problems, []);
    assertIngestible(events);
    const run = only(events, "run");
    assert.equal(run.body.run_id, `otel-${TRACE}-0000000000000001`);
    assert.deepEqual([run.body.agent_name, run.body.status, run.body.duration_ms, run.body.model, run.body.input_tokens, run.body.session_id], ["planner", "success", 5000, "gpt-4o", 3000, "conv-1"]);
    for (const type of ["llm_call", "tool_call", "retrieval"]) {
      const e = only(events, type);
      assert.equal(e.body.run_id, run.body.run_id, type);
      assert.equal(e.body.agent_name, "planner", type);
    }
    assert.equal(only(events, "tool_call").body.tool, "web_search");
    assert.deepEqual([only(events, "retrieval").body.source, only(events, "retrieval").body.documents], ["kb-main", 2]);
  });

  it("names a tool from its span name when gen_ai.tool.name is absent, and counts documents from JSON text or returned rows", () => {
    const { events } = mapSpans([
      span("8", null, 0, 10, { "gen_ai.operation.name": "execute_tool" }, { name: "execute_tool get_weather" }),
      span("9", null, 0, 10, { "gen_ai.operation.name": "retrieval", "gen_ai.retrieval.documents": "[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]" }),
      span("a", null, 0, 10, { "gen_ai.operation.name": "retrieval", "db.system.name": "qdrant", "db.response.returned_rows": "7" }),
    ]);
    assert.deepEqual(events.map((e) => e.body.tool ?? [e.body.source, e.body.documents]), ["get_weather", [undefined, 3], ["qdrant", 7]]);
  });

  it("joins a call to an agent span stored from an earlier export, and leaves the trace id alone as the link when none is known", () => {
    const chat = span("2", "1", 100, 1500, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" });
    const alone = only(mapSpans([chat]).events, "llm_call");
    assert.equal(alone.body.run_id, undefined);
    assert.equal(alone.body.trace_id, TRACE);
    const agent: SpanRecord = {
      traceId: TRACE, spanId: "0000000000000001", parentSpanId: null, name: "invoke_agent triage", kind: "internal", startMs: T0, endMs: T0 + 2000,
      status: "ok", statusMessage: "", eventType: "run", eventId: `otel-${TRACE}-0000000000000001`, service: null, sessionId: null, cost: null,
      attributes: { "gen_ai.operation.name": "invoke_agent" }, events: [],
    };
    const joined = only(mapSpans([chat], { storedSpan: (t, s) => (t === TRACE && s === agent.spanId ? agent : undefined) }).events, "llm_call");
    assert.equal(joined.body.run_id, agent.eventId);
    assert.equal(joined.body.agent_name, "invoke_agent triage");
  });

  it("gives the same spans the same events and records when they are sent again (an exporter's retry is a duplicate)", () => {
    const batch = () => [
      span("1", null, 0, 5000, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner" }),
      span("2", "1", 100, 1500, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" }, { events: [spanEvent("gen_ai.evaluation.result", 1600, { "gen_ai.evaluation.name": "Relevance", "gen_ai.evaluation.score.label": "relevant" })] }),
    ];
    const first = mapSpans(batch());
    const again = mapSpans(batch());
    assert.deepEqual(again, first);
    assert.deepEqual(first.events.map((e) => e.id), [`otel-${TRACE}-0000000000000001`, `otel-${TRACE}-0000000000000002`, `otel-${TRACE}-0000000000000002-eval-0`]);
  });

  it("turns evaluation results into feedback on the run: pass/fail labels as thumbs, 1..5 scores as ratings, other scores left on the span", () => {
    const evals = [
      spanEvent("gen_ai.evaluation.result", 1600, { "gen_ai.evaluation.name": "Correctness", "gen_ai.evaluation.score.label": "fail", "gen_ai.evaluation.score.value": 0, "gen_ai.evaluation.explanation": "wrong city" }),
      spanEvent("gen_ai.evaluation.result", 1601, { "gen_ai.evaluation.name": "Helpfulness", "gen_ai.evaluation.score.value": 4 }),
      spanEvent("gen_ai.evaluation.result", 1602, { "gen_ai.evaluation.name": "Relevance", "gen_ai.evaluation.score.value": 0.87 }),
      spanEvent("gen_ai.evaluation.result", 1603, { "gen_ai.evaluation.score.value": 5 }),
    ];
    const { events, problems } = mapSpans([
      span("1", null, 0, 5000, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner" }),
      span("2", "1", 100, 1500, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" }, { events: evals }),
    ]);
    assertIngestible(events);
    const feedback = events.filter((e) => e.type === "feedback");
    assert.deepEqual(feedback.map((f) => [f.body.run_id, f.body.thumbs, f.body.rating, f.body.source, f.body.agent_name, f.body.model]), [
      [`otel-${TRACE}-0000000000000001`, "down", undefined, "Correctness", "planner", "gpt-4o"],
      [`otel-${TRACE}-0000000000000001`, undefined, 4, "Helpfulness", "planner", "gpt-4o"],
    ]);
    assert.equal((feedback[0]!.body.metadata as Record<string, unknown>)["gen_ai.evaluation.explanation"], "wrong city");
    assert.deepEqual(problems.map((p) => p.path), ["spans/1/events/3"]);
    assert.match(problems[0]!.message, /gen_ai\.evaluation\.name/);
  });

  it("rates the call itself, as a task, when an evaluated call has no known agent run", () => {
    const { events } = mapSpans([
      span("7", null, 0, 900, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o" }, { events: [spanEvent("gen_ai.evaluation.result", 950, { "gen_ai.evaluation.name": "Groundedness", "gen_ai.evaluation.score.label": "Pass" })] }),
    ]);
    assertIngestible(events);
    const fb = only(events, "feedback");
    assert.deepEqual([fb.body.run_id, fb.body.task_id, fb.body.thumbs, fb.timestamp], [undefined, `otel-${TRACE}-0000000000000007`, "up", T0 + 950]);
  });

  it("keeps other attributes in a metadata that fits the 16 KiB limit, without message contents, and counts what it left out", () => {
    const attrs: Attributes = { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.input.messages": "[{\"role\":\"user\"}]", "gen_ai.prompt.0.content": "hi" };
    for (let i = 0; i < 10_000; i++) attrs[`app.attr.${i}`] = `value ${i}`;
    attrs["app.nested"] = { a: { b: [1, 2, { c: true }] } };
    attrs["app.big"] = "x".repeat(3000);
    const call = only(mapSpans([span("9a1", null, 0, 10, attrs)]).events, "llm_call");
    assertIngestible([call]);
    const metadata = call.body.metadata as Record<string, unknown>;
    assert.equal(metadata["gen_ai.input.messages"], undefined);
    assert.equal(metadata["gen_ai.prompt.0.content"], undefined);
    assert.equal(metadata["app.attr.0"], "value 0");
    assert.equal(metadata["app.big"], undefined);
    const kept = Object.keys(metadata).filter((k) => k.startsWith("app.")).length;
    assert.ok(kept > 100, `kept ${kept}`);
    assert.equal(metadata["otel.dropped_attributes"], 10_000 + 2 + 2 - kept);
    const small = only(mapSpans([span("9a2", null, 0, 10, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "app.tags": ["a", "b"], "app.nested": { a: { b: [1, { c: true }] } } })]).events, "llm_call");
    const m = small.body.metadata as Record<string, unknown>;
    assert.deepEqual([m["app.tags"], m["app.nested"], m["otel.dropped_attributes"]], [["a", "b"], '{"a":{"b":[1,{"c":true}]}}', undefined]);
  });
});
