import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createWebhookChannel } from "./webhook.js";
import { closedPort, recordingLogger, sampleAlert, sampleAnomalyAlert, sampleNotification, startTestServer, T0, type TestServer } from "../test-notification.js";

const SECRET = "s3cret-s3cret-s3cret";
const NOW = T0 + 1234;

/** What a receiver does: recompute the HMAC over "<timestamp>.<raw body>" and compare in constant time. */
function verifies(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string): boolean {
  const ts = String(headers["x-vigil-timestamp"]);
  const sig = String(headers["x-vigil-signature"]);
  const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(`${ts}.${rawBody}`).digest("hex"));
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), expected);
}

describe("webhook channel", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());
  beforeEach(() => server.respond((_r, res) => void res.writeHead(200).end()));
  const deps = { log: recordingLogger(), now: () => NOW };

  it("POSTs the versioned JSON body with ISO times and the notification id header", async () => {
    const ch = createWebhookChannel("hook", { url: server.url + "/vigil" }, deps);
    const n = sampleNotification({ alerts: [sampleAlert(), sampleAlert({ id: "alert-2", fingerprint: "ab", status: "resolved", ends_at: T0 })] });
    assert.deepEqual(await ch.send(n), { ok: true, status: 200 });
    const req = server.requests.at(-1)!;
    assert.equal(req.path, "/vigil");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["x-vigil-notification-id"], "n-0001");
    assert.equal(req.headers["x-vigil-signature"], undefined);
    assert.equal(req.headers["x-vigil-timestamp"], undefined);
    const body = JSON.parse(req.body);
    assert.deepEqual(Object.keys(body).sort(), ["alerts", "created_at", "external_url", "group_key", "group_labels", "id", "kind", "severity", "version"]);
    assert.equal(body.version, "1");
    assert.equal(body.id, "n-0001");
    assert.equal(body.kind, "firing");
    assert.equal(body.group_key, n.group_key);
    assert.deepEqual(body.group_labels, { alertname: "HighErrorRate" });
    assert.equal(body.severity, "warning");
    assert.equal(body.external_url, "http://vigil.example:8001");
    assert.equal(body.created_at, "2025-01-15T10:00:00.000Z");
    assert.equal(body.alerts.length, 2);
    assert.deepEqual(body.alerts[0], {
      id: "alert-1",
      fingerprint: "f1e2d3c4b5a69788",
      rule: "HighErrorRate",
      severity: "warning",
      status: "firing",
      labels: n.alerts[0]!.labels,
      annotations: n.alerts[0]!.annotations,
      value: 0.125,
      threshold: 0.05,
      starts_at: "2025-01-15T09:55:00.000Z",
      ends_at: null,
      acknowledged_by: null,
      url: "http://vigil.example:8001/#/alerts/alert-1",
    });
    assert.equal(body.alerts[1].status, "resolved");
    assert.equal(body.alerts[1].ends_at, "2025-01-15T10:00:00.000Z");
    assert.equal(body.alerts[1].url, "http://vigil.example:8001/#/alerts/alert-2");
  });

  it("gives an anomaly alert the url of the chart around it, and a null url without an http(s) external URL or for a test alert", async () => {
    const ch = createWebhookChannel("hook", { url: server.url }, deps);
    await ch.send(sampleNotification({ alerts: [sampleAnomalyAlert()] }));
    assert.equal(JSON.parse(server.requests.at(-1)!.body).alerts[0].url, "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart");
    await ch.send(sampleNotification({ external_url: "vigil", alerts: [sampleAlert(), sampleAnomalyAlert()] }));
    const body = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(body.alerts.map((a: any) => a.url), [null, null]);
    assert.equal(body.external_url, "vigil");
    await ch.send(sampleNotification({ kind: "test" }));
    assert.equal(JSON.parse(server.requests.at(-1)!.body).alerts[0].url, null, "a test alert has no page");
  });

  it("signs the timestamp and raw body so the secret verifies and another secret does not", async () => {
    const ch = createWebhookChannel("hook", { url: server.url, secret: SECRET }, deps);
    await ch.send(sampleNotification());
    const req = server.requests.at(-1)!;
    assert.equal(req.headers["x-vigil-timestamp"], String(Math.floor(NOW / 1000)));
    assert.match(String(req.headers["x-vigil-signature"]), /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifies(SECRET, req.headers, req.body), true);
    assert.equal(verifies("another-secret-of-16+", req.headers, req.body), false);
    // A replay with a fresher timestamp but the old signature fails.
    assert.equal(verifies(SECRET, { ...req.headers, "x-vigil-timestamp": String(Math.floor(NOW / 1000) + 600) }, req.body), false);
    // A tampered body fails.
    assert.equal(verifies(SECRET, req.headers, req.body.replace("warning", "info")), false);
  });

  it("signs each retry with the sending time and keeps the notification id", async () => {
    let clock = NOW;
    const ch = createWebhookChannel("hook", { url: server.url, secret: SECRET }, { log: recordingLogger(), now: () => clock });
    await ch.send(sampleNotification());
    clock += 60_000;
    await ch.send(sampleNotification());
    const [a, b] = server.requests.slice(-2);
    assert.equal(Number(b!.headers["x-vigil-timestamp"]) - Number(a!.headers["x-vigil-timestamp"]), 60);
    assert.equal(a!.headers["x-vigil-notification-id"], b!.headers["x-vigil-notification-id"]);
    assert.equal(verifies(SECRET, b!.headers, b!.body), true);
  });

  it("sends configured headers but never lets them replace Vigil's own", async () => {
    const ch = createWebhookChannel("hook", { url: server.url, headers: { Authorization: "Bearer t0k", "X-Vigil-Notification-Id": "forged" } }, deps);
    await ch.send(sampleNotification());
    const req = server.requests.at(-1)!;
    assert.equal(req.headers.authorization, "Bearer t0k");
    assert.equal(req.headers["x-vigil-notification-id"], "n-0001");
  });

  it("retries 429 (honouring Retry-After) and 500, not 400, and retries a refused connection", async () => {
    const ch = createWebhookChannel("hook", { url: server.url }, deps);
    server.respond((_r, res) => void res.writeHead(429, { "retry-after": "7" }).end());
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: true, status: 429, error: "HTTP 429", retryAfterMs: 7000 });
    server.respond((_r, res) => void res.writeHead(500).end("boom"));
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: true, status: 500, error: "HTTP 500: boom" });
    server.respond((_r, res) => void res.writeHead(400).end("bad payload"));
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: false, status: 400, error: "HTTP 400: bad payload" });
    const refused = createWebhookChannel("hook", { url: `http://127.0.0.1:${await closedPort()}/` }, deps);
    const r = await refused.send(sampleNotification());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
  });

  it("gives up after the configured timeout", async () => {
    server.respond(() => {});
    const r = await createWebhookChannel("hook", { url: server.url, timeout: "300ms" }, deps).send(sampleNotification());
    assert.deepEqual(r, { ok: false, retryable: true, error: "no answer within 300 ms" });
  });

  it("describes itself without the secret, header values or URL credentials", () => {
    const d = createWebhookChannel("hook", { url: "https://user:pw@hooks.example/x?token=abc123", secret: SECRET, headers: { Authorization: "Bearer t0k" } }, deps).describe();
    const text = JSON.stringify(d);
    for (const secret of [SECRET, "t0k", "abc123", "pw@"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal(d.type, "webhook");
    assert.equal(d.timeout_ms, 10_000);
    assert.deepEqual(d.headers, { Authorization: "<redacted>" });
  });

  it("refuses a zero timeout at creation, naming the channel", () => {
    assert.throws(() => createWebhookChannel("hook", { url: server.url, timeout: "0s" }, deps), (e: any) => e.code === "CONFIG_INVALID" && /"hook"/.test(e.message));
  });
});
