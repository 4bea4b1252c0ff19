/**
 * The ingest bench's peer: prepared better-sqlite3 INSERTs of the same stored rows the server
 * writes, into a table with the same columns as `events` (WAL, synchronous=FULL, one transaction
 * per batch), optionally with Vigil's four indexes. Opened once and run in slices, so it can take
 * turns with the server in one run.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { batchBodies, idMaker, storedBody, tempDir } from "./common.js";

/** An open raw writer. */
export interface RawWriter {
  /** Inserts batches back to back for `seconds`; rows per second and the transactions' times. */
  run(seconds: number): { rowsPerSec: number; txMs: number[] };
  close(): void;
}

/** Opens a raw writer on a fresh database in a temporary directory. */
export function openRawWriter(batchSize: number, withIndexes: boolean): RawWriter {
  const { dir, cleanup } = tempDir("vigil-bench-raw-");
  const db = new Database(join(dir, "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type INTEGER NOT NULL, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, run_id TEXT, task_id TEXT, body TEXT NOT NULL)");
  if (withIndexes) {
    db.exec("CREATE UNIQUE INDEX events_id ON events(id); CREATE INDEX events_ts ON events(ts); CREATE INDEX events_run_id ON events(run_id) WHERE run_id IS NOT NULL; CREATE INDEX events_task_id ON events(task_id) WHERE task_id IS NOT NULL;");
  }
  // The same events the server receives, in the form it stores them.
  const { bodies } = batchBodies(16, batchSize);
  const rows = bodies.flatMap((b) => (JSON.parse(b.toString()) as { events: { body: Record<string, unknown> }[] }).events.map((e) => JSON.stringify(storedBody(e.body))));
  const insert = db.prepare("INSERT INTO events (id, type, ts, received_at, run_id, task_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const newId = idMaker();
  let next = 0;
  const tx = db.transaction(() => {
    const now = Date.now();
    for (let i = 0; i < batchSize; i++) insert.run(newId(now), 0, now, now, null, null, rows[next++ % rows.length]!);
  });
  return {
    run(seconds) {
      const txMs: number[] = [];
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let n = 0;
      while (performance.now() < end) {
        const a = performance.now();
        tx();
        txMs.push(performance.now() - a);
        n += batchSize;
      }
      return { rowsPerSec: n / ((performance.now() - t0) / 1000), txMs };
    },
    close() {
      db.close();
      cleanup();
    },
  };
}
