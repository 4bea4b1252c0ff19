import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SseUsageScanner, usageFrom, usageOfJson } from "./usage-scanner.js";

const data = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

describe("relay usage scanner", () => {
  it("reads OpenAI usage, cached tokens included", () => {
    assert.deepEqual(usageFrom({ prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } }), { inputTokens: 10, outputTokens: 4, cachedInputTokens: 2 });
    assert.equal(usageFrom(null), null);
    assert.deepEqual(usageOfJson(Buffer.from(JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } }))), { inputTokens: 1, outputTokens: 2 });
    assert.equal(usageOfJson(Buffer.from("not json")), null);
  });

  it("marks the first chunk with content, not the role chunk, and takes the final usage across split chunks", () => {
    const stream = Buffer.from(
      data({ choices: [{ delta: { role: "assistant", content: "" } }], usage: null }) +
        data({ choices: [{ delta: { content: "Hé" } }], usage: null }) +
        data({ choices: [{ delta: {} , finish_reason: "stop" }], usage: null }) +
        data({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } }) +
        "data: [DONE]\n\n",
    );
    const scanner = new SseUsageScanner();
    // Cut in 7-byte pieces (the piece's index is its time): lines and multi-byte characters span pieces.
    for (let i = 0, t = 0; i < stream.length; i += 7, t++) scanner.push(stream.subarray(i, i + 7), t);
    const lineEnd = stream.indexOf("\n", stream.indexOf('{"content":"Hé"}'));
    assert.equal(scanner.firstTokenAt, Math.floor(lineEnd / 7), "the piece that completes the first content line");
    assert.deepEqual(scanner.usage, { inputTokens: 9, outputTokens: 3 });
  });

  it("counts a tool call as the first token", () => {
    const scanner = new SseUsageScanner();
    scanner.push(Buffer.from(data({ choices: [{ delta: { role: "assistant" } }] })), 1);
    scanner.push(Buffer.from(data({ choices: [{ delta: { tool_calls: [{ index: 0, function: { name: "f" } }] } }] })), 2);
    assert.equal(scanner.firstTokenAt, 2);
    assert.equal(scanner.usage, null);
  });
});
