import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { WireEvent } from "@vigil/contract";
import { Vigil, type VigilOptions, type VigilSdkError } from "./index.js";

/** An ingest endpoint that stores every batch and counts the connections it was sent on. */
async function startIngest(keepAliveTimeoutMs = 5000) {
  const batches: { headers: IncomingHttpHeaders; ids: string[] }[] = [];
  let connections = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: WireEvent[] }).events;
    batches.push({ headers: req.headers, ids: events.map((e) => e.id!) });
    res.writeHead(207, { "content-type": "application/json" });
    res.end(JSON.stringify({ successes: events.map((e, index) => ({ index, id: e.id })), errors: [] }));
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url, batches, connections: () => connections, close };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<VigilOptions> = {}, keepAliveTimeoutMs?: number) {
  const server = await startIngest(keepAliveTimeoutMs);
  cleanups.push(server.close);
  const errors: VigilSdkError[] = [];
  const vigil = new Vigil({ endpoint: server.url, apiKey: "k1", flushIntervalMs: 0, flushOnExit: false, retryBaseMs: 1, onError: (e) => errors.push(e), ...options });
  cleanups.push(() => vigil.shutdown());
  return { server, vigil, errors };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Vigil's requests on Node", () => {
  it("sends batch after batch on one kept-alive connection, with the body's length, type and the key", async () => {
    const { server, vigil, errors } = await setup({ maxBatchSize: 10 });
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 25; i++) ids.push(vigil.recordRun({ agentName: "a", status: "success", durationMs: i, metadata: { note: "é😀" } }));
      await vigil.flush();
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(server.batches.flatMap((b) => b.ids), ids);
    assert.equal(server.batches.length, 9);
    assert.equal(server.connections(), 1);
    const { headers } = server.batches[0]!;
    assert.equal(headers["content-type"], "application/json");
    assert.equal(headers.authorization, "Bearer k1");
    assert.ok(Number(headers["content-length"]) > 0);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 75, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
  });

  it("opens a new connection when the server has closed the idle one, losing nothing", async () => {
    const { server, vigil, errors } = await setup({}, 50);
    const first = vigil.recordRun({ agentName: "a", status: "success", durationMs: 1 });
    await vigil.flush();
    await sleep(200);
    const second = vigil.recordRun({ agentName: "a", status: "success", durationMs: 2 });
    await vigil.flush();
    assert.deepEqual(errors, []);
    assert.deepEqual(server.batches.flatMap((b) => b.ids), [first, second]);
    assert.equal(server.connections(), 2);
  });

  it("follows a redirect of the ingest endpoint, as fetch does", async () => {
    const target = await setup();
    const ids: string[] = [];
    const proxy = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(308, { location: `${target.server.url}${req.url}` }).end());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const errors: VigilSdkError[] = [];
    const vigil = new Vigil({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, flushIntervalMs: 0, flushOnExit: false, onError: (e) => errors.push(e) });
    cleanups.push(() => vigil.shutdown());
    for (let i = 0; i < 3; i++) ids.push(vigil.recordRun({ agentName: "a", status: "success", durationMs: i }));
    await vigil.flush();
    assert.deepEqual(errors, []);
    assert.deepEqual(target.server.batches.flatMap((b) => b.ids), ids);
    assert.equal(vigil.stats().sent, 3);
  });

  it("posts through the fetch given in the options", async () => {
    const bodies: string[] = [];
    const fetchFn = (async (_url: unknown, init?: { body?: unknown }) => {
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ successes: [], errors: [] }), { status: 207 });
    }) as typeof fetch;
    const vigil = new Vigil({ endpoint: "http://vigil.test", fetch: fetchFn, flushIntervalMs: 0, flushOnExit: false });
    const id = vigil.recordMetric({ name: "m", value: 1, labels: { pool: "ä" } });
    await vigil.flush();
    assert.equal(bodies.length, 1);
    const [event] = (JSON.parse(bodies[0]!) as { events: WireEvent[] }).events;
    assert.deepEqual([event!.id, event!.body], [id, { name: "m", value: 1, labels: { pool: "ä" } }]);
    assert.equal(vigil.stats().sent, 1);
  });
});
