import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatRuleDuration, parseRuleDuration } from "./duration.js";
import { formatMatcher, matches, parseMatcher } from "./matchers.js";
import { groupDecision, groupOf, inhibited, retryDelay, routesFor, silencedBy, DEFAULT_RETRY, type NotificationRoute } from "./routing.js";
import type { AlertRecord } from "./types.js";

const route = (name: string, matchers: string[], extra: Partial<NotificationRoute> = {}): NotificationRoute => ({ name, matchers: matchers.map(parseMatcher), channels: [name], group_by: ["alertname"], group_wait_ms: 30_000, group_interval_ms: 300_000, repeat_interval_ms: 4 * 3_600_000, continue: false, ...extra });

const alert = (id: string, labels: Record<string, string>, state: AlertRecord["state"] = "firing"): AlertRecord => ({
  id,
  fingerprint: `fp-${id}`,
  rule: labels.alertname ?? "r",
  severity: (labels.severity ?? "warning") as AlertRecord["severity"],
  state,
  labels,
  annotations: {},
  metric: "error_rate",
  value: 1,
  threshold: 0.5,
  active_at: 0,
  fired_at: 0,
  keep_firing_since: null,
  last_evaluated_at: 0,
  acknowledged_by: null,
  acknowledged_at: null,
  ack_note: null,
  resolved_at: null,
  resolved_by: null,
  resolve_note: null,
});

describe("durations", () => {
  it("parses compound durations largest unit first and refuses the rest", () => {
    assert.equal(parseRuleDuration("1h30m"), 5_400_000);
    assert.equal(parseRuleDuration("30s"), 30_000);
    assert.equal(parseRuleDuration("0"), 0);
    assert.equal(parseRuleDuration("250ms"), 250);
    for (const bad of ["", "5", "5 minutes", "30m1h", "1h1h", "-5m", "1.5h"]) assert.equal(parseRuleDuration(bad), null, bad);
    assert.equal(formatRuleDuration(5_400_000), "1h30m");
    assert.equal(formatRuleDuration(0), "0s");
  });
});

describe("matchers", () => {
  it("matches equality, inequality and anchored regular expressions, with absent labels as empty", () => {
    assert.ok(matches(parseMatcher('severity="critical"'), { severity: "critical" }));
    assert.ok(!matches(parseMatcher("severity=critical"), { severity: "criticality" }));
    assert.ok(matches(parseMatcher("agent_name=~react.*"), { agent_name: "react_1" }));
    assert.ok(!matches(parseMatcher("agent_name=~react"), { agent_name: "react_1" }), "regular expressions are anchored");
    assert.ok(matches(parseMatcher("team!=ops"), {}));
    assert.ok(matches(parseMatcher('team=""'), {}));
    assert.ok(matches(parseMatcher("notify!~.*pagerduty.*"), { notify: "slack" }));
    assert.equal(formatMatcher(parseMatcher('a=~"x|y"')), 'a=~"x|y"');
    assert.throws(() => parseMatcher("no operator"), /not a matcher/);
    assert.throws(() => parseMatcher("a=~(unclosed"), /regular expression/);
  });
});

describe("routing", () => {
  it("takes the first matching route, more with continue, and the fallback when none matched", () => {
    const pd = route("pd", ["severity=critical"], { continue: true });
    const slack = route("slack", ['notify=~".*slack.*"']);
    const fallback = route("default", []);
    assert.deepEqual(routesFor({ severity: "critical", notify: "slack" }, [pd, slack], fallback).map((r) => r.name), ["pd", "slack"]);
    assert.deepEqual(routesFor({ severity: "warning", notify: "slack" }, [pd, slack], fallback).map((r) => r.name), ["slack"]);
    assert.deepEqual(routesFor({ severity: "info" }, [pd, slack], fallback).map((r) => r.name), ["default"]);
  });

  it("groups by the route's labels into a stable key", () => {
    const r = route("x", [], { group_by: ["alertname", "agent_name"] });
    const a = groupOf(r, { alertname: "A", agent_name: "b", severity: "warning" });
    assert.deepEqual(a.labels, { alertname: "A", agent_name: "b" });
    assert.equal(a.key, groupOf(r, { agent_name: "b", alertname: "A", model: "m" }).key);
  });

  it("waits group_wait for the first notification, group_interval for changes, repeat_interval otherwise", () => {
    const r = route("x", [], { group_wait_ms: 30, group_interval_ms: 300, repeat_interval_ms: 4000 });
    assert.deepEqual(groupDecision(r, null, ["f1"], [], false, 1000, 1010), { send: false, wakeAt: 1030 });
    assert.deepEqual(groupDecision(r, null, ["f1"], [], false, 1000, 1030), { send: true, reason: "first" });
    const st = { group_key: "k", channel: "c", last_sent_at: 1030, last_firing: ["f1"] };
    assert.deepEqual(groupDecision(r, st, ["f1"], [], false, 1000, 2000), { send: false, wakeAt: 5030 });
    assert.deepEqual(groupDecision(r, st, ["f1"], [], false, 1000, 5030), { send: true, reason: "repeat" });
    assert.deepEqual(groupDecision(r, st, ["f1"], [], true, 1000, 9000), { send: false, wakeAt: null }, "acknowledged groups do not repeat");
    assert.deepEqual(groupDecision(r, st, ["f1", "f2"], [], false, 1000, 1100), { send: false, wakeAt: 1330 });
    assert.deepEqual(groupDecision(r, st, ["f1", "f2"], [], false, 1000, 1330), { send: true, reason: "changed" });
    assert.deepEqual(groupDecision(r, st, [], ["f1"], false, 1000, 1330), { send: true, reason: "resolved" });
  });

  it("silences only between their start and end", () => {
    const s = { id: "s1", matchers: [parseMatcher("alertname=A")], starts_at: 100, ends_at: 200, created_by: "x", comment: "", created_at: 0 };
    assert.equal(silencedBy({ alertname: "A" }, [s], 99), null);
    assert.equal(silencedBy({ alertname: "A" }, [s], 150)?.id, "s1");
    assert.equal(silencedBy({ alertname: "A" }, [s], 200), null);
    assert.equal(silencedBy({ alertname: "B" }, [s], 150), null);
  });

  it("inhibits targets that agree with a firing source on every equal label, never the source itself", () => {
    const rules = [{ source: [parseMatcher("severity=critical")], target: [parseMatcher("severity=warning")], equal: ["category", "agent_name"] }];
    const crit = alert("c", { alertname: "VeryHigh", severity: "critical", category: "speed", agent_name: "a" });
    const warn = alert("w", { alertname: "High", severity: "warning", category: "speed", agent_name: "a" });
    const other = alert("o", { alertname: "High", severity: "warning", category: "speed", agent_name: "b" });
    const m = inhibited([crit, warn, other], rules);
    assert.equal(m.get("fp-w"), "c");
    assert.equal(m.has("fp-o"), false, "another agent is not muted");
    assert.equal(m.has("fp-c"), false);
    assert.equal(inhibited([{ ...crit, state: "pending" }, warn], rules).size, 0, "a pending source mutes nothing");
  });

  it("backs off exponentially with jitter, capped, honouring a longer Retry-After", () => {
    const p = DEFAULT_RETRY;
    assert.equal(retryDelay(1, p, 0), 500);
    assert.equal(retryDelay(1, p, 0.999999), 1000);
    assert.equal(retryDelay(3, p, 0.999999), 4000);
    assert.ok(retryDelay(30, p, 0.999999) <= p.max_ms);
    assert.equal(retryDelay(1, p, 0, 60_000), 60_000);
  });
});
