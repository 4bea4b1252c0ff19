/**
 * Acceptance: valid events are never lost to the body-size limit. Through the SDK, runs carrying 15 KB of metadata
 * each (under the 16 KiB metadata limit, but 500 of them make a 7.5 MB batch, over the 5 MiB body limit) are all
 * stored; and a plain HTTP client uploading an over-limit body reads the 413 and its error body instead of a reset
 * connection. The server is a `vigil serve` child process: with client and server on one event loop the server
 * keeps up with the upload and the reset that clients saw in production does not happen.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Vigil, type VigilSdkError } from "@vigil/sdk";
import { childServer, getJson, tempDir, type ChildServer } from "./helpers.js";

const MiB = 1024 * 1024;

/** A batch of one run whose metadata pads the body to about `bytes`. */
function oversizedBatch(bytes: number): Buffer {
  return Buffer.from(JSON.stringify({ events: [{ type: "run", body: { agent_name: "big", status: "success", duration_ms: 1, metadata: { pad: "x".repeat(bytes) } } }] }));
}

/** Status, connection header and body of a POST made with node:http, or the socket error that ended it before an answer. */
function post(url: string, body: Buffer, chunked: boolean): Promise<{ status: number; text: string } | { error: string }> {
  const target = new URL("/api/v1/ingest", url);
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", ...(chunked ? {} : { "content-length": body.length }) };
    const req = http.request(target, { method: "POST", headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    // Written in 64 KiB pieces as a streaming client would (chunked: one chunk each).
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + 64 * 1024);
        offset += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("bodies over the server's limit", () => {
  const { dir, cleanup } = tempDir();
  let server: ChildServer;
  before(async () => {
    server = await childServer(dir);
  });
  after(() => {
    server?.proc.kill("SIGKILL");
    cleanup();
  });

  it("answers a 6 MiB upload from fetch with a 413 and the error body, not a socket error, every time", async () => {
    const body = oversizedBatch(6 * MiB);
    for (let i = 0; i < 5; i++) {
      let answer: { status: number; json: unknown };
      try {
        const res = await fetch(`${server.url}/api/v1/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body });
        answer = { status: res.status, json: await res.json() };
      } catch (err) {
        assert.fail(`attempt ${i + 1}: ${(err as Error).message} (${String((err as { cause?: { code?: string } }).cause?.code)}) instead of a 413`);
      }
      assert.equal(answer.status, 413);
      assert.deepEqual(answer.json, { error: { code: "BODY_TOO_LARGE", message: "the request body is larger than the server's limit of 5242880 bytes (server.body_limit_bytes); split the batch" } });
    }
  });

  it("answers over-limit uploads with and without Content-Length (6 and 12 MiB) with a 413", async () => {
    for (const size of [6 * MiB, 12 * MiB]) {
      for (const chunked of [false, true]) {
        const answer = await post(server.url, oversizedBatch(size), chunked);
        assert.ok("status" in answer, `${size} bytes${chunked ? ", chunked" : ""}: ${"error" in answer ? answer.error : ""} instead of a 413`);
        assert.equal(answer.status, 413);
        assert.equal((JSON.parse(answer.text) as { error: { code: string } }).error.code, "BODY_TOO_LARGE");
      }
    }
  });

  it("stores every one of 10,000 runs with 15 KB of metadata sent through the SDK", async () => {
    const errors: VigilSdkError[] = [];
    const vigil = new Vigil({ endpoint: server.url, flushIntervalMs: 0, flushOnExit: false, onError: (e) => errors.push(e) });
    const pad = "m".repeat(15_000);
    for (let i = 0; i < 10_000; i++) vigil.recordRun({ agentName: "large-metadata", status: "success", durationMs: 10 + (i % 90), metadata: { i, pad } });
    await vigil.shutdown();
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(vigil.stats(), { queued: 0, sent: 10_000, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 });
    const { body } = await getJson(`${server.url}/api/v1/metrics/system?window=1h&agent_name=large-metadata`);
    assert.equal(body.metrics.total_tasks, 10_000);
  });
});
