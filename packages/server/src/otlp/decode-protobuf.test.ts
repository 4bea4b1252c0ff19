import { describe, it } from "node:test";
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from "./decode-protobuf.js";
import { OtlpBodyError } from "./errors.js";
import { kv, nestedArrays, span, toProtobuf, traces, type Json } from "./otlp-fixtures.test-support.js";
import { MarkingReader, otlpTypes } from "./proto.js";
import { MAX_ATTRIBUTES, MAX_KEY_LENGTH, MAX_VALUE_DEPTH, attributes } from "./values.js";
import type { WKeyValue } from "./wire.js";

const decodeSpans = (spans: Json[], resource?: Json[]) => decodeTracesProto(toProtobuf("traces", traces(spans, resource)));

/** The bytes with the first occurrence of `from` replaced by `to`, of the same length, so framing stays valid. */
function patch(buf: Buffer, from: string, to: Buffer): Buffer {
  const at = buf.indexOf(from);
  assert.ok(at >= 0 && to.length === Buffer.byteLength(from));
  const out = Buffer.from(buf);
  to.copy(out, at);
  return out;
}

describe("decodeTracesProto", () => {
  it("reads a span: hex ids, times in milliseconds, kind, status, resource and scope", () => {
    const { items, problems } = decodeSpans([span(0, { parentSpanId: "00000000000000aa", status: { code: 2, message: "boom" } })]);
    assert.deepEqual(problems, []);
    assert.deepEqual(items[0], {
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "0000000000000001",
      parentSpanId: "00000000000000aa",
      name: "span 0",
      kind: "client",
      startMs: 1_700_000_000_000,
      endMs: 1_700_000_000_250,
      attributes: { n: 0 },
      events: [],
      status: { code: "error", message: "boom" },
      resource: { "service.name": "svc" },
      scope: { name: "test-scope", version: "1.0.0" },
    });
  });

  it("keeps false, 0, 0.0 and empty-string attribute values, and reads an empty value as null", () => {
    const attrs = [kv("f", { boolValue: false }), kv("zero", { intValue: 0 }), kv("zd", { doubleValue: 0 }), kv("empty", { stringValue: "" }), kv("none", {})];
    const { items } = decodeSpans([span(0, { attributes: attrs })]);
    assert.deepEqual(items[0]!.attributes, { f: false, zero: 0, zd: 0, empty: "", none: null });
  });

  it("keeps an attribute named __proto__ as an ordinary key, and a repeated key's last value", () => {
    const { items } = decodeSpans([span(0, { attributes: [kv("__proto__", { kvlistValue: { values: [kv("polluted", { boolValue: true })] } }), kv("k", { intValue: 1 }), kv("k", { intValue: 2 })] })]);
    const attrs = items[0]!.attributes;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.keys(attrs), ["__proto__", "k"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(attrs, "__proto__")!.value, { polluted: true });
    assert.equal(attrs.k, 2);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("reads the member of a value set last when the wire sets two (protobuf merges them)", () => {
    const KeyValue = otlpTypes().root.lookupType("opentelemetry.proto.common.v1.KeyValue");
    const wire = Buffer.concat([KeyValue.encode({ key: "k", value: { stringValue: "first" } }).finish(), KeyValue.encode({ value: { intValue: 0 } }).finish()]);
    assert.deepEqual(attributes([KeyValue.decode(new MarkingReader(wire)) as WKeyValue]), { k: 0 });
  });

  it("reads 64-bit integers as numbers while safe and as exact decimal strings past 2^53", () => {
    const attrs = [
      kv("fromString", { intValue: "9007199254740991" }),
      kv("fromNumber", { intValue: 1234567890123 }),
      kv("negative", { intValue: "-42" }),
      kv("pastSafe", { intValue: "9007199254740993" }),
      kv("max", { intValue: "9223372036854775807" }),
      kv("min", { intValue: "-9223372036854775808" }),
    ];
    const { items } = decodeSpans([span(0, { attributes: attrs })]);
    assert.deepEqual(items[0]!.attributes, {
      fromString: 9007199254740991,
      fromNumber: 1234567890123,
      negative: -42,
      pastSafe: "9007199254740993",
      max: "9223372036854775807",
      min: "-9223372036854775808",
    });
  });

  it("keeps sub-millisecond time and reads nested arrays, key-value lists and bytes", () => {
    const value = { kvlistValue: { values: [kv("list", { arrayValue: { values: [{ intValue: 1 }, { stringValue: "x" }, { boolValue: true }, { doubleValue: 1.5 }] } }), kv("raw", { bytesValue: "AAEC" })] } };
    const { items } = decodeSpans([span(0, { startTimeUnixNano: "1700000000123456789", attributes: [kv("obj", value)] })]);
    assert.deepEqual(items[0]!.attributes, { obj: { list: [1, "x", true, 1.5], raw: "AAEC" } });
    assert.ok(Math.abs(items[0]!.startMs - 1_700_000_000_123 - 0.456789) < 1e-3);
  });

  it("answers 400 for a truncated body and for bytes that are not protobuf", () => {
    const whole = toProtobuf("traces", traces([span(0), span(1)]));
    for (const body of [whole.subarray(0, whole.length - 7), Buffer.from("this is not a protobuf message\xff\xff\xff", "latin1")]) {
      assert.throws(
        () => decodeTracesProto(body),
        (err: unknown) => err instanceof OtlpBodyError && err.status === 400 && /not a protobuf ExportTraceServiceRequest/.test(err.message),
      );
    }
  });

  it(`refuses a span with more than ${MAX_ATTRIBUTES} attributes and keeps its neighbours`, () => {
    const many = Array.from({ length: 10_000 }, (_, i) => kv(`k${i}`, { intValue: i }));
    const { items, problems } = decodeSpans([span(0), span(1, { attributes: many }), span(2)]);
    assert.deepEqual(items.map((s) => s.name), ["span 0", "span 2"]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, "resourceSpans/0/scopeSpans/0/spans/1");
    assert.match(problems[0]!.message, /10000 attributes, more than the 1000 allowed/);
  });

  it(`keeps values nested ${MAX_VALUE_DEPTH} levels deep and refuses the span of one nested deeper`, () => {
    const { items, problems } = decodeSpans([span(0, { attributes: [kv("ok", nestedArrays(MAX_VALUE_DEPTH))] }), span(1, { attributes: [kv("deep", nestedArrays(MAX_VALUE_DEPTH + 1))] })]);
    assert.deepEqual(items.map((s) => s.name), ["span 0"]);
    assert.equal(problems[0]!.path, "resourceSpans/0/scopeSpans/0/spans/1");
    assert.match(problems[0]!.message, /"deep": the value nests arrays or key-value lists more than 8 levels deep/);
  });

  it("answers 400 for a value nested past the decoder's recursion limit rather than overflowing the stack", () => {
    // The encoder stops at the same depth as the decoder: lift its limit to make the bomb.
    const limit = protobuf.util.recursionLimit;
    protobuf.util.recursionLimit = 10_000;
    let body: Buffer;
    try {
      body = toProtobuf("traces", traces([span(0, { attributes: [kv("bomb", nestedArrays(300))] })]));
    } finally {
      protobuf.util.recursionLimit = limit;
    }
    assert.throws(() => decodeTracesProto(body), (err: unknown) => err instanceof OtlpBodyError && err.status === 400 && /max depth exceeded/.test(err.message));
  });

  it("refuses a span holding a string that is not valid UTF-8, and keeps a real U+FFFD", () => {
    const body = toProtobuf("traces", traces([span(0, { attributes: [kv("prompt", { stringValue: "PLACEHOLDER" })] }), span(1, { name: "keeps \uFFFD" })]));
    // "PLACE" + 0xC3 0x28 (a lead byte and a wrong continuation) + 0xFF + "DER": 11 bytes, like the placeholder.
    const bad = patch(body, "PLACEHOLDER", Buffer.concat([Buffer.from("PLACE"), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from("DER")]));
    const { items, problems } = decodeTracesProto(bad);
    assert.deepEqual(items.map((s) => s.name), ["keeps \uFFFD"]);
    assert.equal(problems[0]!.path, "resourceSpans/0/scopeSpans/0/spans/0");
    assert.match(problems[0]!.message, /"prompt": the value is not valid UTF-8/);
  });

  it("refuses a span whose name or attribute key is not valid UTF-8", () => {
    const body = toProtobuf("traces", traces([span(0, { name: "NAMEX" }), span(1, { attributes: [kv("KEYX", { intValue: 1 })] }), span(2)]));
    const bad = patch(patch(body, "NAMEX", Buffer.from([0x4e, 0x41, 0x4d, 0x45, 0x80])), "KEYX", Buffer.from([0x4b, 0x45, 0x59, 0xfe]));
    const { items, problems } = decodeTracesProto(bad);
    assert.deepEqual(items.map((s) => s.name), ["span 2"]);
    assert.deepEqual(problems.map((p) => p.message.replace(/".*"/, "…")), ["the span name is not valid UTF-8", "attributes: the key … is not valid UTF-8"]);
  });

  it(`refuses a span with an attribute key longer than ${MAX_KEY_LENGTH} characters`, () => {
    const { items, problems } = decodeSpans([span(0, { attributes: [kv("k".repeat(MAX_KEY_LENGTH), { intValue: 1 })] }), span(1, { attributes: [kv("k".repeat(MAX_KEY_LENGTH + 1), { intValue: 1 })] })]);
    assert.deepEqual(items.map((s) => s.name), ["span 0"]);
    assert.match(problems[0]!.message, /257 characters long, more than the 256 allowed/);
  });

  it("refuses spans with a trace id that is not 16 bytes, a zero span id or a short parent id, and reads an empty parent as a root", () => {
    const { items, problems } = decodeSpans([
      span(0, { traceId: "5b8efff798038103d269b633813fc6" }),
      span(1, { spanId: "0000000000000000" }),
      span(2, { parentSpanId: "0102" }),
      span(3, { parentSpanId: "" }),
      span(4, { traceId: "00000000000000000000000000000000" }),
    ]);
    assert.deepEqual(items.map((s) => [s.name, s.parentSpanId]), [["span 3", null]]);
    assert.deepEqual(
      problems.map((p) => [p.path.split("/").pop(), p.message]),
      [
        ["0", "the trace id must be 16 bytes (32 hex digits), not 15"],
        ["1", "the span id is all zeros"],
        ["2", "the parent span id must be 8 bytes (16 hex digits), not 2"],
        ["4", "the trace id is all zeros"],
      ],
    );
  });

  it("refuses every span of a resource whose attributes break a limit, counting them", () => {
    const { items, problems } = decodeSpans([span(0), span(1), span(2)], [kv("x".repeat(300), { stringValue: "v" })]);
    assert.deepEqual(items, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, "resourceSpans/0/resource");
    assert.equal(problems[0]!.rejected, 3);
  });

  it("refuses a span whose event breaks a limit", () => {
    const events = [{ name: "gen_ai.content.prompt", timeUnixNano: "1700000000100000000", attributes: [kv("d", nestedArrays(9))] }];
    const { items, problems } = decodeSpans([span(0, { events }), span(1, { events: [{ name: "ok", timeUnixNano: "1700000000100000000" }] })]);
    assert.deepEqual(items.map((s) => s.events), [[{ name: "ok", timeMs: 1_700_000_000_100, attributes: {} }]]);
    assert.match(problems[0]!.message, /^event 0 attributes: "d"/);
  });
});

describe("decodeMetricsProto", () => {
  const metric = (m: Record<string, Json>): Json => ({ resourceMetrics: [{ resource: { attributes: [kv("service.name", { stringValue: "svc" })] }, scopeMetrics: [{ scope: { name: "m" }, metrics: [m] }] }] });

  it("reads gauges, sums and histograms with their temporality, and refuses only the bad data point", () => {
    const point = (v: Json, extra: Record<string, Json> = {}) => ({ timeUnixNano: "1700000060000000000", startTimeUnixNano: "1700000000000000000", ...extra, ...(v as object) });
    const sum = metric({
      name: "gen_ai.client.token.usage.sum",
      unit: "{token}",
      sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [point({ asInt: "12" }), point({ asDouble: 0 }), point({}), point({ asInt: 3 }, { attributes: [kv("k".repeat(300), { intValue: 1 })] })] },
    });
    const d = decodeMetricsProto(toProtobuf("metrics", sum));
    const m = d.items[0]!;
    assert.equal(m.type, "sum");
    assert.ok(m.type === "sum" && m.temporality === "delta" && m.monotonic);
    assert.deepEqual(m.points.map((p) => p.value), [12, 0]);
    assert.deepEqual(d.problems.map((p) => p.path), ["resourceMetrics/0/scopeMetrics/0/metrics/0/sum/dataPoints/2", "resourceMetrics/0/scopeMetrics/0/metrics/0/sum/dataPoints/3"]);
    assert.equal(d.problems[0]!.message, "the data point has no value");

    const hist = metric({
      name: "gen_ai.client.operation.duration",
      unit: "s",
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          point({ count: "3", sum: 0.75, bucketCounts: ["1", "2", "0"], explicitBounds: [0.1, 1] }),
          point({ count: "1", bucketCounts: ["1", "0"], explicitBounds: [0.1, 1] }),
        ],
      },
    });
    const h = decodeMetricsProto(toProtobuf("metrics", hist));
    assert.deepEqual(h.items[0], {
      name: "gen_ai.client.operation.duration",
      description: "",
      unit: "s",
      resource: { "service.name": "svc" },
      scope: { name: "m", version: "" },
      type: "histogram",
      temporality: "cumulative",
      points: [{ attributes: {}, startMs: 1_700_000_000_000, timeMs: 1_700_000_060_000, count: 3, sum: 0.75, min: null, max: null, bucketCounts: [1, 2, 0], explicitBounds: [0.1, 1] }],
    });
    assert.match(h.problems[0]!.message, /2 bucket counts for 2 bounds/);
  });

  it("names exponential histograms and summaries as unsupported rather than reading them", () => {
    const d = decodeMetricsProto(toProtobuf("metrics", metric({ name: "latency", exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ count: "1" }] } })));
    assert.deepEqual(d.items.map((m) => [m.type, m.type === "unsupported" ? m.kind : ""]), [["unsupported", "exponential_histogram"]]);
  });
});

describe("decodeLogsProto", () => {
  it("reads a log record with its event name, body, optional ids and severity, keeping a false body", () => {
    const record: Record<string, Json> = { timeUnixNano: "1700000000000000000", observedTimeUnixNano: "1700000000500000000", severityNumber: 9, severityText: "INFO", eventName: "gen_ai.evaluation.result", body: { boolValue: false }, spanId: "0000000000000001", traceId: "5b8efff798038103d269b633813fc60c" };
    const req: Json = { resourceLogs: [{ resource: {}, scopeLogs: [{ scope: { name: "l" }, logRecords: [record, { ...record, spanId: "01", body: { stringValue: "x" } }, { body: { intValue: 7 } }] }] }] };
    const { items, problems } = decodeLogsProto(toProtobuf("logs", req));
    assert.deepEqual(items[0], {
      timeMs: 1_700_000_000_000,
      observedTimeMs: 1_700_000_000_500,
      severityNumber: 9,
      severityText: "INFO",
      body: false,
      attributes: {},
      eventName: "gen_ai.evaluation.result",
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "0000000000000001",
      resource: {},
      scope: { name: "l", version: "" },
    });
    assert.deepEqual([items[1]!.body, items[1]!.traceId, items[1]!.spanId], [7, null, null]);
    assert.deepEqual(problems, [{ path: "resourceLogs/0/scopeLogs/0/logRecords/1", message: "the span id must be 8 bytes (16 hex digits), not 1" }]);
  });
});
