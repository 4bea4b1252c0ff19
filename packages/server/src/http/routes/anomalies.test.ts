import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";
import { DETECTOR_PARAMS } from "../../core/anomaly/detector.js";
import { rng } from "../../core/seeded-random.test-support.js";

const MIN = 60_000;
/** Minutes of history: past the detector's 300-step warm-up and the rule's 1h of min_history. */
const SPAN_MIN = 400;

const RULE = { name: "QaLatencyAnomaly", metric: "p95_latency_ms", group_by: ["agent_name"], anomaly: { sensitivity: "medium", min_history: "1h", step: "1m" }, for: "0s" };

describe("anomalies endpoint (inject)", () => {
  let t: RouteTestApp;
  /** Start of the latest step settled when the history was sent: the one whose latency jumps. */
  let spikeAt: number;
  before(async () => {
    t = await routeTestApp();
    const now = Date.now();
    // The latest whole step fed is the one that ended at least 10 s ago.
    spikeAt = Math.floor((now - 10_000) / MIN) * MIN - MIN;
    const r = rng(3);
    const events: unknown[] = [];
    for (let k = SPAN_MIN; k >= 0; k--) {
      const step = spikeAt - k * MIN;
      for (let j = 0; j < 3; j++) events.push({ type: "run", timestamp: step + 5_000 + j * 15_000, body: { agent_name: "qa", status: "success", duration_ms: k === 0 ? 9000 : Math.round(500 * (0.9 + 0.2 * r())) } });
      // A second agent, steady, with no spike.
      events.push({ type: "run", timestamp: step + 20_000, body: { agent_name: "calm", status: "success", duration_ms: 400 } });
    }
    const ing = await t.request("POST", "/api/v1/ingest", { events });
    assert.equal(ing.status, 207);
    assert.equal(ing.body.errors.length, 0, JSON.stringify(ing.body.errors).slice(0, 300));
    const put = await t.request("POST", "/api/v1/alert-rules", RULE);
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });
  after(() => t.close());

  it("answers a group's steps as its detector read them: value, expected band, score, and the step the rule fires on marked", async () => {
    const r = await t.request("GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&window=12h`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body;
    assert.equal(b.rule, RULE.name);
    assert.equal(b.metric, "p95_latency_ms");
    assert.equal(b.unit, "ms");
    assert.deepEqual(b.group, { agent_name: "qa" });
    assert.equal(b.step_seconds, 60);
    assert.equal(b.threshold, 0.6);
    assert.equal(b.followed, true);
    assert.equal(b.kept_steps, 288);
    // 401 steps of history: the latest 288 are kept (more if the clock turned a minute meanwhile: none are, those steps are empty).
    assert.equal(b.points.length, 288);
    const last = b.points.at(-1);
    assert.equal(Date.parse(last.at), spikeAt);
    assert.ok(last.value > 8000, `the spike's p95: ${last.value}`);
    assert.equal(last.anomalous, true, JSON.stringify(last));
    assert.ok(last.score >= 0.6 && last.upper < 1000 && last.lower <= last.expected && last.expected <= last.upper, JSON.stringify(last));
    assert.deepEqual(b.points.slice(0, -1).filter((p: { anomalous: boolean }) => p.anomalous), [], "nothing before it");
    // Every step before the warm-up ended has no expectation; after it, each has one.
    const learning = b.points.filter((p: { expected: number | null }) => p.expected === null).length;
    assert.equal(learning, Math.max(0, DETECTOR_PARAMS.warmup - 1 - (SPAN_MIN + 1 - 288)));
    // A window ending before the spike leaves it out.
    const before = await t.request("GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&window=30m&to=${new Date(spikeAt).toISOString()}`);
    assert.equal(before.body.points.length, 30);
    assert.equal(Date.parse(before.body.points.at(-1).at), spikeAt - MIN);
  });

  it("says when the rule follows no such group, and when the rule is disabled", async () => {
    const none = await t.request("GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=nobody`);
    assert.equal(none.status, 200);
    assert.equal(none.body.followed, false);
    assert.deepEqual(none.body.points, []);
    const calm = await t.request("GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=calm&window=1h`);
    assert.equal(calm.body.followed, true);
    // The steps starting within the hour asked for, up to the latest fed.
    assert.equal(calm.body.points.length, (spikeAt - Math.ceil(Date.parse(calm.body.from) / MIN) * MIN) / MIN + 1);
    assert.ok(calm.body.points.every((p: { anomalous: boolean; value: number }) => !p.anomalous && p.value === 400));
    const off = await t.request("PUT", `/api/v1/alert-rules/${RULE.name}`, { ...RULE, enabled: false });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    const disabled = await t.request("GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa`);
    assert.equal(disabled.body.followed, false);
    assert.equal((await t.request("PUT", `/api/v1/alert-rules/${RULE.name}`, RULE)).status, 200);
  });

  it("refuses a bad query by the parameter's name, and an unknown rule with 404", async () => {
    const threshold = await t.request("POST", "/api/v1/alert-rules", { name: "QaSlow", metric: "p95_latency_ms", comparator: ">", threshold: 1000, window: "5m" });
    assert.equal(threshold.status, 201, JSON.stringify(threshold.body));
    await assertUnknownParams(t, [
      ["GET", "/api/v1/anomalies?agent_name=qa", "rule"],
      ["GET", "/api/v1/anomalies?rule=QaSlow", "rule"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}`, "agent_name"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&model=gpt-4o`, "model"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&to=yesterday`, "to"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&window=100d`, "window"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&rule=Other`, "rule"],
      ["GET", `/api/v1/anomalies?rule=${RULE.name}&agent_name=qa&group=x`, "group"],
    ]);
    const missing = await t.request("GET", "/api/v1/anomalies?rule=NoSuchRule");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /no rule named "NoSuchRule"/);
  });
});
