import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { nodePoster } from "./node-post.js";

/**
 * A server that answers each connection's first request and, on a connection's second request,
 * closes it without answering: what a client sees when a server drops a kept-alive connection
 * just as the client reuses it.
 */
function droppingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let requests = 0;
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      if (++requests > 1) return void socket.destroy();
      const body = '{"successes":[],"errors":[]}';
      socket.write(`HTTP/1.1 207 Multi-Status\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
    });
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}/api/v1/ingest`,
        connections: () => connections,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      });
    }),
  );
}

describe("nodePoster", () => {
  it("sends again at once on a new connection when a kept-alive one is dropped as it is reused", async () => {
    const srv = await droppingServer();
    try {
      const post = nodePoster(srv.url, { "content-type": "application/json" })!;
      assert.ok(post, "Node's http client is available");
      const first = await post('{"events":[]}', new AbortController().signal);
      assert.equal(first.status, 207);
      const started = Date.now();
      const second = await post('{"events":[]}', new AbortController().signal);
      assert.equal(second.status, 207, "the batch is delivered, not failed");
      assert.equal(srv.connections(), 2, "on a second connection");
      assert.ok(Date.now() - started < 1000, "without waiting for a retry backoff");
    } finally {
      await srv.close();
    }
  });
});
