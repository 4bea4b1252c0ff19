/**
 * The agreement the verdict-agreement suite asserts on one snapshot of the API: the report's
 * breaches and the per-agent alerts, model health with and without `route=` and the routes' views,
 * and the system health of `/health`, of the report and of its own formula — each also against
 * what the scenario expects.
 */
import assert from "node:assert/strict";
import type { Snapshot } from "./verdict-world.js";
import { KEY_OF_RULE } from "./verdict-world.js";

export type Scope = { kind: string; name: string | null };
export const GLOBAL: Scope = { kind: "global", name: null };
export type ModelStatus = "healthy" | "degraded" | "unhealthy" | "unknown";

/** A threshold an agent breaches: in the report and as the firing alert of the key's per-agent rule. */
export interface ExpectedBreach {
  agent: string;
  key: string;
  threshold: number;
  scope: Scope;
  samples: number;
}

/** A model's health, on a route (`?route=`) or without one. */
export interface ExpectedModel {
  model: string;
  route?: string;
  status: ModelStatus;
  /** The reason of an unhealthy or degraded verdict. */
  reason?: { metric: string; threshold: number; scope: Scope; samples: number };
}

/** What every view must say after a phase. */
export interface Expect {
  /** Every breach of the scenario's agents (none listed: none anywhere). */
  breaches: ExpectedBreach[];
  models?: ExpectedModel[];
  /** Each registered route's state and active model. */
  routes?: { route: string; state: string; active_model: string }[];
  /** The system health: status, the figures' score (null: too few samples) and the open critical alerts. */
  health: { status: "healthy" | "degraded" | "unhealthy"; metrics_score: number | null; open_critical: number };
  /** The report's per-agent health score (null: judged on too few samples). */
  agentScores?: Record<string, number | null>;
  /** Per-agent alerts that must have resolved. */
  resolved?: { agent: string; key: string }[];
  /** Per-agent alerts that must be open and acknowledged. */
  acknowledged?: { agent: string; key: string }[];
}

const RANK: Record<ModelStatus, number> = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3 };
const close = (a: number | null, b: number | null, what: string) => assert.ok(a !== null && b !== null && Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

/** 1. The report's breaches of each agent are the firing (or acknowledged) alerts of the matching rules for that agent, field for field. */
export function checkBreaches(s: Snapshot, agents: string[], expected: ExpectedBreach[]): void {
  for (const agent of agents) {
    const inReport = (s.report.threshold_breaches as any[]).filter((b) => b.subject.kind === "agent" && b.subject.name === agent);
    // Firing, or acknowledged (its condition still holds): pending never shows with `for: 0s`.
    const alerts = s.open.alerts.filter((a) => a.labels.agent_name === agent && KEY_OF_RULE[a.rule] !== undefined && a.state !== "pending");
    const keysOf = (xs: { key: string }[]) => xs.map((x) => x.key).sort();
    assert.deepEqual(keysOf(inReport.map((b) => ({ key: b.metric }))), keysOf(alerts.map((a) => ({ key: KEY_OF_RULE[a.rule]! }))), `agent ${agent}: the report's breaches (GET /report) and the open per-agent alerts (GET /alerts?state=pending,firing,acknowledged) name the same keys`);
    assert.deepEqual(keysOf(inReport.map((b) => ({ key: b.metric }))), keysOf(expected.filter((e) => e.agent === agent)), `agent ${agent}: the breaches expected`);
    const advice = (s.report.recommendations as string[]).filter((r) => r.startsWith(`Agent ${JSON.stringify(agent)} `));
    assert.equal(advice.length, inReport.length, `agent ${agent}: one recommendation per breach, none without (${JSON.stringify(advice)})`);
    for (const b of inReport) {
      const a = alerts.find((x) => KEY_OF_RULE[x.rule] === b.metric)!;
      const e = expected.find((x) => x.agent === agent && x.key === b.metric)!;
      const what = `agent ${agent}, ${b.metric}`;
      assert.equal(a.threshold, b.threshold, `${what}: alert threshold ${a.threshold}, report threshold ${b.threshold}`);
      assert.deepEqual(a.threshold_scope, b.threshold_scope, `${what}: alert and report name the same scope`);
      assert.equal(a.samples, b.samples, `${what}: alert samples ${a.samples}, report samples ${b.samples}`);
      close(a.current_value, b.current_value, `${what}: alert and report value`);
      assert.deepEqual({ threshold: b.threshold, scope: b.threshold_scope, samples: b.samples }, { threshold: e.threshold, scope: e.scope, samples: e.samples }, `${what}: as expected`);
    }
  }
}

/** 2. Model health answers as expected, the routes' views agree with it, and without `route=` it is the worst over the model's routes. */
export function checkModels(s: Snapshot, expected: ExpectedModel[], routes: { route: string; primary: string; models: string[] }[], expectedRoutes: Expect["routes"] = []): void {
  for (const e of expected) {
    const h = s.modelHealth.get(e.route ? `${e.model}@${e.route}` : e.model);
    const where = `GET /models/${e.model}/health${e.route ? `?route=${e.route}` : ""}`;
    assert.ok(h, `${where} was asked`);
    assert.equal(h.status, e.status, `${where}: ${JSON.stringify(h)}`);
    if (e.reason) {
      const r = h.reasons.find((x: any) => x.metric === e.reason!.metric);
      assert.ok(r, `${where}: a reason on ${e.reason.metric}: ${JSON.stringify(h.reasons)}`);
      assert.deepEqual({ threshold: r.threshold, scope: r.scope, samples: r.samples }, { threshold: e.reason.threshold, scope: e.reason.scope, samples: e.reason.samples }, `${where}: the reason's limit, scope and samples`);
    }
    if (e.status === "unknown" || e.status === "healthy") assert.deepEqual(h.reasons, [], `${where}: no reason for ${e.status}`);
  }
  const byModel = new Map<string, string[]>();
  for (const r of routes) for (const m of r.models) byModel.set(m, [...(byModel.get(m) ?? []), r.route]);
  for (const r of routes) {
    const view = s.routes.find((x) => x.route === r.route);
    assert.ok(view, `route ${r.route} is listed by GET /routes`);
    for (const m of r.models) {
      const onRoute = s.modelHealth.get(`${m}@${r.route}`);
      assert.equal(view.health[m]?.status, onRoute.status, `route ${r.route}: GET /routes says ${m} is ${view.health[m]?.status}, GET /models/${m}/health?route=${r.route} says ${onRoute.status}`);
    }
    const health = (m: string) => s.modelHealth.get(`${m}@${r.route}`)?.status;
    if (view.state === "failed_over" && view.split === null) {
      assert.equal(health(r.primary), "unhealthy", `route ${r.route} failed over, so GET /models/${r.primary}/health?route=${r.route} is unhealthy`);
      assert.notEqual(view.active_model, r.primary);
      assert.notEqual(health(view.active_model), "unhealthy", `route ${r.route} failed over to a model not unhealthy`);
    }
    if (view.state === "normal") assert.equal(view.active_model, r.primary, `route ${r.route} is normal on its primary`);
  }
  for (const [m, on] of byModel) {
    const agg = s.modelHealth.get(m);
    const worst = on.map((r) => s.modelHealth.get(`${m}@${r}`).status as ModelStatus).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "unknown");
    assert.equal(agg.status, worst, `GET /models/${m}/health (no route) is the worst of its routes: ${on.join(", ")}`);
    for (const r of on) assert.equal(agg.routes?.[r]?.status, s.modelHealth.get(`${m}@${r}`).status, `GET /models/${m}/health lists route ${r} as ?route= answers`);
  }
  for (const e of expectedRoutes) {
    const view = s.routes.find((x) => x.route === e.route)!;
    assert.deepEqual({ state: view.state, active_model: view.active_model }, { state: e.state, active_model: e.active_model }, `GET /routes/${e.route}`);
  }
}

/** 3. `/health` is the report's health, follows its formula from the open alerts and routes, and says what is expected. */
export function checkHealth(s: Snapshot, expected: Expect["health"], agentScores: Expect["agentScores"] = {}): void {
  const h = s.health;
  for (const k of ["health_score", "status", "band", "metrics_score", "samples", "open_critical_alerts", "routes_not_normal"]) assert.deepEqual(s.report.health[k], h[k], `GET /report's health.${k} is GET /health's`);
  assert.equal(s.report.health_score, h.health_score, "the report's health_score is /health's");
  const firingOrAcked = s.open.alerts.filter((a) => a.state !== "pending");
  const brief = (xs: any[]) => xs.map((a) => `${a.alert_id} ${a.state} ${a.level} ${a.threshold}`).sort();
  assert.deepEqual(brief(s.report.alerts), brief(firingOrAcked), "the report's alerts are those GET /alerts lists as firing or acknowledged");
  assert.equal(s.report.status, h.status, "the report's status is /health's");
  const A = s.open.alerts.filter((a) => a.level === "critical" && (a.state === "firing" || a.state === "acknowledged")).length;
  const off = s.routes.filter((r) => r.state !== "normal");
  const R = off.filter((r) => r.state === "failed_over" || r.state === "degraded").length;
  assert.equal(h.open_critical_alerts, A, "open_critical_alerts counts the critical alerts GET /alerts lists as open");
  assert.deepEqual(h.routes_not_normal.map((r: any) => r.route).sort(), off.map((r) => r.route).sort(), "routes_not_normal are the routes GET /routes says are not normal");
  const S = h.metrics_score ?? (A || R ? 100 : null);
  const score = S === null ? null : Math.max(0, S - 15 * Math.min(A, 3) - 10 * Math.min(R, 3));
  assert.ok(score === h.health_score || (score !== null && Math.abs(score - h.health_score) < 0.051), `health_score ${h.health_score} = max(0, ${S} - 15·${A} - 10·${R})`);
  assert.deepEqual({ status: h.status, metrics_score: h.metrics_score, open_critical: A }, { status: expected.status, metrics_score: expected.metrics_score, open_critical: expected.open_critical }, `GET /health: ${JSON.stringify(h)}`);
  for (const a of s.report.agents as any[]) assert.equal(s.agents.find((x) => x.agent_name === a.agent_name)?.health_score, a.health_score, `agent ${a.agent_name}: GET /metrics/agents gives the report's health score`);
  for (const [agent, score] of Object.entries(agentScores)) {
    const a = (s.report.agents as any[]).find((x) => x.agent_name === agent);
    assert.ok(a, `the report lists agent ${agent}`);
    assert.equal(a.health_score, score, `agent ${agent}'s health score in the report`);
  }
}

/** Alerts that must have resolved (the condition cleared): resolved, and none open for that agent and rule; and those acknowledged. */
export function checkAlertStates(s: Snapshot, resolved: Expect["resolved"] = [], acknowledged: Expect["acknowledged"] = []): void {
  for (const { agent, key } of acknowledged) {
    const rule = Object.entries(KEY_OF_RULE).find(([, k]) => k === key)![0];
    assert.ok(s.open.alerts.some((a) => a.rule === rule && a.labels.agent_name === agent && a.state === "acknowledged"), `${rule} for ${agent} is acknowledged`);
  }
  for (const { agent, key } of resolved) {
    const rule = Object.entries(KEY_OF_RULE).find(([, k]) => k === key)![0];
    assert.ok(s.resolved.some((a) => a.rule === rule && a.labels.agent_name === agent && a.resolved_by === null), `${rule} for ${agent} resolved by itself`);
    assert.ok(!s.open.alerts.some((a) => a.rule === rule && a.labels.agent_name === agent), `no ${rule} open for ${agent}`);
  }
}
