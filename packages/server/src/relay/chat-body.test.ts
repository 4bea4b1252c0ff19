import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseChatRequest, upstreamBody, type ChatRequest } from "./chat-body.js";

const parse = (body: unknown, streamUsage = true) => parseChatRequest(Buffer.from(typeof body === "string" ? body : JSON.stringify(body)), streamUsage);

describe("relay chat body", () => {
  it("replaces only the model, keeping every other field as sent", () => {
    const req = parse({ model: "summarize", messages: [{ role: "user", content: "é ✓" }], temperature: 0.2, tools: [{ type: "function" }] }) as ChatRequest;
    assert.equal(req.model, "summarize");
    assert.equal(req.stream, false);
    assert.deepEqual(JSON.parse(upstreamBody(req, "gpt-4o").toString("utf8")), { model: "gpt-4o", messages: [{ role: "user", content: "é ✓" }], temperature: 0.2, tools: [{ type: "function" }] });
  });

  it("asks a stream for usage unless the caller set stream_options or usage is turned off", () => {
    assert.deepEqual((parse({ model: "m", stream: true }) as ChatRequest).body.stream_options, { include_usage: true });
    assert.deepEqual((parse({ model: "m", stream: true, stream_options: { include_usage: false } }) as ChatRequest).body.stream_options, { include_usage: false });
    assert.equal((parse({ model: "m", stream: true }, false) as ChatRequest).body.stream_options, undefined);
    assert.equal((parse({ model: "m" }) as ChatRequest).body.stream_options, undefined);
  });

  it("refuses bodies that are not a JSON object naming a model", () => {
    assert.deepEqual(parse("{"), { error: "the request body must be JSON" });
    assert.deepEqual(parse([1]), { error: "the request body must be a JSON object" });
    assert.match((parse({ messages: [] }) as { error: string }).error, /model/);
  });
});
