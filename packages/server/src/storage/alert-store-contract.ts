/**
 * The alert store's part of the storage contract (`describeStorageContract` registers it): what
 * alerting relies on from either engine, above all that alert state and the outbox survive a restart.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Storage } from "../core/ports.js";
import type { AlertHistoryEntry, AlertRecord, AlertRule, DeliveryAttempt, GroupState, Notification, Silence } from "../core/alerting/types.js";
import { openedStores, type FreshStorage } from "./contract-support.js";

const alert = (id: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id, fingerprint: `fp-${id}`, rule: "error_rate_high", severity: "warning", state: "firing",
  labels: { alertname: "error_rate_high", severity: "warning", agent_name: "a" }, annotations: { summary: "errors at {{ $value }}" },
  metric: "error_rate", value: 0.2, threshold: 0.1, active_at: 1000, fired_at: 2000, keep_firing_since: null, last_evaluated_at: 3000,
  acknowledged_by: null, acknowledged_at: null, ack_note: null, resolved_at: null, resolved_by: null, resolve_note: null, ...over,
});
const entry = (alert_id: string, at: number, event: string, over: Partial<AlertHistoryEntry> = {}): AlertHistoryEntry => ({ alert_id, at, event, by: null, note: null, value: null, ...over });
const rule = (name: string, over: Partial<AlertRule> = {}): AlertRule => ({
  name, description: null, metric: "error_rate", aggregate: null, scope: { agent_name: "a" }, group_by: ["model"], comparator: ">", threshold: 0.1,
  threshold_key: null, window_ms: 300_000, for_ms: 60_000, keep_firing_for_ms: 0, min_samples: 10, change: null, severity: "critical",
  labels: { team: "ml" }, annotations: { summary: "s" }, no_data: "ok", enabled: true, source: "api", ...over,
});
const notification = (id: string, alertIds: string[], over: Partial<Notification> = {}): Notification => ({
  id, channel: "hook", kind: "firing", group_key: "{}:{alertname=\"x\"}", group_labels: { alertname: "x" }, severity: "warning",
  alerts: alertIds.map((a) => ({ id: a, fingerprint: `fp-${a}`, rule: "x", severity: "warning", status: "firing", labels: { alertname: "x" }, annotations: {}, value: 1, threshold: 0, starts_at: 1, ends_at: null, acknowledged_by: null })),
  created_at: 1000, external_url: "http://vigil:8001", ...over,
});
const attempt = (notification_id: string, n: number, at: number, status: DeliveryAttempt["status"], over: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({ notification_id, channel: "hook", kind: "firing", attempt: n, status, http_status: 200, error: null, at, ...over });
const group = (group_key: string, channel: string, last_sent_at: number | null, last_firing: string[]): GroupState => ({ group_key, channel, last_sent_at, last_firing });
const FAR = Number.MAX_SAFE_INTEGER;
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

/** Registers the alert store's contract tests for one engine; `fresh` is the storage contract's factory. */
export function describeAlertStoreContract(engine: string, fresh: FreshStorage): void {
  describe(`alert store contract: ${engine}`, () => {
    const { make, reopened, track } = openedStores(fresh);

    it("keeps API rules sorted by name, replaces one on put, and a deleted rule stays gone after a reopen", async () => {
      const { storage: s, reopen } = await make();
      for (const n of ["b_rule", "a_rule", "Z_rule", "c_rule"]) await s.alerts.putRule(rule(n));
      await s.alerts.putRule(rule("a_rule", { threshold: 0.5, labels: { team: "ops" } }));
      assert.deepEqual((await s.alerts.listRules()).map((r) => r.name), ["Z_rule", "a_rule", "b_rule", "c_rule"]);
      assert.equal(await s.alerts.deleteRule("b_rule"), true);
      assert.equal(await s.alerts.deleteRule("b_rule"), false);
      const again = await reopened(s, reopen);
      const rules = await again.alerts.listRules();
      assert.deepEqual(rules.map((r) => r.name), ["Z_rule", "a_rule", "c_rule"]);
      assert.deepEqual(rules[1], rule("a_rule", { threshold: 0.5, labels: { team: "ops" } }));
    });

    it("round-trips JSON settings with nested per-agent maps across a reopen, and answers null for an unknown key", async () => {
      const { storage: s, reopen } = await make();
      const thresholds = { global: { error_rate_max: 0.05, latency_p95_max_ms: 2000 }, agents: { "support-bot": { error_rate_max: 0.1 }, "é ☃": {} }, models: {}, list: [1, "two", null] };
      await s.alerts.putSetting("thresholds", { global: {} });
      await s.alerts.putSetting("thresholds", thresholds);
      await s.alerts.putSetting("flag", false);
      assert.equal(await s.alerts.getSetting("missing"), null);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.alerts.getSetting("thresholds"), thresholds);
      assert.equal(await again.alerts.getSetting("flag"), false);
    });

    it("saves alerts and their history together, upserting by id, and restores every unresolved alert after a reopen", async () => {
      const { storage: s, reopen } = await make();
      const pending = alert("p1", { state: "pending", fired_at: null });
      const acked = alert("k1", { state: "acknowledged", acknowledged_by: "ann", acknowledged_at: 2500, ack_note: "on it" });
      const resolved = alert("r1", { state: "resolved", resolved_at: 2600 });
      await s.alerts.saveAlerts([pending, alert("f1"), acked, resolved], [entry("f1", 1000, "pending"), entry("f1", 2000, "firing", { value: 0.2 })]);
      const updated = alert("f1", { value: 0.4, last_evaluated_at: 4000, annotations: { summary: "errors at 0.4" } });
      await s.alerts.saveAlerts([updated], []);
      assert.deepEqual(ids(await s.alerts.openAlerts()).sort(), ["f1", "k1", "p1"]);
      assert.deepEqual(await s.alerts.getAlert("f1"), updated);
      assert.equal(await s.alerts.getAlert("nope"), null);
      // A write that fails part-way leaves nothing behind: neither the alert nor its history.
      const bad = entry("x1", 5000, null as unknown as string);
      await assert.rejects(s.alerts.saveAlerts([alert("x1")], [entry("x1", 5000, "firing"), bad]));
      assert.equal(await s.alerts.getAlert("x1"), null);
      assert.deepEqual(await s.alerts.history("x1"), []);
      const again = await reopened(s, reopen);
      const restored = await again.alerts.openAlerts();
      assert.deepEqual(ids(restored).sort(), ["f1", "k1", "p1"]);
      assert.deepEqual(restored.find((a) => a.id === "k1"), acked);
      assert.deepEqual(await again.alerts.getAlert("r1"), resolved);
      assert.deepEqual((await again.alerts.history("f1")).map((h) => h.event), ["pending", "firing"]);
    });

    it("lists alerts by state, severity, rule, labels and time, most recently changed first, with the total of all matches", async () => {
      const { storage: s } = await make();
      const lab = (agent: string, model: string, extra: Record<string, string> = {}) => ({ alertname: "x", agent_name: agent, model, ...extra });
      await s.alerts.saveAlerts([
        alert("a", { state: "firing", severity: "critical", rule: "r1", labels: lab("a", "m1"), active_at: 100, fired_at: 200 }),
        alert("b", { state: "pending", severity: "warning", rule: "r1", labels: lab("a", "m2"), active_at: 700, fired_at: null }),
        alert("c", { state: "acknowledged", severity: "critical", rule: "r2", labels: lab("b", "m1", { "team.name": "ops \"core\"" }), active_at: 300, fired_at: 350, acknowledged_at: 900 }),
        alert("d", { state: "resolved", severity: "info", rule: "r2", labels: lab("a", "m1"), active_at: 50, fired_at: 60, resolved_at: 800 }),
        alert("e", { state: "firing", severity: "warning", rule: "r3", labels: lab("a", "m1"), active_at: 400, fired_at: 500 }),
        alert("f", { state: "resolved", severity: "critical", rule: "r1", labels: lab("c", "m1"), active_at: 10, fired_at: 20, resolved_at: 30 }),
      ], []);
      const list = async (q: Parameters<Storage["alerts"]["listAlerts"]>[0]) => {
        const r = await s.alerts.listAlerts(q);
        return { ids: ids(r.alerts), total: r.total };
      };
      // Latest change: c 900 (ack), d 800 (resolved), b 700 (active), e 500 (fired), a 200, f 30.
      assert.deepEqual(await list({}), { ids: ["c", "d", "b", "e", "a", "f"], total: 6 });
      assert.deepEqual(await list({ states: ["firing", "acknowledged"] }), { ids: ["c", "e", "a"], total: 3 });
      assert.deepEqual(await list({ severities: ["critical"] }), { ids: ["c", "a", "f"], total: 3 });
      assert.deepEqual(await list({ rule: "r1", states: ["resolved"] }), { ids: ["f"], total: 1 });
      assert.deepEqual(await list({ labels: { agent_name: "a", model: "m1" } }), { ids: ["d", "e", "a"], total: 3 });
      assert.deepEqual(await list({ labels: { "team.name": "ops \"core\"" } }), { ids: ["c"], total: 1 });
      assert.deepEqual(await list({ labels: { agent_name: "a", nothing: "x" } }), { ids: [], total: 0 });
      assert.deepEqual(await list({ since: 500 }), { ids: ["c", "d", "b", "e"], total: 4 });
      // The limit applies after every filter; the total still counts every match.
      assert.deepEqual(await list({ labels: { agent_name: "a" }, limit: 2 }), { ids: ["d", "b"], total: 4 });
      assert.deepEqual(await list({ severities: ["critical", "info"], since: 100, limit: 1 }), { ids: ["c"], total: 3 });
      assert.deepEqual(await list({ states: ["firing"], limit: 0 }), { ids: [], total: 2 });
    });

    it("returns an alert's history in time order, whatever order it was saved in", async () => {
      const { storage: s } = await make();
      await s.alerts.saveAlerts([alert("h1"), alert("h2")], [entry("h1", 300, "acknowledged", { by: "ann", note: "looking" }), entry("h2", 50, "pending")]);
      await s.alerts.saveAlerts([], [entry("h1", 100, "pending", { value: 0.15 }), entry("h1", 200, "firing", { value: 0.25 })]);
      assert.deepEqual(await s.alerts.history("h1"), [entry("h1", 100, "pending", { value: 0.15 }), entry("h1", 200, "firing", { value: 0.25 }), entry("h1", 300, "acknowledged", { by: "ann", note: "looking" })]);
      assert.deepEqual(await s.alerts.history("nobody"), []);
    });

    it("deletes alerts by id with their history, and on retention only those resolved before the cut", async () => {
      const { storage: s } = await make();
      await s.alerts.saveAlerts([
        alert("old", { state: "resolved", resolved_at: 100 }),
        alert("new", { state: "resolved", resolved_at: 500 }),
        alert("open", { active_at: 10, fired_at: 20 }),
        alert("gone", { state: "pending", fired_at: null }),
      ], [entry("old", 90, "firing"), entry("new", 90, "firing"), entry("open", 20, "firing"), entry("gone", 10, "pending")]);
      await s.alerts.deleteAlerts(["gone"]);
      assert.equal(await s.alerts.getAlert("gone"), null);
      assert.deepEqual(await s.alerts.history("gone"), []);
      assert.equal(await s.alerts.deleteResolvedBefore(200), 1);
      assert.equal(await s.alerts.getAlert("old"), null);
      assert.deepEqual(await s.alerts.history("old"), []);
      assert.deepEqual(ids((await s.alerts.listAlerts({})).alerts).sort(), ["new", "open"]);
      assert.equal((await s.alerts.history("new")).length, 1);
      assert.equal((await s.alerts.history("open")).length, 1);
    });

    it("keeps silences until deleted", async () => {
      const { storage: s, reopen } = await make();
      const silence = (id: string, created_at: number): Silence => ({ id, matchers: [{ label: "agent_name", op: "=~", value: "support-.*" }], starts_at: 0, ends_at: 10_000, created_by: "ann", comment: "deploy", created_at });
      await s.alerts.putSilence(silence("s2", 200));
      await s.alerts.putSilence(silence("s1", 100));
      await s.alerts.putSilence({ ...silence("s2", 200), ends_at: 20_000 });
      assert.equal(await s.alerts.deleteSilence("s1"), true);
      assert.equal(await s.alerts.deleteSilence("s1"), false);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.alerts.listSilences(), [{ ...silence("s2", 200), ends_at: 20_000 }]);
    });

    it("queues a notification id once, records group states with it atomically, and keeps both across a reopen", async () => {
      const { storage: s, reopen } = await make();
      const n1 = notification("n1", ["a1"]);
      await s.alerts.enqueue([n1, notification("n2", ["a2"], { channel: "slack" })], [group("g1", "hook", 1000, ["fp-a1"]), group("g1", "slack", 1000, ["fp-a2"])], 1000);
      await s.alerts.enqueue([notification("n1", ["a1"], { kind: "resolved" })], [group("g1", "hook", 2000, [])], 2000);
      assert.deepEqual(await s.alerts.outboxCounts(), { pending: 2, delivered: 0, failed: 0 });
      const due = await s.alerts.due(FAR, 10);
      assert.deepEqual(due.map((e) => e.notification.id), ["n1", "n2"]);
      assert.deepEqual(due[0], { notification: n1, state: "pending", attempts: 0, next_attempt_at: 1000, last_error: null, updated_at: 1000 }, "the first enqueue's entry is kept");
      // Either the notification is queued and the group marked sent, or neither.
      await assert.rejects(s.alerts.enqueue([notification("n3", ["a3"])], [group("g2", null as unknown as string, 3000, [])], 3000));
      assert.equal((await s.alerts.outboxCounts()).pending, 2);
      const again = await reopened(s, reopen);
      assert.deepEqual(await again.alerts.listGroupStates(), [group("g1", "hook", 2000, []), group("g1", "slack", 1000, ["fp-a2"])]);
    });

    it("hands out pending entries due by now, oldest first and up to the limit, and tells when the next is due", async () => {
      const { storage: s } = await make();
      assert.equal(await s.alerts.nextDue(), null);
      await s.alerts.enqueue([notification("n1", [])], [], 1000);
      await s.alerts.enqueue([notification("n2", [])], [], 3000);
      await s.alerts.enqueue([notification("n3", [])], [], 2000);
      assert.deepEqual((await s.alerts.due(2500, 10)).map((e) => e.notification.id), ["n1", "n3"]);
      assert.deepEqual((await s.alerts.due(FAR, 2)).map((e) => e.notification.id), ["n1", "n3"]);
      assert.equal(await s.alerts.nextDue(), 1000);
      await s.alerts.recordAttempt("n1", { state: "pending", attempts: 1, next_attempt_at: 4000, last_error: "HTTP 503", updated_at: 1100 }, attempt("n1", 1, 1100, "retrying", { http_status: 503, error: "HTTP 503" }));
      assert.equal(await s.alerts.nextDue(), 2000);
      assert.deepEqual((await s.alerts.due(3500, 10)).map((e) => e.notification.id), ["n3", "n2"]);
      const retried = (await s.alerts.due(4000, 10)).find((e) => e.notification.id === "n1")!;
      assert.deepEqual({ ...retried, notification: null }, { notification: null, state: "pending", attempts: 1, next_attempt_at: 4000, last_error: "HTTP 503", updated_at: 1100 });
      for (const id of ["n1", "n2", "n3"]) await s.alerts.recordAttempt(id, { state: "delivered", attempts: 2, next_attempt_at: 4000, last_error: null, updated_at: 4100 }, attempt(id, 2, 4100, "delivered"));
      assert.deepEqual(await s.alerts.due(FAR, 10), []);
      assert.equal(await s.alerts.nextDue(), null);
    });

    it("logs every attempt, read per alert across every notification that carried it, newest first, or all", async () => {
      const { storage: s } = await make();
      await s.alerts.enqueue([notification("n1", ["A", "B"]), notification("n2", ["B"]), notification("n3", ["C"])], [], 1000);
      const first = attempt("n1", 1, 100, "retrying", { http_status: 503, error: "Service Unavailable" });
      await s.alerts.recordAttempt("n1", { state: "pending", attempts: 1, next_attempt_at: 1500, last_error: "Service Unavailable", updated_at: 100 }, first);
      await s.alerts.recordAttempt("n1", { state: "delivered", attempts: 2, next_attempt_at: 1500, last_error: null, updated_at: 200 }, attempt("n1", 2, 200, "delivered"));
      await s.alerts.recordAttempt("n2", { state: "failed", attempts: 1, next_attempt_at: 1000, last_error: "HTTP 400", updated_at: 150 }, attempt("n2", 1, 150, "failed", { http_status: 400, error: "HTTP 400" }));
      const line = (d: DeliveryAttempt) => `${d.notification_id}#${d.attempt}`;
      assert.deepEqual((await s.alerts.deliveries("A", 10)).map(line), ["n1#2", "n1#1"]);
      assert.deepEqual((await s.alerts.deliveries("B", 10)).map(line), ["n1#2", "n2#1", "n1#1"]);
      assert.deepEqual((await s.alerts.deliveries("B", 2)).map(line), ["n1#2", "n2#1"]);
      assert.deepEqual(await s.alerts.deliveries("C", 10), []);
      assert.deepEqual((await s.alerts.deliveries(null, 2)).map(line), ["n1#2", "n2#1"]);
      assert.deepEqual((await s.alerts.deliveries("A", 10))[1], first);
      assert.deepEqual(await s.alerts.outboxCounts(), { pending: 1, delivered: 1, failed: 1 });
    });

    it("deletes delivered and failed entries last updated before the cut, with their log, and never a pending one", async () => {
      const { storage: s } = await make();
      await s.alerts.enqueue([notification("n1", ["A"]), notification("n2", ["B"]), notification("n3", ["C"]), notification("n4", ["D"])], [], 50);
      await s.alerts.recordAttempt("n1", { state: "delivered", attempts: 1, next_attempt_at: 50, last_error: null, updated_at: 100 }, attempt("n1", 1, 100, "delivered"));
      await s.alerts.recordAttempt("n2", { state: "failed", attempts: 1, next_attempt_at: 50, last_error: "x", updated_at: 100 }, attempt("n2", 1, 100, "failed"));
      await s.alerts.recordAttempt("n3", { state: "pending", attempts: 1, next_attempt_at: 5000, last_error: "x", updated_at: 100 }, attempt("n3", 1, 100, "retrying"));
      await s.alerts.recordAttempt("n4", { state: "delivered", attempts: 1, next_attempt_at: 50, last_error: null, updated_at: 900 }, attempt("n4", 1, 900, "delivered"));
      assert.equal(await s.alerts.deleteDeliveredBefore(500), 2);
      assert.deepEqual(await s.alerts.outboxCounts(), { pending: 1, delivered: 1, failed: 0 });
      assert.deepEqual((await s.alerts.deliveries(null, 10)).map((d) => d.notification_id), ["n4", "n3"]);
      assert.deepEqual(await s.alerts.deliveries("A", 10), []);
      assert.equal((await s.alerts.deliveries("C", 10)).length, 1);
      assert.equal(await s.alerts.nextDue(), 5000);
    });

    it("keeps entries pending at close pending and due after a reopen (the durable outbox)", async () => {
      const { storage: s, reopen } = await make();
      await s.alerts.enqueue([notification("n1", ["A"]), notification("n2", ["A"])], [group("g", "hook", 1000, ["fp-A"])], 1000);
      await s.alerts.recordAttempt("n2", { state: "pending", attempts: 1, next_attempt_at: 9000, last_error: "timeout", updated_at: 1200 }, attempt("n2", 1, 1200, "retrying", { http_status: null, error: "timeout" }));
      const again = await reopened(s, reopen);
      assert.deepEqual((await again.alerts.due(1000, 10)).map((e) => e.notification.id), ["n1"]);
      assert.deepEqual((await again.alerts.due(9000, 10)).map((e) => [e.notification.id, e.attempts]), [["n1", 0], ["n2", 1]]);
      assert.equal(await again.alerts.nextDue(), 1000);
      assert.deepEqual((await again.alerts.deliveries("A", 10)).map((d) => d.error), ["timeout"]);
    });

    it("shows each handle's alerting writes to the other on a shared store", async () => {
      const { storage: s, reopen } = await make();
      if (!s.shared) return;
      const other = track(await reopen());
      await s.alerts.putRule(rule("shared_rule"));
      await s.alerts.saveAlerts([alert("s1")], [entry("s1", 1000, "firing")]);
      await s.alerts.enqueue([notification("n1", ["s1"])], [group("g", "hook", 1000, ["fp-s1"])], 1000);
      assert.deepEqual((await other.alerts.listRules()).map((r) => r.name), ["shared_rule"]);
      assert.deepEqual(ids(await other.alerts.openAlerts()), ["s1"]);
      assert.deepEqual((await other.alerts.due(1000, 10)).map((e) => e.notification.id), ["n1"]);
      await other.alerts.recordAttempt("n1", { state: "delivered", attempts: 1, next_attempt_at: 1000, last_error: null, updated_at: 1100 }, attempt("n1", 1, 1100, "delivered"));
      await other.alerts.saveAlerts([alert("s1", { state: "acknowledged", acknowledged_by: "bob", acknowledged_at: 1200 })], []);
      assert.deepEqual(await s.alerts.outboxCounts(), { pending: 0, delivered: 1, failed: 0 });
      assert.equal((await s.alerts.getAlert("s1"))!.acknowledged_by, "bob");
      assert.deepEqual((await s.alerts.deliveries("s1", 10)).map((d) => d.status), ["delivered"]);
      assert.deepEqual(await other.alerts.listGroupStates(), [group("g", "hook", 1000, ["fp-s1"])]);
    });
  });
}
