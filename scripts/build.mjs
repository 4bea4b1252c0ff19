#!/usr/bin/env node
// `npm run build`, which `npm install`, `npm start` and `npm test` run: better-sqlite3's native addon
// (scripts/native-addon.mjs) and `tsc -b` side by side, since on a fresh clone each keeps one core busy
// (about 70 s and 30 s of CPU), then the dashboard bundle.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs a command in the repository root with this terminal; resolves with its exit code. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("error", (err) => {
      console.error(`error: ${command}: ${err.message}`);
      resolve(1);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}

const [addon, tsc] = await Promise.all([
  run(process.execPath, [join(root, "scripts", "native-addon.mjs")]),
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b"]),
]);
if (addon !== 0 || tsc !== 0) process.exit(1);
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
process.exit(await run(npm[0], [...npm.slice(1), "run", "build", "-w", "@vigil/dashboard"]));
