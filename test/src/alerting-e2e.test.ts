/**
 * The alerting engine end to end against a running server with injected traffic: an error-rate rule
 * fires within `for` + 2 evaluation intervals of its condition starting and resolves within
 * `keep_firing_for` + 2 intervals of it ending; the webhook gets exactly one firing and one resolved
 * notification for the group, signed with the configured secret.
 */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { startReceiver, until, type Receiver } from "./alert-receiver.js";

const INTERVAL = 1000;
const FOR = 3000;
const KEEP = 3000;
const WINDOW = 30_000;
const SLICE = 10_000;
const THRESHOLD = 0.2;
const MIN_SAMPLES = 5;
const SECRET = "e2e-secret-0123456789";

const tmp = tempDir("vigil-alert-e2e-");
let server: ChildServer;
let hook: Receiver;
const sent: { ts: number; failed: boolean; agent: string }[] = [];

before(async () => {
  hook = await startReceiver();
  writeFileSync(
    join(tmp.dir, "rules.yml"),
    `rules:
  - name: ErrorRateHigh
    metric: error_rate
    comparator: ">"
    threshold: ${THRESHOLD}
    window: 30s
    for: 3s
    keep_firing_for: 3s
    min_samples: ${MIN_SAMPLES}
    group_by: [agent_name]
    severity: critical
    annotations:
      summary: "Error rate of {{ $labels.agent_name }} is {{ $value }}"
`,
  );
  writeFileSync(
    join(tmp.dir, "vigil.yaml"),
    `alerting:
  default_rules: false
  evaluation_interval: 1s
  channels:
    - { name: hook, type: webhook, url: "${hook.url}/alerts", secret: "${SECRET}" }
  default_route: { channels: [hook], group_by: [alertname, agent_name], group_wait: 0s, group_interval: 2s, repeat_interval: 1h }
`,
  );
  server = await childServer(join(tmp.dir, "data"), ["--config", join(tmp.dir, "vigil.yaml"), "--rules", join(tmp.dir, "rules.yml")]);
});

after(async () => {
  server?.proc.kill("SIGTERM");
  await hook?.close();
  tmp.cleanup();
});

/** The rule's condition on what was sent, for an evaluation at `t` (window start rounded down to the 10 s slice). */
function truth(t: number, agent: string): boolean {
  const from = t - WINDOW - ((t - WINDOW) % SLICE);
  let n = 0;
  let bad = 0;
  for (const e of sent) {
    if (e.agent !== agent || e.ts < from || e.ts >= t) continue;
    n++;
    if (e.failed) bad++;
  }
  return n >= MIN_SAMPLES && bad / n > THRESHOLD;
}

async function send(failShare: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) {
    const events = [];
    const ts = Date.now();
    for (let k = 0; k < 10; k++) {
      const failed = ((i++ * 7) % 10) / 10 < failShare;
      sent.push({ ts, failed, agent: "a" }, { ts, failed: false, agent: "b" });
      events.push({ type: "run", timestamp: new Date(ts).toISOString(), body: { agent_name: "a", status: failed ? "failure" : "success", duration_ms: 100 } });
      events.push({ type: "run", timestamp: new Date(ts).toISOString(), body: { agent_name: "b", status: "success", duration_ms: 100 } });
    }
    const r = await postJson(`${server.url}/api/v1/ingest`, { events });
    assert.equal(r.status, 207);
    await new Promise((res) => setTimeout(res, 250));
  }
}

it("fires within for + 2 intervals, resolves within keep_firing_for + 2 intervals, and notifies once each way", async () => {
  await send(0, 5000);
  await send(1, 8000);
  let resolvedAlert: any = null;
  // Healthy traffic until the alert resolves (the 30 s window must drain of failures first).
  const healthy = (async () => {
    while (!resolvedAlert) await send(0, 1000);
  })();
  await until(
    async () => {
      const r = await getJson(`${server.url}/api/v1/alerts?rule=ErrorRateHigh&state=resolved`);
      resolvedAlert = r.body.alerts[0] ?? null;
      return resolvedAlert !== null;
    },
    90_000,
    "the alert to resolve",
    200,
  );
  await healthy;
  const firstTs = sent[0]!.ts;
  const lastTs = Date.now();
  let start: number | null = null;
  let end: number | null = null;
  for (let t = firstTs; t <= lastTs; t += 50) {
    if (truth(t, "a")) {
      start ??= t;
      end = t + 50;
    }
    assert.equal(truth(t, "b"), false);
  }
  assert.ok(start !== null && end !== null, "the injected failures meet the condition");
  const fired = Date.parse(resolvedAlert.fired_at);
  const resolved = Date.parse(resolvedAlert.resolved_at);
  assert.deepEqual(resolvedAlert.labels, { alertname: "ErrorRateHigh", severity: "critical", agent_name: "a" });
  assert.ok(fired >= start + FOR - 50, `fired ${fired - start} ms after the condition started: not before "for" (${FOR} ms) has passed`);
  assert.ok(fired <= start + FOR + 2 * INTERVAL, `fired ${fired - start} ms after the condition started; allowed ${FOR + 2 * INTERVAL}`);
  assert.ok(resolved >= end + KEEP - INTERVAL, `resolved ${resolved - end} ms after the condition ended: keep_firing_for holds it`);
  assert.ok(resolved <= end + KEEP + 2 * INTERVAL, `resolved ${resolved - end} ms after the condition ended; allowed ${KEEP + 2 * INTERVAL}`);

  // Exactly one firing and one resolved notification for the group (repeat interval 1 h).
  await until(() => hook.received.some((r) => r.body.kind === "resolved"), 10_000, "the resolved notification");
  await new Promise((r) => setTimeout(r, 3000));
  const kinds = hook.received.map((r) => r.body.kind);
  assert.deepEqual(kinds, ["firing", "resolved"], `notifications: ${JSON.stringify(kinds)}`);
  for (const r of hook.received) {
    assert.deepEqual(r.body.group_labels, { alertname: "ErrorRateHigh", agent_name: "a" });
    const ts = String(r.headers["x-vigil-timestamp"]);
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${ts}.${r.raw}`).digest("hex")}`;
    assert.equal(r.headers["x-vigil-signature"], expected, "the signature verifies with the shared secret");
  }
  assert.equal(hook.received[1]!.body.alerts[0].status, "resolved");
  assert.ok(hook.received[1]!.body.alerts[0].ends_at, "the resolved alert carries its end time");
  const summary = await getJson(`${server.url}/api/v1/alerts/summary`);
  assert.equal(summary.body.by_state.resolved, 1);
  assert.ok(summary.body.mean_time_to_resolve_s > 0);
  const log = await getJson(`${server.url}/api/v1/notifications?alert_id=${encodeURIComponent(resolvedAlert.alert_id)}`);
  assert.deepEqual(log.body.deliveries.map((d: any) => [d.kind, d.status]).sort(), [["firing", "delivered"], ["resolved", "delivered"]]);
});
