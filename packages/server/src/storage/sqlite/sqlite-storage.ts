/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
 * append survives a crash of the process or of the machine. Hot paths use prepared statements.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { EVENT_TYPES, type EventType } from "@vigil/contract";
import type { EventStore, PriceStore, RollupStore, SequencedEvent, Storage } from "../../core/ports.js";
import type { PriceEntry } from "../../core/prices.js";
import { Bucket } from "../../core/bucket.js";
import type { BucketRecord, Tier } from "../../core/rollup-index.js";
import { TYPE_CODES, runRefOf, type RunRef, type StoredEvent } from "../../core/stored-event.js";
import { SQLITE_MIGRATIONS, type Migration } from "./migrations.js";
import { VigilError } from "../../core/errors.js";

/** Options of the embedded store. */
export interface SqliteOptions {
  /** Directory holding `vigil.db`; created when missing. */
  dataDir: string;
  /** `full` (default) fsyncs every commit; `normal` survives process crashes but may lose the last commits on power loss. */
  synchronous?: "full" | "normal";
}

type Row = { seq: number; id: string; type: number; ts: number; received_at: number; run_id: string | null; task_id: string | null; body: string };

function toEvent(r: Row): SequencedEvent {
  const ev: SequencedEvent = { seq: r.seq, id: r.id, type: EVENT_TYPES[r.type] as EventType, ts: r.ts, receivedAt: r.received_at, body: JSON.parse(r.body) as Record<string, unknown> };
  if (r.run_id !== null) ev.runId = r.run_id;
  if (r.task_id !== null) ev.taskId = r.task_id;
  return ev;
}

/** Applies the pending migrations in one transaction each; returns the resulting version. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = SQLITE_MIGRATIONS): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)").run(m.version, m.description, Date.now());
    })();
  }
  return (db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").get() as { v: number }).v;
}

/** Opens (creating and migrating) the embedded store under `dataDir`. */
export function openSqliteStorage(opts: SqliteOptions): Storage {
  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, "vigil.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  db.pragma("busy_timeout = 5000");
  const version = migrate(db);

  const insert = db.prepare("INSERT INTO events (id, type, ts, received_at, run_id, task_id, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
  const bumpCount = db.prepare("INSERT INTO event_counts (type, n) VALUES (?, ?) ON CONFLICT(type) DO UPDATE SET n = n + excluded.n");
  const appendTx = db.transaction((events: readonly StoredEvent[]) => {
    const out = new Array<boolean>(events.length);
    const added = [0, 0, 0, 0, 0];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const type = TYPE_CODES[e.type];
      const fresh = insert.run(e.id, type, e.ts, e.receivedAt, e.runId ?? null, e.taskId ?? null, JSON.stringify(e.body)).changes === 1;
      out[i] = fresh;
      if (fresh) added[type]!++;
    }
    added.forEach((n, type) => n > 0 && bumpCount.run(type, n));
    return out;
  });
  const byRunId = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1");
  const byTaskId = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE task_id = ? ORDER BY seq DESC LIMIT 1");
  const after = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?");
  const range = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE ts >= ? AND ts < ? AND seq > ? ORDER BY seq LIMIT ?");
  const del = db.prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < ? ORDER BY ts LIMIT ?) RETURNING type");
  const deleteTx = db.transaction((before: number, limit: number) => {
    const removed = [0, 0, 0, 0, 0];
    let n = 0;
    for (const r of del.all(before, limit) as { type: number }[]) {
      removed[r.type]!++;
      n++;
    }
    removed.forEach((k, type) => k > 0 && bumpCount.run(type, -k));
    return n;
  });
  const counts = db.prepare("SELECT type, n FROM event_counts");
  const maxSeq = db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM events");

  // Group commit: appends requested in the same turn of the event loop (concurrent requests) share
  // one transaction and one fsync; each caller still learns only once its events are durable.
  let pending: { events: readonly StoredEvent[]; resolve: (r: boolean[]) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  const commitPending = () => {
    scheduled = false;
    const group = pending;
    pending = [];
    let results: boolean[];
    try {
      results = appendTx(group.length === 1 ? group[0]!.events : group.flatMap((g) => g.events));
    } catch (err) {
      const e = new VigilError("STORAGE_UNAVAILABLE", `storing events failed: ${(err as Error).message}`, undefined, { cause: err });
      for (const g of group) g.reject(e);
      return;
    }
    let at = 0;
    for (const g of group) {
      g.resolve(results.slice(at, at + g.events.length));
      at += g.events.length;
    }
  };

  const events: EventStore = {
    append(evs) {
      if (evs.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        pending.push({ events: evs, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(commitPending);
        }
      });
    },
    async findRun({ runId, taskId }): Promise<RunRef | null> {
      const row = ((runId !== undefined ? byRunId.get(runId) : undefined) ?? (taskId !== undefined ? byTaskId.get(taskId) : undefined)) as Row | undefined;
      return row ? runRefOf(toEvent(row)) : null;
    },
    async readAfter(afterSeq, limit) {
      return (after.all(afterSeq, limit) as Row[]).map(toEvent);
    },
    async readTimeRange(from, to, afterSeq, limit) {
      return (range.all(from, to, afterSeq, limit) as Row[]).map(toEvent);
    },
    async deleteBefore(before, limit) {
      return deleteTx(before, limit);
    },
    async countByType() {
      const out = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
      for (const r of counts.all() as { type: number; n: number }[]) out[EVENT_TYPES[r.type] as EventType] = r.n;
      return out;
    },
    async maxSeq() {
      return (maxSeq.get() as { s: number }).s;
    },
  };

  const loadTier = db.prepare("SELECT tier, start, key, data FROM rollups WHERE tier = ? AND start >= ?");
  const upsert = db.prepare("INSERT INTO rollups (tier, start, key, data) VALUES (?, ?, ?, ?) ON CONFLICT(tier, start, key) DO UPDATE SET data = excluded.data");
  const setWatermark = db.prepare("UPDATE rollup_state SET watermark = ? WHERE id = 1");
  const getWatermark = db.prepare("SELECT watermark FROM rollup_state WHERE id = 1");
  const delRollups = db.prepare("DELETE FROM rollups WHERE tier = ? AND start < ?");
  const saveTx = db.transaction((records: readonly BucketRecord[], watermark: number) => {
    for (const r of records) upsert.run(r.tier, r.start, r.key, r.bucket.encode());
    setWatermark.run(watermark);
  });

  const rollups: RollupStore = {
    async load(since) {
      const records: BucketRecord[] = [];
      for (const tier of ["m", "h"] as Tier[]) {
        for (const r of loadTier.all(tier, since[tier]) as { tier: Tier; start: number; key: string; data: Buffer }[]) {
          records.push({ tier: r.tier, start: r.start, key: r.key, bucket: Bucket.decode(r.data) });
        }
      }
      return { records, watermark: (getWatermark.get() as { watermark: number }).watermark };
    },
    async save(records, watermark) {
      saveTx(records, watermark);
    },
    async deleteBefore(tier, before) {
      return delRollups.run(tier, before).changes;
    },
  };

  const listPrices = db.prepare("SELECT entry FROM prices ORDER BY n");
  const addPrice = db.prepare("INSERT INTO prices (entry, created_at) VALUES (?, ?)");
  const prices: PriceStore = {
    async list() {
      return (listPrices.all() as { entry: string }[]).map((r) => JSON.parse(r.entry) as PriceEntry);
    },
    async add(entry) {
      addPrice.run(JSON.stringify(entry), Date.now());
    },
  };

  return {
    kind: "sqlite",
    events,
    rollups,
    prices,
    async schemaVersion() {
      return version;
    },
    describe() {
      return file;
    },
    async close() {
      if (pending.length) commitPending();
      db.close();
    },
  };
}
