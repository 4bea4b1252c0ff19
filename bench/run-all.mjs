#!/usr/bin/env node
// `npm run bench` entry (the root script runs this file): builds the workspace (a no-op when it is
// up to date), then runs bench/dist/run-all.js with the same arguments, e.g. `npm run bench -- ingest`.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const build = spawnSync(process.execPath, [tsc, "-b"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, [fileURLToPath(new URL("./dist/run-all.js", import.meta.url)), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
