import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "../core/errors.js";
import { buildChannels, parseChannelConfigs, type ChannelConfig } from "./registry.js";
import { recordingLogger } from "./test-notification.js";

const deps = { log: recordingLogger() };

const SECRETS = {
  webhook: "whsec-0123456789abcdef",
  slackPath: "T0001/B0001/SLACKSECRETPATH",
  routingKey: "PDROUTINGKEY0123456789abcdefABCD",
  smtpPass: "smtp-pa55word",
  amPass: "am-pa55word",
};

const ALL: ChannelConfig[] = [
  { type: "webhook", name: "hook", url: "https://hooks.example/vigil", secret: SECRETS.webhook },
  { type: "slack", name: "slack", webhook_url: `https://hooks.slack.com/services/${SECRETS.slackPath}` },
  { type: "email", name: "mail", host: "smtp.example", port: 587, user: "vigil", pass: SECRETS.smtpPass, from: "vigil@example.org", to: ["oncall@example.org"] },
  { type: "pagerduty", name: "pd", routing_key: SECRETS.routingKey },
  { type: "alertmanager", name: "am", url: "http://127.0.0.1:9093", basic_auth: { username: "vigil", password: SECRETS.amPass } },
];

describe("channel registry", () => {
  it("builds every configured channel by name and adds the console channel", () => {
    const channels = buildChannels(ALL, deps);
    assert.deepEqual([...channels.keys()], ["hook", "slack", "mail", "pd", "am", "console"]);
    assert.deepEqual([...channels.values()].map((c) => c.type), ["webhook", "slack", "email", "pagerduty", "alertmanager", "console"]);
    for (const c of channels.values()) void c.close?.();
  });

  it("has a console channel even with nothing configured", () => {
    const channels = buildChannels([], deps);
    assert.deepEqual([...channels.keys()], ["console"]);
    assert.equal(channels.get("console")!.type, "console");
  });

  it("lets a configured channel named console take the place of the default", () => {
    const channels = buildChannels([{ type: "webhook", name: "console", url: "http://127.0.0.1:1/" }], deps);
    assert.equal(channels.size, 1);
    assert.equal(channels.get("console")!.type, "webhook");
  });

  it("refuses two channels with the same name, naming it", () => {
    const twice: ChannelConfig[] = [
      { type: "console", name: "ops" },
      { type: "webhook", name: "ops", url: "http://127.0.0.1:1/" },
    ];
    assert.throws(() => buildChannels(twice, deps), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && e.message.includes('"ops"'));
  });

  it("redacts every secret in describe()", () => {
    const text = JSON.stringify([...buildChannels(ALL, deps).values()].map((c) => c.describe()));
    for (const [what, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${what} leaked in ${text}`);
    assert.ok(text.includes("<redacted>"));
    assert.ok(text.includes("smtp.example") && text.includes("https://hooks.example/vigil"), "non-secret settings stay visible");
  });

  it("accepts valid channel settings as written in YAML", () => {
    const parsed = parseChannelConfigs([...ALL, { type: "console", name: "log" }, { type: "webhook", name: "w2", url: "http://x.example/", timeout: "500ms", headers: { Authorization: "Bearer x" } }]);
    assert.equal(parsed.length, 7);
    assert.deepEqual(parseChannelConfigs(undefined), []);
  });

  it("reports every invalid setting with the channel's position and name", () => {
    const bad = [
      { type: "webhook", name: "hook", url: "ftp://nope", extra: 1 },
      { type: "sms", name: "text" },
      { type: "email", name: "mail", host: "h", port: 70000, from: "a@b.c", to: [] },
      { type: "slack", name: "bad name!", webhook_url: "https://hooks.slack.com/x" },
      { type: "pagerduty", name: "pd", routing_key: "k", timeout: "10 seconds" },
    ];
    try {
      parseChannelConfigs(bad);
      assert.fail("expected CONFIG_INVALID");
    } catch (e) {
      assert.ok(e instanceof VigilError && e.code === "CONFIG_INVALID");
      const m = e.message;
      assert.match(m, /channels\[0\] \(hook\)\/url: must match pattern/);
      assert.match(m, /channels\[0\] \(hook\)\/extra: is not a known setting/);
      assert.match(m, /channels\[1\] \(text\): type must be one of console, webhook, slack, email, pagerduty, alertmanager/);
      assert.match(m, /channels\[2\] \(mail\)\/port: must be <= 65535/);
      assert.match(m, /channels\[2\] \(mail\)\/to: must NOT have fewer than 1 items/);
      assert.match(m, /channels\[3\] \(bad name!\)\/name: must match pattern/);
      assert.match(m, /channels\[4\] \(pd\)\/timeout: must match pattern/);
    }
    assert.throws(() => parseChannelConfigs({ type: "console" }), /channels must be a list/);
  });
});
