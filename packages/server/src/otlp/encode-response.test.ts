import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeTracesProto } from "./decode-protobuf.js";
import { countRejected, encodeExportResponse, encodeStatus, partialSuccessOf } from "./encode-response.js";
import { kv, span, toProtobuf, traces } from "./otlp-fixtures.test-support.js";
import { otlpTypes } from "./proto.js";

/** Reads a protobuf answer back with the published message type, as an OTLP exporter does. */
function readBack(type: "traceResponse" | "metricsResponse" | "logsResponse" | "status", body: Buffer): Record<string, unknown> {
  const t = otlpTypes()[type];
  return t.toObject(t.decode(body), { longs: Number });
}

describe("partialSuccessOf", () => {
  it("counts the refused spans and names each by its path", () => {
    const decoded = decodeTracesProto(toProtobuf("traces", traces([span(0), span(1, { spanId: "00" }), span(2, { attributes: [kv("k".repeat(300), { intValue: 1 })] })])));
    const partial = partialSuccessOf("traces", decoded.problems)!;
    assert.equal(partial.rejected, 2);
    assert.match(partial.message, /^2 spans refused; resourceSpans\/0\/scopeSpans\/0\/spans\/1: the span id must be 8 bytes .*; resourceSpans\/0\/scopeSpans\/0\/spans\/2: attributes: the key/);
    assert.equal(partialSuccessOf("traces", []), null);
  });

  it("counts a refused resource as all its items and a note about a kept item as none", () => {
    const problems = [{ path: "resourceMetrics/0/resource", message: "m", rejected: 7 }, { path: "resourceMetrics/1/scopeMetrics/0/metrics/0", message: "kept", rejected: 0 }, { path: "p", message: "m" }];
    assert.equal(countRejected(problems), 8);
    assert.match(partialSuccessOf("metrics", problems)!.message, /^8 data points refused/);
  });

  it("spells out ten problems and counts the rest", () => {
    const problems = Array.from({ length: 25 }, (_, i) => ({ path: `resourceLogs/0/scopeLogs/0/logRecords/${i}`, message: "bad" }));
    const { message } = partialSuccessOf("logs", problems)!;
    assert.equal(message.split("; ").length, 12);
    assert.match(message, /^25 log records refused; .*logRecords\/9: bad; and 15 more$/);
  });
});

describe("encodeExportResponse", () => {
  it("answers an empty response when everything was accepted, in either encoding", () => {
    assert.deepEqual(encodeExportResponse("traces", "json", null), { contentType: "application/json", body: Buffer.from("{}") });
    const pb = encodeExportResponse("traces", "protobuf", null);
    assert.equal(pb.contentType, "application/x-protobuf");
    assert.equal(pb.body.length, 0);
  });

  it("answers the partial success with the signal's own count field, in protobuf and JSON", () => {
    const partial = { rejected: 3, message: "3 spans refused; …" };
    assert.deepEqual(readBack("traceResponse", encodeExportResponse("traces", "protobuf", partial).body), { partialSuccess: { rejectedSpans: 3, errorMessage: "3 spans refused; …" } });
    assert.deepEqual(readBack("metricsResponse", encodeExportResponse("metrics", "protobuf", partial).body), { partialSuccess: { rejectedDataPoints: 3, errorMessage: "3 spans refused; …" } });
    assert.deepEqual(readBack("logsResponse", encodeExportResponse("logs", "protobuf", partial).body), { partialSuccess: { rejectedLogRecords: 3, errorMessage: "3 spans refused; …" } });
    assert.deepEqual(JSON.parse(encodeExportResponse("traces", "json", partial).body.toString()), { partialSuccess: { rejectedSpans: "3", errorMessage: "3 spans refused; …" } });
  });

  it("answers a warning with nothing refused as a partial success of 0", () => {
    const body = encodeExportResponse("logs", "protobuf", { rejected: 0, message: "2 log records have no time" }).body;
    assert.deepEqual(readBack("logsResponse", body), { partialSuccess: { errorMessage: "2 log records have no time" } });
  });
});

describe("encodeStatus", () => {
  it("answers a google.rpc.Status with the gRPC code of the HTTP status, in protobuf and JSON", () => {
    assert.deepEqual(readBack("status", encodeStatus("protobuf", 400, "the body is not a protobuf ExportTraceServiceRequest").body), { code: 3, message: "the body is not a protobuf ExportTraceServiceRequest" });
    assert.deepEqual(JSON.parse(encodeStatus("json", 503, "storage is unavailable").body.toString()), { code: 14, message: "storage is unavailable" });
    assert.equal(encodeStatus("json", 401, "x").contentType, "application/json");
    assert.deepEqual(readBack("status", encodeStatus("protobuf", 401, "no key").body), { code: 16, message: "no key" });
  });
});
