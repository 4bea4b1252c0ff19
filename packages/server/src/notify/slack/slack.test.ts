import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSlackChannel, slackMessage } from "./slack.js";
import { recordingLogger, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification, startTestServer, type TestServer } from "../test-notification.js";

const deps = { log: recordingLogger() };

function twoAlerts() {
  return sampleNotification({ alerts: [sampleAlert(), sampleAlert({ id: "alert-2", fingerprint: "ab", labels: { alertname: "HighErrorRate", agent_name: "billing-bot" }, value: 0.08 })] });
}

describe("slack channel", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());
  beforeEach(() => server.respond((_r, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("ok")));

  it("posts a fallback text and blocks: header, one section per alert, a context link", async () => {
    const ch = createSlackChannel("slack", { webhook_url: server.url + "/services/T000/B000/XXXX" }, deps);
    assert.deepEqual(await ch.send(twoAlerts()), { ok: true, status: 200, detail: "ok" });
    const req = server.requests.at(-1)!;
    assert.equal(req.path, "/services/T000/B000/XXXX");
    const body = JSON.parse(req.body);
    assert.deepEqual(Object.keys(body).sort(), ["blocks", "text"]);
    assert.equal(body.text, "[FIRING:2] HighErrorRate (warning) — Error rate of support-bot is 12.5% (threshold 5%) (and 1 more)");
    assert.deepEqual(body.blocks.map((b: any) => b.type), ["header", "section", "section", "context"]);
    assert.deepEqual(body.blocks[0], { type: "header", text: { type: "plain_text", text: "[FIRING:2] HighErrorRate (warning)", emoji: true } });
    const first = body.blocks[1].text;
    assert.equal(first.type, "mrkdwn");
    assert.match(first.text, /\*HighErrorRate\* · warning · firing/);
    assert.match(first.text, /Error rate of support-bot is 12\.5% \(threshold 5%\)/);
    assert.match(first.text, /\*Value:\* 0\.125 \(threshold 0\.05\)/);
    assert.match(first.text, /\*Labels:\* `agent_name=support-bot` `model=gpt-4o`/);
    assert.match(first.text, /\*Recommendation:\* Check the model provider's status page/);
    assert.match(first.text, /\*Business impact:\* Customers get failed answers/);
    assert.match(first.text, /\n<http:\/\/vigil\.example:8001\/#\/alerts\/alert-1\|Open in Vigil>$/);
    assert.match(body.blocks[2].text.text, /`agent_name=billing-bot`/);
    assert.match(body.blocks[2].text.text, /\n<http:\/\/vigil\.example:8001\/#\/alerts\/alert-2\|Open in Vigil>$/);
    assert.match(body.blocks[3].elements[0].text, /^<http:\/\/vigil\.example:8001\|View in Vigil>/);
  });

  it("links an anomaly alert's section to the chart around it", () => {
    const msg = slackMessage(sampleNotification({ alerts: [sampleAnomalyAlert()] }));
    const text = (msg.blocks[1] as any).text.text as string;
    assert.match(text, /expected 1\.1 s–1\.6 s/);
    assert.ok(text.endsWith("\n<http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart|Open in Vigil>"), text);
  });

  it("has no alert links without an http(s) external URL, and says Vigil without a link", () => {
    const msg = slackMessage(sampleNotification({ external_url: "vigil" }));
    const text = JSON.stringify(msg);
    assert.ok(!text.includes("Open in Vigil"), text);
    assert.ok(!text.includes("<"), text);
    assert.match((msg.blocks.at(-1) as any).elements[0].text, /^Vigil · group/);
  });

  it("escapes the alert link and keeps it whole when a long section is cut", () => {
    const long = sampleAlert({ id: "a|b>c", annotations: { summary: "s".repeat(5000) } });
    const msg = slackMessage(sampleNotification({ external_url: "https://vigil.example.com/?org=1&env=prod", alerts: [long] }));
    const text = (msg.blocks[1] as any).text.text as string;
    assert.ok(text.length <= 3000, String(text.length));
    assert.ok(text.endsWith("…\n<https://vigil.example.com/?org=1&amp;env=prod#/alerts/a%7Cb%3Ec|Open in Vigil>"), text.slice(-120));
  });

  it("says resolved in the text and marks resolved alerts", () => {
    const msg = slackMessage(resolvedNotification(sampleNotification()));
    assert.match(msg.text, /^\[RESOLVED\] HighErrorRate \(warning\)/);
    assert.match((msg.blocks[1] as any).text.text, /:white_check_mark: \*HighErrorRate\* · warning · resolved/);
    assert.match((msg.blocks[1] as any).text.text, /\*Resolved:\* 2025-01-15T10:01:00\.000Z/);
  });

  it("passes channel and username overrides", async () => {
    await createSlackChannel("slack", { webhook_url: server.url, channel: "#alerts", username: "Vigil" }, deps).send(sampleNotification());
    const body = JSON.parse(server.requests.at(-1)!.body);
    assert.equal(body.channel, "#alerts");
    assert.equal(body.username, "Vigil");
  });

  it("keeps to 50 blocks and says how many alerts were left out", () => {
    const alerts = Array.from({ length: 60 }, (_, i) => sampleAlert({ id: `a${i}`, fingerprint: `f${i}` }));
    const msg = slackMessage(sampleNotification({ alerts }));
    assert.equal(msg.blocks.length, 50);
    assert.equal(msg.blocks[0]!.type, "header");
    assert.equal(msg.blocks[49]!.type, "context");
    assert.match((msg.blocks[48] as any).text.text, /and 13 more alerts/);
    // 48 alerts fit exactly without a "more" line.
    const exact = slackMessage(sampleNotification({ alerts: alerts.slice(0, 48) }));
    assert.equal(exact.blocks.length, 50);
    assert.ok(!JSON.stringify(exact).includes("more alert"));
  });

  it("keeps header text to 150 and section text to 3000 characters", () => {
    const long = sampleAlert({ rule: "R".repeat(400), annotations: { summary: "s".repeat(5000), recommendation: "r".repeat(5000) } });
    const msg = slackMessage(sampleNotification({ alerts: [long] }));
    assert.ok((msg.blocks[0] as any).text.text.length <= 150);
    assert.ok((msg.blocks[1] as any).text.text.length <= 3000);
    assert.ok((msg.blocks[1] as any).text.text.endsWith("…\n<http://vigil.example:8001/#/alerts/alert-1|Open in Vigil>"), "cut before the alert's link");
  });

  it("escapes user text so an annotation cannot ping @channel or forge links", () => {
    const msg = slackMessage(sampleNotification({ alerts: [sampleAlert({ annotations: { summary: "<!channel> see <http://evil|here> & more" } })] }));
    const text = JSON.stringify(msg);
    assert.ok(!text.includes("<!channel>"));
    assert.ok(text.includes("&lt;!channel&gt; see &lt;http://evil|here&gt; &amp; more"));
  });

  it("does not retry invalid_payload (400), retries 429 after Retry-After and 5xx", async () => {
    const ch = createSlackChannel("slack", { webhook_url: server.url }, deps);
    server.respond((_r, res) => void res.writeHead(400).end("invalid_payload"));
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: false, status: 400, error: "HTTP 400: invalid_payload" });
    server.respond((_r, res) => void res.writeHead(404).end("channel_not_found"));
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: false, status: 404, error: "HTTP 404: channel_not_found" });
    server.respond((_r, res) => void res.writeHead(429, { "retry-after": "3" }).end("rate_limited"));
    assert.deepEqual(await ch.send(sampleNotification()), { ok: false, retryable: true, status: 429, error: "HTTP 429: rate_limited", retryAfterMs: 3000 });
    server.respond((_r, res) => void res.writeHead(503).end("service_unavailable"));
    const r = await ch.send(sampleNotification());
    assert.equal(!r.ok && r.retryable, true);
  });

  it("describes itself without the webhook path", () => {
    const d = createSlackChannel("slack", { webhook_url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET" }, deps).describe();
    assert.equal(d.webhook_url, "https://hooks.slack.com/<redacted>");
    assert.ok(!JSON.stringify(d).includes("XXXXSECRET"));
  });
});
