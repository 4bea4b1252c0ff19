/** How both dialects keep a span: one row of scalar columns, attributes and events as JSON text. */
import type { Attributes, OtlpSpanEvent, SpanRecord } from "../core/otlp/model.js";

/** The columns of the `spans` table, in the order `SpanColumns` holds them. */
export const SPAN_COLUMNS = "trace_id, span_id, parent_span_id, name, kind, start_ms, end_ms, status, status_message, event_type, event_id, service, session_id, attributes, events, cost";

/** One stored span as read back. */
export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  start_ms: number;
  end_ms: number;
  status: string;
  status_message: string;
  event_type: string | null;
  event_id: string | null;
  service: string | null;
  session_id: string | null;
  attributes: string;
  events: string;
  /** Null in rows stored before costs were kept. */
  cost: number | null;
}

/**
 * Spans to store, as columns in `SPAN_COLUMNS` order: cheap to hand to the embedded store's writer
 * thread (a few arrays rather than an array per span; the times' buffers are transferred) and to
 * send to PostgreSQL as one array parameter per column.
 */
export interface SpanColumns {
  text: [traceIds: string[], spanIds: string[], parents: (string | null)[], names: string[], kinds: string[]];
  starts: Float64Array;
  ends: Float64Array;
  more: [statuses: string[], messages: string[], eventTypes: (string | null)[], eventIds: (string | null)[], services: (string | null)[], sessions: (string | null)[], attributes: string[], events: string[], costs: (number | null)[]];
}

/** The columns a batch of spans is stored with. */
export function spanColumns(records: readonly SpanRecord[]): SpanColumns {
  const n = records.length;
  const col = <T>() => new Array<T>(n);
  const c: SpanColumns = {
    text: [col(), col(), col(), col(), col()],
    starts: new Float64Array(n),
    ends: new Float64Array(n),
    more: [col(), col(), col(), col(), col(), col(), col(), col(), col()],
  };
  const [traceIds, spanIds, parents, names, kinds] = c.text;
  const [statuses, messages, eventTypes, eventIds, services, sessions, attributes, events, costs] = c.more;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    traceIds[i] = r.traceId;
    spanIds[i] = r.spanId;
    parents[i] = r.parentSpanId;
    names[i] = r.name;
    kinds[i] = r.kind;
    c.starts[i] = r.startMs;
    c.ends[i] = r.endMs;
    statuses[i] = r.status;
    messages[i] = r.statusMessage;
    eventTypes[i] = r.eventType;
    eventIds[i] = r.eventId;
    services[i] = r.service;
    sessions[i] = r.sessionId;
    attributes[i] = JSON.stringify(r.attributes);
    events[i] = r.events.length ? JSON.stringify(r.events) : "[]";
    costs[i] = r.cost;
  }
  return c;
}

/** The span a stored row holds. */
export function spanOf(r: SpanRow): SpanRecord {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    kind: r.kind as SpanRecord["kind"],
    startMs: r.start_ms,
    endMs: r.end_ms,
    status: r.status as SpanRecord["status"],
    statusMessage: r.status_message,
    eventType: r.event_type as SpanRecord["eventType"],
    eventId: r.event_id,
    service: r.service,
    sessionId: r.session_id,
    attributes: JSON.parse(r.attributes) as Attributes,
    events: JSON.parse(r.events) as OtlpSpanEvent[],
    cost: r.cost ?? null,
  };
}

/** Reads `limit + 1` rows' worth of spans into a page of at most `limit`, saying whether more were there. */
export function spanPage(rows: readonly SpanRow[], limit: number): { spans: SpanRecord[]; truncated: boolean } {
  return { spans: rows.slice(0, limit).map(spanOf), truncated: rows.length > limit };
}
