/**
 * The event append of the PostgreSQL store: one transaction per batch. The batch's new ids are
 * claimed in `event_ids` (one statement, returning the transaction id), then only the events
 * carrying them are streamed into `events` with `COPY ... FROM STDIN` (tagged with that
 * transaction id; PostgreSQL routes each row to its day partition), then the per-day counts are
 * appended and the transaction committed in one round trip. Either all of it is stored or
 * nothing: any failure rolls the transaction back.
 */
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { TYPE_CODES, type StoredEvent } from "../../core/stored-event.js";
import { DAY, type DayPartitions } from "./day-partitions.js";


/** What an append stored. */
export interface Appended {
  /** Per event of the batch: stored now (true) or a duplicate of an id already stored or earlier in the batch. */
  fresh: boolean[];
  /** The events stored, in batch order. */
  stored: StoredEvent[];
  /** Log position (transaction id) of the stored events; null when nothing was stored. */
  tx: number | null;
}

// The batch's new ids are claimed first (the others are duplicates, stored before or by a
// transaction that committed meanwhile); then only the events carrying them are copied. The
// answer is one row: the transaction id and, only when some ids were already stored, the ids
// claimed. The ids usually travel as one newline-joined literal in the same round trip as BEGIN;
// a batch with an id holding a newline or a NUL (the API refuses control characters, the store
// does not rely on it) sends them as an array parameter instead.
const claimSql = (ids: string, days: string, n: string) => `WITH claimed AS (
  INSERT INTO event_ids (id, day) SELECT * FROM unnest(${ids}, string_to_array(${days}, ',')::int4[]) ON CONFLICT DO NOTHING RETURNING id
)
SELECT pg_current_xact_id()::text::int8 AS tx, CASE WHEN count(*) < ${n} THEN COALESCE(array_agg(id), '{}') END AS ids FROM claimed`;
const CLAIM_ARRAY = claimSql("$1::text[]", "$2", "$3");
/** `v` as an SQL string literal, whatever standard_conforming_strings says. */
const literal = (v: string) => `E'${v.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;

// The counts, the rows and the COMMIT in one round trip: PostgreSQL reads the COPY data in the
// middle of the statements of one query.
const COPY_EVENTS = "COPY events (tx, id, type, ts, received_at, run_id, task_id, body) FROM STDIN";

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** An id as PostgreSQL stores it: a lone surrogate has no UTF-8 form and arrives as U+FFFD. */
function storedId(id: string): string {
  return SURROGATE.test(id) ? id.replace(LONE_SURROGATE, "\ufffd") : id;
}

/** A text value as a field of COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyField(v: string): string {
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === "\\" ? "\\\\" : ch === "\t" ? "\\t" : ch === "\n" ? "\\n" : "\\r")) : v;
}

/**
 * JSON text as a COPY field. JSON.stringify escapes every control character (a NUL in a string
 * becomes the six characters `\u0000`, which PostgreSQL text can hold), so only backslashes remain.
 */
function copyJson(json: string): string {
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}

/** Appends batches through COPY on the pool's connections. */
export class PgAppender {
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: DayPartitions,
  ) {}

  /** Stores the events whose id is new, all in one transaction. */
  async append(evs: readonly StoredEvent[]): Promise<Appended> {
    const n = evs.length;
    const fresh = new Array<boolean>(n).fill(false);
    // Repeated ids within the batch keep their first occurrence, as the embedded store does; ids
    // are compared as stored, so the claims the database answers with are found here.
    const at = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = storedId(evs[i]!.id);
      if (!at.has(id)) at.set(id, i);
    }
    // Keys are claimed in one order by every transaction, so two batches sharing ids wait for
    // each other instead of deadlocking.
    const ids = [...at.keys()].sort();
    const days = new Set<number>();
    for (const i of at.values()) days.add(Math.floor(evs[i]!.ts / DAY));
    await this.partitions.ensure(days);
    const c = await this.pool.connect();
    let broken: Error | undefined;
    const stored: StoredEvent[] = [];
    let tx: number | null = null;
    try {
      type Claim = { tx: number; ids: string[] | null };
      const receiveDays = ids.map((id) => Math.floor(evs[at.get(id)!]!.receivedAt / DAY)).join(",");
      let claim: Claim;
      if (ids.every((id) => id !== "" && !id.includes("\n") && !id.includes("\u0000"))) {
        const sql = `BEGIN; ${claimSql(`string_to_array(${literal(ids.join("\n"))}, E'\\n')`, `'${receiveDays}'`, String(ids.length))}`;
        claim = ((await c.query(sql)) as unknown as pg.QueryResult<Claim>[])[1]!.rows[0]!;
      } else {
        await c.query("BEGIN");
        claim = (await c.query<Claim>(CLAIM_ARRAY, [ids, receiveDays, ids.length])).rows[0]!;
      }
      if (claim.ids === null) for (const i of at.values()) fresh[i] = true;
      else for (const id of claim.ids) fresh[at.get(id)!] = true;
      if (claim.ids === null || claim.ids.length > 0) {
        tx = claim.tx;
        const counts = new Map<string, number>();
        let data = "";
        for (let i = 0; i < n; i++) {
          if (!fresh[i]) continue;
          const e = evs[i]!;
          stored.push(e);
          const key = `${Math.floor(e.ts / DAY)}, ${TYPE_CODES[e.type]}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          data += `${tx}\t${copyField(e.id)}\t${TYPE_CODES[e.type]}\t${e.ts}\t${e.receivedAt}\t${e.runId === undefined ? "\\N" : copyField(e.runId)}\t${e.taskId === undefined ? "\\N" : copyField(e.taskId)}\t${copyJson(JSON.stringify(e.body))}\n`;
        }
        const values = [...counts].map(([key, k]) => `(${key}, ${k})`).join(", ");
        const copy = c.query(copyFrom(`INSERT INTO event_counts (day, type, n) VALUES ${values}; ${COPY_EVENTS}; COMMIT`));
        copy.end(data);
        await finished(copy);
      } else {
        await c.query("COMMIT");
      }
    } catch (err) {
      // A connection that cannot even roll back is not pooled again.
      await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
      throw err;
    } finally {
      c.release(broken);
    }
    return { fresh, stored, tx };
  }
}
