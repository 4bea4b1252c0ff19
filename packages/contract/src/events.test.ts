import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { LlmCallBody, RetrievalBody, RunBody, ToolCallBody } from "./events.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

describe("event bodies: token subsets, sessions and trace links", () => {
  it("takes cache-write and reasoning tokens beside cached input tokens on LLM calls and runs", () => {
    const usage = { input_tokens: 1000, output_tokens: 300, cached_input_tokens: 600, cache_creation_input_tokens: 200, reasoning_tokens: 120 };
    assert.ok(Value.Check(LlmCallBody, { model: "claude-sonnet-4", latency_ms: 900, ...usage }));
    assert.ok(Value.Check(RunBody, { agent_name: "planner", status: "success", duration_ms: 2000, ...usage }));
    assert.ok(!Value.Check(LlmCallBody, { model: "m", latency_ms: 1, reasoning_tokens: -1 }));
    assert.ok(!Value.Check(LlmCallBody, { model: "m", latency_ms: 1, cache_creation_input_tokens: 1.5 }));
  });

  it("takes a session id and the OpenTelemetry trace and span ids on runs, LLM calls, tool calls and retrievals", () => {
    const link = { session_id: "conv_5j66UpCpwteGg4YSxUnt7lPY", trace_id: TRACE, span_id: SPAN };
    assert.ok(Value.Check(RunBody, { agent_name: "a", status: "success", duration_ms: 1, ...link }));
    assert.ok(Value.Check(LlmCallBody, { model: "m", latency_ms: 1, ...link }));
    assert.ok(Value.Check(ToolCallBody, { tool: "search", status: "success", ...link }));
    assert.ok(Value.Check(RetrievalBody, { status: "success", ...link }));
  });

  it("refuses trace and span ids that are not lowercase hex of the W3C lengths", () => {
    for (const trace_id of [TRACE.toUpperCase(), TRACE.slice(1), TRACE + "0", "not-a-trace"]) {
      assert.ok(!Value.Check(LlmCallBody, { model: "m", latency_ms: 1, trace_id }), trace_id);
    }
    for (const span_id of [SPAN.toUpperCase(), SPAN.slice(1), TRACE]) {
      assert.ok(!Value.Check(ToolCallBody, { tool: "t", status: "success", span_id }), span_id);
    }
    assert.ok(!Value.Check(RunBody, { agent_name: "a", status: "success", duration_ms: 1, session_id: "" }));
  });
});
