/**
 * The connection pool of the PostgreSQL store and what keeps database faults from escaping it: no
 * connection's `'error'` event goes unheard (an unheard one ends the process), every failure is
 * classified by the guard, and readiness follows whether writes succeed.
 */
import pg from "pg";
import { VigilError } from "../../core/errors.js";
import { WriteHealth } from "../write-health.js";
import type { Guard } from "./pg-guard.js";
import { isUnavailable, unavailable } from "./pg-errors.js";

/** Options of the pool. */
export interface PgPoolOptions {
  url: string;
  /** The URL with its password hidden, for messages. */
  where: string;
  max: number;
  connectTimeoutMs: number;
  types: pg.CustomTypesConfig;
  /** Wait between probe writes while writes fail. */
  probeIntervalMs: number;
}

/** A pool with its guard and write health. */
export interface PgPool {
  pool: pg.Pool;
  /** Classifies a failure of `fn`: unavailability becomes STORAGE_UNAVAILABLE and marks the store unready. */
  guard: Guard;
  health: WriteHealth;
  close(): Promise<void>;
}

// A no-op update of the newest migration's row: a real write (a new row version, WAL, a commit)
// on a table nothing else locks after start-up, refused by a read-only database or a full disk.
const PROBE = "UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)";

/** Opens the pool (connections are made on demand). */
export function openPgPool(opts: PgPoolOptions): PgPool {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max, connectionTimeoutMillis: opts.connectTimeoutMs, idleTimeoutMillis: 30_000, keepAlive: true, types: opts.types, application_name: "vigil" });
  // An idle connection that breaks (backend terminated, database restarted) is dropped by the pool,
  // which opens a new one on demand; it says nothing about the next query, so readiness is left alone.
  pool.on("error", () => undefined);
  // The pool listens on idle connections only. A connection checked out with `connect()` (a
  // transaction) whose backend dies emits 'error' when its socket closes, even after its query
  // has already failed: without a listener of its own that would end the process. The failure
  // itself reaches the caller through the query, and the broken connection is not pooled again.
  pool.on("connect", (client) => void client.on("error", () => undefined));
  const health = new WriteHealth({ probe: async () => void (await pool.query(PROBE)), intervalMs: opts.probeIntervalMs });
  const guard: Guard = async (fn) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof VigilError || !isUnavailable(err)) throw err;
      const e = unavailable(opts.where, err);
      health.failed(e.message);
      throw e;
    }
  };
  return {
    pool,
    guard,
    health,
    async close() {
      health.close();
      if (!pool.ended) await pool.end();
    },
  };
}
