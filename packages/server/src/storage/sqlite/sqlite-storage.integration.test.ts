import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteStorage } from "./sqlite-storage.js";
import type { StoredEvent } from "../../core/stored-event.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ev = (id: string, ts: number, extra: Partial<StoredEvent> = {}): StoredEvent => ({ id, type: "run", ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 1 }, ...extra });

describe("SQLite storage", () => {
  it("stores each id once, keeps counts per type, and deletes by event time", async () => {
    const s = openSqliteStorage({ dataDir: join(dir, "a") });
    const now = Date.now();
    assert.deepEqual(await s.events.append([ev("1", now - 10 * 86_400_000), ev("2", now), ev("1", now)]), [true, true, false]);
    assert.deepEqual(await s.events.append([{ ...ev("3", now), type: "llm_call", body: { model: "m", latency_ms: 1 } }]), [true]);
    assert.deepEqual(await s.events.countByType(), { run: 2, llm_call: 1, outcome: 0, feedback: 0, metric: 0 });
    assert.equal(await s.events.deleteBefore(now - 7 * 86_400_000, 1000), 1);
    assert.deepEqual((await s.events.countByType()).run, 1);
    const rest = await s.events.readAfter(0, 10);
    assert.deepEqual(rest.map((e) => e.id), ["2", "3"]);
    assert.equal(await s.events.maxSeq(), rest[1]!.seq);
    await s.close();
  });

  it("finds the latest run by run id, else task id, with its prediction", async () => {
    const s = openSqliteStorage({ dataDir: join(dir, "b") });
    await s.events.append([
      ev("r1", 1000, { runId: "run-1", taskId: "task-1", body: { agent_name: "old", status: "success", duration_ms: 1 } }),
      ev("r2", 2000, { runId: "run-2", taskId: "task-1", body: { agent_name: "new", status: "success", duration_ms: 1, model: "m", metadata: { prediction: [1, 2] } } }),
    ]);
    assert.equal((await s.events.findRun({ runId: "run-1" }))!.agent_name, "old");
    const byTask = (await s.events.findRun({ taskId: "task-1" }))!;
    assert.equal(byTask.agent_name, "new");
    assert.deepEqual(byTask.prediction, [1, 2]);
    assert.equal(await s.events.findRun({ runId: "missing" }), null);
    await s.close();
  });

  it("applies migrations once and records them", async () => {
    const s = openSqliteStorage({ dataDir: join(dir, "c") });
    const v = await s.schemaVersion();
    await s.close();
    const again = openSqliteStorage({ dataDir: join(dir, "c") });
    assert.equal(await again.schemaVersion(), v);
    await again.close();
    const db = new Database(join(dir, "c", "vigil.db"), { readonly: true });
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get() as { n: number }).n, v);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    db.close();
  });
});
