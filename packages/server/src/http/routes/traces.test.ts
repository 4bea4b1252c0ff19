import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";
import type { SpanRecord } from "../../core/otlp/model.js";
import { TRACE_SPAN_LIMIT } from "./traces.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const READ_KEY = "read-key-0123456789";
const INGEST_KEY = "ingest-key-0123456789";
const read = { "x-api-key": READ_KEY };
const DAY = 86_400_000;

const span = (trace: string, id: string, parent: string | null, start: number, end: number, over: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId: trace, spanId: id.padStart(16, "0"), parentSpanId: parent === null ? null : parent.padStart(16, "0"), name: `op ${id}`, kind: "internal",
  startMs: start, endMs: end, status: "unset", statusMessage: "", eventType: null, eventId: null, service: "shop", sessionId: null, cost: null, attributes: {}, events: [], ...over,
});

describe("traces endpoint (inject)", () => {
  let t: RouteTestApp;
  let t0: number;
  before(async () => {
    t = await routeTestApp({ env: { VIGIL_API_KEYS: `${READ_KEY}:read,${INGEST_KEY}:ingest` } });
    t0 = Date.now() - 60_000;
    // What the OTLP receiver stores for an agent run: the agent span, a model call with its tokens, a
    // tool call that failed, and a span whose parent was never sent.
    const stored = await t.server.storage.spans.append([
      span(TRACE, "a", null, t0, t0 + 2400, { name: "invoke_agent planner", eventType: "run", eventId: `otel-${TRACE}-000000000000000a`, sessionId: "conv-7" }),
      span(TRACE, "b", "a", t0 + 100, t0 + 1300.5, {
        name: "chat gpt-4o", kind: "client", eventType: "llm_call", eventId: `otel-${TRACE}-000000000000000b`, sessionId: "conv-7", cost: 0.0071,
        attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1500, "gen_ai.usage.output_tokens": 220, "gen_ai.usage.cache_read.input_tokens": 1024 },
        events: [{ name: "gen_ai.first_chunk", timeMs: t0 + 400, attributes: {} }],
      }),
      span(TRACE, "c", "a", t0 + 1400, t0 + 2300, { name: "execute_tool search", eventType: "tool_call", status: "error", statusMessage: "timeout", service: "search" }),
      span(TRACE, "d", "ffff", t0 + 50, t0 + 60, { name: "late callback" }),
    ]);
    assert.equal(stored, 4);
  });
  after(() => t.close());

  it("answers a trace as its tree: roots and children by start, depth, offsets, durations, tokens and the summary", async () => {
    const r = await t.request("GET", `/api/v1/traces/${TRACE}`, undefined, read);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.trace_id, TRACE);
    assert.deepEqual(r.body.spans.map((s: { name: string; depth: number; orphan: boolean; offset_ms: number; duration_ms: number; children: number }) => [s.name, s.depth, s.orphan, s.offset_ms, s.duration_ms, s.children]), [
      ["invoke_agent planner", 0, false, 0, 2400, 2],
      ["chat gpt-4o", 1, false, 100, 1200.5, 0],
      ["execute_tool search", 1, false, 1400, 900, 0],
      ["late callback", 0, true, 50, 10, 0],
    ]);
    const chat = r.body.spans[1];
    assert.deepEqual(chat.tokens, { input: 1500, output: 220, cache_read_input: 1024, cache_creation_input: 0, reasoning_output: 0 });
    assert.equal(chat.event_id, `otel-${TRACE}-000000000000000b`);
    assert.equal(chat.session_id, "conv-7");
    assert.equal(chat.cost, 0.0071);
    assert.equal(r.body.spans[0].cost, null);
    assert.equal(chat.attributes["gen_ai.request.model"], "gpt-4o");
    assert.deepEqual(chat.events, [{ name: "gen_ai.first_chunk", at: new Date(t0 + 400).toISOString(), offset_ms: 400, attributes: {} }]);
    assert.equal(r.body.spans[3].parent_span_id, "000000000000ffff");
    assert.deepEqual(r.body.summary, {
      start: new Date(t0).toISOString(), end: new Date(t0 + 2400).toISOString(), duration_ms: 2400, span_count: 4, error_count: 1,
      services: ["search", "shop"], events: { run: 1, llm_call: 1, tool_call: 1, retrieval: 0 },
      tokens: { input: 1500, output: 220, cache_read_input: 1024, cache_creation_input: 0, reasoning_output: 0 }, cost: 0.0071,
    });
    assert.equal(r.body.truncated, false);
    assert.equal(r.body.span_limit, TRACE_SPAN_LIMIT);
  });

  it("takes the trace id in capitals too", async () => {
    const r = await t.request("GET", `/api/v1/traces/${TRACE.toUpperCase()}`, undefined, read);
    assert.equal(r.status, 200);
    assert.equal(r.body.trace_id, TRACE);
    assert.equal(r.body.summary.span_count, 4);
  });

  it("answers 404 for a trace with no stored spans and 400 naming the parameter for an id that is not 32 hex digits", async () => {
    const missing = await t.request("GET", "/api/v1/traces/0123456789abcdef0123456789abcdef", undefined, read);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "NOT_FOUND");
    for (const bad of ["xyz", TRACE.slice(1), `${TRACE}0`, `${TRACE.slice(2)}zz`]) {
      const r = await t.request("GET", `/api/v1/traces/${bad}`, undefined, read);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
      assert.equal(r.body.error.details[0].path, "/params/trace_id");
    }
    const unknown = await t.request("GET", `/api/v1/traces/${TRACE}?limit=5`, undefined, read);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].path, "/query/limit");
  });

  it("needs the read scope", async () => {
    assert.equal((await t.request("GET", `/api/v1/traces/${TRACE}`)).status, 401);
    assert.equal((await t.request("GET", `/api/v1/traces/${TRACE}`, undefined, { "x-api-key": INGEST_KEY })).status, 403);
  });

  it("answers the earliest 10,000 spans of a bigger trace and says it cut", async () => {
    const big = "0af7651916cd43dd8448eb211c80319c";
    const spans = Array.from({ length: TRACE_SPAN_LIMIT + 5 }, (_, i) => span(big, (i + 1).toString(16), i === 0 ? null : "1", t0 + i, t0 + i + 1));
    assert.equal(await t.server.storage.spans.append(spans), spans.length);
    const started = performance.now();
    const r = await t.request("GET", `/api/v1/traces/${big}`, undefined, read);
    const took = performance.now() - started;
    assert.equal(r.status, 200);
    assert.equal(r.body.truncated, true);
    assert.equal(r.body.spans.length, TRACE_SPAN_LIMIT);
    assert.equal(r.body.summary.span_count, TRACE_SPAN_LIMIT);
    assert.equal(r.body.spans.at(-1).offset_ms, TRACE_SPAN_LIMIT - 1);
    assert.ok(took < 5000, `answered in ${took.toFixed(0)} ms`);
  });

  it("forgets spans older than the raw-event retention when retention runs", async () => {
    const old = "11111111111111111111111111111111";
    await t.server.storage.spans.append([span(old, "1", null, Date.now() - 8 * DAY, Date.now() - 8 * DAY + 5), span(old, "2", "1", Date.now() - 1000, Date.now())]);
    const before = await t.request("GET", `/api/v1/traces/${old}`, undefined, read);
    assert.equal(before.body.summary.span_count, 2);
    const r = await t.server.rollups.enforceRetention();
    assert.equal(r.spans, 1);
    const after = await t.request("GET", `/api/v1/traces/${old}`, undefined, read);
    assert.deepEqual(after.body.spans.map((s: { span_id: string; orphan: boolean }) => [s.span_id, s.orphan]), [["0000000000000002", true]]);
    // The agent trace is recent: still whole.
    assert.equal((await t.request("GET", `/api/v1/traces/${TRACE}`, undefined, read)).body.summary.span_count, 4);
  });
});
