import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { SessionView, TraceView } from "@vigil/contract";
import { kv, toJson, traces, type Json } from "../../otlp/otlp-fixtures.test-support.js";
import { routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

const READ_KEY = "read-key-0123456789";
const INGEST_KEY = "ingest-key-0123456789";
const read = { "x-api-key": READ_KEY };
const TRACE_A = "aa000000000000000000000000000001";
const TRACE_B = "bb000000000000000000000000000002";
const SESSION = "conv-sessions-1";
/** A model the built-in price table prices (gpt-4o-mini*), used by no other test of this app. */
const PRICED = "gpt-4o-mini-sessions-check";
const UNPRICED = "in-house-model";

/** An OTLP/JSON span of `trace` starting `from` ms after `t0` for `ms` ms, with these attributes. */
function otlp(trace: string, id: number, parent: number | null, name: string, t0: number, from: number, ms: number, attrs: Record<string, string | number>, error?: string): Json {
  const nanos = (t: number) => String(BigInt(Math.round(t)) * 1_000_000n);
  const hex = (n: number) => n.toString(16).padStart(16, "0");
  return {
    traceId: trace, spanId: hex(id), ...(parent !== null ? { parentSpanId: hex(parent) } : {}), name, kind: 3,
    startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + from + ms),
    attributes: Object.entries(attrs).map(([k, v]) => kv(k, typeof v === "number" ? { intValue: String(v) } : { stringValue: v })),
    ...(error ? { status: { code: 2, message: error } } : {}),
  };
}

const chat = (model: string, input: number, output: number) => ({ "gen_ai.operation.name": "chat", "gen_ai.request.model": model, "gen_ai.usage.input_tokens": input, "gen_ai.usage.output_tokens": output });

describe("sessions endpoint, and the cost of a trace's spans (inject, through /v1/traces)", () => {
  let t: RouteTestApp;
  let t0: number;
  let exportBody: Buffer;
  const post = (body: Buffer) => t.app.inject({ method: "POST", url: "/v1/traces", payload: body, headers: { "x-api-key": INGEST_KEY, "content-type": "application/json" } });

  before(async () => {
    t = await routeTestApp({ env: { VIGIL_API_KEYS: `${READ_KEY}:read,${INGEST_KEY}:ingest` } });
    t0 = Date.now() - 10 * 60_000;
    const conv = { "gen_ai.conversation.id": SESSION };
    // Trace A: an agent run with three priced calls (one failed), a tool call, and a plain span of the
    // session that became no event; trace B, later: a call of a model without a price. Another
    // session's call is not this session's.
    exportBody = toJson(traces([
      otlp(TRACE_A, 1, null, "invoke_agent helper", t0, 0, 3000, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper", ...conv }),
      otlp(TRACE_A, 2, 1, `chat ${PRICED}`, t0, 10, 400, { ...chat(PRICED, 1000, 200), ...conv }),
      otlp(TRACE_A, 3, 1, `chat ${PRICED}`, t0, 500, 100, { ...chat(PRICED, 300, 0), ...conv, "error.type": "429" }, "rate limited"),
      otlp(TRACE_A, 4, 1, "execute_tool lookup", t0, 700, 80, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", ...conv }),
      otlp(TRACE_A, 5, 1, `chat ${PRICED}`, t0, 900, 900, { ...chat(PRICED, 2000, 500), ...conv }),
      otlp(TRACE_A, 6, 1, "render page", t0, 1900, 30, conv),
      otlp(TRACE_B, 1, null, `chat ${UNPRICED}`, t0, 60_000, 250, { ...chat(UNPRICED, 50, 5), "session.id": SESSION }),
      otlp(TRACE_B, 2, null, `chat ${PRICED}`, t0, 61_000, 50, { ...chat(PRICED, 10, 1), "gen_ai.conversation.id": "conv-other" }),
    ]));
    const r = await post(exportBody);
    assert.equal(r.statusCode, 200, r.body);
  });
  after(() => t.close());

  const session = async (id: string, q = ""): Promise<SessionView> => {
    const r = await t.request("GET", `/api/v1/sessions/${encodeURIComponent(id)}${q}`, undefined, read);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  it("gives each span of a trace the cost its event was priced at, and the trace the sum of its calls'", async () => {
    const r = await t.request("GET", `/api/v1/traces/${TRACE_A}`, undefined, read);
    assert.equal(r.status, 200);
    const view = r.body as TraceView;
    const calls = view.spans.filter((s) => s.event_type === "llm_call");
    assert.equal(calls.length, 3);
    assert.ok(calls.every((s) => typeof s.cost === "number" && s.cost > 0), JSON.stringify(calls.map((s) => s.cost)));
    assert.deepEqual(view.spans.filter((s) => s.event_type !== "llm_call").map((s) => s.cost), [null, null, null], "the agent span (no usage), the tool call and the plain span have no cost");
    // What the events were priced at, as the metrics count them (the other session's call is there too).
    const other = (await t.request("GET", `/api/v1/traces/${TRACE_B}`, undefined, read)).body as TraceView;
    const m = await t.request("GET", `/api/v1/metrics/system?window=1h&model=${PRICED}`, undefined, read);
    const otherCost = other.spans.find((s) => s.name === `chat ${PRICED}`)!.cost!;
    assert.ok(Math.abs(m.body.metrics.llm_cost - otherCost - view.summary.cost!) < 1e-12, `${m.body.metrics.llm_cost} = ${otherCost} + ${view.summary.cost}`);
    assert.equal(other.spans.find((s) => s.name === `chat ${UNPRICED}`)!.cost, null, "no price, no cost");
    assert.equal(other.summary.cost, otherCost);
  });

  it("keeps the first cost when the same export is sent again", async () => {
    const before = await session(SESSION);
    const r = await post(exportBody);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(await session(SESSION), before);
  });

  it("answers a session's runs and calls newest first, across traces, with its counts, tokens, cost and LLM latency percentiles", async () => {
    const v = await session(SESSION);
    assert.equal(v.session_id, SESSION);
    assert.deepEqual(v.items.map((i) => [i.trace_id, i.span_id.slice(-1), i.event_type, i.duration_ms, i.status]), [
      [TRACE_B, "1", "llm_call", 250, "unset"],
      [TRACE_A, "5", "llm_call", 900, "unset"],
      [TRACE_A, "4", "tool_call", 80, "unset"],
      [TRACE_A, "3", "llm_call", 100, "error"],
      [TRACE_A, "2", "llm_call", 400, "unset"],
      [TRACE_A, "1", "run", 3000, "unset"],
    ], "the plain span of the session became no event: not listed");
    assert.equal(v.items[0]!.start, new Date(t0 + 60_000).toISOString());
    assert.equal(v.items[3]!.status_message, "rate limited");
    assert.deepEqual(v.items[1]!.tokens, { input: 2000, output: 500, cache_read_input: 0, cache_creation_input: 0, reasoning_output: 0 });
    assert.equal(v.items[2]!.tokens, null);
    const trace = (await t.request("GET", `/api/v1/traces/${TRACE_A}`, undefined, read)).body as TraceView;
    for (const item of v.items.filter((i) => i.trace_id === TRACE_A)) assert.equal(item.cost, trace.spans.find((s) => s.span_id === item.span_id)!.cost, `${item.name}: the trace's cost`);
    assert.equal(v.items[0]!.cost, null);
    assert.deepEqual(v.summary.events, { run: 1, llm_call: 4, tool_call: 1, retrieval: 0 });
    assert.equal(v.summary.item_count, 6);
    assert.equal(v.summary.error_count, 1);
    assert.equal(v.summary.trace_count, 2);
    assert.deepEqual(v.summary.tokens, { input: 3350, output: 705, cache_read_input: 0, cache_creation_input: 0, reasoning_output: 0 });
    assert.equal(v.summary.cost, trace.summary.cost, "the priced calls are all in trace A");
    // Call latencies 100, 250, 400, 900: nearest rank p50 is the 2nd, p95 the 4th.
    assert.deepEqual(v.summary.llm_latency_ms, { p50: 250, p95: 900 });
    assert.equal(v.summary.start, new Date(t0).toISOString());
    assert.equal(v.summary.end, new Date(t0 + 60_250).toISOString());
    assert.equal(v.truncated, false);
    assert.equal(v.limit, 200);
  });

  it("reads the latest `limit` spans only (one that became no event among them), says so, and sums those", async () => {
    // The latest three spans: trace B's call, the plain span, trace A's last call.
    const v = await session(SESSION, "?limit=3");
    assert.deepEqual(v.items.map((i) => i.span_id.slice(-1)), ["1", "5"]);
    assert.equal(v.truncated, true);
    assert.equal(v.limit, 3);
    assert.deepEqual(v.summary.llm_latency_ms, { p50: 250, p95: 900 });
    assert.equal(v.summary.item_count, 2);
  });

  it("answers 404 for a session with no stored run or call, 400 for a bad id or limit, and needs the read scope", async () => {
    const missing = await t.request("GET", "/api/v1/sessions/nobody-here", undefined, read);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "NOT_FOUND");
    for (const bad of ["x".repeat(257), "conv\u0001x", "tab\there"]) {
      const r = await t.request("GET", `/api/v1/sessions/${encodeURIComponent(bad)}`, undefined, read);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error.details[0].path, "/params/session_id");
    }
    assert.equal((await t.request("GET", `/api/v1/sessions/${"y".repeat(256)}`, undefined, read)).status, 404, "256 characters is a valid id");
    for (const q of ["limit=0", "limit=1001", "limit=2.5", "limit=ten"]) {
      const r = await t.request("GET", `/api/v1/sessions/${SESSION}?${q}`, undefined, read);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error.details[0].path, "/query/limit");
    }
    assert.equal((await t.request("GET", `/api/v1/sessions/${SESSION}?limit=1000`, undefined, read)).status, 200);
    assert.equal((await t.request("GET", `/api/v1/sessions/${SESSION}?since=1h`, undefined, read)).status, 400);
    assert.equal((await t.request("GET", `/api/v1/sessions/${SESSION}`)).status, 401);
    assert.equal((await t.request("GET", `/api/v1/sessions/${SESSION}`, undefined, { "x-api-key": INGEST_KEY })).status, 403);
  });
});
