import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance } from "fastify";
import { answerOversizedBodies, drainCapBytes } from "./body-limit.js";
import { errorHandler } from "./errors.js";

const MiB = 1024 * 1024;
const LIMIT = 1 * MiB;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A bare TCP client, so that the test decides when each byte of a request is sent and sees every byte of the answer. */
class RawClient {
  /** Bytes received and not yet taken as an answer. */
  private pending = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  /** Whether the server ended or reset the connection. */
  closed = false;
  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.waiting?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on("error", () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  /** Bytes the server has sent that are not yet read as an answer. */
  get unread(): number {
    return this.pending.length;
  }

  async write(data: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** The next complete answer (with a Content-Length body). */
  async answer(timeoutMs = 5000): Promise<RawAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.pending.indexOf("\r\n\r\n");
      if (end >= 0) {
        const [statusLine, ...lines] = this.pending.subarray(0, end).toString("latin1").split("\r\n");
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        const length = Number(headers["content-length"]);
        if (this.pending.length >= end + 4 + length) {
          const body = this.pending.subarray(end + 4, end + 4 + length).toString("utf8");
          this.pending = this.pending.subarray(end + 4 + length);
          return { status: Number(statusLine!.split(" ")[1]), headers, body };
        }
      }
      if (this.closed) throw new Error(`connection closed without a complete answer (${this.pending.length} bytes received)`);
      if (Date.now() > deadline) throw new Error("no answer in time");
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function head(path: string, headers: Record<string, string | number>): string {
  return `POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
}

/** A JSON body of exactly `bytes` bytes. */
function jsonOf(bytes: number): Buffer {
  const shell = '{"pad":""}';
  return Buffer.from(`{"pad":"${"x".repeat(bytes - shell.length)}"}`);
}

function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from("\r\n")]);
}

describe("answerOversizedBodies", () => {
  let app: FastifyInstance;
  let port: number;
  const clients: RawClient[] = [];
  const connect = async (): Promise<RawClient> => {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  };

  before(async () => {
    app = Fastify({ bodyLimit: LIMIT });
    app.setErrorHandler(errorHandler);
    answerOversizedBodies(app);
    app.post("/echo", async (req) => ({ bytes: ((req.body as { pad: string }).pad ?? "").length }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await app.close();
  });

  it("reads an over-limit upload to its end before answering 413, and the connection stays usable", async () => {
    const client = await connect();
    const body = jsonOf(2 * MiB);
    await client.write(head("/echo", { "content-length": body.length }));
    await client.write(body.subarray(0, MiB));
    await sleep(150);
    assert.equal(client.unread, 0, "answered while the client was still sending");
    assert.equal(client.closed, false, "closed while the client was still sending");
    await client.write(body.subarray(MiB));
    const answer = await client.answer();
    assert.equal(answer.status, 413);
    assert.deepEqual(JSON.parse(answer.body), {
      error: { code: "BODY_TOO_LARGE", message: `the request body is larger than the server's limit of ${LIMIT} bytes (server.body_limit_bytes); split the batch` },
    });
    const small = jsonOf(100);
    await client.write(Buffer.concat([Buffer.from(head("/echo", { "content-length": small.length })), small]));
    const next = await client.answer();
    assert.deepEqual([next.status, JSON.parse(next.body)], [200, { bytes: 100 - 10 }]);
  });

  it("reads a chunked over-limit body to its end before answering 413", async () => {
    const client = await connect();
    await client.write(head("/echo", { "transfer-encoding": "chunked" }));
    const piece = Buffer.alloc(256 * 1024, "x");
    await client.write(chunk(Buffer.from('{"pad":"')));
    for (let i = 0; i < 6; i++) await client.write(chunk(piece));
    await sleep(150);
    assert.equal(client.unread, 0, "answered while the client was still sending");
    assert.equal(client.closed, false, "closed while the client was still sending");
    await client.write(Buffer.concat([chunk(Buffer.from('"}')), Buffer.from("0\r\n\r\n")]));
    const answer = await client.answer();
    assert.equal(answer.status, 413);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, "BODY_TOO_LARGE");
  });

  it("passes chunked and Content-Length bodies within the limit to the route", async () => {
    const client = await connect();
    const body = jsonOf(LIMIT);
    await client.write(Buffer.concat([Buffer.from(head("/echo", { "transfer-encoding": "chunked" })), chunk(body.subarray(0, 1000)), chunk(body.subarray(1000)), Buffer.from("0\r\n\r\n")]));
    assert.deepEqual(JSON.parse((await client.answer()).body), { bytes: LIMIT - 10 });
    await client.write(Buffer.concat([Buffer.from(head("/echo", { "content-length": body.length })), body]));
    assert.deepEqual(JSON.parse((await client.answer()).body), { bytes: LIMIT - 10 });
  });

  it("answers at once and closes when the declared length is past the drain cap", async () => {
    const client = await connect();
    await client.write(head("/echo", { "content-length": drainCapBytes(LIMIT) + 1 }));
    const answer = await client.answer(2000);
    assert.deepEqual([answer.status, answer.headers.connection], [413, "close"]);
  });

  it("reads at least 16 MiB, and twice a larger limit", () => {
    assert.equal(drainCapBytes(MiB), 16 * MiB);
    assert.equal(drainCapBytes(64 * MiB), 128 * MiB);
  });
});
