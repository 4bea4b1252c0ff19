import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { createEmailChannel, emailHtml, smtpFailure, type EmailConfig } from "./email.js";
import { closedPort, recordingLogger, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification } from "../test-notification.js";

/** A message as the SMTP server received it. */
interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** Decodes quoted-printable (body) or Q (header word, where "_" is a space) into UTF-8 text. */
function decodeQ(text: string, header: boolean): string {
  const s = (header ? text.replace(/_/g, " ") : text).replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`) in a header value. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?") // whitespace between adjacent encoded words is not part of the text
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_m, enc: string, data: string) => (enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQ(data, true)));
}

/** Splits a message (or part) into lower-cased, unfolded headers and its body. */
function split(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, at).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(at + 4) };
}

/** The text parts of a multipart message by content type, decoded. */
function parts(raw: string): Map<string, string> {
  const { headers, body } = split(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get("content-type") ?? "")?.[1];
  assert.ok(boundary, `not multipart: ${headers.get("content-type")}`);
  const out = new Map<string, string>();
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const p = split(chunk.replace(/^\r\n/, ""));
    const type = (p.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const enc = (p.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
    const text = enc === "quoted-printable" ? decodeQ(p.body, false) : enc === "base64" ? Buffer.from(p.body, "base64").toString("utf8") : p.body;
    out.set(type, text.replace(/\r\n$/, ""));
  }
  return out;
}

describe("email channel (real SMTP server)", () => {
  const received: Received[] = [];
  let rejectRcpt: ((address: string) => { code: number; message: string } | null) | null = null;
  let smtp: SMTPServer;
  let port = 0;
  const deps = { log: recordingLogger() };
  const config = (over: Partial<EmailConfig> = {}): EmailConfig => ({ host: "127.0.0.1", port, from: "Vigil <vigil@example.org>", to: ["oncall@example.org"], timeout: "5s", ...over });

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo(address, _session, cb) {
        const rejection = rejectRcpt?.(address.address) ?? null;
        if (rejection === null) return cb();
        cb(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
    port = (smtp.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
  beforeEach(() => {
    rejectRcpt = null;
  });

  it("delivers one message with the subject, sender, recipients and both text and HTML bodies", async () => {
    const ch = createEmailChannel("mail", config({ to: ["oncall@example.org", "lead@example.org"] }), deps);
    const r = await ch.send(sampleNotification());
    await ch.close?.();
    assert.equal(r.ok, true, JSON.stringify(r));
    const m = received.at(-1)!;
    assert.equal(m.from, "vigil@example.org");
    assert.deepEqual(m.to, ["oncall@example.org", "lead@example.org"]);
    const { headers } = split(m.raw);
    assert.equal(decodeWords(headers.get("subject")!), "[Vigil] [FIRING:1] HighErrorRate — warning");
    assert.equal(headers.get("from"), "Vigil <vigil@example.org>");
    assert.equal(headers.get("to"), "oncall@example.org, lead@example.org");
    assert.equal(headers.get("x-vigil-notification-id"), "n-0001");
    assert.equal(headers.get("message-id"), "<n-0001@vigil.notification>");
    assert.match(headers.get("content-type")!, /^multipart\/alternative/);
    const p = parts(m.raw);
    assert.deepEqual([...p.keys()].sort(), ["text/html", "text/plain"]);
    assert.match(p.get("text/plain")!, /^\[FIRING:1\] HighErrorRate \(warning\)/);
    assert.match(p.get("text/plain")!, /Recommendation: Check the model provider's status page/);
    assert.match(p.get("text/plain")!, /Value: 0\.125 \(threshold 0\.05\)/);
    assert.match(p.get("text/html")!, /<th align="left" valign="top">Business impact<\/th><td>Customers get failed answers from the support assistant\.<\/td>/);
    assert.match(p.get("text/html")!, /<a href="http:\/\/vigil\.example:8001">View in Vigil<\/a>/);
  });

  it("links each alert to its page after its table, an anomaly alert to the chart around it, in both bodies", async () => {
    const ch = createEmailChannel("mail", config(), deps);
    assert.equal((await ch.send(sampleNotification({ alerts: [sampleAlert(), sampleAnomalyAlert()] }))).ok, true);
    const p = parts(received.at(-1)!.raw);
    // SMTP carries lines ending in CRLF.
    const html = p.get("text/html")!.replace(/\r\n/g, "\n");
    const text = p.get("text/plain")!.replace(/\r\n/g, "\n");
    const plain = "http://vigil.example:8001/#/alerts/alert-1";
    const anomaly = "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart";
    assert.match(html, /<h3>HighErrorRate — warning, firing<\/h3>\n<table[^]*?<\/table>\n<p><a href="http:\/\/vigil\.example:8001\/#\/alerts\/alert-1">Open in Vigil<\/a><\/p>\n<h3>LatencyAnomalyByRoute/);
    assert.match(html, /<\/table>\n<p><a href="http:\/\/vigil\.example:8001\/#\/alerts\/9fbb2ac91b8f355c-mwqeork2\?view=chart">Open in Vigil<\/a><\/p>\n<p><a href="http:\/\/vigil\.example:8001">View in Vigil<\/a><\/p>/);
    assert.ok(text.includes(`  Open in Vigil: ${plain}\n`));
    assert.ok(text.includes(`  Open in Vigil: ${anomaly}\n`));
  });

  it("escapes the alert link in the HTML body, and has none without an http(s) external URL", () => {
    const html = emailHtml(sampleNotification({ external_url: `https://vigil.example.com/?org=1&env="prod"`, alerts: [sampleAlert({ id: "<b>&" })] }));
    assert.ok(html.includes(`<a href="https://vigil.example.com/?org=1&amp;env=%22prod%22#/alerts/%3Cb%3E%26">Open in Vigil</a>`), html);
    const bare = emailHtml(sampleNotification({ external_url: "vigil" }));
    assert.ok(!bare.includes("<a "), bare);
  });

  it("escapes annotations in the HTML body", async () => {
    const ch = createEmailChannel("mail", config(), deps);
    const n = sampleNotification({ alerts: [sampleAlert({ annotations: { summary: `<script>alert("x")</script> & <b>bold</b>` } })] });
    assert.equal((await ch.send(n)).ok, true);
    const html = parts(received.at(-1)!.raw).get("text/html")!;
    assert.ok(!html.includes("<script>"), html);
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert.ok(parts(received.at(-1)!.raw).get("text/plain")!.includes(`<script>alert("x")</script>`));
  });

  it("says RESOLVED in the subject and uses the configured prefix", async () => {
    const ch = createEmailChannel("mail", config({ subject_prefix: "[prod]" }), deps);
    assert.equal((await ch.send(resolvedNotification(sampleNotification()))).ok, true);
    assert.equal(decodeWords(split(received.at(-1)!.raw).headers.get("subject")!), "[prod] [RESOLVED] HighErrorRate — warning");
  });

  it("does not retry a permanent rejection (550)", async () => {
    rejectRcpt = () => ({ code: 550, message: "5.1.1 No such user" });
    const r = await createEmailChannel("mail", config(), deps).send(sampleNotification());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.match(!r.ok ? r.error : "", /550/);
  });

  it("retries a transient rejection (451)", async () => {
    rejectRcpt = () => ({ code: 451, message: "4.7.1 Greylisted, try again later" });
    const r = await createEmailChannel("mail", config(), deps).send(sampleNotification());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.match(!r.ok ? r.error : "", /451/);
  });

  it("reports recipients that were refused while others got the message, without retrying", async () => {
    rejectRcpt = (a) => (a === "gone@example.org" ? { code: 550, message: "No such user" } : null);
    const before = received.length;
    const r = await createEmailChannel("mail", config({ to: ["oncall@example.org", "gone@example.org"] }), deps).send(sampleNotification());
    assert.equal(r.ok, true);
    assert.match(r.ok ? r.detail ?? "" : "", /rejected: gone@example\.org/);
    assert.deepEqual(received.slice(before).map((m) => m.to), [["oncall@example.org"]]);
  });

  it("retries when the SMTP server cannot be reached", async () => {
    const r = await createEmailChannel("mail", config({ port: await closedPort() }), deps).send(sampleNotification());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.match(!r.ok ? r.error : "", /ECONNREFUSED|ECONNECTION/);
  });

  it("maps SMTP failures: 4xx and connection errors retryable, 5xx and bad settings not", () => {
    const retryable = (e: unknown) => {
      const r = smtpFailure(e);
      return !r.ok && r.retryable;
    };
    assert.equal(retryable(Object.assign(new Error("busy"), { responseCode: 421 })), true);
    assert.equal(retryable(Object.assign(new Error("auth failed"), { responseCode: 535, code: "EAUTH" })), false);
    assert.equal(retryable(Object.assign(new Error("Missing credentials"), { code: "EAUTH" })), false);
    assert.equal(retryable(Object.assign(new Error("Greeting never received"), { code: "ETIMEDOUT" })), true);
    assert.equal(retryable(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "EDNS" })), true);
  });

  it("describes itself without the password", () => {
    const d = createEmailChannel("mail", config({ user: "vigil", pass: "hunter2-pass" }), deps).describe();
    assert.equal(d.pass, "<redacted>");
    assert.equal(d.user, "vigil");
    assert.ok(!JSON.stringify(d).includes("hunter2"));
  });
});
