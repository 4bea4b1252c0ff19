/**
 * OTLP/HTTP JSON export requests (`application/json`, the OTLP spec's JSON protobuf encoding)
 * decoded into the same shape as protobuf ones: keys in lowerCamelCase (the proto's snake_case
 * names are accepted too), trace and span ids as hex, enums as integers (or their names),
 * 64-bit integers as decimal strings or numbers, other bytes as base64; unknown keys are ignored.
 */
import { isUtf8 } from "node:buffer";
import protobuf from "protobufjs";
import type { Decoded, OtlpLogRecord, OtlpMetric, OtlpSpan } from "../core/otlp/model.js";
import { OtlpBodyError } from "./errors.js";
import { otlpTypes } from "./proto.js";
import { readLogs, readMetrics, readTraces } from "./read-request.js";
import type { WLogsRequest, WMetricsRequest, WTraceRequest } from "./wire.js";

/** Deepest message nesting read, as protobufjs's decoder allows for protobuf bodies. */
const MAX_MESSAGE_DEPTH = 100;
/** Bytes fields the OTLP JSON encoding sends as hex rather than base64. */
const HEX_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
const INT = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);

/** A value of the wrong JSON type: where (keys from the top) and what was expected. */
class ShapeError extends Error {
  readonly path: (string | number)[] = [];
}

const fieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** A message type's fields by their lowerCamelCase and snake_case names. */
function fieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
  let map = fieldMaps.get(type);
  if (!map) {
    map = new Map();
    for (const f of type.fieldsArray) {
      map.set(f.name, f);
      map.set(f.name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()), f);
    }
    fieldMaps.set(type, map);
  }
  return map;
}

function message(type: protobuf.Type, json: unknown, depth: number): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ShapeError(`expected an object (${type.name})`);
  if (depth > MAX_MESSAGE_DEPTH) throw new ShapeError(`nested more than ${MAX_MESSAGE_DEPTH} messages deep`);
  const fields = fieldsOf(type);
  const obj = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // A parsed JSON object has only own, enumerable, plain keys.
  for (const key in obj) {
    const f = fields.get(key);
    const v = obj[key];
    if (!f || v === null) continue;
    let i = -1;
    try {
      if (f.repeated) {
        if (!Array.isArray(v)) throw new ShapeError("expected an array");
        const list: unknown[] = new Array(v.length);
        for (i = 0; i < v.length; i++) list[i] = single(f, v[i], depth);
        out[f.name] = list;
      } else {
        out[f.name] = single(f, v, depth);
        if (f.partOf) out[f.partOf.name] = f.name; // which member of the oneof is set, as protobuf decoding says it
      }
    } catch (err) {
      if (err instanceof ShapeError) err.path.unshift(...(i >= 0 ? [key, i] : [key]));
      throw err;
    }
  }
  return out;
}

function single(f: protobuf.Field, v: unknown, depth: number): unknown {
  const t = f.resolvedType;
  if (t instanceof protobuf.Type) return message(t, v, depth + 1);
  if (t instanceof protobuf.Enum) {
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && Object.hasOwn(t.values, v)) return t.values[v];
    throw new ShapeError(`expected an integer or a name of ${t.name}`);
  }
  if (f.type === "string") {
    if (typeof v !== "string") throw new ShapeError("expected a string");
    return v;
  }
  if (f.type === "bool") {
    if (typeof v !== "boolean") throw new ShapeError("expected true or false");
    return v;
  }
  if (f.type === "double" || f.type === "float") {
    if (typeof v === "number") return v;
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    throw new ShapeError("expected a number");
  }
  if (INT64.has(f.type)) {
    if ((typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && INT.test(v))) return v;
    throw new ShapeError("expected an integer (a number or a decimal string)");
  }
  if (INT32.has(f.type)) {
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && INT.test(v)) return Number(v);
    throw new ShapeError("expected an integer");
  }
  if (f.type === "bytes") {
    if (typeof v !== "string") throw new ShapeError(HEX_FIELDS.has(f.name) ? "expected a hex string" : "expected a base64 string");
    if (HEX_FIELDS.has(f.name)) return v; // checked with the item, which a bad id refuses
    if (!BASE64.test(v)) throw new ShapeError("expected a base64 string");
    return Buffer.from(v, "base64");
  }
  throw new ShapeError(`unsupported field type ${f.type}`);
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => i + j < b.length && b[i + j]! >= lo && b[i + j]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The body as text where each byte that is not valid UTF-8 becomes the JSON escape of a lone
 * surrogate: inside a string it survives parsing and refuses the item holding it (values.ts),
 * where Buffer decoding would have replaced it silently; outside a string the JSON is invalid.
 */
function textMarkingInvalidUtf8(body: Buffer): string {
  if (isUtf8(body)) return body.toString("utf8");
  const parts: Buffer[] = [];
  const mark = Buffer.from("\\udc80");
  let start = 0;
  for (let i = 0; i < body.length; ) {
    const n = sequenceLength(body, i);
    if (n > 0) {
      i += n;
      continue;
    }
    let slashes = 0;
    while (i - slashes - 1 >= 0 && body[i - slashes - 1] === 0x5c) slashes++;
    if (slashes % 2 === 1) throw new OtlpBodyError("INVALID_JSON", `the body is not valid JSON: a backslash escapes the byte 0x${body[i]!.toString(16)} at ${i}`);
    parts.push(body.subarray(start, i), mark);
    start = ++i;
  }
  parts.push(body.subarray(start));
  return Buffer.concat(parts).toString("utf8");
}

/** Parses and shapes the body as the request type, or throws a 400 naming what is wrong. */
function decode(type: protobuf.Type, body: Uint8Array): unknown {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let json: unknown;
  try {
    json = JSON.parse(textMarkingInvalidUtf8(buf));
  } catch (err) {
    if (err instanceof OtlpBodyError) throw err;
    throw new OtlpBodyError("INVALID_JSON", `the body is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  try {
    return message(type, json, 0);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    const at = err.path.length ? ` at ${err.path.join("/")}` : "";
    throw new OtlpBodyError("VALIDATION_FAILED", `the body is not an OTLP ${type.name}${at}: ${err.message}`);
  }
}

/** Decodes a JSON ExportTraceServiceRequest: its spans, and the ones refused with why. */
export function decodeTracesJson(body: Uint8Array): Decoded<OtlpSpan> {
  return readTraces(decode(otlpTypes().traceRequest, body) as WTraceRequest);
}

/** Decodes a JSON ExportMetricsServiceRequest: its metrics, and the data points refused with why. */
export function decodeMetricsJson(body: Uint8Array): Decoded<OtlpMetric> {
  return readMetrics(decode(otlpTypes().metricsRequest, body) as WMetricsRequest);
}

/** Decodes a JSON ExportLogsServiceRequest: its log records, and the ones refused with why. */
export function decodeLogsJson(body: Uint8Array): Decoded<OtlpLogRecord> {
  return readLogs(decode(otlpTypes().logsRequest, body) as WLogsRequest);
}
