/**
 * Throw-away databases for the PostgreSQL integration tests: each is created on the server of the
 * admin URL the test file passes (its VIGIL_TEST_PG_URL, else the local trust-auth server) and
 * dropped when the test file ends. PostgreSQL must be reachable: these suites are never skipped.
 */
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The local server with trust authentication. */
export const LOCAL_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
let ADMIN = LOCAL_ADMIN_URL;
const created: string[] = [];

/** Sets the admin URL of the server the databases are created on. */
export function useAdminUrl(url: string): void {
  ADMIN = url;
}

/** Runs `fn` on a connection to the server's admin database. */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return onDatabase(ADMIN, fn);
}

/** Runs `fn` on a connection of its own to `url`. */
export async function onDatabase<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is needed by this suite and is not reachable at ${url}: ${(err as Error).message}. Start it (pg_ctlcluster 15 main start) or set VIGIL_TEST_PG_URL.`);
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database and returns its URL; it is dropped after the test file. */
export async function freshDatabase(): Promise<string> {
  const name = `vigil_contract_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const u = new URL(ADMIN);
  u.pathname = "/" + name;
  return u.toString();
}

after(async () => {
  if (created.length === 0) return;
  await admin(async (c) => {
    for (const name of created) {
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
    }
  });
});
