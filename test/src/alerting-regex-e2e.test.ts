/**
 * Regular expressions in matchers cannot stall the server: a silence `agent_name=~"(a+)+$"` and an
 * alert for agent `aaa…a!` (catastrophic for a backtracking engine: seconds per evaluation at 31
 * characters) are evaluated every second while `/healthz` keeps answering at once; the silence
 * still mutes the agent it does match, the other alert is notified, and syntax RE2 does not have
 * is refused with 400 naming the field.
 */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { startReceiver, until, type Receiver } from "./alert-receiver.js";

const EVIL = "a".repeat(31) + "!";
const MATCHED = "a".repeat(31);

const tmp = tempDir("vigil-alert-regex-");
let server: ChildServer;
let hook: Receiver;

before(async () => {
  hook = await startReceiver();
  writeFileSync(
    join(tmp.dir, "rules.yml"),
    `rules:
  - name: AgentFailing
    metric: error_rate
    comparator: ">"
    threshold: 0.5
    window: 30s
    min_samples: 1
    group_by: [agent_name]
    severity: warning
`,
  );
  writeFileSync(
    join(tmp.dir, "vigil.yaml"),
    `alerting:
  default_rules: false
  evaluation_interval: 1s
  channels:
    - { name: hook, type: webhook, url: "${hook.url}/alerts" }
  default_route: { channels: [hook], group_by: [alertname, agent_name], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
`,
  );
  server = await childServer(join(tmp.dir, "data"), ["--config", join(tmp.dir, "vigil.yaml"), "--rules", join(tmp.dir, "rules.yml")]);
});

after(async () => {
  server?.proc.kill("SIGKILL");
  await hook?.close();
  tmp.cleanup();
});

/** Polls `/healthz` until stopped; returns the slowest answer in ms. */
function watchHealth(): { stop: () => Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
      slowest = Math.max(slowest, r?.ok ? performance.now() - t0 : 10_000);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return slowest;
    },
  };
}

it("evaluates a silence with a nested-quantifier regex against a pathological label in linear time", async (t) => {
  const silence = await postJson(`${server.url}/api/v1/silences`, { matchers: ['agent_name=~"(a+)+$"'], duration: "1h", created_by: "ops@example.com" });
  assert.equal(silence.status, 201, JSON.stringify(silence.body));
  const silenceId: string = silence.body.id;

  const health = watchHealth();
  let notifiedAfter: number;
  let slowest: number;
  try {
    const sentAt = Date.now();
    const ts = new Date().toISOString();
    const events = [EVIL, MATCHED].map((agent) => ({ type: "run", timestamp: ts, body: { agent_name: agent, status: "failure", duration_ms: 100 } }));
    assert.equal((await postJson(`${server.url}/api/v1/ingest`, { events })).status, 207);
    // The pipeline got past the silence check for the pathological label: its alert was notified.
    await until(() => hook.received.some((r) => r.body.kind === "firing" && r.body.group_labels?.agent_name === EVIL), 8000, "the firing notification for the unsilenced agent", 50);
    notifiedAfter = Date.now() - sentAt;
    // Keep watching over three more evaluation cycles, each of which checks the silence again.
    await new Promise((res) => setTimeout(res, 3000));
  } finally {
    slowest = await health.stop();
  }

  t.diagnostic(`notified ${notifiedAfter} ms after the event; slowest /healthz ${slowest.toFixed(1)} ms`);
  assert.ok(notifiedAfter < 5000, `notified ${notifiedAfter} ms after the event; evaluation runs every second`);
  assert.ok(slowest < 1000, `/healthz took up to ${Math.round(slowest)} ms while alerts were evaluated`);
  const alerts = await getJson(`${server.url}/api/v1/alerts?rule=AgentFailing&state=firing`);
  const byAgent = new Map(alerts.body.alerts.map((a: any) => [a.labels.agent_name, a]));
  assert.equal((byAgent.get(EVIL) as any)?.silenced, false, "the regex is anchored: a trailing ! does not match");
  assert.equal((byAgent.get(MATCHED) as any)?.silenced, true, "the silence mutes the agent it matches");
  assert.equal((byAgent.get(MATCHED) as any)?.silenced_by, silenceId);
  assert.ok(!hook.received.some((r) => r.body.group_labels?.agent_name === MATCHED), "the silenced alert notified nobody");
});

it("refuses regular-expression syntax RE2 does not have, naming the matcher", async () => {
  const body = (matchers: unknown[]) => ({ matchers, duration: "1h", created_by: "ops@example.com" });
  const text = await postJson(`${server.url}/api/v1/silences`, body(["alertname=AgentFailing", 'agent_name=~"(?=a)a+"']));
  assert.equal(text.status, 400);
  assert.equal(text.body.error.details[0].path, "/matchers/1");
  assert.match(text.body.error.details[0].message, /lookahead.*RE2/);
  const obj = await postJson(`${server.url}/api/v1/silences`, body([{ label: "agent_name", op: "=~", value: "(a)\\1" }]));
  assert.equal(obj.status, 400);
  assert.equal(obj.body.error.details[0].path, "/matchers/0/value");
  assert.match(obj.body.error.details[0].message, /backreference.*RE2/);
});
