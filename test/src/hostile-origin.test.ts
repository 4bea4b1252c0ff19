/**
 * Whole-system suite: a web page on another origin, and a DNS name rebound to the loopback address,
 * cannot make a browser change Vigil in its default no-key mode. A real `vigil serve` process with
 * a webhook channel (pointed at a local receiver that counts deliveries) is attacked from a page
 * served on another port and opened in Debian's Chromium; the page fires the "simple" requests a
 * browser sends without a CORS preflight. Nothing may be sent, synced or stored; the same requests
 * from Vigil's own dashboard origin and from curl-like clients keep working.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { browserSkip, launchChromium } from "./browser.js";
import { childServer, tempDir, type ChildServer } from "./helpers.js";

const skip = browserSkip();

function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

function raw(url: string, method: string, headers: Record<string, string>, body = ""): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("requests from other origins and rebound names", { skip, timeout: 120_000 }, () => {
  const tmp = tempDir();
  let vigil: ChildServer;
  let receiver: { server: http.Server; url: string };
  let attacker: { server: http.Server; url: string };
  let browser: Browser;
  let deliveries = 0;

  before(async () => {
    receiver = await listen((req, res) => {
      deliveries++;
      req.resume();
      res.end("ok");
    });
    writeFileSync(join(tmp.dir, "vigil.yaml"), `alerting:\n  channels:\n    - { name: hook, type: webhook, url: "${receiver.url}/hook" }\n`);
    vigil = await childServer(join(tmp.dir, "data"), ["--config", join(tmp.dir, "vigil.yaml")]);
    const target = vigil.url;
    // The attacker's page: every request a page may send cross-origin without a preflight.
    const page = `<!doctype html><title>cute cats</title><script>
      const t = ${JSON.stringify(target)};
      const sent = [];
      for (let i = 0; i < 6; i++) sent.push(fetch(t + "/api/v1/alerts/test", { method: "POST", mode: "no-cors" }));
      sent.push(fetch(t + "/api/v1/alerts/test", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ level: "critical" }) }));
      sent.push(fetch(t + "/api/v1/sync?lookback_hours=2160", { method: "POST", mode: "no-cors" }));
      sent.push(fetch(t + "/api/v1/ingest", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ events: [{ type: "run", body: { agent_name: "forged", status: "failure", duration_ms: 1 } }] }) }));
      sent.push(fetch(t + "/api/v1/runs", { method: "POST", mode: "no-cors", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "agent_name=forged" }));
      Promise.allSettled(sent).then(() => { document.title = "done"; });
      const f = document.createElement("form"); f.method = "POST"; f.action = t + "/api/v1/alerts/test"; f.target = "sink";
      const frame = document.createElement("iframe"); frame.name = "sink"; document.body.append(frame, f); f.submit();
    </script>`;
    attacker = await listen((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(page);
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    vigil?.proc.kill("SIGTERM");
    await new Promise((r) => vigil?.proc.once("exit", r));
    receiver?.server.close();
    attacker?.server.close();
    tmp.cleanup();
  });

  it("a page on another origin sends no test notification, starts no sync and stores no event", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const answers: number[] = [];
    page.on("response", (r) => {
      if (r.url().startsWith(vigil.url)) answers.push(r.status());
    });
    await page.goto(attacker.url);
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === "done", undefined, { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    await ctx.close();
    assert.equal(deliveries, 0, "the attacker's page made Vigil send test notifications");
    const system = (await (await fetch(`${vigil.url}/api/v1/metrics/system`)).json()) as { metrics: { total_tasks: number } };
    assert.equal(system.metrics.total_tasks, 0, "the attacker's page stored events");
    const detailed = (await (await fetch(`${vigil.url}/api/v1/health/detailed`)).json()) as { ingest: { accepted: number } };
    assert.equal(detailed.ingest.accepted, 0);
    assert.ok(answers.length > 0 && answers.every((s) => s === 403 || s === 415), `Vigil answered the page with ${answers.join(", ")}`);
  });

  it("a name rebound to the loopback address gets 403, not the API or the dashboard", async () => {
    const port = new URL(vigil.url).port;
    // What the browser does after DNS rebinding: it addresses Vigil by the attacker's name.
    const b2 = await launchChromiumMapped("attacker.example");
    try {
      const p2 = await (await b2.newContext()).newPage();
      const r = await p2.goto(`http://attacker.example:${port}/api/v1/thresholds`);
      assert.equal(r?.status(), 403);
      const home = await p2.goto(`http://attacker.example:${port}/`);
      assert.equal(home?.status(), 403);
    } finally {
      await b2.close();
    }
    const before = await (await fetch(`${vigil.url}/api/v1/thresholds`)).text();
    const put = await raw(`${vigil.url}/api/v1/thresholds`, "PUT", { host: `attacker.com:${port}`, "content-type": "application/json" }, JSON.stringify({ success_rate_min: 0.01 }));
    assert.equal(put.status, 403);
    assert.match((JSON.parse(put.body) as { error: { message: string } }).error.message, /does not answer to the host "attacker\.com"/);
    assert.equal(await (await fetch(`${vigil.url}/api/v1/thresholds`)).text(), before);
  });

  it("keeps working for Vigil's own origin, curl-like clients and the loopback names", async () => {
    const port = new URL(vigil.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const r = await raw(`${vigil.url}/api/v1/alerts/test`, "POST", { host, origin: `http://${host}`, "content-type": "application/json" }, "{}");
      assert.equal(r.status, 202, `${host}: ${r.body}`);
    }
    const curl = await raw(`${vigil.url}/api/v1/sync?lookback_hours=1`, "POST", { "content-type": "application/json" });
    assert.equal(curl.status, 200, curl.body);
    const noType = await raw(`${vigil.url}/api/v1/sync?lookback_hours=1`, "POST", {});
    assert.equal(noType.status, 415);
    assert.match(noType.body, /Content-Type: application\/json/);
  });
});

/** A Chromium whose resolver maps `name` to 127.0.0.1, as a rebound DNS answer would. */
async function launchChromiumMapped(name: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const { CHROMIUM } = await import("./browser.js");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", `--host-resolver-rules=MAP ${name} 127.0.0.1`] });
}
