/**
 * The span store of the PostgreSQL store, shared by every instance. An append is one statement per
 * slice of spans inside one transaction; the key (trace id, span id) turns a span sent again, by
 * this instance or another, into a row that is not inserted.
 */
import type pg from "pg";
import type { SpanStore } from "../../core/ports.js";
import { SPAN_COLUMNS, spanColumns, spanPage, type SpanRow } from "../span-rows.js";

/** Spans per INSERT statement. */
const SLICE = 1000;

// One array parameter per column; ORDINALITY keeps the order given, so of two copies of a span in one append the first is kept.
const INSERT = `INSERT INTO spans (${SPAN_COLUMNS})
SELECT ${SPAN_COLUMNS} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::float8[])
  WITH ORDINALITY AS x(${SPAN_COLUMNS}, i) ORDER BY i
ON CONFLICT (trace_id, span_id) DO NOTHING`;

/** Builds the span store on `pool` (the storage wraps it in its guard, which classifies failures). */
export function createPostgresSpanStore(pool: pg.Pool): SpanStore {
  const rows = async (text: string, values: unknown[]) => (await pool.query<SpanRow>(text, values)).rows;
  return {
    async append(records) {
      if (records.length === 0) return 0;
      const c = await pool.connect();
      // A connection whose rollback failed is broken: it is dropped rather than pooled again.
      let broken: Error | undefined;
      try {
        await c.query("BEGIN");
        let fresh = 0;
        for (let i = 0; i < records.length; i += SLICE) {
          const s = spanColumns(records.slice(i, i + SLICE));
          fresh += (await c.query(INSERT, [...s.text, Array.from(s.starts), Array.from(s.ends), ...s.more])).rowCount ?? 0;
        }
        await c.query("COMMIT");
        return fresh;
      } catch (err) {
        await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
        throw err;
      } finally {
        c.release(broken);
      }
    },
    async trace(traceId, limit) {
      return spanPage(await rows(`SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = $1 ORDER BY start_ms, span_id LIMIT $2`, [traceId, limit + 1]), limit);
    },
    async session(sessionId, limit) {
      return spanPage(await rows(`SELECT ${SPAN_COLUMNS} FROM spans WHERE session_id = $1 ORDER BY start_ms DESC, trace_id, span_id LIMIT $2`, [sessionId, limit + 1]), limit);
    },
    async deleteBefore(before, limit) {
      const r = await pool.query("DELETE FROM spans WHERE ctid = ANY (ARRAY(SELECT ctid FROM spans WHERE start_ms < $1 ORDER BY start_ms LIMIT $2))", [before, limit]);
      return r.rowCount ?? 0;
    },
  };
}
