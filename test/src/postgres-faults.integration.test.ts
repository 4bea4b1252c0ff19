/**
 * Acceptance: PostgreSQL faults while Vigil serves (one `vigil serve` child on a database of the
 * shared server). Killing Vigil's connections over and over under load never makes it exit or
 * answer 500, and loses no acknowledged event; a database that refuses connections or has been
 * renamed gives 503 with Retry-After and an unready `/readyz`, and Vigil recovers without a
 * restart once the database is back.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, escapeIdentifier } from "pg";
import { childServer, tempDir, type ChildServer } from "./helpers.js";
import { createTestDatabase, pgAdminUrl, waitFor } from "./pg-support.js";
import { STORE_READS, Tally, ingestLoop, isProperUnavailable, readLoop, sleep, type IngestState } from "./fault-traffic.js";

const ROUNDS = 50;
const INGEST_CLIENTS = 3;
const READERS = 2;

describe("PostgreSQL faults while serving", () => {
  const tmp = tempDir();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Client;
  let server: ChildServer;
  let exited: string | null = null;

  const terminate = () => admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [db.name]);
  const alive = () => assert.equal(exited, null, `Vigil exited during the test (${exited}):\n${server.output().slice(-4000)}`);
  const status = async (path: string) => {
    const r = await fetch(server.url + path, { signal: AbortSignal.timeout(5_000) });
    await r.arrayBuffer();
    return r.status;
  };
  const leads = async () => {
    const r = await fetch(`${server.url}/api/v1/health/detailed`, { signal: AbortSignal.timeout(5_000) });
    return ((await r.json()) as { cluster?: { leader?: boolean } }).cluster?.leader === true;
  };

  before(async () => {
    db = await createTestDatabase("vigil_faults");
    admin = new Client({ connectionString: pgAdminUrl() });
    admin.on("error", () => {});
    await admin.connect();
    const cfg = join(tmp.dir, "vigil.yaml");
    // Short timeouts and intervals keep the suite quick; the behaviour is the same at the defaults.
    writeFileSync(cfg, `storage: { database_url: "${db.url}", pool_max: 6, connect_timeout: 1s }\ncluster: { follow_interval: 1s, leader_check_interval: 1s }\nrollups: { flush_interval: 1s }\n`);
    server = await childServer(join(tmp.dir, "data"), ["--config", cfg]);
    server.proc.once("exit", (code, signal) => (exited = `code ${code}, signal ${signal}`));
  });

  after(async () => {
    if (server && exited === null) {
      const gone = new Promise((r) => server.proc.once("exit", r));
      server.proc.kill("SIGTERM");
      const timer = setTimeout(() => server.proc.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    }
    if (admin) {
      // A failed run may leave the database renamed or closed to connections.
      await admin.query(`ALTER DATABASE ${escapeIdentifier(`${db.name}_moved`)} RENAME TO ${escapeIdentifier(db.name)}`).catch(() => {});
      await admin.query(`ALTER DATABASE ${escapeIdentifier(db.name)} ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end().catch(() => {});
    }
    await db?.drop();
    tmp.cleanup();
  });

  it(`survives ${ROUNDS} rounds of pg_terminate_backend on all its connections under load: no exit, no 500, every acknowledged event stored`, { timeout: 60_000 }, async () => {
    const tally = new Tally();
    const states: IngestState[] = Array.from({ length: INGEST_CLIENTS }, (_, i) => ({ name: `c${i}`, acked: [], ackedBatches: 0 }));
    let stop = false;
    const stopped = () => stop || tally.violation !== null || exited !== null;
    const clients = Promise.all([
      ...states.map((st) => ingestLoop(tally, server.url, st, stopped, { size: 50, retryMs: 100 })),
      ...Array.from({ length: READERS }, () => readLoop(tally, server.url, stopped, 20)),
    ]);
    try {
      await waitFor(async () => states.every((s) => s.ackedBatches > 0) || stopped(), 10_000, "a first acknowledged batch at every client");
      let killed = 0;
      for (let round = 0; round < ROUNDS && !stopped(); round++) {
        await sleep(60 + Math.floor(Math.random() * 120));
        killed += (await terminate()).rowCount ?? 0;
      }
      // Every client gets batches through again after the last round.
      const atEnd = states.map((s) => s.ackedBatches);
      await waitFor(async () => states.every((s, i) => s.ackedBatches >= atEnd[i]! + 2) || stopped(), 15_000, "2 more acknowledged batches at every client after the last round");
      stop = true;
      await clients;
      alive();
      assert.equal(tally.violation, null, tally.violation ?? "");

      const acked = new Set(states.flatMap((s) => s.acked));
      const ids = await storedIds(db.url);
      const missing = [...acked].filter((id) => !ids.has(id));
      console.log(JSON.stringify({ rounds: ROUNDS, connections_killed: killed, acked: acked.size, stored: ids.size, missing: missing.length, answers: tally.counts }));
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${acked.size} acknowledged events are missing from PostgreSQL`);

      // The dedicated leadership connection was killed too: it is replaced and the lock retaken.
      await waitFor(leads, 10_000, "this instance to lead again");
      await waitFor(async () => (await status("/readyz")) === 200, 10_000, "/readyz to answer 200");
      alive();
    } finally {
      stop = true;
      await clients.catch(() => {});
    }
  });

  it("answers 503 with Retry-After and is unready while the database refuses connections or is renamed, and recovers without a restart", { timeout: 60_000 }, async () => {
    const tally = new Tally();
    const outage = async (what: string) => {
      await waitFor(async () => (await status("/readyz")) === 503, 10_000, `/readyz to answer 503 (${what})`);
      const answers = [await tally.request("POST", `${server.url}/api/v1/ingest`, { events: [{ id: `outage-${what.replaceAll(" ", "-")}`, type: "run", body: { agent_name: "outage", status: "success", duration_ms: 5 } }] })];
      for (const path of STORE_READS) answers.push(await tally.request("GET", server.url + path));
      for (const [i, a] of answers.entries()) assert.ok(a && isProperUnavailable(a), `${what}: ${i === 0 ? "ingest" : STORE_READS[i - 1]} answered ${JSON.stringify(a)}`);
      alive();
    };
    const name = escapeIdentifier(db.name);
    const moved = escapeIdentifier(`${db.name}_moved`);

    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await terminate();
    await outage("connections not allowed");

    await admin.query(`ALTER DATABASE ${name} RENAME TO ${moved}`);
    await admin.query(`ALTER DATABASE ${moved} ALLOW_CONNECTIONS true`);
    await outage("database renamed");

    const back = Date.now();
    await admin.query(`ALTER DATABASE ${moved} RENAME TO ${name}`);
    await waitFor(async () => (await status("/readyz")) === 200, 10_000, "/readyz to answer 200 once the database is back");
    const readyAfter = Date.now() - back;
    const a = await tally.request("POST", `${server.url}/api/v1/ingest`, { events: [{ id: "after-outage", type: "run", body: { agent_name: "outage", status: "success", duration_ms: 5 } }] });
    assert.equal(a?.status, 207, `ingest after the outage: ${JSON.stringify(a)}`);
    for (const path of STORE_READS) assert.equal((await tally.request("GET", server.url + path))?.status, 200, `${path} after the outage`);
    await waitFor(leads, 10_000, "this instance to lead again");
    assert.equal(tally.violation, null, tally.violation ?? "");
    console.log(JSON.stringify({ ready_after_ms: readyAfter }));
    alive();
  });
});

/** Every stored event id. */
async function storedIds(url: string): Promise<Set<string>> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on("error", () => {});
  await c.connect();
  try {
    return new Set((await c.query<{ id: string }>("SELECT id FROM events")).rows.map((r) => r.id));
  } finally {
    await c.end().catch(() => {});
  }
}
