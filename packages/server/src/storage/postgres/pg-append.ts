/**
 * The event append of the PostgreSQL store: one transaction per group of batches (batches that
 * arrive while transactions are in flight are written together, pg-group-commit.ts), sent as one
 * query. It takes the transaction id, claims the ids in `event_ids` with one COPY, appends the
 * per-day counts, streams the events into `events` with a second COPY (tagged with the
 * transaction id; PostgreSQL routes each row to its day partition) and commits. A transaction
 * holding an id that is already stored fails its claim (a unique violation; nothing of it is
 * kept): its ids are then claimed again with ON CONFLICT DO NOTHING, which tells which are new,
 * and only the events carrying those are copied. Either all of it is stored or nothing: any
 * failure rolls the transaction back.
 */
import type pg from "pg";
import { TYPE_CODES, type StoredEvent } from "../../core/stored-event.js";
import { DAY, type DayPartitions } from "./day-partitions.js";
import { copyQuery } from "./pg-copy-query.js";
import { copyField, copyJson, CopyWriter } from "./pg-copy-text.js";
import { GroupCommit, type GroupLimits } from "./pg-group-commit.js";
import type { PgLog, Writing } from "./pg-log.js";

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
  private readonly groups: GroupCommit;

  /** `log` learns each transaction being written, with its events, and its outcome. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: DayPartitions,
    private readonly log: Pick<PgLog, "writing">,
    limits: GroupLimits,
  ) {
    this.groups = new GroupCommit((evs) => this.transaction(evs), limits);
  }

  /** Stores the events whose id is new; resolves, per event, whether it was newly stored. */
  async append(evs: readonly StoredEvent[]): Promise<boolean[]> {
    await this.partitions.ensure(new Set(evs.map((e) => Math.floor(e.ts / DAY))));
    return this.groups.add(evs);
  }

  /** Stores the events whose id is new, all in one transaction. */
  private async transaction(evs: readonly StoredEvent[]): Promise<boolean[]> {
    // Repeated ids keep their first occurrence, as the embedded store does; ids are compared as
    // stored, so the claims the database answers with are found here.
    const at = new Map<string, number>();
    for (let i = 0; i < evs.length; i++) {
      const id = storedId(evs[i]!.id);
      if (!at.has(id)) at.set(id, i);
    }
    // Keys are claimed in one order by every transaction, so two transactions sharing ids wait
    // for each other instead of deadlocking.
    const keys = [...at].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const receiveDay = (i: number) => Math.floor(evs[i]!.receivedAt / DAY);
    let kept = [...at.values()];
    let written: Writing | undefined;
    // The log learns the transaction and its events as they are written, before the commit.
    const rows = (tx: number) => {
      const stored = kept.map((i) => evs[i]!);
      written = this.log.writing(tx, stored);
      return this.rows(tx, stored);
    };
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      try {
        const claims = () => this.writer.messages((w) => keys.forEach(([id, i]) => w.text(copyField(id)).text(`\t${receiveDay(i)}`).endRow()));
        await copyQuery(c, `BEGIN; ${TX}; ${CLAIM_ALL}; ${COUNTS} ${countRows(kept.map((i) => evs[i]!))}; ${COPY_EVENTS}; COMMIT`, [claims, (r) => rows(Number(r[0]![0]))]);
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        // Some id is stored already (or by a transaction that committed meanwhile).
        await c.query("ROLLBACK");
        const tx = ((await c.query(`BEGIN; ${TX}`)) as unknown as pg.QueryResult<{ tx: number }>[])[1]!.rows[0]!.tx;
        const claimed = await c.query<{ id: string }>(CLAIM_NEW, [keys.map(([id]) => id), keys.map(([, i]) => receiveDay(i))]);
        const isNew = new Set(claimed.rows.map((r) => at.get(r.id)!));
        kept = kept.filter((i) => isNew.has(i));
        if (kept.length === 0) await c.query("COMMIT");
        else await copyQuery(c, `${COUNTS} ${countRows(kept.map((i) => evs[i]!))}; ${COPY_EVENTS}; COMMIT`, [() => rows(tx)]);
      }
      written?.committed();
    } catch (err) {
      // Committed or not, the log reads it from the database.
      written?.failed();
      // A connection that cannot even roll back is not pooled again.
      await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
      throw err;
    } finally {
      c.release(broken);
    }
    const fresh = new Array<boolean>(evs.length).fill(false);
    for (const i of kept) fresh[i] = true;
    return fresh;
  }

  /** The events as COPY rows of `events`, tagged with the transaction id. */
  private rows(tx: number, evs: readonly StoredEvent[]): Buffer {
    const prefix = `${tx}\t`;
    return this.writer.messages((w) => {
      for (const e of evs) {
        w.text(`${prefix}${copyField(e.id)}\t${TYPE_CODES[e.type]}\t${e.ts}\t${e.receivedAt}\t${e.runId === undefined ? "\\N" : copyField(e.runId)}\t${e.taskId === undefined ? "\\N" : copyField(e.taskId)}\t`);
        // The client's own text when the server left the body unchanged (JSON whitespace may hold
        // tabs and newlines, so escaped as any field), else the body serialised.
        const text = e.bodyJson;
        w.text(text === undefined ? copyJson(JSON.stringify(e.body)) : copyField(text)).endRow();
        // Taken: not kept while the commit and the log follower wait.
        e.bodyJson = undefined;
      }
    });
  }
}
