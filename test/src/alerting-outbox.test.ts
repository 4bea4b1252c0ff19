/**
 * The durable outbox across a crash: notifications queued while a channel is down survive a
 * kill -9 of the server, and once the server is back and the channel comes up each one is
 * delivered exactly once.
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { startReceiver, until, type Receiver } from "./alert-receiver.js";

const tmp = tempDir("vigil-outbox-");
let server: ChildServer | null = null;
let hook: Receiver | null = null;
after(async () => {
  server?.proc.kill("SIGKILL");
  await hook?.close();
  tmp.cleanup();
});

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

it("delivers every notification queued before a kill -9 exactly once after the restart", async () => {
  const port = await freePort();
  const cfg = join(tmp.dir, "vigil.yaml");
  writeFileSync(
    cfg,
    `alerting:
  default_rules: false
  evaluation_interval: 1s
  retry: { initial: 200ms, max: 1s, max_attempts: 100 }
  channels:
    - { name: hook, type: webhook, url: "http://127.0.0.1:${port}/hook", timeout: 2s }
  default_route: { channels: [hook], group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
`,
  );
  const rules = join(tmp.dir, "rules.yml");
  writeFileSync(rules, `rules:\n  - { name: AnyFailure, metric: failed_tasks, comparator: ">", threshold: 0, window: 1m, severity: warning }\n`);
  const data = join(tmp.dir, "data");
  server = await childServer(data, ["--config", cfg, "--rules", rules]);
  // One alert notification (from traffic) and three test notifications, all to a channel that is down.
  assert.equal((await postJson(`${server.url}/api/v1/runs`, { agent_name: "a", status: "failure", duration_ms: 5 })).status, 202);
  for (const level of ["info", "warning", "critical"]) assert.equal((await postJson(`${server.url}/api/v1/channels/hook/test`, { level })).status, 202);
  await until(
    async () => {
      const r = await getJson(`${server!.url}/api/v1/notifications?limit=1000`);
      const ids = new Set(r.body.deliveries.filter((d: any) => d.status === "retrying").map((d: any) => d.notification_id));
      return ids.size >= 4 && r.body.outbox.pending >= 4;
    },
    20_000,
    "four notifications retrying against the channel that is down",
  );
  const before = await getJson(`${server.url}/api/v1/notifications?limit=1000`);
  const queued = new Set<string>(before.body.deliveries.map((d: any) => d.notification_id));
  assert.equal(before.body.outbox.delivered, 0);
  server.proc.kill("SIGKILL");
  await new Promise((r) => server!.proc.once("exit", r));

  hook = await startReceiver(port);
  server = await childServer(data, ["--config", cfg, "--rules", rules]);
  await until(() => new Set(hook!.received.map((r) => r.headers["x-vigil-notification-id"])).size >= queued.size, 30_000, "every queued notification to arrive");
  await new Promise((r) => setTimeout(r, 2500));
  const ids = hook.received.map((r) => String(r.headers["x-vigil-notification-id"]));
  assert.deepEqual(new Set(ids), queued, "exactly the queued notifications arrive");
  assert.equal(ids.length, new Set(ids).size, `each arrives once: ${JSON.stringify(ids)}`);
  const afterRestart = await getJson(`${server.url}/api/v1/notifications?limit=1000`);
  assert.equal(afterRestart.body.outbox.pending, 0);
  assert.equal(afterRestart.body.outbox.delivered, queued.size);
  const alerts = await getJson(`${server.url}/api/v1/alerts?state=firing`);
  assert.equal(alerts.body.total_count, 1, "the firing alert survived the crash as one alert, not two");
});
