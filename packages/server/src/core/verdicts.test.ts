import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { HealthStatus } from "@vigil/contract";
import { CRITICAL_ALERT_PENALTY, openCriticalAlerts, ROUTE_PENALTY, systemHealth } from "./verdicts.js";

const NOW = Date.UTC(2026, 11, 7, 12);
const route = (state: string, name = `r-${state}`) => ({ route: name, state, active_model: "m" });
const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

describe("the system health", () => {
  it("is the figures' score when nothing else is wrong", () => {
    const h = systemHealth(93, 500, { open_critical_alerts: 0, routes: [route("normal")] }, NOW);
    assert.equal(h.health_score, 93);
    assert.equal(h.status, "healthy");
    assert.equal(h.band, "excellent");
    assert.deepEqual(h.routes_not_normal, []);
    assert.deepEqual(h.reasons, []);
  });

  it("takes points off for open critical alerts and routes failed over, and says why (the demo's 93 with a failed-over route and an open critical alert)", () => {
    const h = systemHealth(93, 500, { open_critical_alerts: 1, routes: [route("failed_over", "summarize"), route("normal")] }, NOW);
    assert.equal(h.health_score, 93 - CRITICAL_ALERT_PENALTY - ROUTE_PENALTY);
    assert.equal(h.metrics_score, 93);
    assert.equal(h.status, "unhealthy", "an open critical alert");
    assert.deepEqual(h.routes_not_normal, [{ route: "summarize", state: "failed_over", active_model: "m" }]);
    assert.deepEqual(h.reasons, ["the health score is 68, under 70", "1 critical alert is open", "route summarize failed over to m"]);
  });

  it("is at least degraded with a route failed over, unhealthy with one that has no healthy model, and lists a pin without penalty", () => {
    assert.equal(systemHealth(99, 100, { open_critical_alerts: 0, routes: [route("failed_over")] }, NOW).status, "degraded");
    assert.equal(systemHealth(99, 100, { open_critical_alerts: 0, routes: [route("degraded")] }, NOW).status, "unhealthy");
    const pinned = systemHealth(99, 100, { open_critical_alerts: 0, routes: [route("pinned")] }, NOW);
    assert.equal(pinned.health_score, 99);
    assert.equal(pinned.status, "healthy");
    assert.equal(pinned.routes_not_normal.length, 1);
  });

  it("knows something is wrong without figures", () => {
    assert.equal(systemHealth(null, 0, { open_critical_alerts: 0, routes: [] }, NOW).health_score, null);
    const h = systemHealth(null, 0, { open_critical_alerts: 2, routes: [] }, NOW);
    assert.equal(h.health_score, 100 - 2 * CRITICAL_ALERT_PENALTY);
    assert.equal(h.status, "unhealthy");
  });

  it("never answers better with worse figures, more open critical alerts or more routes off normal (20,000 random pairs)", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const states = ["normal", "pinned", "failed_over", "degraded"];
    const pick = () => ({ score: rnd() < 0.1 ? null : Math.round(rnd() * 1000) / 10, alerts: Math.floor(rnd() * 5), routes: Array.from({ length: Math.floor(rnd() * 5) }, () => states[Math.floor(rnd() * 4)]!) });
    for (let i = 0; i < 20_000; i++) {
      const a = pick();
      // b is a worse world: lower score, more alerts, routes moved towards worse states.
      const b = { score: a.score === null ? null : Math.max(0, a.score - rnd() * 30), alerts: a.alerts + Math.floor(rnd() * 3), routes: [...a.routes.map((s) => (rnd() < 0.3 ? states[Math.min(3, states.indexOf(s) + 1)]! : s)), ...(rnd() < 0.3 ? ["failed_over"] : [])] };
      const ha = systemHealth(a.score, 100, { open_critical_alerts: a.alerts, routes: a.routes.map((s, j) => route(s, `r${j}`)) }, NOW);
      const hb = systemHealth(b.score, 100, { open_critical_alerts: b.alerts, routes: b.routes.map((s, j) => route(s, `r${j}`)) }, NOW);
      if (ha.health_score !== null && hb.health_score !== null) assert.ok(hb.health_score <= ha.health_score, JSON.stringify({ a, b, ha: ha.health_score, hb: hb.health_score }));
      assert.ok(RANK[hb.status] >= RANK[ha.status], JSON.stringify({ a, b, ha: ha.status, hb: hb.status }));
    }
  });

  it("counts critical alerts that are firing or acknowledged, not pending ones nor warnings", () => {
    assert.equal(openCriticalAlerts([{ severity: "critical", state: "firing" }, { severity: "critical", state: "acknowledged" }, { severity: "critical", state: "pending" }, { severity: "warning", state: "firing" }]), 2);
  });
});
