/**
 * Following the shared event log of the PostgreSQL store. Positions are transaction ids: a page
 * holds whole transactions older than every transaction still running, so no event is skipped
 * when concurrent transactions commit out of order. The transactions this instance writes are
 * known from the moment they are written, with their events, and are not read back from the
 * database at all: only the other instances' rows are fetched and parsed.
 */
import type pg from "pg";
import { EVENT_TYPES, type EventType } from "@vigil/contract";
import type { LogPage } from "../../core/ports.js";
import type { StoredEvent } from "../../core/stored-event.js";

/** A row of `events`. */
export type EventRow = { seq: number; tx: number; id: string; type: number; ts: number; received_at: number; run_id: string | null; task_id: string | null; body: string };
/** The columns of an EventRow. */
export const EVENT_COLUMNS = "seq, tx, id, type, ts, received_at, run_id, task_id, body";

/** A row of `events` as the event it stores. */
export function toEvent(r: EventRow): StoredEvent {
  const ev: StoredEvent = { id: r.id, type: EVENT_TYPES[r.type] as EventType, ts: r.ts, receivedAt: r.received_at, body: JSON.parse(r.body) as Record<string, unknown> };
  if (r.run_id !== null) ev.runId = r.run_id;
  if (r.task_id !== null) ev.taskId = r.task_id;
  return ev;
}

const XMIN = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8 AS x";
/**
 * The snapshot's xmin and, in the same round trip, the rows below it of transactions other than
 * ours: everything below xmin has finished, so committed rows there are final and visible. Always
 * one row at least (without an event when there is none). A prepared statement: planning it
 * costs more than running it once there are a few day partitions (2 ms with 31, against 0.5).
 */
const PAGE = {
  name: "vigil-log-page",
  text: `SELECT x.xmin, ${EVENT_COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")} FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8 AS xmin) x
  LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events WHERE tx > $1 AND tx < x.xmin AND tx <> ALL($3::int8[]) ORDER BY tx, seq LIMIT $2) e ON true
  ORDER BY e.tx, e.seq`,
};
/** Transactions kept in memory at most; past that the oldest is read back from the database. */
const OWN_MAX = 2000;
/** How long a page waits for the outcome of one of ours that has finished in the database. */
const OUTCOME_WAIT_MS = 1000;

/** One of our transactions: its events, and whether this instance saw it commit. */
interface Own {
  events: readonly StoredEvent[];
  committed: boolean;
  /** Settles when the append learns the outcome. */
  outcome: Promise<void>;
  settle: () => void;
}

/** The outcome of a transaction being written, for the append to report. */
export interface Writing {
  committed(): void;
  failed(): void;
}

/** The log follower's reads, with this instance's own transactions served from memory. */
export class PgLog {
  private readonly own = new Map<number, Own>();

  constructor(private readonly pool: pg.Pool) {}

  /** Records a transaction of this instance being written (before its commit) with the events it stores. */
  writing(tx: number, events: readonly StoredEvent[]): Writing {
    if (this.own.size >= OWN_MAX) this.own.delete(this.own.keys().next().value!);
    let settle!: () => void;
    const entry: Own = { events, committed: false, outcome: new Promise<void>((r) => (settle = r)), settle };
    this.own.set(tx, entry);
    return {
      committed: () => {
        entry.committed = true;
        entry.settle();
      },
      // Committed or not, the database knows: a page reads it from there.
      failed: () => {
        if (this.own.get(tx) === entry) this.own.delete(tx);
        entry.settle();
      },
    };
  }

  /** The position below which every transaction has finished. */
  async position(): Promise<number> {
    return (await this.pool.query<{ x: number }>(XMIN)).rows[0]!.x - 1;
  }

  /** Committed events after `position`, whole transactions in transaction order, about `limit` of them. */
  async readAfter(position: number, limit: number): Promise<LogPage> {
    const ours = [...this.own].filter(([tx]) => tx > position).sort((a, b) => a[0] - b[0]);
    const answer = (await this.pool.query<{ xmin: number } & EventRow>({ ...PAGE, values: [position, limit + 1, ours.map(([tx]) => tx)] })).rows;
    const xmin = answer[0]!.xmin;
    // Ours below xmin have finished in the database; the append that wrote one may not have heard
    // yet whether it committed (its answer is on the way): wait for it, a moment at most.
    const mine = ours.filter(([tx]) => tx < xmin);
    const unsettled = mine.filter(([, o]) => !o.committed);
    if (unsettled.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(unsettled.map(([, o]) => o.outcome)), new Promise((r) => (timer = setTimeout(r, OUTCOME_WAIT_MS)))]);
      clearTimeout(timer);
      // One that failed, or whose outcome is still unknown, is read from the database instead.
      const unknown = unsettled.filter(([, o]) => !o.committed);
      if (unknown.length > 0) {
        for (const [tx, o] of unknown) if (this.own.get(tx) === o) this.own.delete(tx);
        return this.readAfter(position, limit);
      }
    }
    let rows: EventRow[] = answer[0]!.tx === null ? [] : answer;
    // Transactions at or before `upto` are complete in `rows`: one row past the limit tells
    // whether the rows end on a transaction boundary.
    let upto = xmin - 1;
    if (rows.length > limit) {
      const lastTx = rows[rows.length - 1]!.tx;
      if (rows[0]!.tx === lastTx) {
        // One transaction larger than the page: take it whole, positions never split one.
        rows = (await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE tx = $1 ORDER BY seq`, [lastTx])).rows;
        upto = lastTx;
      } else {
        rows = rows.filter((r) => r.tx !== lastTx);
        upto = lastTx - 1;
      }
    }
    // Both in transaction order, merged; the page ends after the transaction that reaches the limit.
    const events: StoredEvent[] = [];
    let k = 0;
    let m = 0;
    let at = position;
    for (;;) {
      const theirs = k < rows.length ? rows[k]!.tx : Infinity;
      const next = m < mine.length && mine[m]![0] <= upto ? mine[m]![0] : Infinity;
      if (theirs === Infinity && next === Infinity) {
        at = Math.max(position, upto);
        break;
      }
      if (events.length >= limit) break;
      if (next < theirs) {
        for (const ev of mine[m]![1].events) events.push(ev);
        at = next;
        m++;
      } else {
        for (; k < rows.length && rows[k]!.tx === theirs; k++) events.push(toEvent(rows[k]!));
        at = theirs;
      }
    }
    // Ours at or before the new position are read (or were fetched with the rows: written after
    // this page's query was sent, they were not left out of it).
    for (const tx of this.own.keys()) if (tx <= at) this.own.delete(tx);
    return { events, position: at };
  }
}
