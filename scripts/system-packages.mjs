#!/usr/bin/env node
// Installs the Debian packages the test suites run for real (promtool and Prometheus, Alertmanager,
// Chromium for the dashboard's browser tests)
// when they are missing. As root it runs apt-get; otherwise it prints the command. In CI
// (CI=true) a package that cannot be installed fails the run: no suite may skip for lack of it.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const needed = [
  { pkg: "prometheus", bins: ["/usr/bin/prometheus", "/usr/bin/promtool"] },
  { pkg: "prometheus-alertmanager", bins: ["/usr/bin/prometheus-alertmanager"] },
  { pkg: "chromium", bins: ["/usr/bin/chromium"] },
];
const missing = needed.filter((n) => n.bins.some((b) => !existsSync(b))).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);
const ci = process.env.CI === "true";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const command = `apt-get update && apt-get install -y ${missing.join(" ")}`;
if (!isRoot || !existsSync("/usr/bin/apt-get")) {
  const msg = `system packages missing for the tests: ${missing.join(", ")}. Install them with: sudo ${command}`;
  if (ci) {
    console.error(`error: ${msg}`);
    process.exit(1);
  }
  console.warn(`warning: ${msg} (the suites that need them will skip outside CI)`);
  process.exit(0);
}
console.log(`installing ${missing.join(", ")} (needed by the tests)...`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...missing]]) {
  const r = spawnSync("apt-get", args, { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`error: apt-get ${args.join(" ")} failed (exit ${r.status}); install ${missing.join(", ")} by hand`);
    process.exit(1);
  }
}
