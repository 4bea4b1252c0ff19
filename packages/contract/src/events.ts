/**
 * The event wire format (SPEC §2): five event types, each a JSON object in snake_case.
 * These schemas are plain JSON Schema (built with TypeBox) so that the server can compile them
 * once and the SDK can share the static types without any validation code.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

/** Largest serialised `metadata` object accepted on any event, in bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;
/** Most keys allowed in `tags` (runs) and `labels` (metrics). */
export const MAX_LABEL_KEYS = 8;
/** Longest string accepted in a name-like field (agent, model, route, tenant, ids). */
export const MAX_NAME_LENGTH = 256;
/** Longest free-text string (error types, corrections, units...). */
export const MAX_TEXT_LENGTH = 4096;
/** How far in the future an event timestamp may lie before it is rejected, in milliseconds. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** Most entries in a run's `warnings` list. */
export const MAX_WARNINGS = 16;
/** The event types, in a stable order (their index is the stored type code; new types are appended). */
export const EVENT_TYPES = ["run", "llm_call", "outcome", "feedback", "metric", "cache", "tool_call", "retrieval"] as const;
/** One of the event types. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Names are used as metric labels: no control characters (C0, DEL, C1), so they print and key safely. */
const NAME_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]+$";
const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: NAME_PATTERN, description });
const Text = (description: string) => Type.String({ maxLength: MAX_TEXT_LENGTH, description });
const NonNegative = (description: string) => Type.Number({ minimum: 0, description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
/** W3C trace context ids, as OTLP senders write them: lowercase hex. */
const TraceId = Type.String({ pattern: "^[0-9a-f]{32}$", description: "OpenTelemetry trace id (32 lowercase hex digits) of the trace the event belongs to" });
const SpanId = Type.String({ pattern: "^[0-9a-f]{16}$", description: "OpenTelemetry span id (16 lowercase hex digits) the event was made from" });
const SessionId = Name("conversation or session the work belonged to (kept with the event; not a dimension)");
const Unit = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const StringMap = (description: string) =>
  Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ maxLength: 1024 }), {
    maxProperties: MAX_LABEL_KEYS,
    description,
  });
/** Free-form object; its serialised size is checked separately against MAX_METADATA_BYTES. */
const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: "free-form, at most 16 KiB serialised" });
/** Any JSON value (outcomes compare arbitrary values). */
const AnyJson = Type.Unknown({ description: "any JSON value" });

/** Status of an agent run. */
export const RunStatus = Type.Union([Type.Literal("success"), Type.Literal("failure"), Type.Literal("partial"), Type.Literal("timeout")]);
/** Run status values. */
export type RunStatus = Static<typeof RunStatus>;

/** Body of a `run` event: one execution of a task by an agent. */
export const RunBody = Type.Object(
  {
    agent_name: Name("the agent that ran"),
    status: RunStatus,
    duration_ms: NonNegative("wall time of the run in milliseconds"),
    agent_type: Type.Optional(Name("kind of agent, e.g. react")),
    run_id: Type.Optional(Name("caller's id of the run, used to join outcomes and feedback")),
    task_id: Type.Optional(Name("caller's id of the task, used to join outcomes and feedback")),
    model: Type.Optional(Name("model that served the run")),
    route: Type.Optional(Name("named task the run served")),
    tenant_id: Type.Optional(Name("tenant")),
    user_id: Type.Optional(Name("end user")),
    mode: Type.Optional(Name("workflow mode")),
    query_class: Type.Optional(Name("class of the query served, e.g. simple, moderate, complex")),
    component: Type.Optional(Name("component of the system that did the work, e.g. cognitive_core")),
    service: Type.Optional(Name("service that did the work")),
    endpoint: Type.Optional(Name("endpoint served, e.g. POST /v1/answer")),
    tags: Type.Optional(StringMap("string to string, at most 8 keys")),
    input_tokens: Type.Optional(Count("prompt tokens")),
    output_tokens: Type.Optional(Count("completion tokens")),
    cached_input_tokens: Type.Optional(Count("of input_tokens, those served from the provider's prompt cache (a subset, not added)")),
    cache_creation_input_tokens: Type.Optional(Count("of input_tokens, those written to the provider's prompt cache (a subset, not added)")),
    reasoning_tokens: Type.Optional(Count("of output_tokens, those spent on reasoning (a subset, not added)")),
    tokens_used: Type.Optional(Count("total tokens; default input_tokens + output_tokens")),
    cost: Type.Optional(NonNegative("USD; computed from the price table when absent")),
    cache_hit: Type.Optional(Type.Boolean({ description: "the answer came from a cache" })),
    memory_mb: Type.Optional(NonNegative("peak memory in MB")),
    cpu_ms: Type.Optional(NonNegative("CPU time in milliseconds")),
    quality_score: Type.Optional(Unit("0..1")),
    confidence: Type.Optional(Unit("0..1")),
    error_type: Type.Optional(Text("error classification")),
    retries: Type.Optional(Count("retries made")),
    degraded: Type.Optional(Type.Boolean({ description: "the answer was a degraded one (a fallback, a partial context, a cheaper path)" })),
    degradation_reason: Type.Optional(Name("why the answer was degraded, e.g. rag_timeout")),
    warnings: Type.Optional(Type.Array(Name("warning type"), { maxItems: MAX_WARNINGS, description: `warning types raised during the run, at most ${MAX_WARNINGS}` })),
    session_id: Type.Optional(SessionId),
    trace_id: Type.Optional(TraceId),
    span_id: Type.Optional(SpanId),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** A run body as sent on the wire. */
export type RunBody = Static<typeof RunBody>;

/** Body of an `llm_call` event: one request to a model provider. */
export const LlmCallBody = Type.Object(
  {
    model: Name("model id, e.g. gpt-4o"),
    latency_ms: NonNegative("request latency in milliseconds"),
    provider: Type.Optional(Name("provider, e.g. openai")),
    run_id: Type.Optional(Name("run this call belongs to")),
    agent_name: Type.Optional(Name("agent that made the call")),
    route: Type.Optional(Name("route the call served")),
    tenant_id: Type.Optional(Name("tenant")),
    mode: Type.Optional(Name("workflow mode")),
    query_class: Type.Optional(Name("class of the query served, e.g. simple, moderate, complex")),
    component: Type.Optional(Name("component of the system that did the work, e.g. cognitive_core")),
    service: Type.Optional(Name("service that did the work")),
    endpoint: Type.Optional(Name("endpoint served, e.g. POST /v1/answer")),
    input_tokens: Type.Optional(Count("prompt tokens")),
    output_tokens: Type.Optional(Count("completion tokens")),
    cached_input_tokens: Type.Optional(Count("of input_tokens, those served from the provider's prompt cache (a subset, not added)")),
    cache_creation_input_tokens: Type.Optional(Count("of input_tokens, those written to the provider's prompt cache (a subset, not added)")),
    reasoning_tokens: Type.Optional(Count("of output_tokens, those spent on reasoning (a subset, not added)")),
    cached: Type.Optional(Type.Boolean({ description: "the whole answer came from a cache" })),
    ttft_ms: Type.Optional(NonNegative("time to first token in milliseconds")),
    status: Type.Optional(Type.Union([Type.Literal("success"), Type.Literal("failure")])),
    error_type: Type.Optional(Text("error classification")),
    http_status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    cost: Type.Optional(NonNegative("USD; computed from the price table when absent")),
    session_id: Type.Optional(SessionId),
    trace_id: Type.Optional(TraceId),
    span_id: Type.Optional(SpanId),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** An llm_call body as sent on the wire. */
export type LlmCallBody = Static<typeof LlmCallBody>;

const FeedbackSource = Type.Union([Type.Literal("user"), Type.Literal("automated"), Type.Literal("system")]);

/** Body of an `outcome` event: the real-world result of a run's prediction. */
export const OutcomeBody = Type.Object(
  {
    task_id: Type.Optional(Name("task the outcome belongs to")),
    run_id: Type.Optional(Name("run the outcome belongs to")),
    actual_outcome: AnyJson,
    predicted_outcome: Type.Optional(AnyJson),
    agent_name: Type.Optional(Name("agent; taken from the run when absent")),
    model: Type.Optional(Name("model; taken from the run when absent")),
    route: Type.Optional(Name("route; taken from the run when absent")),
    feedback_source: Type.Optional(FeedbackSource),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** An outcome body as sent on the wire. */
export type OutcomeBody = Static<typeof OutcomeBody>;

/** Body of a `feedback` event: a user's rating of a response. */
export const FeedbackBody = Type.Object(
  {
    run_id: Type.Optional(Name("run rated")),
    task_id: Type.Optional(Name("task rated")),
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    thumbs: Type.Optional(Type.Union([Type.Literal("up"), Type.Literal("down")])),
    agent_name: Type.Optional(Name("agent; taken from the run when absent")),
    model: Type.Optional(Name("model; taken from the run when absent")),
    route: Type.Optional(Name("route; taken from the run when absent")),
    correction: Type.Optional(Text("the answer the user expected")),
    source: Type.Optional(Name("where the feedback came from")),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** A feedback body as sent on the wire. */
export type FeedbackBody = Static<typeof FeedbackBody>;

/** Body of a `metric` event: any other named measurement. */
export const MetricBody = Type.Object(
  {
    name: Name("metric name"),
    value: Type.Number({ description: "the measurement" }),
    unit: Type.Optional(Name("unit, e.g. ms")),
    category: Type.Optional(Name("category, e.g. cache")),
    component: Type.Optional(Name("component measured")),
    labels: Type.Optional(StringMap("string to string, at most 8 keys")),
  },
  { additionalProperties: false },
);
/** A metric body as sent on the wire. */
export type MetricBody = Static<typeof MetricBody>;

/** What happened to a cache: a lookup that hit or missed, a write, an eviction, an invalidation. */
export const CacheOperation = Type.Union([Type.Literal("hit"), Type.Literal("miss"), Type.Literal("write"), Type.Literal("evict"), Type.Literal("invalidate")]);
/** Cache operation values. */
export type CacheOperation = Static<typeof CacheOperation>;

/** Body of a `cache` event: one cache operation (or `count` of them), with the cache's state after it. */
export const CacheBody = Type.Object(
  {
    operation: CacheOperation,
    cache: Type.Optional(Name("which cache; default \"default\"")),
    count: Type.Optional(Type.Integer({ minimum: 1, description: "operations of this kind reported at once (e.g. keys invalidated); default 1" })),
    entry_age_ms: Type.Optional(NonNegative("age of the entry hit, evicted or invalidated, in milliseconds")),
    reason: Type.Optional(Name("why an entry was evicted or invalidated, e.g. capacity, ttl, deploy")),
    entries: Type.Optional(Count("entries the cache holds after the operation")),
    capacity: Type.Optional(Count("most entries the cache can hold")),
    memory_bytes: Type.Optional(Count("memory the cache uses after the operation, in bytes")),
    agent_name: Type.Optional(Name("agent that used the cache")),
    model: Type.Optional(Name("model whose answers are cached")),
    route: Type.Optional(Name("route served")),
    tenant_id: Type.Optional(Name("tenant")),
    mode: Type.Optional(Name("workflow mode")),
    query_class: Type.Optional(Name("class of the query served, e.g. simple, moderate, complex")),
    component: Type.Optional(Name("component of the system that did the work, e.g. cognitive_core")),
    service: Type.Optional(Name("service that did the work")),
    endpoint: Type.Optional(Name("endpoint served, e.g. POST /v1/answer")),
    run_id: Type.Optional(Name("run this operation belongs to")),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** A cache body as sent on the wire. */
export type CacheBody = Static<typeof CacheBody>;

const CallStatus = Type.Union([Type.Literal("success"), Type.Literal("failure")]);

/** Body of a `tool_call` event: one execution of a tool by an agent. */
export const ToolCallBody = Type.Object(
  {
    tool: Name("tool name, e.g. web_search"),
    status: CallStatus,
    duration_ms: Type.Optional(NonNegative("wall time of the tool call in milliseconds")),
    cost: Type.Optional(NonNegative("USD charged for the call")),
    error_type: Type.Optional(Text("error classification")),
    agent_name: Type.Optional(Name("agent that called the tool")),
    model: Type.Optional(Name("model that chose the tool")),
    route: Type.Optional(Name("route served")),
    tenant_id: Type.Optional(Name("tenant")),
    mode: Type.Optional(Name("workflow mode")),
    query_class: Type.Optional(Name("class of the query served, e.g. simple, moderate, complex")),
    component: Type.Optional(Name("component of the system that did the work, e.g. cognitive_core")),
    service: Type.Optional(Name("service that did the work")),
    endpoint: Type.Optional(Name("endpoint served, e.g. POST /v1/answer")),
    run_id: Type.Optional(Name("run this call belongs to")),
    session_id: Type.Optional(SessionId),
    trace_id: Type.Optional(TraceId),
    span_id: Type.Optional(SpanId),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** A tool_call body as sent on the wire. */
export type ToolCallBody = Static<typeof ToolCallBody>;

/** Body of a `retrieval` event: one RAG retrieval (vector search, document fetch). */
export const RetrievalBody = Type.Object(
  {
    status: CallStatus,
    source: Type.Optional(Name("where documents came from, e.g. pinecone")),
    duration_ms: Type.Optional(NonNegative("wall time of the retrieval in milliseconds")),
    documents: Type.Optional(Count("documents returned")),
    cost: Type.Optional(NonNegative("USD charged for the retrieval (embedding, search)")),
    error_type: Type.Optional(Text("error classification")),
    agent_name: Type.Optional(Name("agent that retrieved")),
    model: Type.Optional(Name("model the context was for")),
    route: Type.Optional(Name("route served")),
    tenant_id: Type.Optional(Name("tenant")),
    mode: Type.Optional(Name("workflow mode")),
    query_class: Type.Optional(Name("class of the query served, e.g. simple, moderate, complex")),
    component: Type.Optional(Name("component of the system that did the work, e.g. cognitive_core")),
    service: Type.Optional(Name("service that did the work")),
    endpoint: Type.Optional(Name("endpoint served, e.g. POST /v1/answer")),
    run_id: Type.Optional(Name("run this retrieval belongs to")),
    session_id: Type.Optional(SessionId),
    trace_id: Type.Optional(TraceId),
    span_id: Type.Optional(SpanId),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
/** A retrieval body as sent on the wire. */
export type RetrievalBody = Static<typeof RetrievalBody>;

/** Body schema for each event type. */
export const BODY_SCHEMAS: Record<EventType, TSchema> = {
  run: RunBody,
  llm_call: LlmCallBody,
  outcome: OutcomeBody,
  feedback: FeedbackBody,
  metric: MetricBody,
  cache: CacheBody,
  tool_call: ToolCallBody,
  retrieval: RetrievalBody,
};

/** Body type for each event type. */
export interface EventBodies {
  run: RunBody;
  llm_call: LlmCallBody;
  outcome: OutcomeBody;
  feedback: FeedbackBody;
  metric: MetricBody;
  cache: CacheBody;
  tool_call: ToolCallBody;
  retrieval: RetrievalBody;
}

/** The envelope of one event; `body` is checked against the schema of `type`. */
export const EventEnvelope = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: NAME_PATTERN, description: "idempotency key (no control characters)" })),
    type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
    timestamp: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number({ minimum: 0 })], {
        description: "ISO-8601 or epoch milliseconds; default: receive time",
      }),
    ),
    body: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/** One event as sent on the wire. */
export type WireEvent = {
  [K in EventType]: { id?: string; type: K; timestamp?: string | number; body: EventBodies[K] };
}[EventType];

/** A batch as sent to `POST /api/v1/ingest`. */
export interface IngestBatch {
  events: WireEvent[];
}
