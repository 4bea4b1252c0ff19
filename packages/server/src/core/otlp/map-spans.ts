/**
 * OpenTelemetry spans as Vigil events (docs/otlp.md): a GenAI model call becomes an `llm_call`, an
 * agent invocation a `run`, a tool execution a `tool_call`, a retrieval a `retrieval`, and an
 * evaluation result on a span a `feedback`. Every span is also kept as a `SpanRecord` for the trace
 * view. The events are wire events, as `POST /api/v1/ingest` takes them, so they go through the same
 * validation, durability and idempotency as any other.
 */
import type { OtlpProblem, OtlpSpan, SpanRecord } from "./model.js";
import { EVALUATION_EVENT, INVOKE_AGENT, SERVICE_NAME } from "./genai.js";
import { name } from "./attributes.js";
import { evaluationFeedback, type EvaluationTarget } from "./evaluation.js";
import { agentNameOf, eventKindOf, eventOf, operationOf, sessionOf, spanEventId, type EventKind, type RunLink, type SpanEvent } from "./span-event.js";

export { spanEventId, type SpanEvent } from "./span-event.js";

/** What a batch of spans became. */
export interface MappedSpans {
  events: SpanEvent[];
  records: SpanRecord[];
  /** Spans kept as records but not made into events (a chat span without a model...), by `spans/<index>`. */
  problems: OtlpProblem[];
}

/** Options of `mapSpans`. */
export interface MapSpansOptions {
  /**
   * A span stored from an earlier export, for joining a call to an agent span that is not in this
   * batch (an SDK exports spans as they end, so a parent often comes later or came earlier).
   */
  storedSpan?: (traceId: string, spanId: string) => SpanRecord | undefined;
}

/**
 * Whether mapping `span` looks for an agent span above it: a model call, tool call or retrieval,
 * or a span carrying an evaluation result. Other spans (HTTP, database, agent spans themselves)
 * make no event that a run is joined to.
 */
export function joinsRun(span: OtlpSpan): boolean {
  const kind = eventKindOf(operationOf(span.attributes));
  return (kind !== null && kind !== "run") || span.events.some((e) => e.name === EVALUATION_EVENT);
}

/** Most ancestors walked to find a call's agent span (guards against cycles and absurd depth). */
const MAX_ANCESTRY = 128;

/**
 * Maps a batch of spans. Every span becomes a record; GenAI spans become events too; a GenAI span
 * missing what its event needs (a chat span without a model) is kept as a record and named in
 * `problems`. A call, tool call, retrieval or evaluation under an agent span (any ancestor, in the
 * batch or found by `options.storedSpan`) is joined to that run.
 */
export function mapSpans(spans: readonly OtlpSpan[], options: MapSpansOptions = {}): MappedSpans {
  const byId = new Map<string, OtlpSpan>();
  for (const s of spans) byId.set(s.traceId + s.spanId, s);
  const runCache = new Map<string, RunLink | null>();

  /** The nearest agent span above `span`, or null when none is known. */
  const runAbove = (span: OtlpSpan): RunLink | null => {
    const seen: string[] = [];
    let parent = span.parentSpanId;
    let found: RunLink | null = null;
    for (let depth = 0; parent !== null && depth < MAX_ANCESTRY; depth++) {
      const key = span.traceId + parent;
      const cached = runCache.get(key);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      seen.push(key);
      const above = byId.get(key) ?? options.storedSpan?.(span.traceId, parent);
      if (above === undefined) break;
      if (operationOf(above.attributes) === INVOKE_AGENT) {
        const agentName = agentNameOf(above.attributes, above.name);
        found = { runId: spanEventId(span.traceId, parent), ...(agentName !== undefined ? { agentName } : {}) };
        break;
      }
      parent = above.parentSpanId;
    }
    for (const key of seen) runCache.set(key, found);
    return found;
  };

  const events: SpanEvent[] = [];
  const records: SpanRecord[] = [];
  const problems: OtlpProblem[] = [];
  spans.forEach((span, index) => {
    const op = operationOf(span.attributes);
    const kind = eventKindOf(op);
    const run = kind === "run" ? null : runAbove(span);
    let made: SpanEvent | null = null;
    if (kind !== null) {
      const r = eventOf(span, kind, op!, run);
      if ("missing" in r) problems.push({ path: `spans/${index}`, message: `span "${span.name}" (trace ${span.traceId}, span ${span.spanId}) is a ${op} span without ${r.missing}: kept as a span, no ${kind} event` });
      else made = r;
    }
    if (made) events.push(made);
    records.push(recordOf(span, made));
    span.events.forEach((ev, i) => {
      if (ev.name !== EVALUATION_EVENT) return;
      const id = `${spanEventId(span.traceId, span.spanId)}-eval-${i}`;
      const target: EvaluationTarget = {};
      if (kind === "run" && made) target.runId = made.id;
      else if (run) target.runId = run.runId;
      else target.taskId = spanEventId(span.traceId, span.spanId);
      const agent = made?.body.agent_name ?? run?.agentName;
      if (typeof agent === "string") target.agentName = agent;
      if (typeof made?.body.model === "string") target.model = made.body.model;
      const fb = evaluationFeedback(ev.attributes, id, Math.floor(ev.timeMs), target);
      if ("event" in fb) events.push(fb.event);
      else if ("problem" in fb) problems.push({ path: `spans/${index}/events/${i}`, message: `${EVALUATION_EVENT} event ${i} of span "${span.name}" (trace ${span.traceId}, span ${span.spanId}) ${fb.problem}: kept on the span, no feedback` });
    });
  });
  return { events, records, problems };
}

/** The stored record of a span and the event it became. */
function recordOf(span: OtlpSpan, made: SpanEvent | null): SpanRecord {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    startMs: span.startMs,
    endMs: span.endMs,
    status: span.status.code,
    statusMessage: span.status.message,
    eventType: made ? (made.type as EventKind) : null,
    eventId: made ? made.id : null,
    service: name(span.resource[SERVICE_NAME]) ?? null,
    sessionId: sessionOf(span) ?? null,
    cost: null,
    attributes: span.attributes,
    events: span.events,
  };
}
