import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_UPSTREAM_POLICY, upstreamPolicy, type UpstreamPolicy } from "../core/failover/upstream-policy.js";
import { UpstreamClient, type Resolver, type SendResult } from "./upstream-client.js";

const BODY = Buffer.from(JSON.stringify({ model: "m", messages: [] }));
const KEY = { "content-type": "application/json", "content-length": BODY.length, authorization: "Bearer sk-secret" };

/** A local listener that records every connection and request it gets. */
interface Listener {
  port: number;
  connections: number;
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.closeAllConnections();
  return Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listener(host: string, port = 0, answer: (res: ServerResponse) => void = (res) => void res.writeHead(200, { connection: "close" }).end("{}")): Promise<Listener> {
  const l: Listener = { port: 0, connections: 0, requests: [], close: async () => undefined };
  const server = createServer((req, res) => {
    l.requests.push(req.headers);
    req.resume();
    req.once("end", () => answer(res));
  });
  server.on("connection", () => void l.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  servers.push(server);
  l.port = (server.address() as AddressInfo).port;
  return l;
}

/** A resolver answering from a table, recording what it was asked; names not in it fail as unknown. */
function resolver(table: Record<string, string[] | (() => string[])>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const fn = ((hostname, _options, callback) => {
    asked.push(hostname);
    const entry = table[hostname];
    const list = typeof entry === "function" ? entry() : entry;
    if (list === undefined) return void callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
    setImmediate(() => callback(null, list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))));
  }) as Resolver & { asked: string[] };
  fn.asked = asked;
  return fn;
}

async function send(url: string, policy: UpstreamPolicy = DEFAULT_UPSTREAM_POLICY, resolve?: Resolver): Promise<SendResult> {
  const client = new UpstreamClient({ timeoutMs: 2000, policy, resolve });
  try {
    const result = await client.send(new URL(url), KEY, BODY);
    if (result.ok) result.res.resume();
    return result;
  } finally {
    client.close();
  }
}

const refused = (r: SendResult): string => {
  assert.ok(!r.ok, "refused");
  assert.equal(r.failure, "connect");
  assert.match(r.message, /^EUPSTREAMREFUSED: upstream refused: /);
  return r.message;
};

describe("relay upstream client: where it may connect", () => {
  it("refuses an upstream written as a link-local, loopback or unspecified address without opening a socket", async () => {
    const sockets: unknown[] = [];
    const onSocket = (message: unknown): void => void sockets.push(message);
    subscribe("net.client.socket", onSocket);
    try {
      assert.match(refused(await send("http://169.254.169.254/latest/meta-data/v1/chat/completions")), /169\.254\.169\.254 is a link-local address/);
      assert.match(refused(await send("http://[::ffff:169.254.169.254]/v1/chat/completions")), /link-local/);
      assert.match(refused(await send("http://[::ffff:a9fe:a9fe]:80/v1/chat/completions")), /link-local/);
      assert.match(refused(await send("http://[fe80::1]:8080/v1/chat/completions")), /link-local/);
      assert.match(refused(await send("http://0.0.0.0:8080/v1/chat/completions", upstreamPolicy({ allow: ["0.0.0.0/0"] }))), /never an upstream/);
      assert.match(refused(await send("http://127.0.0.1:9/v1/chat/completions")), /loopback address, not in the upstream allow-list/);
    } finally {
      unsubscribe("net.client.socket", onSocket);
    }
    assert.equal(sockets.length, 0, "no socket was created");
  });

  it("refuses a host name that resolves to a refused address before connecting: the listener behind it sees no connection and no key", async () => {
    const trap = await listener("127.0.0.1");
    const names = resolver({ "metadata.test": ["169.254.169.254"], "rebind.test": ["127.0.0.1"] });
    assert.match(refused(await send("http://metadata.test/v1/chat/completions", DEFAULT_UPSTREAM_POLICY, names)), /metadata\.test resolves to 169\.254\.169\.254, a link-local address/);
    assert.match(refused(await send(`http://rebind.test:${trap.port}/v1/chat/completions`, DEFAULT_UPSTREAM_POLICY, names)), /rebind\.test resolves to 127\.0\.0\.1, a loopback address/);
    // The system resolver, offline: localhost comes from the hosts file.
    assert.match(refused(await send(`http://localhost:${trap.port}/v1/chat/completions`)), /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    assert.deepEqual(names.asked, ["metadata.test", "rebind.test"]);
    assert.equal(trap.connections, 0);
    assert.equal(trap.requests.length, 0);
    // The same upstream allow-listed is reached, with the key: what was refused was the address, not the setup.
    const ok = await send(`http://rebind.test:${trap.port}/v1/chat/completions`, upstreamPolicy({ allow: ["127.0.0.1"] }), names);
    assert.ok(ok.ok && ok.res.statusCode === 200);
    assert.equal(trap.requests[0]!.authorization, "Bearer sk-secret");
  });

  it("judges the addresses again at every new connection, so a name rebound to a refused address gets nothing", async () => {
    const good = await listener("127.0.0.1");
    const trap = await listener("127.0.0.2", good.port);
    let answers = 0;
    // Public-looking first, then rebound to a refused address once the first connection is closed.
    const names = resolver({ "api.example.test": () => (answers++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]) });
    const client = new UpstreamClient({ timeoutMs: 2000, policy: upstreamPolicy({ allow: ["127.0.0.1"] }), resolve: names });
    try {
      const url = new URL(`http://api.example.test:${good.port}/v1/chat/completions`);
      const first = await client.send(url, KEY, BODY);
      assert.ok(first.ok && first.res.statusCode === 200);
      first.res.resume();
      await new Promise((r) => first.res.once("end", r));
      assert.match(refused(await client.send(url, KEY, BODY)), /api\.example\.test resolves to 127\.0\.0\.2, a loopback address/);
    } finally {
      client.close();
    }
    assert.equal(good.requests.length, 1);
    assert.equal(trap.connections, 0);
  });

  it("connects only to the permitted addresses of a name that resolves to several", async () => {
    const good = await listener("127.0.0.1");
    const names = resolver({ "mixed.test": ["169.254.169.254", "127.0.0.1"] });
    const r = await send(`http://mixed.test:${good.port}/v1/chat/completions`, upstreamPolicy({ allow: ["127.0.0.1"] }), names);
    assert.ok(r.ok && r.res.statusCode === 200);
    assert.equal(good.requests.length, 1);
  });

  it("does not follow a redirect, even to an allowed address: the answer is the redirect", async () => {
    const other = await listener("127.0.0.2");
    const redirecting = await listener("127.0.0.1", 0, (res) => void res.writeHead(307, { location: `http://127.0.0.2:${other.port}/v1/chat/completions`, connection: "close" }).end());
    const r = await send(`http://127.0.0.1:${redirecting.port}/v1/chat/completions`, upstreamPolicy({ allow: ["127.0.0.0/8"] }));
    assert.ok(r.ok);
    assert.equal(r.res.statusCode, 307);
    assert.equal(redirecting.requests.length, 1);
    assert.equal(other.connections, 0);
  });
});
