/**
 * Shared pieces of the PostgreSQL benches: a throw-away database per bench on the local server,
 * COPY FROM STDIN (pg-copy-streams), COPY text escaping, and the CPU used by the PostgreSQL
 * processes (read from /proc, the server runs on the same machine).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { log } from "./common.js";

/** Admin URL of the PostgreSQL server the benches use (BENCH_PG_URL, default the local trust-auth server). */
export function pgAdminUrl(): string {
  return process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** int8 and numeric as JS numbers (every count and time here is far below 2^53). */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

/** Opens a client on `url`; an error on an idle connection must not crash the bench. */
export async function pgConnect(url: string, applicationName = "vigil-bench"): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, types: PG_TYPES, application_name: applicationName });
  c.on("error", (err) => log(`pg client error: ${err.message}`));
  await c.connect();
  return c;
}

/** A database created for one bench. */
export interface BenchDatabase {
  name: string;
  url: string;
  /** Terminates every backend on it and drops it. */
  drop(): Promise<void>;
}

/** Creates `vigil_bench_<random>` on the server. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const admin = pgAdminUrl();
  const name = `vigil_bench_${randomBytes(4).toString("hex")}`;
  const c = await pgConnect(admin);
  try {
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await c.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const a = await pgConnect(admin);
      try {
        await a.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
        await a.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Sends `data` (COPY text format) to `COPY ... FROM STDIN` on `client`; resolves with the rows copied. */
export async function copyIn(client: pg.Client, sql: string, data: string | Buffer): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from([typeof data === "string" ? Buffer.from(data) : data]), stream);
  return stream.rowCount;
}

/** A text value escaped for COPY's text format (backslash, tab, newline, carriage return). */
export function copyText(v: string): string {
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === "\\" ? "\\\\" : ch === "\t" ? "\\t" : ch === "\n" ? "\\n" : "\\r")) : v;
}

/**
 * CPU seconds (user + system) of the PostgreSQL processes that work for database `db`: its
 * backends and the server's background processes (WAL writer, checkpointer, ...), by pid. Other
 * databases' backends on the same server are left out. Needs the server on this machine (/proc).
 */
export async function pgCpuSnapshot(client: pg.Client, db: string): Promise<Map<number, number>> {
  const r = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL", [db]);
  const mine = new Set(r.rows.map((x) => x.pid));
  const all = pgProcessCpu();
  return new Map([...all].filter(([pid]) => mine.has(pid)));
}

/** CPU seconds (user + system) per PostgreSQL process on this machine, by pid (empty if none is visible). */
export function pgProcessCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (comm !== "postgres") continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(name), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      /* the process ended while we looked */
    }
  }
  return out;
}

/**
 * CPU seconds the PostgreSQL processes used between two `pgProcessCpu()` snapshots: processes
 * present in both count their difference, processes that started in between count all they used
 * (processes that ended in between are missed).
 */
export function pgCpuBetween(a: Map<number, number>, b: Map<number, number>): number {
  let s = 0;
  for (const [pid, cpu] of b) s += cpu - (a.get(pid) ?? 0);
  return s;
}
