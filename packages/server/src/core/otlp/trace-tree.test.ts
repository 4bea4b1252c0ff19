import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SpanRecord } from "./model.js";
import { buildTraceView, spanTokens } from "./trace-tree.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

/** Span `id` under `parent`, from `start` to `end` ms after T0. */
const span = (id: string, parent: string | null, start: number, end: number, over: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId: TRACE, spanId: id.padStart(16, "0"), parentSpanId: parent === null ? null : parent.padStart(16, "0"), name: `op ${id}`, kind: "internal",
  startMs: T0 + start, endMs: T0 + end, status: "unset", statusMessage: "", eventType: null, eventId: null, service: null, sessionId: null, cost: null, attributes: {}, events: [], ...over,
});
const view = (records: SpanRecord[]) => buildTraceView(TRACE, records, { truncated: false, spanLimit: 10_000 });
const shape = (records: SpanRecord[]) => view(records).spans.map((s) => `${"  ".repeat(s.depth)}${s.span_id.replace(/^0+/, "")}${s.orphan ? " (orphan)" : ""}`);

describe("trace view", () => {
  it("lays an agent run out as the waterfall: roots, children by start time, depth, offsets and durations", () => {
    // Given out of order, as a store or an exporter may.
    const records = [
      span("c", "a", 900.25, 1400, { name: "execute_tool search", eventType: "tool_call", service: "agent" }),
      span("a", null, 0, 2000, { name: "invoke_agent planner", eventType: "run", service: "agent" }),
      span("d", "b", 150, 700, { name: "http POST", kind: "client", service: "gateway" }),
      span("b", "a", 100, 800.5, { name: "chat gpt-4o", kind: "client", eventType: "llm_call", service: "agent" }),
      span("e", "a", 1500, 1900, { name: "chat gpt-4o", eventType: "llm_call", service: "agent", status: "error", statusMessage: "rate limited" }),
    ];
    assert.deepEqual(shape(records), ["a", "  b", "    d", "  c", "  e"]);
    const v = view(records);
    assert.deepEqual(v.spans.map((s) => [s.offset_ms, s.duration_ms, s.children]), [[0, 2000, 3], [100, 700.5, 1], [150, 550, 0], [900.25, 499.75, 0], [1500, 400, 0]]);
    assert.equal(v.spans[1]!.start, "2026-03-02T12:00:00.100Z");
    assert.equal(v.spans[3]!.end, "2026-03-02T12:00:01.400Z");
    assert.deepEqual({ ...v.summary, tokens: undefined }, {
      start: "2026-03-02T12:00:00.000Z", end: "2026-03-02T12:00:02.000Z", duration_ms: 2000, span_count: 5, error_count: 1,
      services: ["agent", "gateway"], events: { run: 1, llm_call: 2, tool_call: 1, retrieval: 0 }, tokens: undefined, cost: null,
    });
    assert.equal(v.trace_id, TRACE);
    assert.equal(v.truncated, false);
  });

  it("makes a span whose parent is not in the trace a root flagged orphan, in start order among the roots", () => {
    const records = [span("a", null, 50, 100), span("x", "f00d", 0, 30), span("y", "x", 5, 10), span("z", "beef", 60, 70)];
    assert.deepEqual(shape(records), ["x (orphan)", "  y", "a", "z (orphan)"]);
    const v = view(records);
    assert.equal(v.spans[0]!.parent_span_id, "000000000000f00d", "the parent named is kept");
    assert.equal(v.summary.span_count, 4);
  });

  it("shows every span once even when parent links loop or a span names itself as parent", () => {
    const records = [span("a", "c", 10, 20), span("b", "a", 20, 30), span("c", "b", 30, 40), span("s", "s", 0, 5), span("r", null, 1, 2)];
    assert.deepEqual(shape(records), ["s (orphan)", "r", "a (orphan)", "  b", "    c"]);
  });

  it("walks a chain 10,000 spans deep without running out of stack", () => {
    const records = Array.from({ length: 10_000 }, (_, i) => span((i + 1).toString(16), i === 0 ? null : i.toString(16), i, 20_000 - i));
    const v = view(records);
    assert.equal(v.spans.length, 10_000);
    assert.equal(v.spans[9_999]!.depth, 9_999);
    assert.equal(v.summary.duration_ms, 20_000);
  });

  it("keeps sub-millisecond timings to the microsecond, and a span ending before its start lasts 0", () => {
    const v = view([span("a", null, 0.0004, 1.2345678), span("b", "a", 0.5, 0.25)]);
    assert.deepEqual(v.spans.map((s) => [s.offset_ms, s.duration_ms]), [[0, 1.234], [0.5, 0]]);
  });

  it("places span events on the trace's time line", () => {
    const v = view([span("a", null, 100, 500), span("b", "a", 200, 400, { events: [{ name: "ai.stream.firstChunk", timeMs: T0 + 250.5, attributes: { index: 0 } }] })]);
    assert.deepEqual(v.spans[1]!.events, [{ name: "ai.stream.firstChunk", at: "2026-03-02T12:00:00.250Z", offset_ms: 150.5, attributes: { index: 0 } }]);
  });

  it("sums the tokens of model-call spans only, cached and reasoning tokens as parts of input and output", () => {
    const records = [
      span("a", null, 0, 100, { eventType: "run", attributes: { "gen_ai.usage.input_tokens": 5000, "gen_ai.usage.output_tokens": 900 } }),
      span("b", "a", 1, 40, { eventType: "llm_call", attributes: { "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300, "gen_ai.usage.cache_read.input_tokens": 1000, "gen_ai.usage.reasoning.output_tokens": 120 } }),
      // The older names, and a count sent as a decimal string.
      span("c", "a", 50, 90, { eventType: "llm_call", attributes: { "gen_ai.usage.prompt_tokens": "800", "gen_ai.usage.completion_tokens": 200, "gen_ai.usage.cache_creation_input_tokens": 640 } }),
      span("d", "a", 91, 99, { attributes: { "gen_ai.usage.input_tokens": 7 } }),
    ];
    const v = view(records);
    assert.deepEqual(v.summary.tokens, { input: 2000, output: 500, cache_read_input: 1000, cache_creation_input: 640, reasoning_output: 120 });
    assert.deepEqual(v.spans.map((s) => s.tokens?.input ?? null), [null, 1200, 800, null]);
  });

  it("gives each span its cost and sums the model calls' into the summary, not the agent span's that prices the same calls", () => {
    const priced = view([
      span("a", null, 0, 100, { eventType: "run", cost: 0.5 }),
      span("b", "a", 1, 40, { eventType: "llm_call", cost: 0.25 }),
      span("c", "a", 50, 90, { eventType: "llm_call", cost: null }),
      span("d", "a", 91, 99, { eventType: "llm_call", cost: 0.125 }),
    ]);
    assert.deepEqual(priced.spans.map((s) => s.cost), [0.5, 0.25, null, 0.125]);
    assert.equal(priced.summary.cost, 0.375);
    assert.equal(view([span("a", null, 0, 100, { eventType: "llm_call" })]).summary.cost, null, "no price, no cost: not a cost of 0");
  });

  it("reads a token count only from a whole number at or above zero", () => {
    assert.deepEqual(spanTokens({ "gen_ai.usage.input_tokens": -3, "gen_ai.usage.prompt_tokens": 40, "gen_ai.usage.output_tokens": 1.5, "gen_ai.usage.completion_tokens": "1e3", "gen_ai.usage.reasoning.output_tokens": "12" }), {
      input: 40, output: 0, cache_read_input: 0, cache_creation_input: 0, reasoning_output: 12,
    });
  });
});
