/**
 * SLOs end to end: `vigil serve --config docs/examples/seed-002.yaml` puts seed 002's four classes and
 * their SLOs in force; simple queries over the 6 s maximum fire the SLO's breach alert (and a 99.5%
 * availability burning at 18× its budget pages), seen through GET /api/v1/alerts; the status of the
 * SLOs equals the figures computed by hand from the traffic sent; bad SLOs are refused with the
 * field's path and the SLOs in force stay as they were.
 */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { until } from "./alert-receiver.js";

const EXAMPLE = fileURLToPath(new URL("../../docs/examples/seed-002.yaml", import.meta.url));
const CLASSES = ["complex_queries", "moderate_queries", "simple_queries", "user_feedback_processing"];
const SLOS = [
  "simple_queries_latency",
  "simple_queries_availability",
  "simple_queries_satisfaction",
  "moderate_queries_latency",
  "moderate_queries_availability",
  "moderate_queries_satisfaction",
  "complex_queries_latency",
  "complex_queries_availability",
  "complex_queries_satisfaction",
  "user_feedback_processing_latency",
  "user_feedback_processing_availability",
];

const tmp = tempDir("vigil-slo-e2e-");
let server: ChildServer;

before(async () => {
  server = await childServer(join(tmp.dir, "data"), ["--config", EXAMPLE]);
});

after(() => {
  server?.proc.kill("SIGTERM");
  tmp.cleanup();
});

/** What was sent of one class: durations (ms) and whether each run failed. */
const sent: { cls: string; ms: number; failed: boolean }[] = [];

function run(cls: string, ms: number, failed = false) {
  sent.push({ cls, ms, failed });
  return { type: "run", body: { agent_name: "analyst", query_class: cls, status: failed ? "failure" : "success", duration_ms: ms } };
}

/** An SLO's figures computed from what was sent: every run is inside every window, all in the period. */
function byHand(cls: string, good: (r: { ms: number; failed: boolean }) => boolean, target: number) {
  const runs = sent.filter((r) => r.cls === cls);
  const g = runs.filter(good).length;
  const total = runs.length;
  const budget = (1 - target) * total;
  return { good: g, total, compliance: g / total, budget, consumed: total - g, remaining: budget - (total - g), burn: (total - g) / total / (1 - target) };
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`);

it("puts every class and SLO of the example file in force", async () => {
  const classes = await getJson(`${server.url}/api/v1/service-classes`);
  assert.equal(classes.status, 200);
  assert.deepEqual(
    classes.body.classes.map((c: { name: string; match: unknown; source: string }) => [c.name, c.match, c.source]),
    CLASSES.map((c) => [c, { query_class: { simple_queries: "simple", moderate_queries: "moderate", complex_queries: "complex", user_feedback_processing: "feedback" }[c] }, "file"]),
  );
  const slos = await getJson(`${server.url}/api/v1/slos`);
  assert.equal(slos.status, 200);
  assert.deepEqual(slos.body.slos.map((s: { name: string }) => s.name), SLOS);
  const byName = new Map(slos.body.slos.map((s: { name: string }) => [s.name, s]));
  const lat = byName.get("simple_queries_latency") as { target: number; definition: { sli: unknown; period: string } };
  assert.equal(lat.target, 0.95);
  assert.deepEqual(lat.definition.sli, { kind: "latency", events: "runs", threshold_ms: 3000, max_ms: 6000 });
  assert.deepEqual((byName.get("complex_queries_availability") as { target: number }).target, 0.985);
  assert.deepEqual((byName.get("moderate_queries_satisfaction") as { definition: { sli: unknown; budgeting: string } }).definition.sli, { kind: "satisfaction", mean_at_least: 4.2 });
  // Seed 002's ML targets are per-model thresholds.
  const th = await getJson(`${server.url}/api/v1/thresholds`);
  assert.equal(th.body.models.epic_trajectory_prediction.latency_p95_max_ms, 400);
  assert.equal(th.body.models.epic_trajectory_prediction.accuracy_min, 0.75);
});

it("fires the maximum-latency breach of simple queries and answers figures equal to a hand computation", async () => {
  const events = [];
  for (let i = 0; i < 36; i++) events.push(run("simple", 800));
  for (let i = 0; i < 4; i++) events.push(run("simple", 700, true));
  events.push(run("simple", 4000), run("simple", 4000), run("simple", 7000), run("simple", 9000));
  for (let i = 0; i < 10; i++) events.push(run("moderate", 10_000));
  const r = await postJson(`${server.url}/api/v1/ingest`, { events });
  assert.equal(r.status, 207);

  let firing: { labels: Record<string, string>; annotations: Record<string, string>; level: string; rule: string }[] = [];
  await until(
    async () => {
      const a = await getJson(`${server.url}/api/v1/alerts?state=firing`);
      firing = a.body.alerts;
      return firing.some((x) => x.rule === "slo:simple_queries_latency:max_ms");
    },
    30_000,
    "the simple queries' maximum-latency alert firing",
  );
  const breach = firing.find((x) => x.rule === "slo:simple_queries_latency:max_ms")!;
  assert.equal(breach.level, "critical");
  assert.equal(breach.labels.slo, "simple_queries_latency");
  assert.equal(breach.labels.slo_class, "simple_queries");
  assert.equal(breach.labels.severity, "critical");
  assert.match(breach.annotations.budget_remaining!, /error budget/);

  const lat = (await getJson(`${server.url}/api/v1/slos/simple_queries_latency`)).body;
  const want = byHand("simple", (x) => x.ms <= 3000, 0.95);
  assert.deepEqual(lat.samples, { good: want.good, total: want.total });
  near(lat.compliance, want.compliance, "compliance");
  near(lat.budget.total, want.budget, "budget total");
  assert.equal(lat.budget.consumed, want.consumed);
  near(lat.budget.remaining, want.remaining, "budget remaining");
  for (const w of ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]) near(lat.burn_rates[w], want.burn, `burn ${w}`);
  assert.equal(lat.max_breaches, 2);
  assert.equal(lat.met, false);

  // 4 failures in 44 against a 0.5% allowance: a burn of 18.2 in every window, above the 14.4 page factor.
  const av = (await getJson(`${server.url}/api/v1/slos/simple_queries_availability`)).body;
  const wantAv = byHand("simple", (x) => !x.failed, 0.995);
  near(av.burn_rates["1h"], wantAv.burn, "availability burn 1h");
  const page = av.alerts.find((c: { long_window: string }) => c.long_window === "1h");
  assert.equal(page.factor, 14.4);
  assert.equal(page.firing, true);
  await until(async () => (await getJson(`${server.url}/api/v1/alerts?state=firing`)).body.alerts.some((x: { rule: string }) => x.rule === "slo:simple_queries_availability:page_1h"), 30_000, "the availability page");

  // The moderate queries' traffic counts for their class only.
  const mod = (await getJson(`${server.url}/api/v1/slos/moderate_queries_latency`)).body;
  assert.deepEqual(mod.samples, { good: 0, total: 10 });
  assert.equal(mod.max_breaches, 0);
});

it("refuses bad SLOs with the field's path and keeps the SLOs in force", async () => {
  const base = { name: "x", class: "simple_queries", sli: { kind: "availability" }, target: 0.99, period: "30d" };
  const cases: [unknown, string][] = [
    [{ ...base, target: 1.5 }, "/target"],
    [{ ...base, class: "nope" }, "/class"],
    [{ ...base, sli: { kind: "throughput" } }, "/sli/kind"],
    [{ ...base, metric: "p99" }, "/metric"],
    [{ ...base, period: "90d" }, "/period"],
  ];
  for (const [body, path] of cases) {
    const r = await postJson(`${server.url}/api/v1/slos`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(r.body.error.details.map((d: { path: string }) => d.path), [path]);
  }
  const slos = await getJson(`${server.url}/api/v1/slos`);
  assert.deepEqual(slos.body.slos.map((s: { name: string }) => s.name), SLOS);
});
