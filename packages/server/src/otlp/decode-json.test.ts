import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./decode-json.js";
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from "./decode-protobuf.js";
import { OtlpBodyError } from "./errors.js";
import { kv, nestedArrays, span, toJson, toProtobuf, traces, type Json } from "./otlp-fixtures.test-support.js";

const bodyError = (status: number, pattern: RegExp) => (err: unknown) => err instanceof OtlpBodyError && err.status === status && pattern.test(err.message);

/** One request of each signal with every kind of value, written once in OTLP's JSON form. */
const TRACES = traces([
  span(0, {
    parentSpanId: "00f067aa0ba902b7",
    kind: 3,
    startTimeUnixNano: "1700000000123456789",
    attributes: [
      kv("gen_ai.operation.name", { stringValue: "chat" }),
      kv("gen_ai.usage.input_tokens", { intValue: "1200" }),
      kv("big", { intValue: "9007199254740993" }),
      kv("f", { boolValue: false }),
      kv("zero", { intValue: 0 }),
      kv("empty", { stringValue: "" }),
      kv("ratio", { doubleValue: 0.25 }),
      kv("nan", { doubleValue: "NaN" }),
      kv("raw", { bytesValue: "3q2+7w==" }),
      kv("nested", { kvlistValue: { values: [kv("a", { arrayValue: { values: [{ intValue: 1 }, { kvlistValue: { values: [kv("b", { boolValue: true })] } }] } })] } }),
      kv("none", {}),
    ],
    events: [{ name: "gen_ai.evaluation.result", timeUnixNano: "1700000000200000000", attributes: [kv("gen_ai.evaluation.score.value", { doubleValue: 0.9 })] }],
    status: { code: 1, message: "" },
  }),
  span(1, { traceId: "5b8efff798038103d269b633813fc6", status: { code: 2, message: "rate limited" } }),
  span(2, { kind: 1 }),
]);
const METRICS: Json = {
  resourceMetrics: [
    {
      resource: { attributes: [kv("service.name", { stringValue: "svc" })] },
      scopeMetrics: [
        {
          scope: { name: "gen_ai", version: "0.1" },
          metrics: [
            { name: "g", gauge: { dataPoints: [{ timeUnixNano: "1700000060000000000", asDouble: 0.5, attributes: [kv("k", { stringValue: "v" })] }] } },
            { name: "s", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: "1700000000000000000", timeUnixNano: "1700000060000000000", asInt: "9007199254740993" }] } },
            { name: "h", unit: "s", histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: "1700000060000000000", count: "4", sum: 2, min: 0.1, max: 1.5, bucketCounts: ["1", "3"], explicitBounds: [1] }, { count: "1", bucketCounts: ["1"], explicitBounds: [1] }] } },
            { name: "summary", summary: { dataPoints: [] } },
          ],
        },
      ],
    },
  ],
};
const LOGS: Json = {
  resourceLogs: [
    {
      resource: { attributes: [kv("service.name", { stringValue: "svc" })] },
      scopeLogs: [
        {
          scope: { name: "logs" },
          logRecords: [
            { timeUnixNano: "1700000000000000001", severityNumber: 17, severityText: "ERROR", eventName: "gen_ai.evaluation.result", body: { kvlistValue: { values: [kv("score", { doubleValue: 1 })] } }, traceId: "5b8efff798038103d269b633813fc60c", spanId: "00f067aa0ba902b7" },
            { body: { stringValue: "" } },
            { body: { intValue: 1 }, spanId: "0102" },
          ],
        },
      ],
    },
  ],
};

describe("decodeTracesJson", () => {
  it("reads the same spans, problems included, from a JSON request as from the same request in protobuf", () => {
    const fromJson = decodeTracesJson(toJson(TRACES));
    assert.deepEqual(fromJson, decodeTracesProto(toProtobuf("traces", TRACES)));
    assert.equal(fromJson.items.length, 2);
    assert.deepEqual(fromJson.items[0]!.attributes.big, "9007199254740993");
    assert.deepEqual(fromJson.items[0]!.attributes.nan, "NaN");
    assert.deepEqual(fromJson.problems.map((p) => p.path), ["resourceSpans/0/scopeSpans/0/spans/1"]);
  });

  it("reads the same metrics and log records from JSON as from protobuf", () => {
    const metrics = decodeMetricsJson(toJson(METRICS));
    assert.deepEqual(metrics, decodeMetricsProto(toProtobuf("metrics", METRICS)));
    assert.deepEqual(metrics.items.map((m) => m.type), ["gauge", "sum", "histogram", "unsupported"]);
    assert.equal(metrics.problems.length, 1);
    const logs = decodeLogsJson(toJson(LOGS));
    assert.deepEqual(logs, decodeLogsProto(toProtobuf("logs", LOGS)));
    assert.deepEqual(logs.items.map((l) => l.body), [{ score: 1 }, ""]);
  });

  it("accepts the proto's snake_case keys, enum names, 64-bit integers as numbers and upper-case hex ids, and ignores unknown keys", () => {
    const body = {
      resource_spans: [
        {
          resource: { attributes: [{ key: "service.name", value: { string_value: "svc" } }], dropped_attributes_count: 0 },
          scope_spans: [
            {
              scope: { name: "test-scope", version: "1.0.0" },
              spans: [
                {
                  trace_id: "5B8EFFF798038103D269B633813FC60C",
                  span_id: "0000000000000001",
                  name: "span 0",
                  kind: "SPAN_KIND_CLIENT",
                  start_time_unix_nano: 1700000000000000000,
                  end_time_unix_nano: "1700000000250000000",
                  attributes: [{ key: "n", value: { int_value: 0 } }],
                  status: { code: "STATUS_CODE_ERROR", message: "boom" },
                  somethingNew: { x: 1 },
                },
              ],
            },
          ],
        },
      ],
    };
    const camel = decodeTracesProto(toProtobuf("traces", traces([span(0, { status: { code: 2, message: "boom" } })])));
    assert.deepEqual(decodeTracesJson(Buffer.from(JSON.stringify(body))), camel);
  });

  it("reads a 64-bit integer past 2^53 exactly when sent as a string, as OTLP's JSON encoding sends it", () => {
    const { items } = decodeTracesJson(toJson(traces([span(0, { attributes: [kv("s", { intValue: "18446744073709551615" }), kv("n", { intValue: 42 }), kv("neg", { intValue: "-9007199254740993" })] })])));
    assert.deepEqual(items[0]!.attributes, { s: "18446744073709551615", n: 42, neg: "-9007199254740993" });
  });

  it("refuses a span holding a raw byte that is not UTF-8, keeping its neighbours", () => {
    const text = toJson(traces([span(0, { attributes: [kv("prompt", { stringValue: "PLACEHOLDER" })] }), span(1)]));
    const at = text.indexOf("PLACEHOLDER");
    const bad = Buffer.concat([text.subarray(0, at), Buffer.from([0x68, 0x69, 0xff, 0xc0, 0xaf]), text.subarray(at + "PLACEHOLDER".length)]);
    const { items, problems } = decodeTracesJson(bad);
    assert.deepEqual(items.map((s) => s.name), ["span 1"]);
    assert.deepEqual(problems, [{ path: "resourceSpans/0/scopeSpans/0/spans/0", message: 'attributes: "prompt": the value is not valid UTF-8' }]);
  });

  it("refuses a span holding an unpaired surrogate escape, and keeps a valid pair", () => {
    const body = Buffer.from(JSON.stringify(traces([span(0, { name: "PAIR" }), span(1, { name: "LONE" })])).replace("PAIR", "\\ud83d\\ude00").replace("LONE", "\\ud800x"));
    const { items, problems } = decodeTracesJson(body);
    assert.deepEqual(items.map((s) => s.name), ["😀"]);
    assert.equal(problems[0]!.message, "the span name is not valid UTF-8");
  });

  it("applies the same limits as protobuf: 10,000 attributes or deep nesting refuse the span alone", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => kv(`k${i}`, { boolValue: true }));
    const { items, problems } = decodeTracesJson(toJson(traces([span(0, { attributes: many }), span(1, { attributes: [kv("d", nestedArrays(9))] }), span(2)])));
    assert.deepEqual(items.map((s) => s.name), ["span 2"]);
    assert.deepEqual(problems.map((p) => p.path.split("/").pop()), ["0", "1"]);
  });

  it("refuses a span whose ids are base64 rather than hex", () => {
    const { problems } = decodeTracesJson(toJson(traces([span(0, { traceId: "W47/95gDgQPSabYzgT/GDA==" })])));
    assert.match(problems[0]!.message, /the trace id "W47\/95gDgQPSabYzgT\/GDA==" is not hex/);
  });

  it("answers 400 for a body that is not JSON, not an object, or has a value of the wrong type, naming where", () => {
    assert.throws(() => decodeTracesJson(Buffer.from('{"resourceSpans": [')), bodyError(400, /not valid JSON/));
    assert.throws(() => decodeTracesJson(Buffer.from("[]")), bodyError(400, /expected an object/));
    assert.throws(() => decodeTracesJson(toJson(traces([span(0), span(1, { name: 5 })]))), bodyError(400, /at resourceSpans\/0\/scopeSpans\/0\/spans\/1\/name: expected a string/));
    assert.throws(() => decodeTracesJson(toJson(traces([span(0, { startTimeUnixNano: "soon" })]))), bodyError(400, /startTimeUnixNano: expected an integer/));
    assert.throws(() => decodeTracesJson(Buffer.concat([Buffer.from('{"x":"\\'), Buffer.from([0xff]), Buffer.from('"}')])), bodyError(400, /not valid JSON/));
  });

  it("reads an empty object as an empty request", () => {
    assert.deepEqual(decodeTracesJson(Buffer.from("{}")), { items: [], problems: [] });
  });
});
