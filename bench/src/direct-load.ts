/**
 * Fast loading of many stored events for the query bench: the server's own start-up creates the
 * schema, then rows are written straight into its `events` table (as ingest would store them) and
 * the next start-up replays them into the rollups — much faster than 10M events over HTTP.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadConfig } from "@vigil/server/config";
import { startServer } from "@vigil/server/main";
import { idMaker, rng, runBody, storedBody, type RunShape } from "./common.js";

/** Distinct bodies generated; rows cycle through them (their dimensions cycle with the row index). */
const POOL = 30 * 2048;
/** Rows per write transaction. */
const TX_ROWS = 50_000;

/** Creates the store under `dataDir` (schema and migrations) by starting and stopping a server on it. */
export async function createStore(dataDir: string): Promise<void> {
  const cfg = loadConfig({ dataDir, port: 0, host: "127.0.0.1", logLevel: "silent" }, {});
  const s = await startServer(cfg, false, { listen: false });
  await s.close();
}

/**
 * Writes `n` run events with timestamps spread evenly over [from, to), oldest first, with
 * server-shaped ids. Bodies come from `makeBody` when given (row i gets body i % min(n, 262,144),
 * so up to that many distinct series show), else from runBody with `shape` (body i % 61,440). Returns the milliseconds it took.
 */
export async function writeEvents(dataDir: string, n: number, from: number, to: number, shape: RunShape, progress?: (done: number) => void, makeBody?: (r: () => number, i: number) => Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  await createStore(dataDir);
  const db = new Database(join(dataDir, "vigil.db"));
  // Bulk load: no fsync per commit (the bench, not the server, owns this file until it starts).
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  const r = rng(42);
  const bodies: string[] = [];
  const pool = makeBody ? Math.min(n, 262_144) : POOL;
  for (let i = 0; i < pool; i++) bodies.push(JSON.stringify(storedBody(makeBody ? makeBody(r, i) : runBody(r, i, shape))));
  const insert = db.prepare("INSERT INTO events (id, type, ts, received_at, run_id, task_id, body) VALUES (?, 0, ?, ?, NULL, NULL, ?)");
  const newId = idMaker();
  const step = (to - from) / n;
  const tx = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const ts = Math.floor(from + i * step);
      insert.run(newId(ts), ts, ts, bodies[i % pool]!);
    }
  });
  for (let i = 0; i < n; i += TX_ROWS) {
    tx(i, Math.min(n, i + TX_ROWS));
    if (progress && (i / TX_ROWS) % 20 === 19) progress(i + TX_ROWS);
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return performance.now() - t0;
}
