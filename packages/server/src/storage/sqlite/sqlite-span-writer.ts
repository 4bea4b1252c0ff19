/**
 * The span store's writes on the embedded store, run on the writer thread: appends (idempotent on
 * trace and span id) and retention deletes.
 */
import type Database from "better-sqlite3";
import type { SpanColumns } from "../span-rows.js";

/** The span writes of one connection. */
export interface SpanWriter {
  /** Inserts the spans not stored yet (call inside a transaction); how many were new. */
  append(spans: SpanColumns): number;
  /** Deletes at most `limit` spans that started before `before`, oldest first; how many. */
  deleteBefore(before: number, limit: number): number;
}

/** Prepares the span write statements on `db`. */
export function createSpanWriter(db: Database.Database): SpanWriter {
  const insert = db.prepare(`INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ms, end_ms, status, status_message, event_type, event_id, service, session_id, attributes, events, cost)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(trace_id, span_id) DO NOTHING`);
  const del = db.prepare("DELETE FROM spans WHERE rowid IN (SELECT rowid FROM spans WHERE start_ms < ? ORDER BY start_ms LIMIT ?)");
  return {
    append({ text: [traceIds, spanIds, parents, names, kinds], starts, ends, more: [statuses, messages, eventTypes, eventIds, services, sessions, attributes, events, costs] }) {
      let fresh = 0;
      for (let i = 0; i < traceIds.length; i++) {
        fresh += insert.run(traceIds[i], spanIds[i], parents[i], names[i], kinds[i], starts[i], ends[i], statuses[i], messages[i], eventTypes[i], eventIds[i], services[i], sessions[i], attributes[i], events[i], costs[i]).changes;
      }
      return fresh;
    },
    deleteBefore: (before, limit) => del.run(before, limit).changes,
  };
}
