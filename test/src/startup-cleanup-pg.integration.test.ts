/**
 * On PostgreSQL a server holds more than on SQLite: the connection pool, the leader check, the
 * shared-log follower. A start-up that fails after the database was opened — at alerting, at the
 * routes, at listening — and a server that closes, leave none of it behind: no socket, timer or
 * thread created while starting is still alive afterwards.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Client } from "pg";
import { startServer } from "@vigil/server/main";
import { loadConfig, type ConfigFlags } from "@vigil/server/config";
import { expectedToStay, leftBehind, trackResources } from "../../packages/server/dist/test-support/async-resources.js";
import { tempDir } from "./helpers.js";
import { createTestDatabase } from "./pg-support.js";

describe("PostgreSQL: a failed start-up or a close leaves no socket, timer or thread behind", () => {
  const t = tempDir("vigil-startup-pg-");
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase("vigil_startup");
  });
  after(async () => {
    await db?.drop();
    t.cleanup();
  });
  let n = 0;
  const start = (flags: ConfigFlags = {}) => startServer(loadConfig({ host: "127.0.0.1", port: 0, dataDir: join(t.dir, `d${++n}`), databaseUrl: db.url, ...flags }, {}), false);
  const stillAlive = (left: string[]) => left.filter((l) => !expectedToStay(l));

  it("a server that started and closed holds nothing", async () => {
    const tracker = trackResources();
    const server = await start();
    const kinds = tracker.kinds();
    assert.ok(kinds.filter((k) => k === "TCPWRAP").length >= 2, `pool connections and the leader's: ${kinds.join(", ")}`);
    assert.ok(kinds.includes("Timeout"), "the leader check and the follower run on timers");
    await server.close();
    const left = stillAlive(await tracker.settle());
    assert.deepEqual(left, [], `left behind after close:\n${left.join("\n\n")}`);
  });

  it("alerting: a stored alert rule that cannot be read", async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query("INSERT INTO alert_rules (name, definition, updated_at) VALUES ('Broken', '{not json', 1)");
    try {
      const r = await leftBehind(() => start());
      assert.equal(r.result.status, "rejected");
      assert.match(String((r.result as PromiseRejectedResult).reason), /JSON/);
      assert.deepEqual(stillAlive(r.left), [], `left behind:\n${stillAlive(r.left).join("\n\n")}`);
    } finally {
      await c.query("DELETE FROM alert_rules WHERE name = 'Broken'");
      await c.end();
    }
  });

  it("routes: a config-file route whose model is not registered", async () => {
    const config = join(t.dir, "routes.yaml");
    writeFileSync(config, "failover:\n  routes:\n    - { route: chat, primary: nowhere }\n");
    const r = await leftBehind(() => start({ config }));
    assert.equal(r.result.status, "rejected");
    assert.match(String((r.result as PromiseRejectedResult).reason), /model nowhere is not registered/);
    assert.deepEqual(stillAlive(r.left), [], `left behind:\n${stillAlive(r.left).join("\n\n")}`);
  });

  it("listen: the port is already in use", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await leftBehind(() => start({ port }));
      assert.equal(r.result.status, "rejected");
      assert.match(String((r.result as PromiseRejectedResult).reason), /already in use/);
      assert.deepEqual(stillAlive(r.left), [], `left behind:\n${stillAlive(r.left).join("\n\n")}`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
