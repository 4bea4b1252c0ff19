/**
 * OpenTelemetry data as Vigil reads it (docs/otlp.md): what an OTLP/HTTP export request holds,
 * once decoded from protobuf or JSON (otlp/) into one shape, before it is mapped onto Vigil's
 * events and spans (core/otlp/map-*.ts). Times are epoch milliseconds (fractional: nanosecond
 * timestamps keep their sub-millisecond part); trace and span ids are lowercase hex.
 */

/**
 * An attribute value: OTLP's AnyValue. Integers are numbers while they are safe (|n| ≤ 2^53 − 1)
 * and decimal strings past that; bytes are base64 strings; `null` is an empty AnyValue.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/** Attributes by key (a key given twice keeps its last value). */
export type Attributes = Record<string, AttrValue>;

/** The instrumentation scope that made a span, metric or log record. */
export interface OtlpScope {
  name: string;
  version: string;
}

/** A span event (an exception, a first token, a GenAI evaluation result...). */
export interface OtlpSpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

/** OTLP's span kinds (SpanKind enum values). */
export const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
/** A span kind. */
export type SpanKindName = (typeof SPAN_KINDS)[number];

/** One span. */
export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Null for a root span. */
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: OtlpSpanEvent[];
  /** `unset`, `ok` or `error`, with the description an error carries. */
  status: { code: "unset" | "ok" | "error"; message: string };
  /** The resource's attributes (shared by every span of the resource). */
  resource: Attributes;
  scope: OtlpScope;
}

/** How a sum or histogram's points accumulate. */
export type Temporality = "unspecified" | "delta" | "cumulative";

/** One point of a gauge or sum. */
export interface NumberPoint {
  attributes: Attributes;
  startMs: number;
  timeMs: number;
  value: number;
}

/** One point of an explicit-bucket histogram. */
export interface HistogramPoint {
  attributes: Attributes;
  startMs: number;
  timeMs: number;
  count: number;
  /** Absent when the sender did not record one (e.g. negative measurements). */
  sum: number | null;
  min: number | null;
  max: number | null;
  /** Counts per bucket: bucket i is (bounds[i−1], bounds[i]]; the last is above the last bound. */
  bucketCounts: number[];
  explicitBounds: number[];
}

/** One metric stream of a resource and scope. */
export type OtlpMetric = { name: string; description: string; unit: string; resource: Attributes; scope: OtlpScope } & (
  | { type: "gauge"; points: NumberPoint[] }
  | { type: "sum"; temporality: Temporality; monotonic: boolean; points: NumberPoint[] }
  | { type: "histogram"; temporality: Temporality; points: HistogramPoint[] }
  /** Exponential histograms and summaries are counted and left out (docs/otlp.md). */
  | { type: "unsupported"; kind: "exponential_histogram" | "summary" | "empty"; points: [] }
);

/** One log record. */
export interface OtlpLogRecord {
  timeMs: number;
  observedTimeMs: number;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Attributes;
  /** The OTLP 1.5+ `event_name` (e.g. `gen_ai.evaluation.result`), else "". */
  eventName: string;
  traceId: string | null;
  spanId: string | null;
  resource: Attributes;
  scope: OtlpScope;
}

/** An item of an export that could not be read, and why (answered in the partial success). */
export interface OtlpProblem {
  /** Where it is: `resourceSpans/0/scopeSpans/1/spans/7`. */
  path: string;
  message: string;
  /**
   * How many items it refused when not one: a whole resource or scope refused counts all its
   * items, a data-point count for a metric, 0 for a note about an item that was kept.
   */
  rejected?: number;
}

/** A decoded export request: the items read and those refused. */
export interface Decoded<T> {
  items: T[];
  problems: OtlpProblem[];
}

/** A span as Vigil stores it (`GET /api/v1/traces/:trace_id`): its place in the trace, timings, and what it became. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  startMs: number;
  endMs: number;
  status: "unset" | "ok" | "error";
  statusMessage: string;
  /** The Vigil event the span became (`llm_call`, `run`, `tool_call`, `retrieval`), or null for any other span. */
  eventType: "run" | "llm_call" | "tool_call" | "retrieval" | null;
  /** That event's id (`otel-<trace id>-<span id>`), or null. */
  eventId: string | null;
  /** The resource's `service.name`, or null. */
  service: string | null;
  /** `gen_ai.conversation.id` or `session.id`, or null. */
  sessionId: string | null;
  /** The cost in USD of the event the span became, as the ingest priced it; null with no event or no price. */
  cost: number | null;
  /** The span's attributes and events as received (bounded by the decoder's limits). */
  attributes: Attributes;
  events: OtlpSpanEvent[];
}
