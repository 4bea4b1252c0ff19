import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { alertsEndpoint, createAlertmanagerChannel } from "./alertmanager.js";
import { recordingLogger, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification, startTestServer, type TestServer } from "../test-notification.js";

const deps = { log: recordingLogger() };

describe("alertmanager channel", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());
  beforeEach(() => server.respond((_r, res) => void res.writeHead(200).end()));

  it("posts firing alerts to /api/v2/alerts without endsAt", async () => {
    const r = await createAlertmanagerChannel("am", { url: server.url }, deps).send(sampleNotification());
    assert.deepEqual(r, { ok: true, status: 200 });
    const req = server.requests.at(-1)!;
    assert.equal(req.path, "/api/v2/alerts");
    assert.deepEqual(JSON.parse(req.body), [
      {
        labels: { alertname: "HighErrorRate", severity: "warning", agent_name: "support-bot", model: "gpt-4o" },
        annotations: sampleAlert().annotations,
        startsAt: "2025-01-15T09:55:00.000Z",
        generatorURL: "http://vigil.example:8001/#/alerts/alert-1",
      },
    ]);
  });

  it("points generatorURL at each alert's page, an anomaly alert's at the chart around it", async () => {
    await createAlertmanagerChannel("am", { url: server.url }, deps).send(sampleNotification({ alerts: [sampleAlert(), sampleAnomalyAlert()] }));
    const alerts = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(
      alerts.map((a: any) => a.generatorURL),
      ["http://vigil.example:8001/#/alerts/alert-1", "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart"],
    );
  });

  it("leaves generatorURL out without an http(s) external URL, and points a test alert at the Vigil root", async () => {
    const ch = createAlertmanagerChannel("am", { url: server.url }, deps);
    await ch.send(sampleNotification({ external_url: "vigil" }));
    assert.equal(JSON.parse(server.requests.at(-1)!.body)[0].generatorURL, undefined);
    await ch.send(sampleNotification({ kind: "test" }));
    assert.equal(JSON.parse(server.requests.at(-1)!.body)[0].generatorURL, "http://vigil.example:8001");
  });

  it("ends resolved alerts at their resolution time", async () => {
    await createAlertmanagerChannel("am", { url: server.url }, deps).send(resolvedNotification(sampleNotification(), 90_000));
    const [alert] = JSON.parse(server.requests.at(-1)!.body);
    assert.equal(alert.endsAt, "2025-01-15T10:01:30.000Z");
  });

  it("sends only string labels, drops empty ones, and names the rule and severity even when labels lack them", async () => {
    await createAlertmanagerChannel("am", { url: server.url }, deps).send(sampleNotification({ alerts: [sampleAlert({ labels: { route: "", tenant_id: "t1" } })] }));
    const [alert] = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(alert.labels, { alertname: "HighErrorRate", severity: "warning", tenant_id: "t1" });
    for (const v of Object.values(alert.labels)) assert.equal(typeof v, "string");
  });

  it("keeps a path prefix and sends basic auth", async () => {
    await createAlertmanagerChannel("am", { url: server.url + "/am/", basic_auth: { username: "vigil", password: "pa55" } }, deps).send(sampleNotification());
    const req = server.requests.at(-1)!;
    assert.equal(req.path, "/am/api/v2/alerts");
    assert.equal(req.headers.authorization, `Basic ${Buffer.from("vigil:pa55").toString("base64")}`);
    assert.equal(alertsEndpoint("http://h:9093"), "http://h:9093/api/v2/alerts");
  });

  it("does not retry a rejected alert (400) and retries 5xx", async () => {
    server.respond((_r, res) => void res.writeHead(400).end('"start time must be before end time"'));
    const bad = await createAlertmanagerChannel("am", { url: server.url }, deps).send(sampleNotification());
    assert.equal(!bad.ok && bad.retryable, false);
    server.respond((_r, res) => void res.writeHead(503).end());
    const busy = await createAlertmanagerChannel("am", { url: server.url }, deps).send(sampleNotification());
    assert.equal(!busy.ok && busy.retryable, true);
  });

  it("describes itself without the password", () => {
    const d = createAlertmanagerChannel("am", { url: "http://127.0.0.1:9093", basic_auth: { username: "vigil", password: "pa55word" } }, deps).describe();
    assert.deepEqual(d.basic_auth, { username: "vigil", password: "<redacted>" });
    assert.ok(!JSON.stringify(d).includes("pa55word"));
  });
});
