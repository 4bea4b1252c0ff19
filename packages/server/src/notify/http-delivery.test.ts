import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRetryAfter, postJson } from "./http-delivery.js";
import { closedPort, startTestServer, type TestServer } from "./test-notification.js";

describe("postJson", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const post = (over: Partial<Parameters<typeof postJson>[0]> = {}) => postJson({ url: server.url + "/hook", body: '{"a":1}', timeoutMs: 2000, ...over });

  it("sends the body as JSON with a Vigil user agent and reports a 2xx as delivered", async () => {
    server.respond((_r, res) => void res.writeHead(201).end("created"));
    const r = await post({ headers: { "x-custom": "yes" } });
    assert.deepEqual(r, { ok: true, status: 201, detail: "created" });
    const got = server.requests.at(-1)!;
    assert.equal(got.method, "POST");
    assert.equal(got.path, "/hook");
    assert.equal(got.body, '{"a":1}');
    assert.equal(got.headers["content-type"], "application/json");
    assert.match(got.headers["user-agent"]!, /^Vigil/);
    assert.equal(got.headers["x-custom"], "yes");
  });

  it("keeps Content-Type JSON even when the caller's headers say otherwise", async () => {
    server.respond((_r, res) => void res.end());
    await post({ headers: { "Content-Type": "text/plain" } });
    assert.equal(server.requests.at(-1)!.headers["content-type"], "application/json");
  });

  it("retries 429 after the Retry-After seconds", async () => {
    server.respond((_r, res) => void res.writeHead(429, { "retry-after": "30" }).end("slow down"));
    assert.deepEqual(await post(), { ok: false, retryable: true, status: 429, error: "HTTP 429: slow down", retryAfterMs: 30_000 });
  });

  it("reads a Retry-After given as an HTTP date against the injected clock", async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    server.respond((_r, res) => void res.writeHead(429, { "retry-after": new Date(now + 90_000).toUTCString() }).end());
    const r = await post({ now: () => now });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryAfterMs, 90_000);
  });

  it("retries 500, 503 and 408, and not 400, 401 or 404", async () => {
    for (const [status, retryable] of [[500, true], [503, true], [408, true], [400, false], [401, false], [404, false]] as const) {
      server.respond((_r, res) => void res.writeHead(status).end(`status ${status}`));
      const r = await post();
      assert.equal(r.ok, false, `HTTP ${status}`);
      assert.equal(!r.ok && r.retryable, retryable, `HTTP ${status}`);
      assert.equal(!r.ok && r.status, status);
      assert.equal(!r.ok && r.error, `HTTP ${status}: status ${status}`);
    }
  });

  it("quotes at most a short, one-line snippet of a long error body", async () => {
    server.respond((_r, res) => void res.writeHead(400).end("bad\n\nrequest " + "x".repeat(100_000)));
    const r = await post();
    assert.ok(!r.ok);
    assert.ok(r.error.startsWith("HTTP 400: bad request xxx"), r.error);
    assert.ok(r.error.length < 250, `error is ${r.error.length} characters`);
  });

  it("does not follow redirects and does not retry them", async () => {
    server.respond((_r, res) => void res.writeHead(302, { location: "http://elsewhere.example/" }).end());
    const before = server.requests.length;
    const r = await post();
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.match(!r.ok ? r.error : "", /redirect to http:\/\/elsewhere\.example\/ not followed/);
    assert.equal(server.requests.length, before + 1);
  });

  it("retries when the connection is refused", async () => {
    const port = await closedPort();
    const r = await postJson({ url: `http://127.0.0.1:${port}/`, body: "{}", timeoutMs: 2000 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.match(!r.ok ? r.error : "", /ECONNREFUSED/);
  });

  it("gives up after the timeout and retries later", async () => {
    server.respond(() => {}); // never answers
    const started = Date.now();
    const r = await post({ timeoutMs: 200 });
    assert.ok(Date.now() - started < 1500);
    assert.deepEqual(r, { ok: false, retryable: true, error: "no answer within 200 ms" });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds, HTTP dates, past dates as 0, and ignores garbage", () => {
    const now = Date.UTC(2025, 0, 1);
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now), 10_000);
    assert.equal(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });
});
