#!/usr/bin/env node
// Makes sure better-sqlite3's native addon is built for this Node.js, compiled from source on this machine:
// nothing downloads a prebuilt binary. package.json's allowScripts keeps npm from running better-sqlite3's
// own install script (prebuild-install, which tries a download first, then node-gyp) so that this step can
//  - reuse the addon this machine compiled before for the same better-sqlite3 version and Node.js ABI, kept
//    under ~/.cache/vigil/native (VIGIL_NATIVE_CACHE): compiling SQLite costs over a minute of CPU, which
//    every fresh clone (CI's included) would otherwise pay again;
//  - run beside `tsc -b` (scripts/build.mjs), which keeps the other core busy on a fresh clone.
// An addon is used only after it has opened a database in a child process.
// Usage: npm run build:native [-- --rebuild] (through npm, which passes node-gyp its settings such as nodedir);
// --package-dir <dir> works on another copy of better-sqlite3.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const rebuild = args.includes("--rebuild");
const dirArg = args.indexOf("--package-dir");
const pkgDir = dirArg >= 0 ? args[dirArg + 1] : dirname(createRequire(join(root, "packages/server/package.json")).resolve("better-sqlite3/package.json"));
const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const addon = join(pkgDir, "build", "Release", "better_sqlite3.node");
const libc = process.platform === "linux" ? (process.report.getReport().header.glibcVersionRuntime ? "-glibc" : "-musl") : "";
const cacheDir = process.env.VIGIL_NATIVE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "vigil", "native");
const cached = join(cacheDir, `better-sqlite3-${version}-node-abi${process.versions.modules}-${process.platform}-${process.arch}${libc}.node`);

/** Whether better-sqlite3 at `pkgDir` opens and queries a database, in a child so a bad addon cannot crash this one. */
function loads() {
  const probe = `const D = require(${JSON.stringify(pkgDir)}); const db = new D(":memory:"); db.prepare("select sqlite_version()").get(); db.close();`;
  return spawnSync(process.execPath, ["-e", probe], { stdio: "ignore" }).status === 0;
}

/** Copies `from` to `to` through a temporary name, so that a reader never sees half a file. */
function copyAtomically(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/** Keeps the addon for the next install (replacing a cached one when `replace`); true when it is kept. */
function saveToCache(replace = false) {
  if (existsSync(cached) && !replace) return true;
  try {
    copyAtomically(addon, cached);
    return true;
  } catch (err) {
    console.warn(`better-sqlite3: could not keep the addon in ${cacheDir} (${err.message}); the next fresh install compiles it again`);
    return false;
  }
}

function compile() {
  const nodeGyp = process.env.npm_config_node_gyp ? [process.execPath, process.env.npm_config_node_gyp] : ["node-gyp"];
  console.log(`better-sqlite3 ${version}: compiling the native addon from source (about a minute of CPU)...`);
  const started = Date.now();
  return new Promise((resolve) => {
    // sqlite3.c is one translation unit, so more jobs only overlap the small C++ part.
    const child = spawn(nodeGyp[0], [...nodeGyp.slice(1), "rebuild", "--release"], { cwd: pkgDir, env: { JOBS: "max", ...process.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", (err) => resolve({ ok: false, output: `${output}\n${err.message}` }));
    child.on("close", (code) => resolve({ ok: code === 0, output, seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

if (!rebuild && existsSync(addon) && loads()) {
  saveToCache();
  process.exit(0);
}
if (!rebuild && existsSync(cached)) {
  copyAtomically(cached, addon);
  if (loads()) {
    console.log(`better-sqlite3 ${version}: reused the addon compiled earlier on this machine (${cached})`);
    process.exit(0);
  }
  console.log(`better-sqlite3 ${version}: the addon in ${cached} does not load here; compiling a new one`);
}
const built = await compile();
if (!built.ok || !loads()) {
  console.error(built.output);
  console.error(`error: better-sqlite3 ${version}: the native addon did not build (output above). It needs python3, make and a C++ compiler; rerun with: npm run build:native`);
  process.exit(1);
}
const kept = saveToCache(true);
console.log(`better-sqlite3 ${version}: compiled in ${built.seconds} s${kept ? `; kept in ${cacheDir} for the next install` : ""}`);
