/**
 * Alerting with several instances on one PostgreSQL database: the leader evaluates and delivers,
 * so an alert group notifies once, not once per instance; an acknowledgement made on a follower
 * holds; and when the leader is killed, its successor carries on without notifying again.
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { startReceiver, until, type Receiver } from "./alert-receiver.js";
import { createTestDatabase } from "./pg-support.js";

const tmp = tempDir("vigil-alert-cluster-");
const servers: ChildServer[] = [];
let hook: Receiver | null = null;
let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
after(async () => {
  for (const s of servers) s.proc.kill("SIGKILL");
  await hook?.close();
  await db?.drop();
  tmp.cleanup();
});

it("notifies once per alert group across three instances, and a new leader does not notify again", async () => {
  db = await createTestDatabase("vigil_alert_cluster");
  hook = await startReceiver();
  const cfg = join(tmp.dir, "vigil.yaml");
  writeFileSync(
    cfg,
    `cluster: { follow_interval: 1s, leader_check_interval: 1s }
alerting:
  default_rules: false
  evaluation_interval: 1s
  channels:
    - { name: hook, type: webhook, url: "${hook.url}/hook" }
  default_route: { channels: [hook], group_by: [alertname], group_wait: 3s, group_interval: 1s, repeat_interval: 1h }
`,
  );
  // group_wait collects both agents' alerts into the group's first notification even when the
  // leader folds the two runs (sent through different instances) in different follow rounds.
  const rules = join(tmp.dir, "rules.yml");
  writeFileSync(rules, `rules:\n  - { name: Failures, metric: failed_tasks, comparator: ">", threshold: 0, window: 5m, group_by: [agent_name], severity: warning }\n`);
  for (let i = 0; i < 3; i++) servers.push(await childServer(join(tmp.dir, `data-${i}`), ["--config", cfg, "--rules", rules, "--database-url", db.url]));
  // Failures of two agents, sent through different instances: two groups.
  assert.equal((await postJson(`${servers[1]!.url}/api/v1/runs`, { agent_name: "a", status: "failure", duration_ms: 5 })).status, 202);
  assert.equal((await postJson(`${servers[2]!.url}/api/v1/runs`, { agent_name: "b", status: "failure", duration_ms: 5 })).status, 202);
  await until(() => hook!.received.length >= 1, 20_000, "the firing notification");
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(hook.received.length, 1, `one notification for the group, not one per instance: ${hook.received.length}`);
  assert.deepEqual(hook.received[0]!.body.alerts.map((a: any) => a.labels.agent_name).sort(), ["a", "b"]);
  for (const s of servers) {
    const r = await getJson(`${s.url}/api/v1/alerts?state=firing`);
    assert.equal(r.body.total_count, 2, "every instance answers the same alerts");
  }

  // An acknowledgement made on whichever instance holds at the leader.
  const statuses = await Promise.all(servers.map((s) => getJson(`${s.url}/api/v1/health/detailed`)));
  const leaderIdx = statuses.findIndex((s) => s.body.cluster.leader);
  assert.ok(leaderIdx >= 0);
  const follower = servers[(leaderIdx + 1) % 3]!;
  const a = (await getJson(`${follower.url}/api/v1/alerts?agent_name=a&state=firing`)).body.alerts[0];
  const ack = await postJson(`${follower.url}/api/v1/alerts/${a.alert_id}/acknowledge`, { by: "bob" });
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  await new Promise((r) => setTimeout(r, 2500));
  const afterAck = await getJson(`${servers[leaderIdx]!.url}/api/v1/alerts/${a.alert_id}`);
  assert.equal(afterAck.body.state, "acknowledged", "the leader's next evaluations kept the acknowledgement");

  // Kill the leader: a survivor takes over alert state and group state, and sends nothing new.
  servers[leaderIdx]!.proc.kill("SIGKILL");
  const survivors = servers.filter((_, i) => i !== leaderIdx);
  await until(async () => (await Promise.all(survivors.map((s) => getJson(`${s.url}/api/v1/health/detailed`)))).some((s) => s.body.cluster.leader && s.body.alerting.evaluation !== null), 20_000, "a new leader evaluating");
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(hook.received.filter((r) => r.body.kind === "firing").length, 1, "the new leader did not notify the same group again");
  const open = await getJson(`${survivors[0]!.url}/api/v1/alerts?state=firing,acknowledged`);
  assert.equal(open.body.total_count, 2, "still the same two alerts");
});
