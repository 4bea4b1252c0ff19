/**
 * Every write to the embedded store, on one connection: event appends (grouped into one
 * transaction per turn), rollup saves, retention deletes and price entries (the alert store's
 * writes, in sqlite-alert-writer.ts, share the connection). It runs inside the writer worker so
 * that inserts and fsyncs never block the event loop that serves requests.
 */
import { EVENT_TYPES } from "@vigil/contract";
import type Database from "better-sqlite3";

/** Events to append, as columns (cheap to pass between threads). */
export interface AppendRows {
  ids: string[];
  types: Uint8Array;
  ts: Float64Array;
  received: Float64Array;
  runIds: (string | null)[];
  taskIds: (string | null)[];
  bodies: string[];
}

/** Rollup buckets to save, as columns; bucket i is `data[offsets[i], offsets[i+1])` (zero padding at the end is harmless). */
export interface SaveRows {
  tiers: string[];
  starts: Float64Array;
  keys: string[];
  data: ArrayBuffer;
  offsets: Float64Array;
  watermark: number;
}

/** The write operations of one connection. */
export interface Writer {
  /** Appends several groups in one transaction; per group, which events were new. */
  appendGroups(groups: readonly AppendRows[]): { fresh: Uint8Array[]; maxSeq: number };
  saveRollups(rows: SaveRows): void;
  deleteEventsBefore(before: number, limit: number): number;
  deleteRollupsBefore(tier: string, before: number): number;
  addPrice(entry: string, at: number): void;
  /** A write that changes nothing visible, to learn whether writes work again (readiness). */
  probe(): void;
}

/** Prepares the write statements on `db`. */
export function createWriter(db: Database.Database): Writer {
  const insert = db.prepare("INSERT INTO events (id, type, ts, received_at, run_id, task_id, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
  const bumpCount = db.prepare("INSERT INTO event_counts (type, n) VALUES (?, ?) ON CONFLICT(type) DO UPDATE SET n = n + excluded.n");
  const maxSeq = db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM events");
  const appendTx = db.transaction((groups: readonly AppendRows[]) => {
    const added: number[] = new Array<number>(EVENT_TYPES.length).fill(0);
    const fresh = groups.map((g) => {
      const out = new Uint8Array(g.ids.length);
      for (let i = 0; i < g.ids.length; i++) {
        const type = g.types[i]!;
        if (insert.run(g.ids[i], type, g.ts[i], g.received[i], g.runIds[i], g.taskIds[i], g.bodies[i]).changes === 1) {
          out[i] = 1;
          added[type]!++;
        }
      }
      return out;
    });
    added.forEach((n, type) => n > 0 && bumpCount.run(type, n));
    return { fresh, maxSeq: (maxSeq.get() as { s: number }).s };
  });

  const upsert = db.prepare("INSERT INTO rollups (tier, start, key, data) VALUES (?, ?, ?, ?) ON CONFLICT(tier, start, key) DO UPDATE SET data = excluded.data");
  const setWatermark = db.prepare("UPDATE rollup_state SET watermark = ? WHERE id = 1");
  const saveTx = db.transaction((r: SaveRows) => {
    for (let i = 0; i < r.keys.length; i++) upsert.run(r.tiers[i], r.starts[i], r.keys[i], Buffer.from(r.data, r.offsets[i]!, r.offsets[i + 1]! - r.offsets[i]!));
    setWatermark.run(r.watermark);
  });

  const del = db.prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < ? ORDER BY ts LIMIT ?) RETURNING type");
  const deleteTx = db.transaction((before: number, limit: number) => {
    const removed: number[] = new Array<number>(EVENT_TYPES.length).fill(0);
    let n = 0;
    for (const r of del.all(before, limit) as { type: number }[]) {
      removed[r.type]!++;
      n++;
    }
    removed.forEach((k, type) => k > 0 && bumpCount.run(type, -k));
    return n;
  });
  const delRollups = db.prepare("DELETE FROM rollups WHERE tier = ? AND start < ?");
  const addPrice = db.prepare("INSERT INTO prices (entry, created_at) VALUES (?, ?)");
  // SQLite skips rewriting a row whose bytes do not change, so the probe changes the watermark and
  // changes it back in one transaction: a page written and committed, nothing visible to readers.
  const nudge = db.prepare("UPDATE rollup_state SET watermark = watermark + ? WHERE id = 1");
  const probeTx = db.transaction(() => {
    nudge.run(1);
    nudge.run(-1);
  });

  return {
    appendGroups: (groups) => appendTx(groups),
    saveRollups: (rows) => saveTx(rows),
    deleteEventsBefore: (before, limit) => deleteTx(before, limit),
    deleteRollupsBefore: (tier, before) => delRollups.run(tier, before).changes,
    addPrice: (entry, at) => void addPrice.run(entry, at),
    probe: () => probeTx(),
  };
}

/** Opens a connection with the store's settings. */
export function configure(db: Database.Database, synchronous: "full" | "normal"): void {
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
  db.pragma("busy_timeout = 5000");
}
