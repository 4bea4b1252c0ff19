/**
 * Start-up checks of the PostgreSQL store's schema: pending migrations applied under a lock, and
 * log positions that belong to another server refused.
 */
import type pg from "pg";
import { VigilError } from "../../core/errors.js";
import { refuseNewerSchema, type Migration } from "../migration.js";

/** Applies the pending migrations, one transaction each, under a lock so concurrent starts agree. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<number> {
  const c = await pool.connect();
  try {
    // Advisory locks are per database: the key includes the schema, so deployments in separate
    // schemas of one database do not wait on each other.
    await c.query("SELECT pg_advisory_lock(1986094441, hashtext(current_schema()))");
    await c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at bigint NOT NULL)");
    const applied = new Set((await c.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    refuseNewerSchema(applied, migrations);
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await c.query("BEGIN");
      try {
        await c.query(m.sql);
        await c.query("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)", [m.version, m.description, Date.now()]);
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    }
    return (await c.query<{ v: number }>("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")).rows[0]!.v;
  } finally {
    await c.query("SELECT pg_advisory_unlock(1986094441, hashtext(current_schema()))").catch(() => undefined);
    c.release();
  }
}

/**
 * Log positions are transaction ids of the server that wrote them. A dump restored into another
 * server carries positions that server has not reached: its new events would sort before them and
 * never be followed. Refuse to start rather than silently not counting (docs/operations.md).
 */
export async function refuseForeignPositions(pool: pg.Pool, where: string): Promise<void> {
  const r = (await pool.query<{ w: number; m: number | null; next: number }>("SELECT (SELECT watermark FROM rollup_state WHERE id = 1) AS w, (SELECT max(tx) FROM events) AS m, pg_snapshot_xmax(pg_current_snapshot())::text::int8 AS next")).rows[0]!;
  const ahead = Math.max(r.w, r.m ?? 0);
  if (ahead >= r.next) {
    throw new VigilError("CONFIG_INVALID", `the database at ${where} holds log positions up to ${ahead}, beyond this PostgreSQL server's transaction ids (${r.next}): it was restored from a dump of another server. Renumber the positions as docs/operations.md ("Backup and restore") shows, then start again.`);
  }
}
