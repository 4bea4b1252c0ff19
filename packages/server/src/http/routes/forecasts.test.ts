import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { assertUnknownParams, routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";
import { rng } from "../../core/seeded-random.test-support.js";

const MIN = 60_000;
const HOUR = 3_600_000;

const CONFIG = `
service_classes:
  simple_queries: { match: { query_class: simple } }
`;

/** Minutes of traffic: a little over the 6 hours forecasts look back, so that their first step is whole. */
const SPAN_MIN = 370;

/**
 * SPAN_MIN minutes of traffic ending now, ten runs a minute. The cost runs at a daily rate of 60
 * now, rising 40 every 6 hours (±15% noise per run, and four runaway runs at 10×): its
 * instantaneous rate reaches 100 in 6 hours, and HighDailyCost's 1-hour window, which trails it by
 * half an hour, in 6.5 hours. The failure share rises from 0 to 1% now: the 99% availability SLO's
 * budget left falls as 1 − τ/2T (τ the time since the traffic began, T its span), 0.5 now, empty
 * in another T.
 */
function traffic(now: number) {
  const r = rng(42);
  const events: unknown[] = [];
  let failures = 0;
  for (let k = SPAN_MIN - 1; k >= 0; k--) {
    const t = now - k * MIN - 30_000;
    const hoursAgo = (now - t) / HOUR;
    const daily = 60 - (40 / 6) * hoursAgo;
    const spike = k % 97 === 13 ? 10 : 1;
    failures += 10 * 0.01 * (1 - k / SPAN_MIN);
    for (let j = 0; j < 10; j++) {
      const failed = failures >= 1;
      if (failed) failures -= 1;
      const body: Record<string, unknown> = { agent_name: "qa", query_class: "simple", status: failed ? "failure" : "success", duration_ms: 500 };
      // One run a minute carries the minute's cost.
      if (j === 0) body.cost = (daily / 1440) * (1 + 0.3 * (r() - 0.5)) * spike;
      events.push({ type: "run", timestamp: new Date(t - j * 1000).toISOString(), body });
    }
  }
  return events;
}

describe("forecasts endpoint (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp({ configYaml: CONFIG });
    const now = Date.now();
    // And 24 more agents, quieter than "qa": 25 groups for the per-agent rules, 20 of them forecast.
    const others = Array.from({ length: 24 * 3 }, (_, i) => ({ type: "run", timestamp: new Date(now - 10 * MIN - i * 150_000).toISOString(), body: { agent_name: `helper-${Math.floor(i / 3)}`, query_class: "other", status: "success", duration_ms: 300 } }));
    const events = [...traffic(now), ...others];
    for (let i = 0; i < events.length; i += 1000) {
      const r = await t.request("POST", "/api/v1/ingest", { events: events.slice(i, i + 1000) });
      assert.equal(r.status, 207, JSON.stringify(r.body).slice(0, 500));
      assert.equal(r.body.errors.length, 0, JSON.stringify(r.body.errors).slice(0, 500));
    }
    // Made after the traffic, the SLO's ledger is filled from the rollups' whole period.
    const slo = await t.request("POST", "/api/v1/slos", { name: "simple_availability", class: "simple_queries", sli: { kind: "availability" }, target: 0.99, period: "7d" });
    assert.equal(slo.status, 201, JSON.stringify(slo.body));
  });
  after(() => t?.close());

  it("fires a forecast rule whose threshold is predicted to be crossed within its horizon, and not one whose horizon ends sooner", async () => {
    const rule = (name: string, within: string) => ({ name, metric: "projected_daily_cost", comparator: ">", threshold: 100, window: "1h", forecast: { within }, severity: "warning" });
    for (const [name, within] of [["DailyCostWithin8h", "8h"], ["DailyCostWithin2h", "2h"]] as const) {
      const r = await t.request("POST", "/api/v1/alert-rules", rule(name, within));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual(r.body.forecast, { within });
    }
    await t.server.alerting.engine.evaluate();
    const open = (name: string) => t.request("GET", `/api/v1/alerts?rule=${name}&state=firing,pending`);
    const soon = (await open("DailyCostWithin8h")).body.alerts;
    assert.equal(soon.length, 1, "the crossing, 6.5 h away, is within 8 h");
    assert.equal(soon[0].threshold, 100);
    assert.match(soon[0].message, /^projected_daily_cost is .+, predicted to cross .*100.* within 8h$/);
    assert.match(soon[0].annotations.forecast, /^predicted to cross 100 at \S+ \(between \S+ and \S+\), in [56]h \d+m$/);
    assert.deepEqual((await open("DailyCostWithin2h")).body.alerts, [], "not within 2 h");
    // Refused: a forecast on an anomaly rule, a horizon past 7 days, an == comparator.
    const bad = await t.request("POST", "/api/v1/alert-rules", { ...rule("Bad", "8d"), comparator: "==" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), ["/comparator", "/forecast/within"]);
  });

  it("predicts when a linearly rising daily cost crosses HighDailyCost's 100, within 10% of the true time", async () => {
    const r = await t.request("GET", "/api/v1/forecasts?kind=daily_cost");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.forecasts.length, 1);
    const f = r.body.forecasts[0];
    assert.equal(f.kind, "daily_cost");
    assert.equal(f.name, "HighDailyCost");
    assert.equal(f.metric, "projected_daily_cost");
    assert.equal(f.limit, 100);
    assert.equal(f.comparator, ">");
    assert.ok(f.crossing, JSON.stringify(f));
    const truth = 6.5 * 3600;
    assert.ok(Math.abs(f.in_seconds - truth) <= 0.1 * truth, `predicted in ${(f.in_seconds / 3600).toFixed(2)} h, truly in 6.5 h`);
    const band = [f.crossing.earliest, f.crossing.at, f.crossing.latest].map((s: string) => Date.parse(s));
    assert.ok(band[0]! < band[1]! && band[1]! < band[2]!, JSON.stringify(f.crossing));
    assert.ok(Math.abs(f.trend_per_hour - 40 / 6) < 0.1 * (40 / 6), `trend ${f.trend_per_hour} a day per hour`);
    assert.ok(f.points >= 70, `points ${f.points}`);
    assert.equal(f.fit.method, "theil-sen");
    assert.equal(f.fit.step_seconds, 300);
    assert.ok(f.predicted_24h.value > 100 && f.predicted_24h.low < f.predicted_24h.value && f.predicted_24h.value < f.predicted_24h.high);
    // The rule watching the daily cost is forecast once: its forecast is this one, not listed again as a rule's.
    const rule = await t.request("GET", "/api/v1/forecasts?rule=HighDailyCost");
    assert.deepEqual(rule.body.forecasts, [f]);
    assert.deepEqual((await t.request("GET", "/api/v1/forecasts?kind=rule&rule=HighDailyCost")).body.forecasts, []);
  });

  it("keeps only the crossings predicted within `within`, and puts them in the report", async () => {
    const soon = await t.request("GET", "/api/v1/forecasts?kind=daily_cost&within=2h");
    assert.deepEqual(soon.body.forecasts, []);
    assert.equal(soon.body.total, 0);
    const later = await t.request("GET", "/api/v1/forecasts?within=12h");
    assert.ok(later.body.forecasts.some((f: { kind: string }) => f.kind === "daily_cost"));
    assert.ok(later.body.forecasts.every((f: { in_seconds: number; crossing: unknown }) => f.crossing && f.in_seconds <= 12 * 3600));
    const secs = later.body.forecasts.map((f: { in_seconds: number }) => f.in_seconds);
    assert.deepEqual(secs, [...secs].sort((a: number, b: number) => a - b), "soonest first");
    const report = await t.request("GET", "/api/v1/report");
    assert.equal(report.status, 200);
    assert.equal(report.body.forecasts.within_seconds, 86_400);
    assert.ok(report.body.forecasts.crossings.length <= 10);
    const daily = report.body.forecasts.crossings.find((f: { kind: string }) => f.kind === "daily_cost");
    assert.ok(daily, JSON.stringify(report.body.forecasts));
    assert.equal(report.body.forecasts.total, (await t.request("GET", "/api/v1/forecasts?within=24h")).body.total);
  });

  it("forecasts an SLO's error budget running out from its falling trend", async () => {
    const r = await t.request("GET", "/api/v1/forecasts?slo=simple_availability");
    assert.equal(r.status, 200);
    assert.equal(r.body.forecasts.length, 1);
    const f = r.body.forecasts[0];
    assert.equal(f.kind, "slo_budget");
    assert.equal(f.metric, "budget_remaining_ratio");
    assert.equal(f.limit, 0);
    assert.equal(f.comparator, "<=");
    assert.ok(Math.abs(f.current - 0.5) < 0.05, `budget left now ${f.current}`);
    assert.ok(f.trend_per_hour < 0);
    assert.ok(f.crossing, JSON.stringify(f));
    const truth = SPAN_MIN * 60;
    assert.ok(Math.abs(f.in_seconds - truth) <= 0.15 * truth, `budget empty in ${(f.in_seconds / 3600).toFixed(2)} h, truly in ${(truth / 3600).toFixed(2)} h`);
    const status = await t.request("GET", "/api/v1/slos/simple_availability");
    assert.equal(status.body.samples.total, SPAN_MIN * 10);
    assert.ok(Math.abs(status.body.budget.remaining_ratio - f.current) < 0.01, "the latest point is the status's budget left");
  });

  it("says which enabled rules cannot be forecast and why, and predicts no crossing for a steady metric", async () => {
    const r = await t.request("GET", "/api/v1/forecasts?kind=rule&limit=1000");
    const skipped = new Map(r.body.skipped.map((s: { name: string; reason: string }) => [s.name, s.reason]));
    assert.match(String(skipped.get("SuddenCostSpike")), /change function/);
    assert.match(String(skipped.get("RouteFailedOver")), /route/);
    // Latency is steady at 500 ms: no crossing of HighLatency's 10 s.
    const lat = r.body.forecasts.find((f: { name: string }) => f.name === "HighLatency");
    assert.ok(lat, "HighLatency is forecast");
    assert.equal(lat.crossing, null);
    assert.ok(["no significant trend", "moving away from the limit"].includes(lat.reason), lat.reason);
    // A per-agent rule is forecast per group, against the thresholds settings' limit.
    const perAgent = r.body.forecasts.filter((f: { name: string }) => f.name === "AgentLatencyP95High");
    assert.equal(perAgent.length, 20, "the 20 most active agents");
    const qa = perAgent.find((f: { group: { agent_name: string } }) => f.group.agent_name === "qa");
    assert.ok(qa, "the busiest agent is among them");
    assert.equal(typeof qa.limit, "number");
    assert.deepEqual(
      r.body.groups_left_out.find((g: { rule: string }) => g.rule === "AgentLatencyP95High"),
      { rule: "AgentLatencyP95High", groups_total: 25, groups_forecast: 20 },
    );
  });

  it("refuses bad filters naming the parameter", async () => {
    for (const [url, param] of [
      ["/api/v1/forecasts?kind=weather", "kind"],
      ["/api/v1/forecasts?within=soon", "within"],
      ["/api/v1/forecasts?within=30d", "within"],
      ["/api/v1/forecasts?limit=0", "limit"],
      ["/api/v1/forecasts?rule=A&slo=B", "slo"],
    ]) {
      const r = await t.request("GET", url!);
      assert.equal(r.status, 400, url);
      assert.equal(r.body.error.details[0].path, `/query/${param}`, url);
    }
    await assertUnknownParams(t, [["GET", "/api/v1/forecasts?horizon=2h", "horizon"]]);
    const one = await t.request("GET", "/api/v1/forecasts?limit=1");
    assert.equal(one.body.forecasts.length, 1);
    assert.ok(one.body.total > 1);
  });
});
