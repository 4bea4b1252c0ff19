import { after } from "node:test";
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
