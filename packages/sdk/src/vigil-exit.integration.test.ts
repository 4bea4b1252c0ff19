import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Runs a script that records three events and then simply ends, against a server that stores them. */
async function runScript(flushOnExit: boolean): Promise<{ code: number | null; ids: string[]; elapsedMs: number }> {
  const ids: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: { id: string }[] }).events;
    ids.push(...events.map((e) => e.id));
    res.writeHead(207, { "content-type": "application/json" });
    res.end(JSON.stringify({ successes: events.map((e, index) => ({ index, id: e.id })), errors: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sdk = new URL("./index.js", import.meta.url).href;
  const script = `
    import { Vigil } from ${JSON.stringify(sdk)};
    const vigil = new Vigil({ endpoint: ${JSON.stringify(endpoint)}, flushIntervalMs: 60000, flushOnExit: ${flushOnExit} });
    for (let i = 0; i < 3; i++) vigil.recordRun({ agentName: "script", status: "success", durationMs: i });
  `;
  const started = Date.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const elapsedMs = Date.now() - started;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { code, ids, elapsedMs };
}

describe("Vigil at process exit", () => {
  it("delivers events recorded just before a script ends, without keeping it alive afterwards", async () => {
    const { code, ids, elapsedMs } = await runScript(true);
    assert.equal(code, 0);
    assert.equal(ids.length, 3);
    assert.ok(elapsedMs < 10_000, `exited after ${elapsedMs} ms`);
  });

  it("lets the process exit at once, sending nothing, when flushOnExit is false", async () => {
    const { code, ids, elapsedMs } = await runScript(false);
    assert.equal(code, 0);
    assert.deepEqual(ids, []);
    assert.ok(elapsedMs < 10_000, `exited after ${elapsedMs} ms (the interval timer must not hold the process)`);
  });
});
