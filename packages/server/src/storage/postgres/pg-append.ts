/**
 * The event append of the PostgreSQL store: one transaction per batch, sent as one query. It
 * takes the transaction id, claims the batch's ids in `event_ids` with one COPY, appends the
 * per-day counts, streams the events into `events` with a second COPY (tagged with the transaction
 * id; PostgreSQL routes each row to its day partition) and commits. A batch holding an id that is
 * already stored fails its claim (a unique violation; nothing of it is kept): its ids are then
 * claimed again with ON CONFLICT DO NOTHING, which tells which are new, and only the events
 * carrying those are copied. Either all of it is stored or nothing: any failure rolls the
 * transaction back.
 */
import type pg from "pg";
import { TYPE_CODES, type StoredEvent } from "../../core/stored-event.js";
import { DAY, type DayPartitions } from "./day-partitions.js";
import { copyQuery } from "./pg-copy-query.js";
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

const TX = "SELECT pg_current_xact_id()::text::int8 AS tx";
const CLAIM_ALL = "COPY event_ids (id, day) FROM STDIN";
const COPY_EVENTS = "COPY events (tx, id, type, ts, received_at, run_id, task_id, body) FROM STDIN";
const COUNTS = "INSERT INTO event_counts (day, type, n) VALUES";
const UNIQUE_VIOLATION = "23505";
/** Claims the ids not stored yet (by anyone, or by a transaction that committed meanwhile). */
const CLAIM_NEW = "INSERT INTO event_ids (id, day) SELECT * FROM unnest($1::text[], $2::int4[]) ON CONFLICT DO NOTHING RETURNING id";

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** An id as PostgreSQL stores it: a lone surrogate has no UTF-8 form and arrives as U+FFFD. */
function storedId(id: string): string {
  return SURROGATE.test(id) ? id.replace(LONE_SURROGATE, "\ufffd") : id;
}

/** `(day, type, n)` rows of the per-day counts of these events. */
function countRows(evs: readonly StoredEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of evs) {
    const key = `${Math.floor(e.ts / DAY)}, ${TYPE_CODES[e.type]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, k]) => `(${key}, ${k})`).join(", ");
}

/** Appends batches through COPY on the pool's connections. */
export class PgAppender {
  /** COPY data is built here, one part at a time (synchronously), then copied out. */
  private readonly writer = new CopyWriter();

  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: DayPartitions,
  ) {}

  /**
   * Stores the events whose id is new, all in one transaction. `writing` learns the transaction
   * id and the events it stores once they are being written, before the commit.
   */
  async append(evs: readonly StoredEvent[], writing: (tx: number, stored: readonly StoredEvent[]) => void = () => undefined): Promise<Appended> {
    const n = evs.length;
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
    try {
      let stored = [...at.values()].map((i) => evs[i]!);
      let tx: number;
      try {
        const claims = () => this.writer.messages((w) => ids.forEach((id) => w.text(copyField(id)).text(`\t${receiveDay(id)}`).endRow()));
        const rows = await copyQuery(c, `BEGIN; ${TX}; ${CLAIM_ALL}; ${COUNTS} ${countRows(stored)}; ${COPY_EVENTS}; COMMIT`, [claims, (r) => this.rows(Number(r[0]![0]), stored, writing)]);
        tx = Number(rows[0]![0]);
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        // Some id is stored already (or by a transaction that committed meanwhile).
        await c.query("ROLLBACK");
        tx = ((await c.query(`BEGIN; ${TX}`)) as unknown as pg.QueryResult<{ tx: number }>[])[1]!.rows[0]!.tx;
        const claimed = new Set((await c.query<{ id: string }>(CLAIM_NEW, [ids, ids.map(receiveDay)])).rows.map((r) => at.get(r.id)!));
        stored = [...at.values()].filter((i) => claimed.has(i)).map((i) => evs[i]!);
        if (stored.length === 0) await c.query("COMMIT");
        else await copyQuery(c, `${COUNTS} ${countRows(stored)}; ${COPY_EVENTS}; COMMIT`, [() => this.rows(tx, stored, writing)]);
      }
      const fresh = new Array<boolean>(n).fill(false);
      for (const e of stored) fresh[at.get(storedId(e.id))!] = true;
      return { fresh, stored, tx: stored.length === 0 ? null : tx };
    } catch (err) {
      // A connection that cannot even roll back is not pooled again.
      await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
      throw err;
    } finally {
      c.release(broken);
    }
  }

  /** The events as COPY rows of `events`, tagged with the transaction id. */
  private rows(tx: number, evs: readonly StoredEvent[], writing: (tx: number, stored: readonly StoredEvent[]) => void): Buffer {
    writing(tx, evs);
    const prefix = `${tx}\t`;
    return this.writer.messages((w) => {
      for (const e of evs) {
        w.text(`${prefix}${copyField(e.id)}\t${TYPE_CODES[e.type]}\t${e.ts}\t${e.receivedAt}\t${e.runId === undefined ? "\\N" : copyField(e.runId)}\t${e.taskId === undefined ? "\\N" : copyField(e.taskId)}\t`);
        w.text(copyJson(JSON.stringify(e.body))).endRow();
      }
    });
  }
}
