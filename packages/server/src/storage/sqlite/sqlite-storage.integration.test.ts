import { after, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { VigilError } from "../../core/errors.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStorage } from "./sqlite-storage.js";
import { describeStorageContract } from "../storage-contract.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStorageContract("SQLite", async () => {
  const dataDir = join(dir, String(++n));
  return { storage: openSqliteStorage({ dataDir }), reopen: async () => openSqliteStorage({ dataDir }) };
});

it("refuses a schema newer than this version knows", async () => {
  const dataDir = join(dir, "newer");
  await openSqliteStorage({ dataDir }).close();
  const db = new Database(join(dataDir, "vigil.db"));
  db.prepare("INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', 0)").run();
  db.close();
  assert.throws(() => openSqliteStorage({ dataDir }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && /schema is at version 999/.test(e.message));
});
