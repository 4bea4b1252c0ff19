/**
 * One GenAI span as a Vigil wire event (docs/otlp.md): which event a span becomes, and its body —
 * the fields its attributes give, the run it belongs to, its trace link and a bounded metadata.
 */
import type { Attributes, OtlpSpan } from "./model.js";
import {
  AGENT_NAME,
  DB_RETURNED_ROWS,
  ERROR_TYPE,
  EXECUTE_TOOL,
  FIRST_CHUNK_EVENTS,
  HTTP_STATUS,
  INVOKE_AGENT,
  LEGACY_OPERATION,
  MODEL,
  MODEL_CALL_OPERATIONS,
  OPERATION_NAME,
  PROVIDER,
  RETRIEVAL,
  RETRIEVAL_DOCUMENTS,
  RETRIEVAL_SOURCE,
  SERVICE_NAME,
  SESSION,
  TOOL_NAME,
  TTFT_MS,
  TTFT_SECONDS,
} from "./genai.js";
import { boundedMetadata, count, first, name, numeric, text } from "./attributes.js";
import { readUsage } from "./usage.js";
import { FREE_OF_FORBIDDEN_KEYS } from "../forbidden-keys.js";

/** A wire event made from a span (`{type, id, timestamp, body}`). */
export interface SpanEvent {
  id: string;
  type: "run" | "llm_call" | "tool_call" | "retrieval" | "feedback";
  timestamp: number;
  body: Record<string, unknown>;
}

/** The Vigil event a span becomes. */
export type EventKind = "run" | "llm_call" | "tool_call" | "retrieval";

/** The id of the event made from a span: the same span sent again is a duplicate, not a second event. */
export function spanEventId(traceId: string, spanId: string): string {
  return `otel-${traceId}-${spanId}`;
}

/** The GenAI operation of a span: `gen_ai.operation.name`, else what an older or other sender's attributes mean. */
export function operationOf(attrs: Attributes): string | undefined {
  const op = text(attrs[OPERATION_NAME]);
  if (op !== undefined) return op;
  for (const key in LEGACY_OPERATION) {
    const v = text(attrs[key]);
    const mapped = v === undefined ? undefined : LEGACY_OPERATION[key]![v];
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}

/** The Vigil event kind of an operation, or null when the span stays a span only. */
export function eventKindOf(op: string | undefined): EventKind | null {
  if (op === undefined) return null;
  if (MODEL_CALL_OPERATIONS.has(op)) return "llm_call";
  if (op === INVOKE_AGENT) return "run";
  if (op === EXECUTE_TOOL) return "tool_call";
  if (op === RETRIEVAL) return "retrieval";
  return null;
}

/** The agent name of an agent span: `gen_ai.agent.name`, else the span's name. */
export function agentNameOf(attrs: Attributes, spanName: string): string | undefined {
  return name(attrs[AGENT_NAME]) ?? name(spanName);
}

/** The run an agent span is: its run id (the span's event id) and agent name. */
export interface RunLink {
  runId: string;
  agentName?: string;
}

/** The session of a span (`gen_ai.conversation.id`, else `session.id`), if usable. */
export function sessionOf(span: OtlpSpan): string | undefined {
  const s = first(span.attributes, SESSION);
  return s ? name(s.value) : undefined;
}

/** Whether a span failed (error status or `error.type`), and its error class. */
function outcomeOf(span: OtlpSpan): { failed: boolean; errorType?: string } {
  const errorType = text(span.attributes[ERROR_TYPE]);
  const failed = span.status.code === "error" || (errorType !== undefined && errorType !== "");
  if (!failed) return { failed };
  // Without error.type, the exception event's type classifies the error (OpenTelemetry's recordException).
  const exception = span.events.find((e) => e.name === "exception");
  const cls = errorType || (exception ? text(exception.attributes["exception.type"]) : undefined);
  return cls ? { failed, errorType: cls.slice(0, 4096) } : { failed };
}

/** The event of a GenAI span, or the attribute it lacks. */
export function eventOf(span: OtlpSpan, kind: EventKind, op: string, run: RunLink | null): SpanEvent | { missing: string } {
  const a = span.attributes;
  const duration = Math.max(0, span.endMs - span.startMs);
  const { failed, errorType } = outcomeOf(span);
  const body: Record<string, unknown> = {};
  const notes: Record<string, string | number | boolean> = {};
  if (kind === "llm_call") {
    const model = first(a, MODEL);
    const modelName = model ? name(model.value) : undefined;
    if (modelName === undefined) return { missing: model ? `a usable model name (${model.key} is not 1–256 printable characters)` : "gen_ai.request.model or gen_ai.response.model" };
    body.model = modelName;
    body.latency_ms = duration;
    const provider = first(a, PROVIDER);
    const providerName = provider ? name(provider.value) : undefined;
    if (providerName !== undefined) body.provider = providerName;
    const { usage, notes: usageNotes } = readUsage(a);
    Object.assign(body, usage);
    Object.assign(notes, usageNotes);
    const ttft = ttftOf(span);
    if (ttft !== undefined) body.ttft_ms = ttft;
    body.status = failed ? "failure" : "success";
    const http = first(a, HTTP_STATUS);
    const status = http ? numeric(http.value) : undefined;
    if (status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599) body.http_status = status;
    notes["gen_ai.operation.name"] = op;
  } else if (kind === "run") {
    const agentName = agentNameOf(a, span.name);
    if (agentName === undefined) return { missing: "gen_ai.agent.name (and its span name is not a usable name)" };
    body.agent_name = agentName;
    body.status = failed ? "failure" : "success";
    body.duration_ms = duration;
    body.run_id = spanEventId(span.traceId, span.spanId);
    const model = first(a, MODEL);
    const modelName = model ? name(model.value) : undefined;
    if (modelName !== undefined) body.model = modelName;
    const { usage, notes: usageNotes } = readUsage(a);
    Object.assign(body, usage);
    Object.assign(notes, usageNotes);
  } else if (kind === "tool_call") {
    const tool = first(a, TOOL_NAME);
    const fromName = span.name.startsWith("execute_tool ") ? name(span.name.slice("execute_tool ".length)) : undefined;
    const toolName = (tool ? name(tool.value) : undefined) ?? fromName;
    if (toolName === undefined) return { missing: "gen_ai.tool.name" };
    body.tool = toolName;
    body.status = failed ? "failure" : "success";
    body.duration_ms = duration;
  } else {
    body.status = failed ? "failure" : "success";
    const source = first(a, RETRIEVAL_SOURCE);
    const sourceName = source ? name(source.value) : undefined;
    if (sourceName !== undefined) body.source = sourceName;
    body.duration_ms = duration;
    const documents = documentsOf(a);
    if (documents !== undefined) body.documents = documents;
  }
  if (errorType !== undefined) body.error_type = errorType;
  if (kind !== "run" && run) {
    body.run_id = run.runId;
    if (run.agentName !== undefined) body.agent_name = run.agentName;
  }
  const service = name(span.resource[SERVICE_NAME]);
  if (service !== undefined) body.service = service;
  const session = sessionOf(span);
  if (session !== undefined) body.session_id = session;
  // The decoders give lowercase hex; anything else is left out rather than failing the event's validation.
  if (/^[0-9a-f]{32}$/.test(span.traceId)) body.trace_id = span.traceId;
  if (/^[0-9a-f]{16}$/.test(span.spanId)) body.span_id = span.spanId;
  if (span.parentSpanId !== null) notes["otel.parent_span_id"] = span.parentSpanId;
  if (span.scope.name !== "") notes["otel.scope.name"] = span.scope.name;
  const metadata = boundedMetadata(a, notes);
  if (metadata !== undefined) body.metadata = metadata;
  const event: SpanEvent = { id: spanEventId(span.traceId, span.spanId), type: kind, timestamp: Math.floor(span.startMs), body };
  // Free of forbidden keys by construction, so ingest skips its walk for it: every key of the body
  // is named here, and metadata copies attribute keys but never `__proto__`, and holds only
  // scalars, lists of scalars and JSON text (so no `constructor` holding a `prototype`).
  (event as { [FREE_OF_FORBIDDEN_KEYS]?: boolean })[FREE_OF_FORBIDDEN_KEYS] = true;
  return event;
}

/** Time to first token in ms: the seconds or milliseconds attribute, else the first-chunk span event. */
function ttftOf(span: OtlpSpan): number | undefined {
  const seconds = first(span.attributes, TTFT_SECONDS);
  const s = seconds ? numeric(seconds.value) : undefined;
  // Rounded to the microsecond: 0.1 s is 100 ms, not 100.00000000000001.
  if (s !== undefined && s >= 0) return Math.round(s * 1e6) / 1e3;
  const millis = first(span.attributes, TTFT_MS);
  const ms = millis ? numeric(millis.value) : undefined;
  if (ms !== undefined && ms >= 0) return ms;
  const ev = span.events.find((e) => FIRST_CHUNK_EVENTS.has(e.name));
  return ev && ev.timeMs >= span.startMs ? ev.timeMs - span.startMs : undefined;
}

/** Documents a retrieval returned: the length of `gen_ai.retrieval.documents` (a list or its JSON text), else `db.response.returned_rows`. */
function documentsOf(a: Attributes): number | undefined {
  const docs = a[RETRIEVAL_DOCUMENTS];
  if (Array.isArray(docs)) return docs.length;
  if (typeof docs === "string") {
    try {
      const parsed: unknown = JSON.parse(docs);
      if (Array.isArray(parsed)) return parsed.length;
    } catch {
      /* not JSON: fall back to the row count */
    }
  }
  return count(a[DB_RETURNED_ROWS]);
}
