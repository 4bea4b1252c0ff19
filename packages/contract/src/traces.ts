/**
 * Shapes of a trace (docs/api.md "Traces"; `GET /api/v1/traces/:trace_id`): the spans an
 * OpenTelemetry trace is made of, as a tree with their timings, and a summary of the trace. Shared
 * by the server, which builds it from stored spans, and the dashboard, which draws its waterfall.
 * Times are ISO-8601 strings; offsets and durations are milliseconds (to the microsecond).
 */

/** An attribute value as the span carried it (OTLP's AnyValue: integers past 2^53 are decimal strings, bytes base64). */
export type TraceAttributeValue = string | number | boolean | null | TraceAttributeValue[] | { [key: string]: TraceAttributeValue };

/** The Vigil event a span became (docs/otlp.md), or null for any other span. */
export type TraceEventType = "run" | "llm_call" | "tool_call" | "retrieval";

/**
 * Tokens of a model call as its span reported them. Cache reads and cache writes are parts of
 * `input`, reasoning a part of `output`: never added on top.
 */
export interface TraceTokens {
  input: number;
  output: number;
  cache_read_input: number;
  cache_creation_input: number;
  reasoning_output: number;
}

/** An event of a span (an exception, a first chunk, an evaluation...). */
export interface TraceSpanEvent {
  name: string;
  at: string;
  /** From the start of the trace. */
  offset_ms: number;
  attributes: Record<string, TraceAttributeValue>;
}

/** One span, at its place in the tree. */
export interface TraceSpan {
  span_id: string;
  /** As the span named it, even when that span is not in the trace (see `orphan`). */
  parent_span_id: string | null;
  name: string;
  kind: "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";
  /** The resource's `service.name`. */
  service: string | null;
  /** 0 for a root, 1 for its children... */
  depth: number;
  /** A root whose parent is not in the trace (not sent, not kept, or past the span limit). */
  orphan: boolean;
  /** How many spans have this one as parent in the answer. */
  children: number;
  start: string;
  end: string;
  /** From the start of the trace (its earliest span) to this span's start. */
  offset_ms: number;
  duration_ms: number;
  status: "unset" | "ok" | "error";
  status_message: string;
  /** The Vigil event the span became, and its id (`otel-<trace id>-<span id>`). */
  event_type: TraceEventType | null;
  event_id: string | null;
  /** `gen_ai.conversation.id` or `session.id`. */
  session_id: string | null;
  /** For a span that became an `llm_call`: its tokens; null for any other span. */
  tokens: TraceTokens | null;
  /** USD of the event the span became, as Vigil priced it when it arrived; null with no event or no price for its model. */
  cost: number | null;
  attributes: Record<string, TraceAttributeValue>;
  events: TraceSpanEvent[];
}

/** The trace as a whole. */
export interface TraceSummary {
  /** The earliest start and the latest end of its spans. */
  start: string;
  end: string;
  duration_ms: number;
  span_count: number;
  /** Spans whose status is `error`. */
  error_count: number;
  /** The services its spans came from, sorted. */
  services: string[];
  /** How many spans became each kind of Vigil event. */
  events: Record<TraceEventType, number>;
  /** The tokens of its `llm_call` spans, summed. */
  tokens: TraceTokens;
  /** The costs of its `llm_call` spans that have one, summed (as for `tokens`); null when none has. */
  cost: number | null;
}

/** Answer of `GET /api/v1/traces/:trace_id`. */
export interface TraceView {
  trace_id: string;
  summary: TraceSummary;
  /**
   * Every span, depth first: each root (earliest first) followed by its subtree, children by start
   * time. A span's parent is the nearest span before it with a smaller `depth`.
   */
  spans: TraceSpan[];
  /** True when the trace has more spans than `span_limit`: only its earliest-starting ones are here. */
  truncated: boolean;
  span_limit: number;
}

/** A run or call of a session (`GET /api/v1/sessions/:session_id`): a stored span that became a Vigil event. */
export interface SessionItem {
  event_type: TraceEventType;
  /** The event's id (`otel-<trace id>-<span id>`). */
  event_id: string;
  /** The trace it belongs to (`GET /api/v1/traces/:trace_id`) and its span there. */
  trace_id: string;
  span_id: string;
  name: string;
  service: string | null;
  start: string;
  /** The span's duration: an LLM call's latency, a run's or tool call's duration. */
  duration_ms: number;
  status: "unset" | "ok" | "error";
  status_message: string;
  /** For an `llm_call`: its tokens, as in the trace view; null for the others. */
  tokens: TraceTokens | null;
  /** USD, as Vigil priced the event when it arrived; null without a price. */
  cost: number | null;
}

/** A session's figures, over the items of the answer. */
export interface SessionSummary {
  /** The earliest start and the latest end of the items. */
  start: string;
  end: string;
  item_count: number;
  /** How many items of each kind. */
  events: Record<TraceEventType, number>;
  /** Items whose status is `error`. */
  error_count: number;
  /** How many traces the items come from. */
  trace_count: number;
  /** The `llm_call` items' tokens, summed (an agent span's own usage would count them twice). */
  tokens: TraceTokens;
  /** The `llm_call` items' costs that are known, summed; null when none is. */
  cost: number | null;
  /** The `llm_call` items' latencies: nearest-rank p50 and p95 (an observed latency each); null without a call. */
  llm_latency_ms: { p50: number; p95: number } | null;
}

/** Answer of `GET /api/v1/sessions/:session_id`. */
export interface SessionView {
  session_id: string;
  /** The runs and calls, newest start first. */
  items: SessionItem[];
  summary: SessionSummary;
  /** True when the session has more spans than `limit`: only its latest are read, and the summary is theirs. */
  truncated: boolean;
  limit: number;
}
