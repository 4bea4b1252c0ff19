import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { alertFacts, formatValue, plainText, title, truncate, valueAgainstThreshold } from "./render.js";
import { T0, resolvedNotification, sampleAlert, sampleNotification } from "./test-notification.js";

describe("render", () => {
  it("titles a firing notification with the count of firing alerts, the rule and the severity", () => {
    const n = sampleNotification({ alerts: [sampleAlert(), sampleAlert({ id: "alert-2", fingerprint: "ff", labels: { agent_name: "billing-bot" } })] });
    assert.equal(title(n), "[FIRING:2] HighErrorRate (warning)");
  });

  it("titles resolved, acknowledged and test notifications", () => {
    const n = sampleNotification();
    assert.equal(title(resolvedNotification(n)), "[RESOLVED] HighErrorRate (warning)");
    assert.equal(title({ ...n, kind: "acknowledged", alerts: [sampleAlert({ status: "acknowledged", acknowledged_by: "ana" })] }), "[ACKNOWLEDGED:1] HighErrorRate (warning)");
    assert.equal(title({ ...n, kind: "test" }), "[TEST] HighErrorRate (warning)");
  });

  it("names several rules, and shortens a long list", () => {
    const rules = ["A", "B", "C", "D", "E"];
    const n = sampleNotification({ severity: "critical", alerts: rules.map((rule, i) => sampleAlert({ rule, id: `a${i}`, fingerprint: `f${i}` })) });
    assert.equal(title(n), "[FIRING:5] A and 4 other rules (critical)");
    assert.equal(title({ ...n, alerts: n.alerts.slice(0, 2) }), "[FIRING:2] A, B (critical)");
  });

  it("formats values for people and never prints NaN", () => {
    assert.equal(formatValue(12500), "12,500");
    assert.equal(formatValue(0.125), "0.125");
    assert.equal(formatValue(1234.5678), "1,235");
    assert.equal(formatValue(2 / 3), "0.6667");
    assert.equal(formatValue(null), "no data");
    assert.equal(formatValue(Number.NaN), "no data");
  });

  it("prints a value that differs from its threshold with enough digits to show the difference", () => {
    assert.equal(valueAgainstThreshold(sampleAlert({ value: 0.050001, threshold: 0.05 })), "0.050001 (threshold 0.05)");
    assert.equal(valueAgainstThreshold(sampleAlert({ value: 0.125, threshold: 0.05 })), "0.125 (threshold 0.05)");
    assert.equal(valueAgainstThreshold(sampleAlert({ value: null, threshold: null })), "no data");
  });

  it("lists an alert's summary, value, labels, times, recommendation and business impact", () => {
    const facts = Object.fromEntries(alertFacts(sampleAlert({ annotations: { summary: "S", recommendation: "R", business_impact: "B", runbook: "http://rb" }, ends_at: T0 })).map((f) => [f.label, f.value]));
    assert.deepEqual(facts, {
      Summary: "S",
      Value: "0.125 (threshold 0.05)",
      Labels: "agent_name=support-bot, model=gpt-4o",
      Started: "2025-01-15T09:55:00.000Z",
      Resolved: "2025-01-15T10:00:00.000Z",
      Recommendation: "R",
      "Business impact": "B",
      runbook: "http://rb",
    });
  });

  it("renders a plain-text body with every alert and the link back", () => {
    const text = plainText(sampleNotification());
    assert.match(text, /^\[FIRING:1\] HighErrorRate \(warning\)\n/);
    assert.match(text, /Recommendation: Check the model provider's status page/);
    assert.match(text, /Business impact: Customers get failed answers/);
    assert.match(text, /View in Vigil: http:\/\/vigil\.example:8001/);
  });

  it("truncates with an ellipsis and never splits a surrogate pair", () => {
    assert.equal(truncate("abcdef", 4), "abc…");
    assert.equal(truncate("abc", 3), "abc");
    const cut = truncate("ab😀cd", 4);
    assert.ok(cut.length <= 4);
    assert.equal(cut, "ab…");
  });
});
