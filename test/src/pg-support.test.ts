/** The PostgreSQL test helpers: throw-away databases on the shared server, and a private cluster that survives stop and start. */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Client } from "pg";
import { createTestDatabase, PrivateCluster, waitFor } from "./pg-support.js";

/** Runs one query on a fresh connection and returns its rows. */
async function query(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether a database of that name exists on the server at `url`. */
async function databaseExists(url: string, name: string): Promise<boolean> {
  return (await query(url, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;
}

describe("createTestDatabase", () => {
  it("creates a uniquely named database and drops it again", async () => {
    const db = await createTestDatabase();
    assert.match(db.name, new RegExp(`^vigil_test_${process.pid}_[0-9a-f]{8}$`));
    try {
      assert.equal(await databaseExists(db.url, db.name), true);
      assert.deepEqual(await query(db.url, "SELECT current_database() AS name"), [{ name: db.name }]);
    } finally {
      await db.drop();
    }
    const admin = await createTestDatabase("vigil_probe");
    try {
      assert.equal(await databaseExists(admin.url, db.name), false);
    } finally {
      await admin.drop();
    }
  });
});

describe("PrivateCluster", () => {
  let cluster: PrivateCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  it("keeps committed data across a fast and an immediate stop, and refuses connections while stopped", { timeout: 60_000 }, async () => {
    const port = await freePort();
    cluster = await PrivateCluster.create({ port });
    assert.equal(cluster.url(), `postgres://postgres@127.0.0.1:${port}/postgres`);
    const url = await cluster.createDatabase("ingest");
    assert.deepEqual(await query(url, "SELECT 1 AS one"), [{ one: 1 }]);
    await query(url, "CREATE TABLE events (id integer PRIMARY KEY, note text)");
    await query(url, "INSERT INTO events VALUES (1, 'before the stop')");

    for (const mode of ["fast", "immediate"] as const) {
      await cluster.stop(mode);
      await assert.rejects(query(url, "SELECT 1"), (err: NodeJS.ErrnoException) => err.code === "ECONNREFUSED");
      await cluster.start();
      assert.deepEqual(await query(url, "SELECT 1 AS one"), [{ one: 1 }]);
      assert.deepEqual(await query(url, "SELECT id, note FROM events"), [{ id: 1, note: "before the stop" }]);
    }
  });
});

describe("waitFor", () => {
  it("returns the first value that is neither undefined nor false", async () => {
    let calls = 0;
    assert.equal(await waitFor(async () => (++calls >= 3 ? "ready" : false), 2_000, "the third call"), "ready");
    assert.equal(calls, 3);
  });

  it("times out with the last error", async () => {
    await assert.rejects(
      waitFor(async () => {
        throw new Error("still down");
      }, 250, "a server that never starts"),
      /^Error: timed out after 250 ms waiting for a server that never starts: last error: still down$/,
    );
  });
});
