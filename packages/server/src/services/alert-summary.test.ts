import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AlertEvaluationStats } from "@vigil/contract";
import type { AlertQuery, AlertRecord } from "../core/alerting/types.js";
import { AlertSummaryService, summarizeAlerts } from "./alert-summary.js";

const NOW = Date.UTC(2026, 11, 7, 12);
const MIN = 60_000;

/** An alert of `rule` that became active `ago` ms before NOW, with the given changes. */
function alert(id: string, rule: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    fingerprint: `fp-${id}`,
    rule,
    severity: "warning",
    state: "firing",
    labels: { alertname: rule },
    annotations: {},
    metric: "error_rate",
    value: 0.3,
    threshold: 0.1,
    active_at: NOW - 30 * MIN,
    fired_at: NOW - 28 * MIN,
    keep_firing_since: null,
    last_evaluated_at: NOW - MIN,
    acknowledged_by: null,
    acknowledged_at: null,
    ack_note: null,
    resolved_at: null,
    resolved_by: null,
    resolve_note: null,
    ...over,
  };
}

describe("alert summary", () => {
  it("counts by level, state and rule, open meaning not resolved", () => {
    const s = summarizeAlerts(
      [
        alert("a", "HighErrorRate", { severity: "critical" }),
        alert("b", "HighErrorRate", { state: "resolved", resolved_at: NOW - 10 * MIN }),
        alert("c", "SlowAgent", { state: "pending", fired_at: null }),
        alert("d", "SlowAgent", { state: "acknowledged", acknowledged_at: NOW - 20 * MIN, acknowledged_by: "dana" }),
      ],
      NOW - 86_400_000,
      NOW,
      null,
    );
    assert.equal(s.total, 4);
    assert.equal(s.open, 3);
    assert.deepEqual(s.by_level, { info: 0, warning: 3, critical: 1 });
    assert.deepEqual(s.by_state, { pending: 1, firing: 1, acknowledged: 1, resolved: 1 });
    assert.deepEqual({ ...s.by_rule }, { HighErrorRate: { total: 2, open: 1 }, SlowAgent: { total: 2, open: 2 } });
    assert.deepEqual(s.window, { start: "2026-12-06T12:00:00.000Z", end: "2026-12-07T12:00:00.000Z" });
    assert.equal(s.evaluation, null);
  });

  it("every level and state is counted even at zero, and the means are null without samples", () => {
    const s = summarizeAlerts([], NOW - MIN, NOW, null);
    assert.deepEqual(s.by_level, { info: 0, warning: 0, critical: 0 });
    assert.deepEqual(s.by_state, { pending: 0, firing: 0, acknowledged: 0, resolved: 0 });
    assert.equal(s.mean_time_to_acknowledge_s, null);
    assert.equal(s.mean_time_to_resolve_s, null);
    assert.equal(s.acknowledged_samples, 0);
    assert.equal(s.resolved_samples, 0);
  });

  it("means run from firing to acknowledgement and to resolution, in seconds with two decimals", () => {
    const fired = NOW - 10 * MIN;
    const s = summarizeAlerts(
      [
        alert("a", "R", { fired_at: fired, state: "acknowledged", acknowledged_at: fired + 61_234 }),
        alert("b", "R", { fired_at: fired, state: "resolved", acknowledged_at: fired + 1_000, resolved_at: fired + 120_000 }),
        // Resolved by hand while pending: it never fired, so it has no time to resolve.
        alert("c", "R", { fired_at: null, state: "resolved", resolved_at: NOW }),
      ],
      NOW - 86_400_000,
      NOW,
      null,
    );
    assert.equal(s.acknowledged_samples, 2);
    assert.equal(s.mean_time_to_acknowledge_s, 31.12); // (61.234 + 1) / 2 = 31.117
    assert.equal(s.resolved_samples, 1);
    assert.equal(s.mean_time_to_resolve_s, 120);
  });

  it("counts rules named like properties of every object (constructor, toString)", () => {
    const s = summarizeAlerts([alert("a", "constructor"), alert("b", "toString"), alert("c", "toString", { state: "resolved" })], NOW - MIN, NOW, null);
    assert.deepEqual(JSON.parse(JSON.stringify(s.by_rule)), { constructor: { total: 1, open: 1 }, toString: { total: 2, open: 1 } });
  });

  it("reads the alerts of the window ending now and reports the last evaluation", async () => {
    const queries: AlertQuery[] = [];
    const evaluation: AlertEvaluationStats = { at: NOW - 5000, rules: 3, open_alerts: 1, took_ms: 2.5, failed_rules: 0, evaluated_groups: 4, evaluations: 9 };
    const service = new AlertSummaryService({
      alerts: {
        async listAlerts(q) {
          queries.push(q);
          return { alerts: [alert("a", "R")], total: 1 };
        },
      },
      evaluation: () => evaluation,
      now: () => NOW,
    });
    const s = await service.summary(7 * 86_400_000);
    assert.equal(queries.length, 1);
    assert.equal(queries[0]!.since, NOW - 7 * 86_400_000);
    assert.equal(s.window.start, "2026-11-30T12:00:00.000Z");
    assert.equal(s.total, 1);
    assert.deepEqual(s.evaluation, evaluation);
  });
});
