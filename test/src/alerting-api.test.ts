/**
 * Alerting through the API of a running server: silenced and inhibited alerts notify nobody and
 * say so; acknowledging stops repeats and is recorded; invalid rules are refused naming rule and
 * field while the rules in force stay; thresholds edited through the API drive the shipped rules.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getJson, inProcessServer, postJson, tempDir, VIGIL_BIN } from "./helpers.js";
import { startReceiver, until, type Receiver } from "./alert-receiver.js";

type Server = Awaited<ReturnType<typeof inProcessServer>>;

async function send(url: string, runs: { agent: string; failed: boolean; duration?: number }[]): Promise<void> {
  const events = runs.map((r) => ({ type: "run", body: { agent_name: r.agent, status: r.failed ? "failure" : "success", duration_ms: r.duration ?? 50 } }));
  const res = await postJson(`${url}/api/v1/ingest`, { events });
  assert.equal(res.status, 207);
}

async function put(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

const tmp = tempDir("vigil-alert-api-");
let hook: Receiver;
let s: Server;
let url: string;

before(async () => {
  hook = await startReceiver();
  const rules = join(tmp.dir, "rules.yml");
  writeFileSync(
    rules,
    `rules:
  - { name: LatencyWarn, metric: p95_latency_ms, comparator: ">", threshold: 1000, window: 1m, severity: warning, labels: { category: speed }, group_by: [agent_name] }
  - { name: LatencyCrit, metric: p95_latency_ms, comparator: ">", threshold: 5000, window: 1m, severity: critical, labels: { category: speed }, group_by: [agent_name] }
  - { name: Failures, metric: failed_tasks, comparator: ">", threshold: 0, window: 1m, severity: warning, group_by: [agent_name] }
`,
  );
  const cfg = join(tmp.dir, "vigil.yaml");
  writeFileSync(
    cfg,
    `alerting:
  default_rules: true
  evaluation_interval: 1s
  channels:
    - { name: hook, type: webhook, url: "${hook.url}/hook" }
  default_route: { channels: [hook], group_by: [alertname, agent_name], group_wait: 0s, group_interval: 1s, repeat_interval: 2s }
`,
  );
  s = await inProcessServer({ VIGIL_CONFIG: cfg, VIGIL_RULES: rules });
  url = s.url;
});

after(async () => {
  await s?.stop();
  await hook?.close();
  tmp.cleanup();
});

const alertsOf = async (q: string) => (await getJson(`${url}/api/v1/alerts?${q}`)).body.alerts as any[];
const notified = (rule: string, agent: string) => hook.received.filter((r) => r.body.alerts?.some((a: any) => a.rule === rule && a.labels.agent_name === agent));

describe("silences and inhibition", () => {
  it("an inhibited warning shows as inhibited and notifies nobody, while the critical one notifies", async () => {
    await send(url, Array.from({ length: 20 }, () => ({ agent: "slowpoke", failed: false, duration: 9000 })));
    await until(async () => (await alertsOf("rule=LatencyCrit&state=firing")).length === 1 && (await alertsOf("rule=LatencyWarn&state=firing")).length === 1, 15_000, "both latency alerts to fire");
    await until(() => notified("LatencyCrit", "slowpoke").length > 0, 10_000, "the critical notification");
    await new Promise((r) => setTimeout(r, 2500));
    const warn = (await alertsOf("rule=LatencyWarn&state=firing"))[0];
    const crit = (await alertsOf("rule=LatencyCrit&state=firing"))[0];
    assert.equal(warn.inhibited, true);
    assert.equal(warn.inhibited_by, crit.alert_id);
    assert.equal(crit.inhibited, false);
    assert.equal(notified("LatencyWarn", "slowpoke").length, 0, "the inhibited warning reached no channel");
  });

  it("a silenced alert shows as silenced and notifies nobody; expiring the silence lets it notify", async () => {
    const sil = await postJson(`${url}/api/v1/silences`, { matchers: ["alertname=Failures", 'agent_name=~"quiet.*"'], duration: "1h", created_by: "ops@example.com", comment: "maintenance" });
    assert.equal(sil.status, 201);
    assert.equal(sil.body.state, "active");
    await send(url, [{ agent: "quiet-1", failed: true }]);
    await until(async () => (await alertsOf("rule=Failures&agent_name=quiet-1&state=firing")).length === 1, 15_000, "the silenced alert to fire");
    await new Promise((r) => setTimeout(r, 2500));
    const a = (await alertsOf("rule=Failures&agent_name=quiet-1&state=firing"))[0];
    assert.equal(a.silenced, true);
    assert.equal(a.silenced_by, sil.body.id);
    assert.equal(notified("Failures", "quiet-1").length, 0, "the silenced alert reached no channel");
    const del = await fetch(`${url}/api/v1/silences/${sil.body.id}`, { method: "DELETE" });
    assert.equal(del.status, 200);
    assert.equal(((await del.json()) as any).state, "expired");
    await until(() => notified("Failures", "quiet-1").length > 0, 10_000, "the notification once the silence expired");
  });
});

describe("lifecycle", () => {
  it("acknowledging records who and when, stops repeats, and a hand resolve closes the alert", async () => {
    await send(url, [{ agent: "acker", failed: true }]);
    await until(() => notified("Failures", "acker").length >= 2, 15_000, "a repeat notification (repeat_interval 2s)");
    const a = (await alertsOf("rule=Failures&agent_name=acker&state=firing"))[0];
    const bad = await postJson(`${url}/api/v1/alerts/${a.alert_id}/acknowledge`, { note: "no by" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /by/);
    const ack = await postJson(`${url}/api/v1/alerts/${a.alert_id}/acknowledge`, { by: "alice", note: "looking" });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.state, "acknowledged");
    assert.equal(ack.body.acknowledged_by, "alice");
    await new Promise((r) => setTimeout(r, 1500));
    const afterAck = notified("Failures", "acker").length;
    await new Promise((r) => setTimeout(r, 4000));
    const firingAfter = notified("Failures", "acker").filter((r) => r.body.kind === "firing").length;
    const firingAtAck = notified("Failures", "acker").slice(0, afterAck).filter((r) => r.body.kind === "firing").length;
    assert.equal(firingAfter, firingAtAck, "no repeats after the acknowledgement");
    assert.ok(hook.received.some((r) => r.body.kind === "acknowledged" && r.body.alerts[0].acknowledged_by === "alice"), "channels heard who acknowledged");
    const res = await postJson(`${url}/api/v1/alerts/${a.alert_id}/resolve`, { by: "alice", note: "fixed" });
    assert.equal(res.body.state, "resolved");
    assert.equal(res.body.resolved_by, "alice");
    const detail = await getJson(`${url}/api/v1/alerts/${a.alert_id}`);
    assert.deepEqual(detail.body.history.map((h: any) => h.event), ["pending", "firing", "acknowledged", "resolved"]);
    const summary = await getJson(`${url}/api/v1/alerts/summary`);
    assert.ok(summary.body.mean_time_to_acknowledge_s > 0);
    assert.ok(summary.body.by_rule.Failures.total >= 1);
  });
});

describe("rules and thresholds", () => {
  it("refuses invalid rules naming rule and field, and keeps the rules in force", async () => {
    const before = (await getJson(`${url}/api/v1/alert-rules`)).body.rules.length;
    const cases: [unknown, RegExp][] = [
      [{ metric: "no_such_metric", comparator: ">", threshold: 1 }, /rule "Bad", field "metric": unknown metric "no_such_metric"/],
      [{ metric: "error_rate", comparator: ">", threshold: 1, window: "5 minutes" }, /field "window": must be a duration/],
      [{ metric: "error_rate", comparator: "=>", threshold: 1 }, /field "comparator": must be one of/],
      [{ metric: "error_rate", comparator: ">", threshold: 1, annotations: { summary: "{{ $valeu }}" } }, /field "annotations\/summary": unknown template variable/],
      [{ metric: "error_rate", comparator: ">", threshold: 1, window: "10s" }, /field "window": must be between 30s/],
    ];
    for (const [body, re] of cases) {
      const r = await put(`${url}/api/v1/alert-rules/Bad`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error.message, re);
      assert.ok(r.body.error.details[0].path.startsWith("/"));
    }
    assert.equal((await getJson(`${url}/api/v1/alert-rules/Bad`)).status, 404);
    assert.equal((await getJson(`${url}/api/v1/alert-rules`)).body.rules.length, before);
    const ok = await put(`${url}/api/v1/alert-rules/Good`, { metric: "success_rate", comparator: "<", threshold: 0.5, window: "30s", for: "1m30s" });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.for, "1m30s");
    assert.equal((await fetch(`${url}/api/v1/alert-rules/HighErrorRate`, { method: "DELETE" })).status, 409, "a shipped rule cannot be deleted, only disabled");
    const off = await put(`${url}/api/v1/alert-rules/HighErrorRate`, { enabled: false });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.enabled, false);
    assert.equal(off.body.threshold, 0.05, "the other fields are kept");
    assert.equal((await fetch(`${url}/api/v1/alert-rules/Good`, { method: "DELETE" })).status, 204);
  });

  it("edits thresholds globally and per agent, and the shipped per-agent rules use them", async () => {
    const bad = await put(`${url}/api/v1/thresholds`, { global: { error_rate_max: 2 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, "/global/error_rate_max");
    const r = await put(`${url}/api/v1/thresholds`, { agents: { strict: { success_rate_min: 0.99 } } });
    assert.equal(r.status, 200);
    assert.equal(r.body.agents.strict.success_rate_min, 0.99);
    assert.equal(r.body.global.success_rate_min, 0.8);
    // 95% success: fine globally (80%), below the 99% this agent must meet.
    await send(url, Array.from({ length: 40 }, (_, i) => ({ agent: "strict", failed: i % 20 === 0 })));
    await until(async () => (await alertsOf("rule=AgentSuccessRateLow&agent_name=strict")).length === 1, 15_000, "the per-agent success rate alert");
    const a = (await alertsOf("rule=AgentSuccessRateLow&agent_name=strict"))[0];
    assert.equal(a.threshold, 0.99);
    assert.equal(a.level, "critical");
    assert.match(a.message, /strict/);
    assert.match(a.recommendation, /roll back/i);
  });

  it("refuses to start on an invalid rules file, naming the rule and field", () => {
    const rules = join(tmp.dir, "bad-rules.yml");
    writeFileSync(rules, "rules:\n  - { name: Oops, metric: error_rate, comparator: '>', threshold: 0.1, for: 5 minutes }\n");
    const r = spawnSync(process.execPath, [VIGIL_BIN, "serve", "--port", "0", "--data-dir", join(tmp.dir, "bad"), "--rules", rules], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /rule "Oops", field "for": must be a duration/);
  });
});
