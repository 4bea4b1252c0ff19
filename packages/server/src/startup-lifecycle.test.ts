/**
 * A start-up that fails at any step leaves nothing behind: every timer, socket, server, worker
 * thread and child process created while starting is gone once the error has been thrown. Each
 * test makes one step fail for a reason an operator meets (the data directory, the store's
 * contents, a model the registry does not know, a port in use) and lists what is still alive.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadConfig, startServer, type ConfigFlags } from "./index.js";
import { expectedToStay, leftBehind, trackResources } from "./test-support/async-resources.js";

const root = mkdtempSync(join(tmpdir(), "vigil-startup-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

const config = (yaml: string) => {
  const file = join(root, `vigil-${++dirs}.yaml`);
  writeFileSync(file, yaml);
  return file;
};

const start = (flags: ConfigFlags) => startServer(loadConfig({ host: "127.0.0.1", port: 0, ...flags }, {}), false);

/** Starts and stops a server on `dataDir` so that its store exists, then lets `change` edit the SQLite file. */
async function storeThen(dataDir: string, change: (db: Database.Database) => void): Promise<void> {
  const s = await start({ dataDir });
  await s.close();
  const db = new Database(join(dataDir, "vigil.db"));
  try {
    change(db);
  } finally {
    db.close();
  }
}

function assertFailedCleanly(r: { result: PromiseSettledResult<unknown>; left: string[] }, reason: RegExp, allowed: (l: string) => boolean = () => false): void {
  assert.equal(r.result.status, "rejected", "the start must fail");
  const err = (r.result as PromiseRejectedResult).reason as Error;
  assert.match(String(err.message), reason);
  const left = r.left.filter((l) => !allowed(l));
  assert.deepEqual(left, [], `left behind after the failed start:\n${left.join("\n\n")}`);
}

describe("a start-up that fails leaves no timer, socket, thread or process behind", () => {
  it("the check sees what a running server holds, and that closing it releases all of it", async () => {
    const t = trackResources();
    const server = await start({ dataDir: freshDir() });
    const kinds = t.kinds();
    for (const held of ["TCPSERVERWRAP", "WORKER", "Timeout"]) assert.ok(kinds.includes(held), `a running server holds a ${held}: ${kinds.join(", ")}`);
    await server.close();
    const left = (await t.settle()).filter((l) => !expectedToStay(l));
    assert.deepEqual(left, [], `left behind after close:\n${left.join("\n\n")}`);
  });

  it("storage: a data directory that cannot be created", async () => {
    const blocker = join(root, "a-file");
    writeFileSync(blocker, "not a directory");
    assertFailedCleanly(await leftBehind(() => start({ dataDir: join(blocker, "data") })), /ENOTDIR|not a directory/);
  });

  it("storage: a PostgreSQL server that cannot be reached", async () => {
    const port = await closedPort();
    assertFailedCleanly(await leftBehind(() => start({ dataDir: freshDir(), databaseUrl: `postgres://vigil:x@127.0.0.1:${port}/vigil` })), /cannot reach PostgreSQL/);
  });

  it("storage: a store that opens but whose events cannot be replayed", async () => {
    const dataDir = freshDir();
    await storeThen(dataDir, (db) => db.prepare("INSERT INTO events (id, type, ts, received_at, body) VALUES ('evt_broken', 0, 1, 1, '{not json')").run());
    assertFailedCleanly(await leftBehind(() => start({ dataDir })), /JSON/);
  });

  it("alerting: a stored alert rule that cannot be read, found after the store and the cluster are open", async () => {
    const dataDir = freshDir();
    await storeThen(dataDir, (db) => db.prepare("INSERT INTO alert_rules (name, definition, updated_at) VALUES ('Broken', '{not json', 1)").run());
    assertFailedCleanly(await leftBehind(() => start({ dataDir })), /JSON/);
  });

  it("routes: a config-file route whose model is not registered", async () => {
    const file = config("failover:\n  routes:\n    - { route: chat, primary: nowhere }\n");
    assertFailedCleanly(await leftBehind(() => start({ dataDir: freshDir(), config: file })), /failover\.routes\[0\]\/primary: model nowhere is not registered/);
  });

  it("listen: the port is already in use", async () => {
    const taken = await listening();
    try {
      const port = (taken.address() as { port: number }).port;
      assertFailedCleanly(await leftBehind(() => start({ dataDir: freshDir(), port })), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`), expectedToStay);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe("periodic jobs", () => {
  it("registers each job once, shows how each has run in health/detailed, and stops them all on close", async () => {
    const t = trackResources();
    const server = await startServer(loadConfig({ host: "127.0.0.1", port: 0, dataDir: freshDir() }, {}), false, { listen: false });
    let jobs: { name: string; runs: number; failures: number; skipped: number }[] = [];
    try {
      const r = await server.app.inject({ method: "GET", url: "/api/v1/health/detailed" });
      assert.equal(r.statusCode, 200);
      jobs = r.json().jobs;
    } finally {
      await server.close();
    }
    // SQLite: no shared log to follow, no price table or rules written by other instances.
    assert.deepEqual(jobs.map((j) => j.name), ["persisting rollups", "retention", "route evaluation", "alert evaluation", "alert evaluation on arrival", "alerting retention", "SLO ledgers", "collecting resources"]);
    const evaluation = jobs.find((j) => j.name === "alert evaluation")!;
    assert.equal(evaluation.runs, 1, "alert evaluation runs once at start, on the leader (SQLite: always)");
    assert.equal(evaluation.failures, 0);
    const left = (await t.settle()).filter((l) => !expectedToStay(l));
    assert.deepEqual(left, [], `left behind after close:\n${left.join("\n\n")}`);
  });
});

describe("the configuration is checked whole before anything is opened", () => {
  it("an invalid rules file fails before the data directory is created", async () => {
    const rules = join(root, "bad-rules.yml");
    writeFileSync(rules, "rules:\n  - { name: Oops, metric: error_rate, comparator: '>', threshold: 0.1, for: 5 minutes }\n");
    const dataDir = freshDir();
    const r = await leftBehind(() => startServer(loadConfig({ host: "127.0.0.1", port: 0, dataDir, rules }, {}), false));
    assertFailedCleanly(r, /rule "Oops", field "for": must be a duration/);
    assert.equal((r.result as PromiseRejectedResult).reason.code, "CONFIG_INVALID");
    assert.throws(() => Database(join(dataDir, "vigil.db"), { fileMustExist: true }), /unable to open|directory does not exist/);
  });

  it("an alerting route to a channel that is not configured fails before the store is opened, naming both", async () => {
    const file = config("alerting:\n  channels: [{ name: ops, type: console }]\n  routes: [{ name: pager, channels: [oncall] }]\n");
    const dataDir = freshDir();
    const r = await leftBehind(() => start({ dataDir, config: file }));
    assertFailedCleanly(r, /alerting route "pager" sends to channel "oncall", which is not configured \(channels: ops, console\)/);
    assert.throws(() => Database(join(dataDir, "vigil.db"), { fileMustExist: true }));
  });
});

async function listening(): Promise<Server> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return s;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = await listening();
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
