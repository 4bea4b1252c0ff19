/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
 * append survives a crash of the process or of the machine. Writes go to a writer thread (its own
 * connection, group commit); reads use this thread's connection, which WAL lets run alongside.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { EVENT_TYPES, type EventType } from "@vigil/contract";
import type { CustomMetricAggregate, EventStore, PriceStore, RollupStore, Storage } from "../../core/ports.js";
import type { PriceEntry } from "../../core/prices.js";
import { Bucket } from "../../core/bucket.js";
import type { BucketRecord, Tier } from "../../core/rollup-index.js";
import { runRefOf, type RunRef, type StoredEvent } from "../../core/stored-event.js";
import { soleLeadership } from "./sole-leadership.js";
import { createSqliteAlertStore } from "./sqlite-alert-store.js";
import { createSqliteRouteStore } from "./sqlite-route-store.js";
import { createSqliteSpanStore } from "./sqlite-span-store.js";
import { SQLITE_MIGRATIONS, type Migration } from "./migrations.js";
import { refuseNewerSchema } from "../migration.js";
import { configure } from "./writer.js";
import { WriterClient } from "./writer-client.js";

/** Options of the embedded store. */
export interface SqliteOptions {
  /** Directory holding `vigil.db`; created when missing. */
  dataDir: string;
  /** `full` (default) fsyncs every commit; `normal` survives process crashes but may lose the last commits on power loss. */
  synchronous?: "full" | "normal";
  /** While writes are refused (disk full...), how often a probe write checks whether they work again (default 1 s). */
  probeIntervalMs?: number;
}

type Row = { seq: number; id: string; type: number; ts: number; received_at: number; run_id: string | null; task_id: string | null; body: string };

function toEvent(r: Row): StoredEvent {
  const ev: StoredEvent = { id: r.id, type: EVENT_TYPES[r.type] as EventType, ts: r.ts, receivedAt: r.received_at, body: JSON.parse(r.body) as Record<string, unknown> };
  if (r.run_id !== null) ev.runId = r.run_id;
  if (r.task_id !== null) ev.taskId = r.task_id;
  return ev;
}

/** Applies the pending migrations in one transaction each; returns the resulting version. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = SQLITE_MIGRATIONS): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  refuseNewerSchema(applied, migrations);
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
  const file = resolve(opts.dataDir, "vigil.db");
  const db = new Database(file);
  configure(db, opts.synchronous ?? "full");
  let version: number;
  try {
    version = migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const writer = new WriterClient(file, opts.synchronous ?? "full", opts.probeIntervalMs ?? 1000);

  const byRunId = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1");
  const byTaskId = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE task_id = ? ORDER BY seq DESC LIMIT 1");
  const after = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?");
  const range = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events WHERE ts >= ? AND ts < ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?");
  // Through the partial index on metric events (type 4), in (ts, seq) order so each page resumes in it.
  const metricRange = db.prepare("SELECT seq, id, type, ts, received_at, run_id, task_id, body FROM events INDEXED BY events_metric_ts WHERE type = 4 AND ts >= ? AND ts < ? AND (ts, seq) > (?, ?) AND seq <= ? ORDER BY ts, seq LIMIT ?");
  const counts = db.prepare("SELECT type, n FROM event_counts");
  // Custom metrics are answered from raw events through their own partial time index: the cost is
  // proportional to the metric samples in the window, not to all events.
  const customAgg = db.prepare(`
    SELECT json_extract(body, '$.name') AS name, json_extract(body, '$.component') AS component,
           json_extract(body, '$.category') AS category, json_extract(body, '$.unit') AS unit,
           COUNT(*) AS count, SUM(json_extract(body, '$.value')) AS sum,
           MIN(json_extract(body, '$.value')) AS min, MAX(json_extract(body, '$.value')) AS max,
           MAX(ts) AS last_at
    FROM events WHERE type = 4 AND ts >= @from AND ts < @to
      AND (@name IS NULL OR json_extract(body, '$.name') = @name)
      AND (@component IS NULL OR json_extract(body, '$.component') = @component)
      AND (@category IS NULL OR json_extract(body, '$.category') = @category)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 LIMIT 1000`);
  // At equal times the greater value is the latest, as the rollups' latest-value pairs: the answer
  // does not depend on the order events were stored in, so the custom metric index gives the same.
  const customLast = db.prepare(`
    SELECT json_extract(body, '$.value') AS v FROM events
    WHERE type = 4 AND ts = @ts AND json_extract(body, '$.name') = @name
      AND json_extract(body, '$.component') IS @component AND json_extract(body, '$.category') IS @category AND json_extract(body, '$.unit') IS @unit
    ORDER BY json_extract(body, '$.value') DESC LIMIT 1`);
  // Highest seq whose append has been answered: everything at or below it has been handed to the caller.
  let ackedSeq = (db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM events").get() as { s: number }).s;

  const events: EventStore = {
    async append(evs) {
      if (evs.length === 0) return [];
      const r = await writer.append(evs);
      if (r.maxSeq > ackedSeq) ackedSeq = r.maxSeq;
      return Array.from(r.fresh, (f) => f === 1);
    },
    async findRun({ runId, taskId }): Promise<RunRef | null> {
      const row = ((runId !== undefined ? byRunId.get(runId) : undefined) ?? (taskId !== undefined ? byTaskId.get(taskId) : undefined)) as Row | undefined;
      return row ? runRefOf(toEvent(row)) : null;
    },
    async readAfter(position, limit) {
      const rows = after.all(position, limit) as Row[];
      return { events: rows.map(toEvent), position: rows.length ? rows[rows.length - 1]!.seq : position };
    },
    async *scanTimeRange(from, to, upto, pageSize) {
      for (let afterSeq = 0; ; ) {
        const rows = range.all(from, to, afterSeq, upto, pageSize) as Row[];
        if (rows.length === 0) return;
        afterSeq = rows[rows.length - 1]!.seq;
        yield rows.map(toEvent);
      }
    },
    async *scanMetricEvents(from, to, upto, pageSize) {
      for (let after = [from, 0]; ; ) {
        const rows = metricRange.all(from, to, after[0], after[1], upto, pageSize) as Row[];
        if (rows.length === 0) return;
        const last = rows[rows.length - 1]!;
        after = [last.ts, last.seq];
        yield rows.map(toEvent);
      }
    },
    async aggregateCustomMetrics(from, to, f) {
      const rows = customAgg.all({ from, to, name: f.name ?? null, component: f.component ?? null, category: f.category ?? null }) as Omit<CustomMetricAggregate, "last">[];
      return rows.map((r) => ({ ...r, last: (customLast.get({ ts: r.last_at, name: r.name, component: r.component, category: r.category, unit: r.unit }) as { v: number }).v }));
    },
    async deleteBefore(before, limit) {
      return writer.request<number>({ op: "deleteEvents", before, limit });
    },
    async countByType() {
      const out = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
      for (const r of counts.all() as { type: number; n: number }[]) out[EVENT_TYPES[r.type] as EventType] = r.n;
      return out;
    },
    async position() {
      return ackedSeq;
    },
  };

  const loadTier = db.prepare("SELECT tier, start, key, data FROM rollups WHERE tier = ? AND start >= ?");
  const getWatermark = db.prepare("SELECT watermark FROM rollup_state WHERE id = 1");
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
      // All buckets are encoded into one buffer handed over to the writer without a copy.
      const n = records.length;
      const starts = new Float64Array(n);
      const offsets = new Float64Array(n + 1);
      const tiers = new Array<string>(n);
      const keys = new Array<string>(n);
      const extras = records.map((r) => r.bucket.extraBytes());
      let total = 0;
      records.forEach((r, i) => {
        offsets[i] = total;
        total += Math.ceil(r.bucket.encodedSize(extras[i]!) / 8) * 8;
      });
      offsets[n] = total;
      const data = new ArrayBuffer(total);
      records.forEach((r, i) => {
        tiers[i] = r.tier;
        starts[i] = r.start;
        keys[i] = r.key;
        r.bucket.encodeInto(data, offsets[i]!, extras[i]!);
      });
      await writer.request({ op: "save", tiers, starts, keys, data, offsets, watermark }, [starts.buffer, offsets.buffer, data]);
    },
    async deleteBefore(tier, before) {
      return writer.request<number>({ op: "deleteRollups", tier, before });
    },
  };

  const listPrices = db.prepare("SELECT entry FROM prices ORDER BY n");
  const prices: PriceStore = {
    async list() {
      return (listPrices.all() as { entry: string }[]).map((r) => JSON.parse(r.entry) as PriceEntry);
    },
    async add(entry) {
      await writer.request({ op: "price", entry: JSON.stringify(entry), at: Date.now() });
    },
  };

  const alerts = createSqliteAlertStore(db, (write) => writer.request({ op: "alerts", write }));
  const routes = createSqliteRouteStore(db, (write) => writer.request({ op: "routes", write }));
  const spans = createSqliteSpanStore(db, { append: (spans) => writer.request({ op: "spans", spans }, [spans.starts.buffer as ArrayBuffer, spans.ends.buffer as ArrayBuffer]), deleteBefore: (before, limit) => writer.request({ op: "deleteSpans", before, limit }) });

  return {
    kind: "sqlite",
    shared: false,
    // Two connections: queries on the serving thread (never waiting: SQLite reads are synchronous)
    // and the writer thread, busy while writes are in flight, with the rest queued behind it.
    connections: () => {
      const inflight = writer.inflight();
      return { active: inflight > 0 ? 1 : 0, idle: inflight > 0 ? 1 : 2, waiting: Math.max(0, inflight - 1), max: 2 };
    },
    leadership: soleLeadership,
    events,
    rollups,
    prices,
    alerts,
    routes,
    spans,
    async schemaVersion() {
      return version;
    },
    failure() {
      return writer.failure ? `the writer thread stopped: ${writer.failure.message}` : writer.health.failure();
    },
    describe() {
      return file;
    },
    async close() {
      if (!db.open) return;
      await writer.close();
      db.close();
    },
  };
}
