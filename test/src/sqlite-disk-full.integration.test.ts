/**
 * Acceptance: the embedded store's disk fills up (simulated with the file-size resource limit of
 * the `vigil serve` child, which makes every file write fail as a full disk would). Ingest answers
 * 503 with Retry-After, `/readyz` turns 503 and stays so without traffic, and both come back by
 * themselves once writes work again.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { childServer, tempDir, type ChildServer } from "./helpers.js";
import { Tally, isProperUnavailable, sleep } from "./fault-traffic.js";
import { waitFor } from "./pg-support.js";

const run = promisify(execFile);

/** Sets the soft file-size limit of process `pid` (bytes, or "unlimited"). */
async function fileSizeLimit(pid: number, bytes: number | "unlimited"): Promise<void> {
  await run("prlimit", ["--pid", String(pid), `--fsize=${bytes}:unlimited`]);
}

describe("SQLite store with a full disk", () => {
  const tmp = tempDir();
  let server: ChildServer | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) {
      const gone = new Promise((r) => server!.proc.once("exit", r));
      server.proc.kill("SIGTERM");
      await gone;
    }
    tmp.cleanup();
  });

  it("answers 503 with Retry-After and turns /readyz 503 while writes fail, and is ready again once they work", { timeout: 30_000 }, async () => {
    server = await childServer(join(tmp.dir, "data"));
    const { url, proc } = server;
    const tally = new Tally();
    let n = 0;
    const ingest = () => tally.request("POST", `${url}/api/v1/ingest`, { events: Array.from({ length: 200 }, () => ({ id: `e${n++}`, type: "run", body: { agent_name: "disk", status: "success", duration_ms: 7, tags: { pad: "x".repeat(400) } } })) });
    const ready = async () => (await fetch(`${url}/readyz`)).status;
    try {
      assert.equal((await ingest())?.status, 207, "ingest before the disk fills");
      assert.equal(await ready(), 200);

      await fileSizeLimit(proc.pid!, 0);
      const refused = await ingest();
      assert.ok(refused && isProperUnavailable(refused), `ingest with a full disk answered ${JSON.stringify(refused)}`);
      assert.equal(await ready(), 503, "/readyz right after a refused write");
      // No traffic: the probe writes keep failing, so the instance stays out of rotation.
      await sleep(2_500);
      assert.equal(await ready(), 503, "/readyz 2.5 s later, the disk still full");

      const freed = Date.now();
      await fileSizeLimit(proc.pid!, "unlimited");
      await waitFor(async () => (await ready()) === 200, 10_000, "/readyz to answer 200 once writes work");
      const readyAfter = Date.now() - freed;
      assert.equal((await ingest())?.status, 207, "ingest once writes work");
      assert.equal(tally.violation, null, tally.violation ?? "");
      assert.equal(proc.exitCode, null, "Vigil exited");
      console.log(JSON.stringify({ ready_after_ms: readyAfter }));
    } catch (err) {
      (err as Error).message += `\n--- Vigil output (tail) ---\n${server.output().slice(-3000)}`;
      throw err;
    }
  });
});
