/**
 * The PostgreSQL store, shared by any number of Vigil instances. An append is one transaction
 * (pg-append.ts): idempotency keys, the events and the counts are written together or not at all,
 * and the 2xx that follows means committed. Instances follow the event log by transaction id,
 * reading only transactions older than every transaction still running, so no event is skipped
 * when concurrent transactions commit out of order (pg-log.ts).
 */
import pg from "pg";
import { EVENT_TYPES, type EventType } from "@vigil/contract";
import { Bucket } from "../../core/bucket.js";
import { VigilError } from "../../core/errors.js";
import type { CustomMetricAggregate, EventStore, PriceStore, RollupStore, Storage } from "../../core/ports.js";
import type { PriceEntry } from "../../core/prices.js";
import type { BucketRecord, Tier } from "../../core/rollup-index.js";
import { runRefOf, type RunRef } from "../../core/stored-event.js";
import { DAY, DayPartitions, partitionName } from "./day-partitions.js";
import { POSTGRES_MIGRATIONS } from "./migrations.js";
import { migrate, refuseForeignPositions } from "./pg-migrate.js";
import { createPostgresAlertStore } from "./postgres-alert-store.js";
import { createPostgresRouteStore } from "./postgres-route-store.js";
import { createPostgresSpanStore } from "./postgres-span-store.js";
import { PgAppender } from "./pg-append.js";
import { EVENT_COLUMNS, PgLog, toEvent, type EventRow } from "./pg-log.js";
import { unavailableReason } from "./pg-errors.js";
import { guardAll } from "./pg-guard.js";
import { pgLeadership } from "./pg-leadership.js";
import { openPgPool } from "./pg-pool.js";

/** Options of the PostgreSQL store. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Most connections this instance opens (default 10), plus one for leader election. */
  poolMax?: number;
  /** How long to wait for a connection before answering 503 (default 5 s). */
  connectTimeoutMs?: number;
  /** How often leadership is checked and this instance's heartbeat written (default 2 s). */
  leaderCheckMs?: number;
  /** While writes fail, how often a probe write checks whether they work again (default 1 s). */
  probeIntervalMs?: number;
}

/** int8 and numeric as JS numbers: every stored integer (ms times, ids, counts) is far below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

/** The URL with its password hidden, for logs and `/health/detailed`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

/** Opens (creating and migrating) the store at `url`; fails with a clear message when unreachable. */
export async function openPostgresStorage(opts: PostgresOptions): Promise<Storage> {
  const where = redactUrl(opts.url);
  const conn = openPgPool({ url: opts.url, where, max: opts.poolMax ?? 10, connectTimeoutMs: opts.connectTimeoutMs ?? 5000, types: TYPES, probeIntervalMs: opts.probeIntervalMs ?? 1000 });
  const { pool, guard } = conn;
  let version: number;
  const partitions = new DayPartitions(pool);
  try {
    version = await migrate(pool, POSTGRES_MIGRATIONS);
    await refuseForeignPositions(pool, where);
    await partitions.refresh();
  } catch (err) {
    await conn.close().catch(() => undefined);
    if (err instanceof VigilError) throw err;
    const code = (err as { code?: string }).code ?? "";
    const message = (err as Error).message || String(err);
    if (code === "3D000" || code.startsWith("28")) throw new VigilError("CONFIG_INVALID", `PostgreSQL at ${where} refused Vigil: ${message}. Are the user, the password and the database name in the URL right?`, undefined, { cause: err });
    if (unavailableReason(err)) throw new VigilError("CONFIG_INVALID", `cannot reach PostgreSQL at ${where}: ${message}. Is it running, and is the URL right?`, undefined, { cause: err });
    throw new VigilError("CONFIG_INVALID", `PostgreSQL at ${where} refused Vigil's schema: ${message}`, undefined, { cause: err });
  }

  // Every method of every store below runs through the guard (guardAll), so plain queries here.
  const q = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => pool.query<R>(text, values);

  const log = new PgLog(pool);
  // Appends leave two connections of the pool to the rest (the log follower, alerting, rollups);
  // batches arriving while that many transactions are in flight are written together. Up to
  // 5,000 events per transaction.
  const appender = new PgAppender(pool, partitions, log, { maxInFlight: Math.max(1, (opts.poolMax ?? 10) - 2), maxEvents: 5000 });

  const events: EventStore = {
    async append(evs) {
      if (evs.length === 0) return [];
      try {
        return await appender.append(evs);
      } catch (err) {
        // Retention dropped a partition this instance still believed in: learn and retry once.
        if ((err as { code?: string }).code !== "23514") throw err;
        await partitions.refresh();
        return appender.append(evs);
      }
    },
    async findRun({ runId, taskId }): Promise<RunRef | null> {
      for (const [col, v] of [["run_id", runId], ["task_id", taskId]] as const) {
        if (v === undefined) continue;
        // Prepared: with a few day partitions, planning costs more than the lookup.
        const r = await pool.query<EventRow>({ name: `vigil-find-run-${col}`, text: `SELECT ${EVENT_COLUMNS} FROM events WHERE ${col} = $1 ORDER BY seq DESC LIMIT 1`, values: [v] });
        if (r.rows[0]) return runRefOf(toEvent(r.rows[0]));
      }
      return null;
    },
    readAfter(position, limit) {
      return log.readAfter(position, limit);
    },
    async *scanTimeRange(from, to, upto, pageSize) {
      // The time range prunes to its day partitions; within them, pages follow the log order.
      let after: [number, number] = [0, 0];
      for (;;) {
        const rows = (await q<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ts >= $1 AND ts < $2 AND tx <= $3 AND (tx, seq) > ($4, $5) ORDER BY tx, seq LIMIT $6`, [from, to, upto, after[0], after[1], pageSize])).rows;
        if (rows.length === 0) return;
        const last = rows[rows.length - 1]!;
        after = [last.tx, last.seq];
        yield rows.map(toEvent);
      }
    },
    async *scanMetricEvents(from, to, upto, pageSize) {
      // Through the partial index on metric events (type 4), in (ts, tx, seq) order so each page resumes in it.
      let after: [number, number, number] = [from, 0, 0];
      for (;;) {
        const rows = (await q<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE type = 4 AND ts >= $1 AND ts < $2 AND tx <= $3 AND (ts, tx, seq) > ($4, $5, $6) ORDER BY ts, tx, seq LIMIT $7`, [from, to, upto, ...after, pageSize])).rows;
        if (rows.length === 0) return;
        const last = rows[rows.length - 1]!;
        after = [last.ts, last.tx, last.seq];
        yield rows.map(toEvent);
      }
    },
    async aggregateCustomMetrics(from, to, f) {
      const r = await q<CustomMetricAggregate>(
        `SELECT b->>'name' AS name, b->>'component' AS component, b->>'category' AS category, b->>'unit' AS unit,
                count(*)::int8 AS count, sum((b->>'value')::float8) AS sum, min((b->>'value')::float8) AS min, max((b->>'value')::float8) AS max,
                (array_agg((b->>'value')::float8 ORDER BY ts DESC, (b->>'value')::float8 DESC))[1] AS last, max(ts) AS last_at
         FROM (SELECT ts, seq, body::json AS b FROM events WHERE type = 4 AND ts >= $1 AND ts < $2) e
         WHERE ($3::text IS NULL OR b->>'name' = $3) AND ($4::text IS NULL OR b->>'component' = $4) AND ($5::text IS NULL OR b->>'category' = $5)
         GROUP BY 1, 2, 3, 4 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST, 4 NULLS FIRST LIMIT 1000`,
        [from, to, f.name ?? null, f.component ?? null, f.category ?? null],
      );
      return r.rows;
    },
    async deleteBefore(before) {
      // Whole days only: a partition goes once its last millisecond is older than the cutoff.
      await partitions.refresh();
      let dropped = 0;
      for (const day of partitions.days()) {
        if ((day + 1) * DAY > before) break;
        const c = await pool.connect();
        try {
          await c.query("BEGIN");
          const n = (await c.query<{ n: number }>("SELECT COALESCE(SUM(n), 0)::int8 AS n FROM event_counts WHERE day = $1", [day])).rows[0]!.n;
          await c.query(`DROP TABLE IF EXISTS ${partitionName(day)}`);
          await c.query("DELETE FROM event_counts WHERE day = $1", [day]);
          await c.query("COMMIT");
          dropped += n;
        } catch (err) {
          await c.query("ROLLBACK").catch(() => undefined);
          throw err;
        } finally {
          c.release();
        }
        partitions.forget(day);
      }
      // Idempotency keys are kept as long as raw events (by receive day), deleted in slices so
      // no transaction grows large; then the count deltas are folded into one row per day and type.
      const cutDay = Math.floor(before / DAY);
      while ((await q(`DELETE FROM event_ids WHERE ctid = ANY (ARRAY(SELECT ctid FROM event_ids WHERE day < $1 LIMIT 50000))`, [cutDay])).rowCount === 50000);
      await q("WITH d AS (DELETE FROM event_counts RETURNING day, type, n) INSERT INTO event_counts (day, type, n) SELECT day, type, SUM(n) FROM d GROUP BY day, type");
      return dropped;
    },
    async countByType() {
      const out = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
      for (const r of (await q<{ type: number; n: number }>("SELECT type, SUM(n)::int8 AS n FROM event_counts GROUP BY type")).rows) out[EVENT_TYPES[r.type] as EventType] = r.n;
      return out;
    },
    position() {
      return log.position();
    },
  };

  const rollups: RollupStore = {
    async load(since) {
      const records: BucketRecord[] = [];
      for (const tier of ["m", "h"] as Tier[]) {
        const r = await q<{ start: number; key: Buffer; data: Buffer }>("SELECT start, key, data FROM rollups WHERE tier = $1 AND start >= $2", [tier, since[tier]]);
        for (const row of r.rows) records.push({ tier, start: row.start, key: row.key.toString("utf8"), bucket: Bucket.decode(row.data) });
      }
      const state = (await q<{ watermark: number }>("SELECT watermark FROM rollup_state WHERE id = 1")).rows[0]!;
      return { records, watermark: state.watermark };
    },
    async save(records, watermark, term = 0) {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        const held = (await c.query<{ term: number }>("SELECT term FROM rollup_state WHERE id = 1 FOR UPDATE")).rows[0]!.term;
        if (held > term) throw new VigilError("NOT_LEADER", `rollups were saved by a newer leader (term ${held} > ${term}); this instance no longer leads`);
        for (let i = 0; i < records.length; i += 2000) {
          const slice = records.slice(i, i + 2000);
          await c.query(
            "INSERT INTO rollups (tier, start, key, data) SELECT * FROM unnest($1::text[], $2::int8[], $3::bytea[], $4::bytea[]) ON CONFLICT (tier, start, key) DO UPDATE SET data = excluded.data",
            [slice.map((r) => r.tier), slice.map((r) => r.start), slice.map((r) => Buffer.from(r.key, "utf8")), slice.map((r) => Buffer.from(r.bucket.encode()))],
          );
        }
        await c.query("UPDATE rollup_state SET watermark = $1, term = $2 WHERE id = 1", [watermark, term]);
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    async deleteBefore(tier, before) {
      return (await q("DELETE FROM rollups WHERE tier = $1 AND start < $2", [tier, before])).rowCount ?? 0;
    },
  };

  const prices: PriceStore = {
    async list() {
      return (await q<{ entry: string }>("SELECT entry FROM prices ORDER BY n")).rows.map((r) => JSON.parse(r.entry) as PriceEntry);
    },
    async add(entry) {
      await q("INSERT INTO prices (entry, created_at) VALUES ($1, $2)", [JSON.stringify(entry), Date.now()]);
    },
  };

  return {
    kind: "postgres",
    shared: true,
    connections: () => ({ active: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount, max: opts.poolMax ?? 10 }),
    events: guardAll(events, guard),
    rollups: guardAll(rollups, guard),
    prices: guardAll(prices, guard),
    alerts: guardAll(createPostgresAlertStore(pool), guard),
    routes: guardAll(createPostgresRouteStore(pool), guard),
    spans: guardAll(createPostgresSpanStore(pool), guard),
    leadership: (instanceId) => pgLeadership({ url: opts.url, instanceId, checkMs: opts.leaderCheckMs ?? 2000, connectTimeoutMs: opts.connectTimeoutMs ?? 5000, types: TYPES }),
    async schemaVersion() {
      return version;
    },
    failure() {
      return conn.health.failure();
    },
    describe() {
      return where;
    },
    close() {
      return conn.close();
    },
  };
}
