/** How both dialects keep a span: one row of scalar columns, attributes and events as JSON text. */
import type { Attributes, OtlpSpanEvent, SpanRecord } from "../core/otlp/model.js";

/** The columns of the `spans` table, in the order `spanRow` gives their values. */
export const SPAN_COLUMNS = "trace_id, span_id, parent_span_id, name, kind, start_ms, end_ms, status, status_message, event_type, event_id, service, session_id, attributes, events";

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
}

/** A span's column values, in `SPAN_COLUMNS` order. */
export type SpanValues = [string, string, string | null, string, string, number, number, string, string, string | null, string | null, string | null, string | null, string, string];

/** The values a span is stored with. */
export function spanRow(r: SpanRecord): SpanValues {
  return [r.traceId, r.spanId, r.parentSpanId, r.name, r.kind, r.startMs, r.endMs, r.status, r.statusMessage, r.eventType, r.eventId, r.service, r.sessionId, JSON.stringify(r.attributes), JSON.stringify(r.events)];
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
  };
}

/** Reads `limit + 1` rows' worth of spans into a page of at most `limit`, saying whether more were there. */
export function spanPage(rows: readonly SpanRow[], limit: number): { spans: SpanRecord[]; truncated: boolean } {
  return { spans: rows.slice(0, limit).map(spanOf), truncated: rows.length > limit };
}
