/**
 * Anomaly rules through the rule book (`PUT /api/v1/alert-rules/:name`): a body without `metric`
 * changes only the fields it names, so an anomaly block turns a threshold rule into an anomaly
 * rule, a comparator turns it back, and a threshold alone on an anomaly rule is refused by its path.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialThresholds } from "../core/alerting/threshold-settings.js";
import type { AlertRule } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { RuleBook } from "./rule-book.js";
import { fixedThresholds } from "./threshold-service.js";

function book(): RuleBook {
  const stored = new Map<string, AlertRule>();
  return new RuleBook({
    store: { listRules: async () => [...stored.values()], putRule: async (r) => void stored.set(r.name, r), deleteRule: async (n) => stored.delete(n) },
    defaults: [],
    fileRules: [],
    thresholds: fixedThresholds(initialThresholds(undefined)),
  });
}

describe("anomaly rules in the rule book", () => {
  it("turn a threshold rule into an anomaly rule and back with partial bodies, keeping the other fields", async () => {
    const b = book();
    await b.put({ name: "Slow", metric: "p95_latency_ms", comparator: ">", threshold: 5000, window: "10m", group_by: ["route"], severity: "critical" });
    const { rule: anomaly } = await b.put({ anomaly: { sensitivity: "low", step: "10m" } }, "Slow");
    assert.deepEqual(anomaly.anomaly, { threshold: 0.7, sensitivity: "low", min_history_ms: 86_400_000, step_ms: 600_000 });
    assert.equal(anomaly.threshold, null);
    assert.equal(anomaly.severity, "critical");
    assert.deepEqual(anomaly.group_by, ["route"]);
    const { rule: off } = await b.put({ enabled: false }, "Slow");
    assert.deepEqual(off.anomaly, anomaly.anomaly, "a change to another field keeps the block");
    const { rule: back } = await b.put({ comparator: ">", threshold: 4000, enabled: true }, "Slow");
    assert.equal(back.anomaly, undefined);
    assert.equal(back.threshold, 4000);
    assert.equal(back.window_ms, 300_000, "the window is the default again");
  });

  it("refuse a threshold alone on an anomaly rule, naming the field", async () => {
    const b = book();
    await b.put({ name: "Odd", metric: "error_rate", anomaly: {} });
    await assert.rejects(b.put({ threshold: 0.1 }, "Odd"), (e: unknown) => e instanceof VigilError && e.code === "VALIDATION_FAILED" && /rule "Odd", field "threshold": does not apply to an anomaly rule/.test(e.message));
    assert.ok(b.get("Odd")!.anomaly, "the rule in force is unchanged");
  });
});
