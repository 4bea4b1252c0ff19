/** scripts/system-packages.mjs, which `npm test` runs first: it must not touch apt when the packages are there, and must wait for another apt/dpkg rather than fail. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/system-packages.mjs", import.meta.url));
const FRONTEND_LOCK = "/var/lib/dpkg/lock-frontend";
const canRun =
  process.getuid?.() === 0 &&
  existsSync("/usr/bin/apt-get") &&
  spawnSync("python3", ["-c", "import fcntl"]).status === 0 &&
  spawnSync("dpkg-query", ["-W", "-f=${Status}", "prometheus"], { encoding: "utf8" }).stdout === "install ok installed";
// In CI every suite runs (system-packages.mjs has installed prometheus by then); elsewhere this needs root and apt.
const skip = !canRun && process.env.CI !== "true" ? "needs root, apt-get, python3 and Debian's prometheus package" : false;

/** Another process holding apt's frontend lock the way apt-get and dpkg take it (an fcntl lock, which flock(1) is not). */
async function holdAptLock(seconds: number): Promise<ChildProcess> {
  const code = "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(float(sys.argv[2]))\n";
  const child = spawn("python3", ["-c", code, FRONTEND_LOCK, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (status) => reject(new Error(`the lock holder exited (${status}) before taking the lock`)));
  });
  return child;
}

/** Runs the script with `env` added; resolves with its exit code, output and how long it took. */
function runScript(env: Record<string, string>): Promise<{ code: number; out: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, out, seconds: (performance.now() - started) / 1000 })));
}

describe("system packages for the test suites", { skip }, () => {
  it("runs no apt-get when dpkg reports the packages installed and their binaries exist, even while apt's lock is held", async () => {
    const holder = await holdAptLock(10);
    try {
      const r = await runScript({ CI: "true" });
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, "");
      assert.ok(r.seconds < 5, `took ${r.seconds} s`);
    } finally {
      holder.kill();
    }
  });

  it("waits for the dpkg lock another process holds instead of failing, and does not refresh fresh package lists", async () => {
    // prometheus is installed, so apt-get install has nothing to do once it has the lock; the binary that is
    // not there makes the script install it, then report it still missing.
    const holder = await holdAptLock(3);
    try {
      const r = await runScript({ CI: "true", VIGIL_SYSTEM_PACKAGES: "prometheus=/nonexistent/promtool" });
      assert.match(r.out, new RegExp(`waiting for ${FRONTEND_LOCK}, held by process ${holder.pid} \\(python3\\)`));
      assert.match(r.out, /apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends prometheus/);
      assert.ok(r.seconds >= 2.5, `finished after ${r.seconds} s, before the lock was released`);
      assert.doesNotMatch(r.out, /apt-get .*update|Unable to acquire|gave up/);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /error: prometheus is installed but \/nonexistent\/promtool is still missing/);
    } finally {
      holder.kill();
    }
  });

  it("gives up after VIGIL_APT_LOCK_TIMEOUT and fails in CI, warns outside CI", async () => {
    const holder = await holdAptLock(10);
    try {
      const ci = await runScript({ CI: "true", VIGIL_APT_LOCK_TIMEOUT: "1", VIGIL_SYSTEM_PACKAGES: "prometheus=/nonexistent/promtool" });
      assert.equal(ci.code, 1, ci.out);
      assert.match(ci.out, /error: gave up after 1 s waiting for the apt\/dpkg lock/);
      assert.ok(ci.seconds < 6, `took ${ci.seconds} s`);
      const local = await runScript({ CI: "false", VIGIL_APT_LOCK_TIMEOUT: "0", VIGIL_SYSTEM_PACKAGES: "prometheus=/nonexistent/promtool" });
      assert.equal(local.code, 0, local.out);
      assert.match(local.out, /warning: gave up after 0 s waiting for the apt\/dpkg lock .* \(the suites that need them will skip outside CI\)/);
    } finally {
      holder.kill();
    }
  });

  it("refuses a malformed VIGIL_SYSTEM_PACKAGES or VIGIL_APT_LOCK_TIMEOUT, naming it", async () => {
    const bad = await runScript({ CI: "true", VIGIL_SYSTEM_PACKAGES: "Not_A_Package" });
    assert.equal(bad.code, 1);
    assert.match(bad.out, /VIGIL_SYSTEM_PACKAGES: "Not_A_Package" is not a Debian package name/);
    const timeout = await runScript({ CI: "true", VIGIL_APT_LOCK_TIMEOUT: "soon" });
    assert.equal(timeout.code, 1);
    assert.match(timeout.out, /VIGIL_APT_LOCK_TIMEOUT: expected a number of seconds, got "soon"/);
  });
});
