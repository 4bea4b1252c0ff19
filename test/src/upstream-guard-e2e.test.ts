/**
 * What an admin key can make `vigil relay` reach, end to end: a real Vigil (allowing 127.0.0.1 only), an
 * in-process relay (allowing the same, resolving the test's host names through a table), a permitted upstream on
 * 127.0.0.1 and a trap on 127.0.0.2 that records whether anything reached it. Registration refuses addresses and
 * key variables it can judge, naming the field; the relay refuses names that resolve to refused addresses, and
 * upstreams or key variables that reached it some other way, without connecting and without reading the variable.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { startRelay, type RelayOptions, type RunningRelay } from "@vigil/server/relay";
import { getJson, postJson, tempDir } from "./helpers.js";

/** A local OpenAI-compatible upstream that records every connection and request it gets. */
class Listener {
  server!: Server;
  port = 0;
  connections = 0;
  readonly requests: IncomingHttpHeaders[] = [];

  async start(host: string): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.headers);
      req.resume();
      req.once("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })));
    });
    this.server.on("connection", () => void this.connections++);
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("upstream limits: registration and vigil relay", () => {
  const t = tempDir();
  const good = new Listener();
  const trap = new Listener();
  let vigil: RunningServer;
  let relay: RunningRelay;
  const warnings: string[] = [];
  const envRead: string[] = [];
  /** Addresses the process connected to while the relay served the test's requests. */
  const connectedTo: string[] = [];
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    socket.once("connect", () => connectedTo.push(socket.remoteAddress ?? "?"));
  };
  const register = (body: Record<string, unknown>) => postJson(`${vigil.url}/api/v1/models`, body);
  const ask = (model: string) => postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: "user", content: "hi" }] });

  before(async () => {
    await good.start("127.0.0.1");
    await trap.start("127.0.0.2");
    const config = join(t.dir, "vigil.yaml");
    writeFileSync(config, "failover:\n  upstreams: { allow: [127.0.0.1] }\n");
    vigil = await startServer(loadConfig({ dataDir: join(t.dir, "vigil"), port: 0, host: "127.0.0.1", config }, {}), false);
  });

  after(async () => {
    unsubscribe("net.client.socket", onSocket);
    await relay?.close();
    await vigil?.close();
    await good.close();
    await trap.close();
    t.cleanup();
  });

  it("refuses at registration an upstream at a link-local or unlisted loopback address, or a key variable outside the prefix, naming the field", async () => {
    const metadata = await register({ id: "metadata-literal", upstream: { base_url: "http://169.254.169.254/latest/meta-data" } });
    assert.equal(metadata.status, 400);
    assert.equal(metadata.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(metadata.body.error.details.map((d: { path: string }) => d.path), ["/upstream/base_url"]);
    assert.match(metadata.body.error.message, /\/upstream\/base_url is refused: 169\.254\.169\.254 is a link-local address, not in the upstream allow-list/);
    const mapped = await register({ id: "mapped", upstream: { base_url: "http://[::ffff:169.254.169.254]/" } });
    assert.deepEqual(mapped.body.error.details.map((d: { path: string }) => d.path), ["/upstream/base_url"]);
    const unlisted = await register({ id: "trap", upstream: { base_url: `http://127.0.0.2:${trap.port}/v1` } });
    assert.equal(unlisted.status, 400);
    assert.match(unlisted.body.error.details[0].message, /127\.0\.0\.2 is a loopback address/);
    const aws = await register({ id: "aws", upstream: { base_url: `http://127.0.0.1:${good.port}/v1`, api_key_env: "AWS_SECRET_ACCESS_KEY" } });
    assert.equal(aws.status, 400);
    assert.deepEqual(aws.body.error.details, [{ path: "/upstream/api_key_env", message: "must start with VIGIL_UPSTREAM_KEY_ (the upstream key prefix), such as VIGIL_UPSTREAM_KEY_OPENAI; other variables are never read" }]);
    const listed = (await getJson(`${vigil.url}/api/v1/models`)).body.models.map((m: { id: string }) => m.id);
    assert.deepEqual(listed, [], "nothing refused was stored");

    // What the server accepts: an allowed address with a prefixed key, and host names (judged by the relay once resolved).
    for (const [id, base_url] of [["good", `http://127.0.0.1:${good.port}/v1`], ["rebind", `http://rebind.test:${trap.port}/v1`], ["metadata", "http://metadata.test/v1"], ["elsewhere", "https://api.example.com/v1"]] as const) {
      const r = await register({ id, upstream: { base_url, api_key_env: "VIGIL_UPSTREAM_KEY_GOOD" } });
      assert.equal(r.status, 201, `${id}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await register({ id: "plain", upstream: { base_url: `http://127.0.0.1:${good.port}/v1` } })).status, 201);
  });

  it("does not start with a config-file model whose upstream is refused, naming the model and field", async () => {
    const config = join(t.dir, "bad.yaml");
    writeFileSync(config, "failover:\n  models:\n    - { id: m, upstream: { base_url: \"http://169.254.169.254/\", api_key_env: HOME } }\n");
    await assert.rejects(
      startServer(loadConfig({ dataDir: join(t.dir, "bad"), port: 0, host: "127.0.0.1", config }, {}), false),
      (e: Error) => /failover\.models\[0\]\/upstream\/base_url: is refused: 169\.254\.169\.254 is a link-local address/.test(e.message) && /failover\.models\[0\]\/upstream\/api_key_env: must start with VIGIL_UPSTREAM_KEY_/.test(e.message),
    );
  });

  it("starts a relay that serves a permitted upstream with its key", async () => {
    const names: Record<string, string> = { "rebind.test": "127.0.0.2", "metadata.test": "169.254.169.254" };
    const resolve: NonNullable<RelayOptions["resolve"]> = (hostname, _options, callback) => {
      const address = names[hostname];
      if (address === undefined) return void callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, [{ address, family: 4 }]);
    };
    const secrets: Record<string, string> = { VIGIL_UPSTREAM_KEY_GOOD: "sk-good", AWS_SECRET_ACCESS_KEY: "aws-secret", VIGIL_RELAY_KEY: "relay-secret" };
    const env = new Proxy(secrets, { get: (target, name) => (envRead.push(String(name)), target[String(name)]) });
    subscribe("net.client.socket", onSocket);
    relay = await startRelay({
      vigilUrl: vigil.url, port: 0, stateDir: join(t.dir, "relay"), env, resolve,
      allowUpstreams: ["127.0.0.1"],
      // Upstreams that reach the relay other than through registration: its own flags (or models stored before the limits).
      upstreams: { elsewhere: { baseUrl: "http://169.254.169.254/v1" }, plain: { apiKeyEnv: "AWS_SECRET_ACCESS_KEY" } },
      logger: { info: () => undefined, debug: () => undefined, warn: (_fields, message) => void warnings.push(message), error: (_fields, message) => void warnings.push(message) },
      client: { flushIntervalMs: 50 },
    });
    const r = await ask("good");
    assert.equal(r.status, 200);
    assert.equal(good.requests.at(-1)!.authorization, "Bearer sk-good");
  });

  it("refuses, without connecting, host names that resolve to refused addresses: the trap behind one sees nothing", async () => {
    const rebind = await ask("rebind");
    assert.equal(rebind.status, 502);
    assert.equal(rebind.body.error.code, "upstream_unavailable");
    assert.match(rebind.body.error.message, /rebind: connect \(EUPSTREAMREFUSED: upstream refused: rebind\.test resolves to 127\.0\.0\.2, a loopback address, not in the upstream allow-list\)/);
    const metadata = await ask("metadata");
    assert.equal(metadata.status, 502);
    assert.match(metadata.body.error.message, /metadata\.test resolves to 169\.254\.169\.254, a link-local address/);
    assert.equal(trap.connections, 0);
    assert.equal(trap.requests.length, 0);
    assert.deepEqual(connectedTo.filter((a) => a !== "127.0.0.1"), [], "every connection was to 127.0.0.1 (the test, Vigil, the permitted upstream)");
  });

  it("does not serve an upstream written as a link-local address, nor one keyed by a variable outside the prefix, and never reads that variable", async () => {
    const literal = await ask("elsewhere");
    assert.equal(literal.status, 503);
    assert.equal(literal.body.error.code, "no_upstream");
    const keyed = await ask("plain");
    assert.equal(keyed.status, 503);
    assert.equal(keyed.body.error.code, "no_upstream");
    assert.ok(warnings.includes("model elsewhere: upstream http://169.254.169.254/v1 is refused (169.254.169.254 is a link-local address, not in the upstream allow-list; see --allow-upstream); not served"), warnings.join("\n"));
    assert.ok(warnings.some((w) => w.startsWith("model plain: key variable AWS_SECRET_ACCESS_KEY is refused")), warnings.join("\n"));
    assert.deepEqual([...new Set(envRead)], ["VIGIL_UPSTREAM_KEY_GOOD"], "no other variable was read");
    assert.deepEqual(connectedTo.filter((a) => a !== "127.0.0.1"), []);
    assert.equal(good.requests.filter((h) => h.authorization !== "Bearer sk-good").length, 0, "no other key was sent anywhere");
  });
});
