/**
 * Following the shared event log of the PostgreSQL store. Positions are transaction ids: a page
 * holds whole transactions older than every transaction still running, so no event is skipped
 * when concurrent transactions commit out of order. The transactions this instance appended are
 * kept in memory until the follower reaches them, and then not read back from the database at
 * all: only the other instances' rows are fetched and parsed.
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
/** Transactions kept in memory at most; past that the oldest is read back from the database. */
const OWN_MAX = 2000;

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

/** The log follower's reads, with this instance's own transactions served from memory. */
export class PgLog {
  /** Events this instance stored, by transaction, recorded once committed. */
  private readonly own = new Map<number, StoredEvent[]>();

  constructor(private readonly q: Query) {}

  /** Records the events a committed transaction of this instance stored. */
  remember(tx: number, stored: StoredEvent[]): void {
    if (this.own.size >= OWN_MAX) this.own.delete(this.own.keys().next().value!);
    this.own.set(tx, stored);
  }

  /** The position below which every transaction has finished. */
  async position(): Promise<number> {
    return (await this.q<{ x: number }>(XMIN)).rows[0]!.x - 1;
  }

  /** Committed events after `position`, whole transactions in transaction order, about `limit` of them. */
  async readAfter(position: number, limit: number): Promise<LogPage> {
    const xmin = (await this.q<{ x: number }>(XMIN)).rows[0]!.x;
    // Below xmin every transaction has finished, so one of ours recorded there is committed: its
    // events come from memory and only the others' rows are fetched.
    const mine = [...this.own].filter(([tx]) => tx > position && tx < xmin).sort((a, b) => a[0] - b[0]);
    const others = `SELECT ${EVENT_COLUMNS} FROM events WHERE tx > $1 AND tx < $2 AND tx <> ALL($4::int8[]) ORDER BY tx, seq LIMIT $3`;
    let rows = (await this.q<EventRow>(others, [position, xmin, limit + 1, mine.map(([tx]) => tx)])).rows;
    // Transactions at or before `upto` are complete in `rows`: one row past the limit tells
    // whether the rows end on a transaction boundary.
    let upto = xmin - 1;
    if (rows.length > limit) {
      const lastTx = rows[rows.length - 1]!.tx;
      if (rows[0]!.tx === lastTx) {
        // One transaction larger than the page: take it whole, positions never split one.
        rows = (await this.q<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE tx = $1 ORDER BY seq`, [lastTx])).rows;
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
      const ours = m < mine.length && mine[m]![0] <= upto ? mine[m]![0] : Infinity;
      if (theirs === Infinity && ours === Infinity) {
        at = Math.max(position, upto);
        break;
      }
      if (events.length >= limit) break;
      if (ours < theirs) {
        for (const ev of mine[m]![1]) events.push(ev);
        at = ours;
        m++;
      } else {
        for (; k < rows.length && rows[k]!.tx === theirs; k++) events.push(toEvent(rows[k]!));
        at = theirs;
      }
    }
    // Ours at or before the new position are read (or were fetched from the database when they
    // were recorded only after the page's rows were read).
    for (const tx of this.own.keys()) if (tx <= at) this.own.delete(tx);
    return { events, position: at };
  }
}
