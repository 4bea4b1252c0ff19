import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { alertFacts, alertUrl, formatValue, plainText, title, truncate, valueAgainstThreshold } from "./render.js";
import { T0, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification } from "./test-notification.js";

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

  it("links an alert to its page in the dashboard, and an anomaly alert to the chart around it", () => {
    const n = sampleNotification();
    assert.equal(alertUrl(n, sampleAlert()), "http://vigil.example:8001/#/alerts/alert-1");
    assert.equal(alertUrl(n, sampleAnomalyAlert()), "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart");
    assert.equal(alertUrl(resolvedNotification(n), sampleAlert({ status: "resolved", ends_at: T0 })), "http://vigil.example:8001/#/alerts/alert-1");
  });

  it("puts the alert's page under the external URL's path, with one slash, and encodes the id", () => {
    const a = sampleAlert({ id: "a/b c?#&" });
    for (const root of ["https://vigil.example.com/ops", "https://vigil.example.com/ops/", "https://vigil.example.com/ops//"]) {
      assert.equal(alertUrl(sampleNotification({ external_url: root }), a), "https://vigil.example.com/ops/#/alerts/a%2Fb%20c%3F%23%26");
    }
    assert.equal(alertUrl(sampleNotification({ external_url: "https://vigil.example.com" }), sampleAlert()), "https://vigil.example.com/#/alerts/alert-1");
  });

  it("gives no alert link without an http(s) external URL, nor for a test alert, which has no page", () => {
    for (const external_url of ["vigil", "", "ftp://vigil.example", "http://"]) assert.equal(alertUrl(sampleNotification({ external_url }), sampleAlert()), null, external_url);
    assert.equal(alertUrl(sampleNotification({ kind: "test" }), sampleAlert()), null);
  });

  it("puts each alert's link under its facts in the plain-text body, and the root link last", () => {
    const n = sampleNotification({ alerts: [sampleAlert(), sampleAnomalyAlert()] });
    const [first, second, root] = plainText(n).split("\n\n").slice(1);
    assert.match(first!, /^\* HighErrorRate — warning, firing\n[^]*\n {2}Open in Vigil: http:\/\/vigil\.example:8001\/#\/alerts\/alert-1$/);
    assert.match(second!, /^\* LatencyAnomalyByRoute — warning, firing\n[^]*\n {2}Open in Vigil: http:\/\/vigil\.example:8001\/#\/alerts\/9fbb2ac91b8f355c-mwqeork2\?view=chart$/);
    assert.equal(root, "View in Vigil: http://vigil.example:8001\n");
    assert.ok(!plainText(sampleNotification({ external_url: "vigil" })).includes("Open in Vigil"));
  });

  it("truncates with an ellipsis and never splits a surrogate pair", () => {
    assert.equal(truncate("abcdef", 4), "abc…");
    assert.equal(truncate("abc", 3), "abc");
    const cut = truncate("ab😀cd", 4);
    assert.ok(cut.length <= 4);
    assert.equal(cut, "ab…");
  });
});
