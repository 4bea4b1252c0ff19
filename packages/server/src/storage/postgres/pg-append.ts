/**
 * The event append of the PostgreSQL store: one transaction per batch. BEGIN answers the
 * transaction id; the batch's ids are claimed in `event_ids` with one COPY; then the events are
 * streamed into `events` with COPY (tagged with the transaction id; PostgreSQL routes each row to
 * its day partition), the per-day counts appended and the transaction committed in the same round
 * trip. A batch holding an id that is already stored fails its claim (a unique violation, nothing
 * of it kept); its ids are then claimed again with ON CONFLICT DO NOTHING, which tells which are
 * new, and only the events carrying those are copied. Either all of it is stored or nothing: any
 * failure rolls the transaction back.
 */
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { TYPE_CODES, type StoredEvent } from "../../core/stored-event.js";
import { DAY, type DayPartitions } from "./day-partitions.js";
import { copyField, copyJson, CopyWriter } from "./pg-copy-text.js";

/** What an append stored. */
export interface Appended {
  /** Per event of the batch: stored now (true) or a duplicate of an id already stored or earlier in the batch. */
  fresh: boolean[];
  /** The events stored, in batch order. */
  stored: StoredEvent[];
  /** Log position (transaction id) of the stored events; null when nothing was stored. */
  tx: number | null;
}

const BEGIN = "BEGIN; SELECT pg_current_xact_id()::text::int8 AS tx";
const CLAIM_ALL = "COPY event_ids (id, day) FROM STDIN";
const UNIQUE_VIOLATION = "23505";
/** Claims the ids not stored yet (by anyone, or by a transaction that committed meanwhile). */
const CLAIM_NEW = "INSERT INTO event_ids (id, day) SELECT * FROM unnest($1::text[], $2::int4[]) ON CONFLICT DO NOTHING RETURNING id";
const COPY_EVENTS = "COPY events (tx, id, type, ts, received_at, run_id, task_id, body) FROM STDIN";

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** An id as PostgreSQL stores it: a lone surrogate has no UTF-8 form and arrives as U+FFFD. */
function storedId(id: string): string {
  return SURROGATE.test(id) ? id.replace(LONE_SURROGATE, "\ufffd") : id;
}

async function begin(c: pg.PoolClient): Promise<number> {
  return ((await c.query(BEGIN)) as unknown as pg.QueryResult<{ tx: number }>[])[1]!.rows[0]!.tx;
}

/** Streams COPY-format `data` to `COPY ... FROM STDIN` (with any statements around it in `sql`). */
async function copyIn(c: pg.PoolClient, sql: string, data: Buffer): Promise<void> {
  const copy = c.query(copyFrom(sql));
  copy.end(data);
  await finished(copy);
}

/** Appends batches through COPY on the pool's connections. */
export class PgAppender {
  /** Rows are built here, one batch at a time (synchronously), then copied out. */
  private readonly rows = new CopyWriter();

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
    const receiveDay = (id: string) => Math.floor(evs[at.get(id)!]!.receivedAt / DAY);
    const days = new Set<number>();
    for (const i of at.values()) days.add(Math.floor(evs[i]!.ts / DAY));
    await this.partitions.ensure(days);
    const c = await this.pool.connect();
    let broken: Error | undefined;
    const stored: StoredEvent[] = [];
    let tx: number;
    try {
      tx = await begin(c);
      try {
        await copyIn(c, CLAIM_ALL, this.rows.bytes((w) => ids.forEach((id) => w.text(copyField(id)).text(`\t${receiveDay(id)}`).endRow())));
        for (const i of at.values()) fresh[i] = true;
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        await c.query("ROLLBACK");
        tx = await begin(c);
        const claimed = await c.query<{ id: string }>(CLAIM_NEW, [ids, ids.map(receiveDay)]);
        for (const r of claimed.rows) fresh[at.get(r.id)!] = true;
      }
      const counts = new Map<string, number>();
      const prefix = `${tx}\t`;
      const data = this.rows.bytes((w) => {
        for (let i = 0; i < n; i++) {
          if (!fresh[i]) continue;
          const e = evs[i]!;
          stored.push(e);
          const type = TYPE_CODES[e.type];
          const key = `${Math.floor(e.ts / DAY)}, ${type}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          w.text(`${prefix}${copyField(e.id)}\t${type}\t${e.ts}\t${e.receivedAt}\t${e.runId === undefined ? "\\N" : copyField(e.runId)}\t${e.taskId === undefined ? "\\N" : copyField(e.taskId)}\t`);
          w.text(copyJson(JSON.stringify(e.body))).endRow();
        }
      });
      if (stored.length === 0) {
        await c.query("COMMIT");
      } else {
        // The counts, the rows and the COMMIT in one round trip: PostgreSQL reads the COPY data
        // in the middle of the statements of one query.
        const values = [...counts].map(([key, k]) => `(${key}, ${k})`).join(", ");
        await copyIn(c, `INSERT INTO event_counts (day, type, n) VALUES ${values}; ${COPY_EVENTS}; COMMIT`, data);
      }
    } catch (err) {
      // A connection that cannot even roll back is not pooled again.
      await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
      throw err;
    } finally {
      c.release(broken);
    }
    return { fresh, stored, tx: stored.length === 0 ? null : tx };
  }
}
