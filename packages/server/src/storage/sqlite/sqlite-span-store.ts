/**
 * The span store of the embedded store. Reads use the serving thread's connection; appends go to
 * the writer thread as columns, committed together with the event appends of the
 * same turn (sqlite-span-writer.ts), and are answered once durable, like every other write.
 */
import type Database from "better-sqlite3";
import type { SpanStore } from "../../core/ports.js";
import { SPAN_COLUMNS, spanColumns, spanPage, type SpanColumns, type SpanRow } from "../span-rows.js";

/** Builds the span store on the reading connection `db`; `write.append` hands spans to the writer thread (answering how many were new), `write.deleteBefore` likewise. */
export function createSqliteSpanStore(db: Database.Database, write: { append: (spans: SpanColumns) => Promise<number>; deleteBefore: (before: number, limit: number) => Promise<number> }): SpanStore {
  const byTrace = db.prepare(`SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_ms, span_id LIMIT ?`);
  const bySession = db.prepare(`SELECT ${SPAN_COLUMNS} FROM spans WHERE session_id = ? ORDER BY start_ms DESC, trace_id, span_id LIMIT ?`);
  return {
    async append(records) {
      if (records.length === 0) return 0;
      return write.append(spanColumns(records));
    },
    async trace(traceId, limit) {
      return spanPage(byTrace.all(traceId, limit + 1) as SpanRow[], limit);
    },
    async session(sessionId, limit) {
      return spanPage(bySession.all(sessionId, limit + 1) as SpanRow[], limit);
    },
    deleteBefore(before, limit) {
      return write.deleteBefore(before, limit);
    },
  };
}
