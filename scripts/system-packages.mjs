#!/usr/bin/env node
// Installs the Debian packages the test suites run for real (promtool and Prometheus, Alertmanager,
// Chromium for the dashboard's browser tests) when they are missing.
//
// A package counts as present when dpkg reports it installed and its binaries exist: then nothing else
// runs, so `npm test` takes no apt lock and needs no network. When one is missing, as root, it runs
// apt-get install, waiting for the dpkg/apt lock that another apt-get or dpkg may hold instead of failing,
// and runs apt-get update only when the package lists are absent or over a week old, or when the install
// failed with the lists as they were. Otherwise it prints the command. In CI (CI=true) a package that
// cannot be installed fails the run: no suite may skip for lack of it.
//
// Environment: VIGIL_SYSTEM_PACKAGES replaces the list ("pkg=/usr/bin/a,/usr/bin/b pkg2 ..."; a package
// given without binaries is checked with dpkg only); VIGIL_APT_LOCK_TIMEOUT is how long to wait for the
// lock, in seconds (default 300).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The packages the suites need, each with the binaries they run. */
export const DEFAULT_PACKAGES = "prometheus=/usr/bin/prometheus,/usr/bin/promtool prometheus-alertmanager=/usr/bin/prometheus-alertmanager chromium=/usr/bin/chromium";

/** The locks apt-get and dpkg take; whoever holds one makes apt-get wait (or fail, without a timeout). */
export const APT_LOCKS = ["/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock"];

const LISTS_DIR = "/var/lib/apt/lists";
const LISTS_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const LOCK_FAILURE = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the )?(administration )?directory/i;

/** Parses a package list such as DEFAULT_PACKAGES into names and the binaries that must exist. */
export function parsePackages(spec) {
  const entries = spec.split(/\s+/).filter(Boolean);
  if (entries.length === 0) throw new Error("VIGIL_SYSTEM_PACKAGES: expected at least one package, as pkg or pkg=/path/to/bin,...");
  return entries.map((entry) => {
    const [pkg, bins = ""] = entry.split("=", 2);
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pkg)) throw new Error(`VIGIL_SYSTEM_PACKAGES: "${pkg}" is not a Debian package name`);
    return { pkg, bins: bins.split(",").filter(Boolean) };
  });
}

/** The names among `pkgs` that dpkg reports as installed ("install ok installed"). */
export function dpkgInstalled(pkgs) {
  // dpkg-query exits 1 when a package is unknown but still prints the others.
  const r = spawnSync("dpkg-query", ["-W", "-f=${Package} ${Status}\\n", ...pkgs], { encoding: "utf8" });
  const installed = new Set();
  for (const line of (r.stdout ?? "").split("\n")) {
    const [name, ...status] = line.trim().split(/\s+/);
    if (name && status.join(" ") === "install ok installed") installed.add(name.replace(/:.*$/, ""));
  }
  return installed;
}

/** The packages of `wanted` that are not installed or lack one of their binaries. */
export function missingPackages(wanted, installed = dpkgInstalled(wanted.map((p) => p.pkg)), exists = existsSync) {
  return wanted.filter((p) => !installed.has(p.pkg) || p.bins.some((b) => !exists(b)));
}

/**
 * The processes holding one of `paths` locked, read from /proc/locks (apt and dpkg use fcntl locks, which
 * /proc/locks lists with the file's device and inode); processes only waiting for a lock are left out.
 */
export function lockHolders(paths, procLocks = readProcLocks(), self = process.pid) {
  const wanted = new Map();
  for (const path of paths) {
    try {
      const st = statSync(path);
      // Linux's dev_t: major in bits 8-19, minor in bits 0-7 and 20-31.
      const major = Math.floor(st.dev / 256) & 0xfff;
      const minor = (st.dev & 0xff) | (Math.floor(st.dev / 4096) & 0xfff00);
      wanted.set(`${major}:${minor}:${st.ino}`, path);
    } catch {
      // An absent lock file is held by no one.
    }
  }
  const holders = [];
  for (const line of procLocks.split("\n")) {
    // "12: POSIX  ADVISORY  WRITE 4321 fe:00:402117 0 EOF"; waiters have "->" after the number.
    const m = /^\d+:\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!m || Number(m[2]) === self) continue;
    const path = wanted.get(`${parseInt(m[3], 16)}:${parseInt(m[4], 16)}:${m[5]}`);
    if (path) holders.push({ path, pid: Number(m[2]) });
  }
  return holders;
}

function readProcLocks() {
  try {
    return readFileSync("/proc/locks", "utf8");
  } catch {
    return "";
  }
}

function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** "absent" when apt has no package lists, "old" when the newest is over a week old, else "fresh". */
export function listsState(dir = LISTS_DIR, now = Date.now()) {
  let newest = 0;
  let any = false;
  try {
    for (const name of readdirSync(dir)) {
      if (!/_Packages(\.\w+)?$/.test(name)) continue;
      any = true;
      newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    }
  } catch {
    return "absent";
  }
  if (!any) return "absent";
  return now - newest > LISTS_MAX_AGE_MS ? "old" : "fresh";
}

/** apt-get's arguments for `args`, told to wait up to `timeoutSeconds` for the dpkg lock instead of failing. */
export function aptArgs(args, timeoutSeconds) {
  return ["-o", `DPkg::Lock::Timeout=${Math.max(0, Math.ceil(timeoutSeconds))}`, ...args];
}

/** The lock timeout from VIGIL_APT_LOCK_TIMEOUT, in seconds (default 300). */
export function lockTimeoutSeconds(value) {
  if (value === undefined || value === "") return 300;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`VIGIL_APT_LOCK_TIMEOUT: expected a number of seconds, got "${value}"`);
  return n;
}

function runAptOnce(args) {
  console.log(`$ apt-get ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn("apt-get", args, { stdio: ["ignore", "inherit", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on("error", (err) => resolve({ code: 127, stderr: String(err) }));
    child.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/**
 * Runs apt-get, waiting until `deadline` for the locks: install waits inside apt-get (DPkg::Lock::Timeout),
 * and a command that still fails for a lock (apt-get update does not wait for the lists lock) is run again.
 */
async function runApt(args, deadline) {
  const told = new Set();
  for (;;) {
    for (const { path, pid } of lockHolders(APT_LOCKS)) {
      if (told.has(pid)) continue;
      told.add(pid);
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      console.log(`waiting for ${path}, held by process ${pid} (${processName(pid)}), for up to ${left} s more (VIGIL_APT_LOCK_TIMEOUT)...`);
    }
    const r = await runAptOnce(aptArgs(args, (deadline - Date.now()) / 1000));
    const lockFailure = r.code !== 0 && LOCK_FAILURE.test(r.stderr);
    if (!lockFailure || Date.now() >= deadline) return { ...r, lockFailure };
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main() {
  const ci = process.env.CI === "true";
  const fail = (msg) => {
    if (ci) {
      console.error(`error: ${msg}`);
      process.exit(1);
    }
    console.warn(`warning: ${msg} (the suites that need them will skip outside CI)`);
    process.exit(0);
  };
  let wanted;
  let timeout;
  try {
    wanted = parsePackages(process.env.VIGIL_SYSTEM_PACKAGES ?? DEFAULT_PACKAGES);
    timeout = lockTimeoutSeconds(process.env.VIGIL_APT_LOCK_TIMEOUT);
  } catch (err) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    fail(`system packages missing for the tests: ${names.join(", ")}. Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names.join(" ")}`);
  }
  console.log(`installing ${names.join(", ")} (needed by the tests)...`);
  const deadline = Date.now() + timeout * 1000;
  const lockGiveUp = (r) => fail(`gave up after ${timeout} s waiting for the apt/dpkg lock (apt-get exit ${r.code}); raise VIGIL_APT_LOCK_TIMEOUT or install ${names.join(", ")} by hand`);
  const lists = listsState();
  let updated = false;
  const update = async (why) => {
    console.log(`${why}: refreshing them first`);
    const r = await runApt(["update"], deadline);
    if (r.lockFailure) lockGiveUp(r);
    if (r.code !== 0) fail(`apt-get update failed (exit ${r.code}); install ${names.join(", ")} by hand`);
    updated = true;
  };
  if (lists !== "fresh") await update(`the apt package lists are ${lists}`);
  const install = ["install", "-y", "--no-install-recommends", ...names];
  let r = await runApt(install, deadline);
  if (r.code !== 0 && !r.lockFailure && !updated) {
    await update(`apt-get install failed (exit ${r.code}) with the package lists as they were`);
    r = await runApt(install, deadline);
  }
  if (r.lockFailure) lockGiveUp(r);
  if (r.code !== 0) fail(`apt-get install ${names.join(" ")} failed (exit ${r.code})`);
  const still = missingPackages(missing);
  for (const p of still) {
    const absent = p.bins.filter((b) => !existsSync(b));
    fail(absent.length ? `${p.pkg} is installed but ${absent.join(", ")} is still missing` : `apt-get installed ${p.pkg} but dpkg does not report it installed`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
