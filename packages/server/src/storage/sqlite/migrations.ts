/** Versioned schema of the embedded store. Append new versions; never edit an applied one. */

import type { Migration } from "../migration.js";

export type { Migration };

/** Every migration, in order. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "raw events, rollup buckets, price entries",
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        type INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        run_id TEXT,
        task_id TEXT,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_id ON events(id);
      CREATE INDEX events_ts ON events(ts);
      CREATE INDEX events_run_id ON events(run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX events_task_id ON events(task_id) WHERE task_id IS NOT NULL;
      CREATE TABLE rollups (
        tier TEXT NOT NULL,
        start INTEGER NOT NULL,
        key TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (tier, start, key)
      ) WITHOUT ROWID;
      CREATE TABLE rollup_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        watermark INTEGER NOT NULL
      );
      INSERT INTO rollup_state (id, watermark) VALUES (1, 0);
      CREATE TABLE prices (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        entry TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "event counts per type, kept in step with appends and retention",
    sql: `
      CREATE TABLE event_counts (type INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO event_counts (type, n) SELECT type, COUNT(*) FROM events GROUP BY type;
    `,
  },
  {
    version: 3,
    description: "time index of custom metric events only",
    sql: `CREATE INDEX events_metric_ts ON events(ts) WHERE type = 4;`,
  },
];
