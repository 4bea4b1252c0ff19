import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { createPagerDutyChannel } from "./pagerduty.js";
import { recordingLogger, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification, startTestServer, type ReceivedRequest, type TestServer } from "../test-notification.js";

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";
const deps = { log: recordingLogger() };

/**
 * Checks an event against the Events API v2 format as PagerDuty documents it
 * (developer.pagerduty.com, "Send an Alert Event"): required fields, allowed values and lengths.
 */
function problems(e: any): string[] {
  const out: string[] = [];
  const allowed = ["routing_key", "event_action", "dedup_key", "payload", "links", "images", "client", "client_url"];
  for (const k of Object.keys(e)) if (!allowed.includes(k)) out.push(`unknown field ${k}`);
  if (typeof e.routing_key !== "string" || e.routing_key.length !== 32) out.push("routing_key must be a 32-character integration key");
  if (!["trigger", "acknowledge", "resolve"].includes(e.event_action)) out.push("event_action must be trigger, acknowledge or resolve");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== "string" || e.dedup_key.length === 0 || e.dedup_key.length > 255)) out.push("dedup_key must be 1..255 characters");
  if (e.event_action !== "trigger") {
    if (e.dedup_key === undefined) out.push("dedup_key is required to acknowledge or resolve");
    return out;
  }
  const p = e.payload;
  if (typeof p !== "object" || p === null) return [...out, "payload is required to trigger"];
  for (const k of Object.keys(p)) if (!["summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"].includes(k)) out.push(`unknown payload field ${k}`);
  if (typeof p.summary !== "string" || p.summary.length === 0 || p.summary.length > 1024) out.push("payload.summary must be 1..1024 characters");
  if (typeof p.source !== "string" || p.source.length === 0) out.push("payload.source is required");
  if (!["critical", "error", "warning", "info"].includes(p.severity)) out.push("payload.severity must be critical, error, warning or info");
  if (p.timestamp !== undefined && (typeof p.timestamp !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(p.timestamp))) out.push("payload.timestamp must be ISO 8601");
  for (const k of ["component", "group", "class"]) if (p[k] !== undefined && typeof p[k] !== "string") out.push(`payload.${k} must be a string`);
  if (p.custom_details !== undefined && (typeof p.custom_details !== "object" || p.custom_details === null)) out.push("payload.custom_details must be an object");
  if (e.links !== undefined && (!Array.isArray(e.links) || e.links.some((l: any) => typeof l.href !== "string"))) out.push("links must be [{href, text}]");
  return out;
}

/** Answers like PagerDuty: 202 success with the dedup key, or 400 invalid event. */
function pagerDuty(req: ReceivedRequest, res: ServerResponse): void {
  const e = JSON.parse(req.body);
  const found = problems(e);
  res.writeHead(found.length ? 400 : 202, { "content-type": "application/json" });
  res.end(JSON.stringify(found.length ? { status: "invalid event", message: "Event object is invalid", errors: found } : { status: "success", message: "Event processed", dedup_key: e.dedup_key }));
}

describe("pagerduty channel", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());
  beforeEach(() => server.respond(pagerDuty));
  const channel = () => createPagerDutyChannel("pd", { routing_key: ROUTING_KEY, url: server.url + "/v2/enqueue" }, deps);
  const events = (from: number) => server.requests.slice(from).map((r) => JSON.parse(r.body));

  it("triggers one valid event per firing alert, deduplicated by fingerprint", async () => {
    const before = server.requests.length;
    const n = sampleNotification({ severity: "critical", alerts: [sampleAlert({ severity: "critical" }), sampleAlert({ id: "alert-2", fingerprint: "0badc0de", severity: "info", labels: { alertname: "HighErrorRate", agent_name: "billing-bot" } })] });
    const r = await channel().send(n);
    assert.deepEqual(r, { ok: true, detail: "2 event(s) accepted" });
    const sent = events(before);
    assert.equal(sent.length, 2);
    for (const req of server.requests.slice(before)) {
      assert.equal(req.path, "/v2/enqueue");
      assert.equal(req.headers["content-type"], "application/json");
    }
    for (const e of sent) assert.deepEqual(problems(e), []);
    assert.deepEqual(sent[0], {
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "f1e2d3c4b5a69788",
      payload: {
        summary: "HighErrorRate: Error rate of support-bot is 12.5% (threshold 5%)",
        source: "support-bot",
        severity: "critical",
        timestamp: "2025-01-15T09:55:00.000Z",
        class: "HighErrorRate",
        component: "gpt-4o",
        custom_details: { labels: n.alerts[0]!.labels, annotations: n.alerts[0]!.annotations, value: 0.125, threshold: 0.05 },
      },
      links: [
        { href: "http://vigil.example:8001/#/alerts/alert-1", text: "Open this alert in Vigil" },
        { href: "http://vigil.example:8001", text: "View in Vigil" },
      ],
      client: "Vigil",
      client_url: "http://vigil.example:8001/#/alerts/alert-1",
    });
    assert.equal(sent[1].dedup_key, "0badc0de");
    assert.equal(sent[1].client_url, "http://vigil.example:8001/#/alerts/alert-2");
    assert.equal(sent[1].payload.severity, "info");
    assert.equal(sent[1].payload.source, "billing-bot");
  });

  it("links an anomaly alert's incident to the chart around the alert", async () => {
    const before = server.requests.length;
    assert.equal((await channel().send(sampleNotification({ alerts: [sampleAnomalyAlert()] }))).ok, true);
    const [e] = events(before);
    assert.deepEqual(problems(e), []);
    const page = "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart";
    assert.equal(e.client_url, page);
    assert.deepEqual(e.links, [{ href: page, text: "Open this alert in Vigil" }, { href: "http://vigil.example:8001", text: "View in Vigil" }]);
  });

  it("sends no links without an http(s) external URL, and only the root for a test alert", async () => {
    const before = server.requests.length;
    assert.equal((await channel().send(sampleNotification({ external_url: "vigil" }))).ok, true);
    assert.equal((await channel().send(sampleNotification({ kind: "test" }))).ok, true);
    const [bare, test] = events(before);
    assert.equal(bare.links, undefined);
    assert.equal(bare.client_url, undefined);
    assert.deepEqual(test.links, [{ href: "http://vigil.example:8001", text: "View in Vigil" }]);
    assert.equal(test.client_url, "http://vigil.example:8001");
  });

  it("resolves and acknowledges by dedup key, without a payload", async () => {
    const before = server.requests.length;
    assert.equal((await channel().send(resolvedNotification(sampleNotification()))).ok, true);
    const ack = sampleNotification({ kind: "acknowledged", alerts: [sampleAlert({ status: "acknowledged", acknowledged_by: "ana" })] });
    assert.equal((await channel().send(ack)).ok, true);
    const sent = events(before);
    assert.deepEqual(sent, [
      { routing_key: ROUTING_KEY, event_action: "resolve", dedup_key: "f1e2d3c4b5a69788" },
      { routing_key: ROUTING_KEY, event_action: "acknowledge", dedup_key: "f1e2d3c4b5a69788" },
    ]);
  });

  it("resolves the resolved alerts of a firing group and triggers the rest", async () => {
    const before = server.requests.length;
    await channel().send(sampleNotification({ alerts: [sampleAlert(), sampleAlert({ id: "a2", fingerprint: "aa", status: "resolved", ends_at: Date.now() })] }));
    assert.deepEqual(events(before).map((e) => e.event_action), ["trigger", "resolve"]);
  });

  it("keeps the summary to PagerDuty's 1024 characters and uses the configured source when no agent is named", async () => {
    const before = server.requests.length;
    const ch = createPagerDutyChannel("pd", { routing_key: ROUTING_KEY, url: server.url, source: "vigil-prod" }, deps);
    const r = await ch.send(sampleNotification({ alerts: [sampleAlert({ labels: { alertname: "X" }, annotations: { summary: "x".repeat(5000) } })] }));
    assert.equal(r.ok, true, JSON.stringify(r));
    const [e] = events(before);
    assert.equal(e.payload.summary.length, 1024);
    assert.equal(e.payload.source, "vigil-prod");
    assert.equal(e.payload.component, undefined);
  });

  it("does not retry an invalid event (400) and quotes PagerDuty's answer", async () => {
    server.respond((_req, res) => void res.writeHead(400, { "content-type": "application/json" }).end('{"status":"invalid event","message":"Event object is invalid"}'));
    const r = await channel().send(sampleNotification());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.equal(!r.ok && r.status, 400);
    assert.match(!r.ok ? r.error : "", /alert f1e2d3c4b5a69788: HTTP 400: .*Event object is invalid/);
  });

  it("retries 429 with Retry-After and 5xx, and stops sending the rest after the first retryable failure", async () => {
    server.respond((_req, res) => void res.writeHead(429, { "retry-after": "20" }).end('{"status":"throttle event"}'));
    const before = server.requests.length;
    const two = sampleNotification({ alerts: [sampleAlert(), sampleAlert({ id: "a2", fingerprint: "bb" })] });
    const r = await channel().send(two);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.equal(!r.ok && r.retryAfterMs, 20_000);
    assert.equal(server.requests.length - before, 1);
    server.respond((_req, res) => void res.writeHead(502).end());
    const r2 = await channel().send(two);
    assert.equal(!r2.ok && r2.retryable, true);
  });

  it("describes itself without the routing key", () => {
    const d = channel().describe();
    assert.equal(d.routing_key, "<redacted>");
    assert.ok(!JSON.stringify(d).includes(ROUTING_KEY));
    assert.equal(createPagerDutyChannel("pd", { routing_key: ROUTING_KEY }, deps).describe().url, "https://events.pagerduty.com/v2/enqueue");
  });
});
