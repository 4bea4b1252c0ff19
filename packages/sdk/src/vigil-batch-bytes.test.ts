import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { WireEvent } from "@vigil/contract";
import { Vigil, type VigilOptions, type VigilSdkError } from "./index.js";

/** An ingest endpoint with a body limit, as the server has: 413 for a larger body (read to its end first), 207 otherwise. */
async function startLimitedIngest(limitBytes: number) {
  const bodies: number[] = [];
  const stored: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    bodies.push(body.length);
    res.setHeader("content-type", "application/json");
    if (body.length > limitBytes) {
      res.writeHead(413).end(JSON.stringify({ error: { code: "BODY_TOO_LARGE", message: `the request body is larger than the server's limit of ${limitBytes} bytes` } }));
      return;
    }
    const events = (JSON.parse(body.toString("utf8")) as { events: WireEvent[] }).events;
    stored.push(...events.map((e) => e.id!));
    res.writeHead(207).end(JSON.stringify({ successes: events.map((e, index) => ({ index, id: e.id })), errors: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url, bodies, stored, close };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(limitBytes: number, options: Partial<VigilOptions> = {}) {
  const server = await startLimitedIngest(limitBytes);
  cleanups.push(server.close);
  const errors: VigilSdkError[] = [];
  const vigil = new Vigil({ endpoint: server.url, flushIntervalMs: 0, flushOnExit: false, retryBaseMs: 1, onError: (e) => errors.push(e), ...options });
  cleanups.push(() => vigil.shutdown());
  return { server, vigil, errors };
}

function recordRuns(vigil: Vigil, n: number, metadataChars: number): string[] {
  const pad = "m".repeat(metadataChars);
  return Array.from({ length: n }, (_, i) => vigil.recordRun({ agentName: "a", status: "success", durationMs: i, metadata: { pad } }));
}

describe("Vigil batches bounded by bytes", () => {
  it("sends runs with 15 KB of metadata in bodies under maxBatchBytes, so a server with that limit takes all of them", async () => {
    const { server, vigil, errors } = await setup(256 * 1024, { maxBatchBytes: 256 * 1024 });
    const ids = recordRuns(vigil, 200, 15_000);
    await vigil.flush();
    assert.deepEqual(errors, []);
    assert.deepEqual(server.stored, ids);
    assert.ok(server.bodies.every((b) => b <= 256 * 1024), `bodies: ${server.bodies.join(", ")}`);
    assert.equal(server.bodies.length, Math.ceil(200 / 17), "16 or 17 such runs to a body, not 500");
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 200, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("keeps the default under the server's default 5 MiB limit", async () => {
    const { server, vigil } = await setup(5 * 1024 * 1024);
    recordRuns(vigil, 500, 15_000);
    await vigil.flush();
    assert.equal(server.stored.length, 500);
    assert.equal(server.bodies.length, 2, "a 7.5 MB batch goes as two bodies");
    assert.ok(server.bodies.every((b) => b <= 4 * 1024 * 1024));
  });

  it("does not send an event larger than maxBatchBytes on its own: it is rejected and reported, the others are delivered", async () => {
    const { server, vigil, errors } = await setup(8 * 1024, { maxBatchBytes: 8 * 1024 });
    const [before] = recordRuns(vigil, 1, 100);
    const [huge] = recordRuns(vigil, 1, 10_000);
    const [after] = recordRuns(vigil, 1, 100);
    await vigil.flush();
    assert.deepEqual(server.stored, [before, after]);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 2, dropped: 0, rejected: 1, failedBatches: 0, inFlight: 0 });
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]!.code, errors[0]!.details.id, errors[0]!.details.type], ["EVENT_TOO_LARGE", huge, "run"]);
    assert.ok(errors[0]!.details.bytes! > 10_000);
    assert.match(errors[0]!.message, /maxBatchBytes \(8192\)/);
  });

  it("splits a batch in halves on 413 from a server with a smaller limit, and rejects only a single event that is still too large", async () => {
    const { server, vigil, errors } = await setup(16 * 1024);
    const small = recordRuns(vigil, 40, 1000);
    const [huge] = recordRuns(vigil, 1, 20_000);
    await vigil.flush();
    assert.deepEqual(server.stored, small);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 40, dropped: 0, rejected: 1, failedBatches: 1, inFlight: 0 });
    assert.deepEqual(errors.map((e) => [e.code, e.details.status, e.details.count, e.details.serverCode, e.details.id]), [["BATCH_REJECTED", 413, 1, "BODY_TOO_LARGE", huge]]);
  });

  it("refuses a maxBatchBytes below 1024", () => {
    assert.throws(() => new Vigil({ endpoint: "http://vigil.test", maxBatchBytes: 100, flushOnExit: false }), /`maxBatchBytes` must be a number >= 1024/);
  });
});
