/**
 * The span store's writes on the embedded store, run on the writer thread: appends (idempotent on
 * trace and span id) and retention deletes.
 */
import type Database from "better-sqlite3";
import type { SpanValues } from "../span-rows.js";

/** The span writes of one connection. */
export interface SpanWriter {
  /** Inserts the rows not stored yet (call inside a transaction); how many were new. */
  append(rows: readonly SpanValues[]): number;
  /** Deletes at most `limit` spans that started before `before`, oldest first; how many. */
  deleteBefore(before: number, limit: number): number;
}

/** Prepares the span write statements on `db`. */
export function createSpanWriter(db: Database.Database): SpanWriter {
  const insert = db.prepare(`INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ms, end_ms, status, status_message, event_type, event_id, service, session_id, attributes, events)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(trace_id, span_id) DO NOTHING`);
  const del = db.prepare("DELETE FROM spans WHERE rowid IN (SELECT rowid FROM spans WHERE start_ms < ? ORDER BY start_ms LIMIT ?)");
  return {
    append(rows) {
      let fresh = 0;
      for (const r of rows) fresh += insert.run(r).changes;
      return fresh;
    },
    deleteBefore: (before, limit) => del.run(before, limit).changes,
  };
}
