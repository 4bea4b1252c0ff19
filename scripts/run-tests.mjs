#!/usr/bin/env node
// Runs every compiled test file (unit tests beside the code, whole-system suites in test/) with node's test runner.
// Usage: node scripts/run-tests.mjs [filter-substring ...]
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const roots = ["packages/contract/dist", "packages/sdk/dist", "packages/server/dist", "test/dist"];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js")) files.push(relative(root, p));
  }
}
for (const r of roots) walk(join(root, r));
const filters = process.argv.slice(2);
const chosen = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (chosen.length === 0) {
  console.error("no test files found: run `npm run build` first");
  process.exit(1);
}
// Files named *.solo.* check timing guarantees (e.g. how stale another instance's view may be):
// they run after the rest, one at a time, so other suites do not compete for the two cores.
const run = (list, concurrency) => (list.length ? spawnSync(process.execPath, ["--test", "--test-reporter=spec", `--test-concurrency=${concurrency}`, ...list], { cwd: root, stdio: "inherit" }).status ?? 1 : 0);
const shared = run(chosen.filter((f) => !f.includes(".solo.")), 2);
const solo = run(chosen.filter((f) => f.includes(".solo.")), 1);
process.exit(shared || solo);
