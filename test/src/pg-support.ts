/** Helpers for tests that need PostgreSQL: throw-away databases on the shared server, and private clusters a test can stop and start. */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client, escapeIdentifier } from "pg";

const run = promisify(execFile);
const PG_ROOT = "/usr/lib/postgresql";
const CONNECT_TIMEOUT_MS = 5_000;
const START_TIMEOUT_S = 30;

/** URL of the shared PostgreSQL server's admin database (override with VIGIL_TEST_PG_URL). */
export function pgAdminUrl(): string {
  return process.env.VIGIL_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** Polls `fn` every 100 ms until it yields a value other than undefined or false, or throws once `timeoutMs` has passed. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? "" : `: last error: ${messageOf(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, { cause: lastError });
    }
    await sleep(100);
  }
}

/** Runs `fn` with a connected client on `url` and always closes the client afterwards. */
async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a server that goes away must not crash the test process
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates a uniquely named database on the shared server and returns its URL and a `drop` that removes it. */
export async function createTestDatabase(prefix = "vigil_test"): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const admin = pgAdminUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${escapeIdentifier(name)}`));
  const drop = async () => {
    await withAdmin(admin, async (c) => {
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
      await c.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)}`);
    });
  };
  return { name, url: withDatabase(admin, name), drop };
}

/** Like `withClient` on the admin URL, but a failure to connect becomes an error that says how to start PostgreSQL. */
async function withAdmin<T>(admin: string, fn: (client: Client) => Promise<T>): Promise<T> {
  let connected = false;
  try {
    return await withClient(admin, (c) => {
      connected = true;
      return fn(c);
    });
  } catch (err) {
    if (connected) throw err;
    const hint = `start it with "pg_ctlcluster ${pgVersion() ?? 15} main start" or point VIGIL_TEST_PG_URL at a running server`;
    throw new Error(`PostgreSQL is not reachable at ${redact(admin)} (${messageOf(err)}); ${hint}`, { cause: err });
  }
}

/** A throw-away PostgreSQL cluster in a temporary directory, which a test can stop and start at will. */
export class PrivateCluster {
  private constructor(
    /** Temporary directory holding the data directory and the server log. */
    readonly dir: string,
    /** TCP port on 127.0.0.1 the server listens on, the same across restarts. */
    readonly port: number,
  ) {}

  /** Initialises a new cluster in a fresh temporary directory and starts it. */
  static async create(opts: { port?: number } = {}): Promise<PrivateCluster> {
    const dir = await mkdtemp(join(tmpdir(), "vigil-pg-"));
    const cluster = new PrivateCluster(dir, opts.port ?? (await freePort()));
    try {
      await ownByPostgres(dir);
      await cluster.pgTool("initdb", ["-D", cluster.dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], "initdb");
      await cluster.start();
      return cluster;
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
  }

  /** The cluster's data directory (also where its unix socket lives). */
  get dataDir(): string {
    return join(this.dir, "data");
  }

  /** The server's log file. */
  get logFile(): string {
    return join(this.dir, "server.log");
  }

  /** Connection URL of database `db` on this cluster. */
  url(db = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(db)}`;
  }

  /** Starts the server on its port and waits (up to 30 s) until it accepts connections. */
  async start(): Promise<void> {
    const opts = `-p ${this.port} -k '${this.dataDir}' -c listen_addresses=127.0.0.1 -c fsync=on`;
    await this.pgTool("pg_ctl", ["-D", this.dataDir, "-o", opts, "-w", "-t", String(START_TIMEOUT_S), "-l", this.logFile, "start"], "pg_ctl start");
    try {
      await waitFor(() => withClient(this.url(), (c) => c.query("SELECT 1")), START_TIMEOUT_S * 1000, `the cluster on port ${this.port} to accept connections`);
    } catch (err) {
      throw new Error(`${messageOf(err)}${await this.logTail()}`, { cause: err });
    }
  }

  /** Stops the server: "fast" disconnects clients and shuts down cleanly, "immediate" aborts like a crash. */
  async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
    await this.pgTool("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "-t", String(START_TIMEOUT_S), "stop"], "pg_ctl stop");
  }

  /** Creates database `name` on this cluster and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await withClient(this.url(), (c) => c.query(`CREATE DATABASE ${escapeIdentifier(name)}`));
    return this.url(name);
  }

  /** Stops the server at once if it is running and removes the temporary directory. */
  async destroy(): Promise<void> {
    if (existsSync(join(this.dataDir, "postmaster.pid"))) await this.stop("immediate").catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Runs a PostgreSQL server binary (as the postgres OS user when we are root); a failure carries the server log's tail. */
  private async pgTool(tool: string, args: string[], what: string): Promise<void> {
    try {
      await runAsPostgres(join(pgBinDir(), tool), args, this.dir);
    } catch (err) {
      throw new Error(`${what} failed for the cluster in ${this.dir}: ${messageOf(err)}${await this.logTail()}`, { cause: err });
    }
  }

  /** The last lines of the server log, formatted for an error message (empty if there is no log). */
  private async logTail(lines = 30): Promise<string> {
    const text = await readFile(this.logFile, "utf8").catch(() => "");
    if (!text) return "";
    return `\n--- last lines of ${this.logFile} ---\n${text.trimEnd().split("\n").slice(-lines).join("\n")}`;
  }
}

/** The highest PostgreSQL major version installed under /usr/lib/postgresql, if any. */
function pgVersion(): number | undefined {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).map(Number).filter((v) => Number.isInteger(v) && v > 0) : [];
  return versions.length ? Math.max(...versions) : undefined;
}

/** Directory of the server binaries (initdb, pg_ctl, postgres) of the newest installed version. */
function pgBinDir(): string {
  const version = pgVersion();
  if (version === undefined) throw new Error(`no PostgreSQL server binaries under ${PG_ROOT}: install them with "apt-get install postgresql"`);
  return join(PG_ROOT, String(version), "bin");
}

/** Whether this process runs as root, which initdb and postgres refuse. */
function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Runs `cmd` as the postgres OS user when we are root, directly otherwise. */
async function runAsPostgres(cmd: string, args: string[], cwd: string): Promise<void> {
  const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  await run(file, argv, { cwd, timeout: (START_TIMEOUT_S + 30) * 1000 });
}

/** Hands `dir` to the postgres OS user when we are root, so initdb and the server can write in it. */
async function ownByPostgres(dir: string): Promise<void> {
  if (!isRoot()) return;
  const id = async (flag: string) => Number((await run("id", [flag, "postgres"])).stdout.trim());
  await chown(dir, await id("-u"), await id("-g"));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not determine a free port");
  return address.port;
}

/** `url` with `pathname` replaced by database `name`. */
function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** `url` without its password, for error messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable VIGIL_TEST_PG_URL)";
  }
}

/** The message of an error-like value (for AggregateErrors, those of its parts too). */
function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return err.errors.map(messageOf).join("; ");
  return err instanceof Error ? err.message || String(err) : String(err);
}

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
