/** Hand-made OTLP export requests for the decoder tests: written in OTLP's JSON form, encoded to protobuf with the same message types. */
import type protobuf from "protobufjs";
import { otlpTypes } from "./proto.js";

/** A JSON value of an OTLP request. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The request type of each signal. */
function requestType(signal: "traces" | "metrics" | "logs"): protobuf.Type {
  const t = otlpTypes();
  return { traces: t.traceRequest, metrics: t.metricsRequest, logs: t.logsRequest }[signal];
}

/** The JSON form with its hex trace and span ids as bytes, as protobufjs's fromObject takes them. */
function idsToBytes(v: Json): unknown {
  if (Array.isArray(v)) return v.map(idsToBytes);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, (k === "traceId" || k === "spanId" || k === "parentSpanId") && typeof x === "string" ? Buffer.from(x, "hex") : idsToBytes(x)]),
  );
}

/** Encodes a request written in OTLP's JSON form as protobuf. */
export function toProtobuf(signal: "traces" | "metrics" | "logs", request: Json): Buffer {
  const type = requestType(signal);
  return Buffer.from(type.encode(type.fromObject(idsToBytes(request) as Record<string, unknown>)).finish());
}

/** Encodes a request written in OTLP's JSON form as JSON bytes. */
export function toJson(request: Json): Buffer {
  return Buffer.from(JSON.stringify(request));
}

/** An attribute: `{ key, value: AnyValue }`. */
export function kv(key: string, value: Json): Json {
  return { key, value };
}

/** A span with valid ids and times; `n` varies its span id. */
export function span(n: number, extra: Record<string, Json> = {}): Json {
  return {
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: (n + 1).toString(16).padStart(16, "0"),
    name: `span ${n}`,
    kind: 3,
    startTimeUnixNano: "1700000000000000000",
    endTimeUnixNano: "1700000000250000000",
    attributes: [kv("n", { intValue: String(n) })],
    ...extra,
  };
}

/** An ExportTraceServiceRequest of one resource (service `svc`) and one scope holding the spans. */
export function traces(spans: Json[], resourceAttributes: Json[] = [kv("service.name", { stringValue: "svc" })]): Json {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: "test-scope", version: "1.0.0" }, spans }] }] };
}

/** An AnyValue holding `inner` inside `levels` nested arrays. */
export function nestedArrays(levels: number, inner: Json = { stringValue: "deep" }): Json {
  let v = inner;
  for (let i = 0; i < levels; i++) v = { arrayValue: { values: [v] } };
  return v;
}
