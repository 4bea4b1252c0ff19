/** scripts/native-addon.mjs, which `npm install` runs through `npm run build`: a fresh clone reuses the better-sqlite3 addon this machine compiled before instead of compiling SQLite again. */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/native-addon.mjs", import.meta.url));
const requireFromServer = createRequire(fileURLToPath(new URL("../../packages/server/package.json", import.meta.url)));
const installed = dirname(requireFromServer.resolve("better-sqlite3/package.json"));
const requireFromAddon = createRequire(join(installed, "package.json"));

/** A copy of the installed better-sqlite3 (and what it requires) in a node_modules of its own, as a fresh clone would have it. */
function cloneOfBetterSqlite(root: string): string {
  const pkgDir = join(root, "node_modules", "better-sqlite3");
  // The sources (deps/, src/) and the compiler's intermediate files are not needed to load the addon.
  const skipped = new Set(["build", "deps", "src"].map((d) => join(installed, d)));
  cpSync(installed, pkgDir, { recursive: true, filter: (src) => !skipped.has(src) });
  cpSync(join(installed, "build", "Release", "better_sqlite3.node"), join(pkgDir, "build", "Release", "better_sqlite3.node"));
  for (const dep of ["bindings", "file-uri-to-path"]) cpSync(dirname(requireFromAddon.resolve(`${dep}/package.json`)), join(root, "node_modules", dep), { recursive: true });
  return pkgDir;
}

function runScript(pkgDir: string, cache: string): { code: number; out: string; seconds: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [SCRIPT, "--package-dir", pkgDir], { env: { ...process.env, VIGIL_NATIVE_CACHE: cache }, encoding: "utf8" });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, seconds: (performance.now() - started) / 1000 };
}

/** Whether better-sqlite3 at `pkgDir` opens a database, in a child process. */
function opensDatabase(pkgDir: string): boolean {
  const probe = `const D = require(${JSON.stringify(pkgDir)}); new D(":memory:").prepare("select 1 as one").get().one === 1 || process.exit(1)`;
  return spawnSync(process.execPath, ["-e", probe], { stdio: "ignore" }).status === 0;
}

describe("better-sqlite3's native addon", () => {
  const { dir, cleanup } = tempDir("vigil-native-");
  after(cleanup);
  const cache = join(dir, "cache");
  const pkgDir = cloneOfBetterSqlite(join(dir, "clone"));
  const addon = join(pkgDir, "build", "Release", "better_sqlite3.node");
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };

  it("keeps an addon that loads in the machine's cache, keyed by better-sqlite3 version and Node ABI, without compiling", () => {
    assert.ok(existsSync(addon), "the installed better-sqlite3 has no compiled addon");
    const r = runScript(pkgDir, cache);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /compiling/);
    assert.deepEqual(readdirSync(cache).filter((f) => !f.endsWith(".tmp")), [`better-sqlite3-${version}-node-abi${process.versions.modules}-${process.platform}-${process.arch}-glibc.node`]);
  });

  it("puts the cached addon into a fresh clone that has none, in seconds and without compiling", () => {
    rmSync(join(pkgDir, "build"), { recursive: true });
    assert.equal(opensDatabase(pkgDir), false);
    const r = runScript(pkgDir, cache);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`better-sqlite3 ${version.replaceAll(".", "\\.")}: reused the addon compiled earlier on this machine`));
    assert.doesNotMatch(r.out, /compiling/);
    assert.ok(r.seconds < 10, `took ${r.seconds} s`);
    assert.equal(opensDatabase(pkgDir), true);
  });
});
