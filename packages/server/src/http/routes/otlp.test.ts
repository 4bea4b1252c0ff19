import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { kv, span, toJson, toProtobuf, traces, type Json } from "../../otlp/otlp-fixtures.test-support.js";
import { otlpTypes } from "../../otlp/proto.js";
import { routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

const KEY = "otlp-ingest-key-0123456789";
const READ = "otlp-read-key-0123456789";

/** A chat span of `model` that started `agoMs` ago and took 400 ms, with 120 input (30 cached) and 40 output tokens. */
function chat(n: number, model: string, agoMs: number): Json {
  const start = BigInt(Date.now() - agoMs) * 1_000_000n;
  return span(n, {
    name: `chat ${model}`,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 400_000_000n),
    attributes: [
      kv("gen_ai.operation.name", { stringValue: "chat" }),
      kv("gen_ai.provider.name", { stringValue: "openai" }),
      kv("gen_ai.request.model", { stringValue: model }),
      kv("gen_ai.usage.input_tokens", { intValue: "120" }),
      kv("gen_ai.usage.output_tokens", { intValue: 40 }),
      kv("gen_ai.usage.cache_read.input_tokens", { intValue: "30" }),
    ],
  });
}

describe("OTLP/HTTP receiver: /v1/traces (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp({ env: { VIGIL_API_KEYS: `${KEY}:ingest,${READ}:read` } });
  });
  after(() => t.close());

  const post = (body: Buffer, headers: Record<string, string>) => t.app.inject({ method: "POST", url: "/v1/traces", payload: body, headers: { authorization: `Bearer ${KEY}`, ...headers } });
  const llm = async (model: string) => {
    const r = await t.request("GET", `/api/v1/metrics/system?window=1h&model=${model}`, undefined, { authorization: `Bearer ${READ}` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.metrics;
  };

  it("takes a protobuf export, answers in protobuf, and counts each call once even when the export is sent again", async () => {
    const body = toProtobuf("traces", traces([chat(1, "proto-model", 60_000), chat(2, "proto-model", 30_000)]));
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await post(body, { "content-type": "application/x-protobuf" });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers["content-type"], "application/x-protobuf");
      const answer = otlpTypes().traceResponse.toObject(otlpTypes().traceResponse.decode(r.rawPayload), { longs: String });
      assert.deepEqual(answer, {}, "everything taken: no partial success");
    }
    const m = await llm("proto-model");
    assert.equal(m.llm_calls, 2, "the retried export is not counted again");
    assert.equal(m.llm_input_tokens, 240);
    assert.equal(m.llm_cached_input_tokens, 60, "cached tokens are a subset of the input tokens");
    assert.equal(m.llm_output_tokens, 80);
  });

  it("takes a gzip-compressed JSON export and answers in JSON, naming what it kept without counting", async () => {
    const noModel = span(9, { name: "chat ???", attributes: [kv("gen_ai.operation.name", { stringValue: "chat" })] });
    const badIds = span(10, { spanId: "00" });
    const r = await post(gzipSync(toJson(traces([chat(3, "json-model", 20_000), noModel, badIds]))), { "content-type": "application/json", "content-encoding": "gzip" });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
    const answer = JSON.parse(r.body);
    assert.equal(answer.partialSuccess.rejectedSpans, "1", r.body);
    assert.match(answer.partialSuccess.errorMessage, /spanId|span id/i);
    assert.match(answer.partialSuccess.errorMessage, /without .*model/);
    assert.equal((await llm("json-model")).llm_calls, 1);
  });

  it("answers a body it cannot read with a google.rpc.Status in the request's encoding, and stores nothing of it", async () => {
    const full = toProtobuf("traces", traces([chat(4, "cut-model", 10_000)]));
    const cut = await post(full.subarray(0, full.length - 7), { "content-type": "application/x-protobuf" });
    assert.equal(cut.statusCode, 400);
    const status = otlpTypes().status.decode(cut.rawPayload) as unknown as { code: number; message: string };
    assert.equal(status.code, 3, "INVALID_ARGUMENT");
    assert.ok(status.message.length > 0);
    const type = await post(Buffer.from("hello"), { "content-type": "text/plain" });
    assert.equal(type.statusCode, 415);
    const badJson = await post(Buffer.from("{not json"), { "content-type": "application/json" });
    assert.equal(badJson.statusCode, 400);
    assert.equal(JSON.parse(badJson.body).code, 3);
    const bomb = await post(gzipSync(Buffer.alloc(64 * 1024 * 1024)), { "content-type": "application/json", "content-encoding": "gzip" });
    assert.equal(bomb.statusCode, 413);
    assert.equal((await llm("cut-model")).llm_calls, 0);
  });

  it("joins a call to the agent span an earlier export held", async () => {
    const start = BigInt(Date.now() - 90_000) * 1_000_000n;
    const agent = span(20, { name: "invoke_agent planner", startTimeUnixNano: String(start), endTimeUnixNano: String(start + 2_000_000_000n), attributes: [kv("gen_ai.operation.name", { stringValue: "invoke_agent" }), kv("gen_ai.agent.name", { stringValue: "otlp-planner" })] });
    const call = chat(21, "joined-model", 89_000) as Record<string, Json>;
    call.parentSpanId = (20 + 1).toString(16).padStart(16, "0");
    assert.equal((await post(toProtobuf("traces", traces([agent])), { "content-type": "application/x-protobuf" })).statusCode, 200);
    assert.equal((await post(toProtobuf("traces", traces([call])), { "content-type": "application/x-protobuf" })).statusCode, 200);
    const r = await t.request("GET", "/api/v1/metrics/system?window=1h&agent_name=otlp-planner", undefined, { authorization: `Bearer ${READ}` });
    assert.equal(r.body.metrics.total_tasks, 1, "the agent span is a run");
    assert.equal(r.body.metrics.llm_calls, 1, "the call counts under the agent of the earlier export");
  });

  it("takes the ingest key as a Bearer token or in x-api-key, and refuses a read key", async () => {
    const body = toProtobuf("traces", traces([chat(5, "key-model", 5_000)]));
    const viaHeader = await t.app.inject({ method: "POST", url: "/v1/traces", payload: body, headers: { "x-api-key": KEY, "content-type": "application/x-protobuf" } });
    assert.equal(viaHeader.statusCode, 200, viaHeader.body);
    const none = await t.app.inject({ method: "POST", url: "/v1/traces", payload: body, headers: { "content-type": "application/x-protobuf" } });
    assert.equal(none.statusCode, 401);
    const read = await t.app.inject({ method: "POST", url: "/v1/traces", payload: body, headers: { authorization: `Bearer ${READ}`, "content-type": "application/x-protobuf" } });
    assert.equal(read.statusCode, 403);
  });
});
