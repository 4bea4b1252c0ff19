/**
 * An OTLP export request as both decoders hand it over before it becomes Vigil's shape
 * (core/otlp/model.ts): protobufjs's decoded messages, or the JSON body with its keys made
 * lowerCamelCase, enums made numbers and bytes made Buffers (decode-json.ts). Any field may be
 * absent: a protobuf message reads its defaults from its prototype, a JSON object has no key.
 * Which member of a oneof is set is named by the oneof's own property (AnyValue's `value`,
 * Metric's `data`, a number point's `value`), set by both decoders (proto.ts `plainOneofs`);
 * proto3 `optional` fields (a histogram's sum, min, max) are present as own properties.
 */

/** A 64-bit integer: protobufjs's Long, or a number or a decimal string from JSON. */
export type Int64 = number | string | { high: number; low: number; unsigned: boolean; toNumber(): number; toString(): string };

/** Bytes: a Buffer, or for trace and span ids in JSON the hex string as sent. */
export type Bytes = Uint8Array | string;

/** OTLP's AnyValue: at most one member set, named by `value`. */
export interface WAnyValue {
  value?: "stringValue" | "boolValue" | "intValue" | "doubleValue" | "arrayValue" | "kvlistValue" | "bytesValue";
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: WAnyValue[] } | null;
  kvlistValue?: { values?: WKeyValue[] } | null;
  bytesValue?: Uint8Array;
}

/** One attribute. */
export interface WKeyValue {
  key?: string;
  value?: WAnyValue | null;
}

/** A resource. */
export interface WResource {
  attributes?: WKeyValue[];
}

/** An instrumentation scope. */
export interface WScope {
  name?: string;
  version?: string;
}

/** A span event. */
export interface WEvent {
  timeUnixNano?: Int64;
  name?: string;
  attributes?: WKeyValue[];
}

/** A span. */
export interface WSpan {
  traceId?: Bytes;
  spanId?: Bytes;
  parentSpanId?: Bytes;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: WKeyValue[];
  events?: WEvent[];
  status?: { code?: number; message?: string } | null;
}

/** ExportTraceServiceRequest. */
export interface WTraceRequest {
  resourceSpans?: { resource?: WResource | null; scopeSpans?: { scope?: WScope | null; spans?: WSpan[] }[] }[];
}

/** A gauge or sum point. */
export interface WNumberPoint {
  value?: "asDouble" | "asInt";
  attributes?: WKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  flags?: number;
}

/** An explicit-bucket histogram point. */
export interface WHistogramPoint {
  attributes?: WKeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  flags?: number;
}

/** A metric: one of its data members set, named by `data`. */
export interface WMetric {
  data?: "gauge" | "sum" | "histogram" | "exponentialHistogram" | "summary";
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: WNumberPoint[] } | null;
  sum?: { dataPoints?: WNumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean } | null;
  histogram?: { dataPoints?: WHistogramPoint[]; aggregationTemporality?: number } | null;
  exponentialHistogram?: { dataPoints?: unknown[] } | null;
  summary?: { dataPoints?: unknown[] } | null;
}

/** ExportMetricsServiceRequest. */
export interface WMetricsRequest {
  resourceMetrics?: { resource?: WResource | null; scopeMetrics?: { scope?: WScope | null; metrics?: WMetric[] }[] }[];
}

/** A log record. */
export interface WLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: WAnyValue | null;
  attributes?: WKeyValue[];
  traceId?: Bytes;
  spanId?: Bytes;
  eventName?: string;
}

/** ExportLogsServiceRequest. */
export interface WLogsRequest {
  resourceLogs?: { resource?: WResource | null; scopeLogs?: { scope?: WScope | null; logRecords?: WLogRecord[] }[] }[];
}
