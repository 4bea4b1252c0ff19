/**
 * Vigil inside a real Prometheus (Debian's package, loopback, 1 s scrape): under synthetic traffic
 * of every event type, Prometheus finds every family docs/metrics.md documents; request counts,
 * error ratio and token totals agree with Vigil's own /api/v1/metrics/system; every PromQL query of
 * the four exported Grafana dashboards is valid and returns data; and `promtool check metrics`
 * finds nothing wrong with the live /metrics text.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDashboards, dashboardQueries } from "@vigil/server/dashboards";
import { getJson, inProcessServer, postJson, rng } from "./helpers.js";
import { prometheusSkip, startPrometheus, type PrometheusProcess } from "./prometheus-process.js";

const DOC = new URL("../../docs/metrics.md", import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Families listed in docs/metrics.md's Prometheus catalogue (table rows starting with a `vigil_` name). */
function documentedFamilies(): string[] {
  const text = readFileSync(DOC, "utf8");
  return [...new Set([...text.matchAll(/^\| `(vigil_[a-z0-9_]+)`/gm)].map((m) => m[1]!))];
}

const AGENTS = ["planner", "researcher", "writer"];
const MODELS = ["gpt-4o", "claude-sonnet-4", "llama-3-70b"];
const MODES = ["1", "2", "3", "4"];
const TENANTS = ["acme", "globex", "initech", "umbrella", "hooli"];

/** One wave of synthetic traffic: runs with every optional field, LLM calls, outcomes, feedback, cache, tool, RAG and custom events. */
function wave(r: () => number, w: number, runs: number): unknown[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const events: unknown[] = [];
  for (let i = 0; i < runs; i++) {
    const agent = pick(AGENTS);
    const model = pick(MODELS);
    const mode = pick(MODES);
    const tenant = pick(TENANTS);
    const u = r();
    const status = u < 0.82 ? "success" : u < 0.9 ? "failure" : u < 0.96 ? "partial" : "timeout";
    const runId = `w${w}-r${i}`;
    const degraded = status === "partial" || r() < 0.05;
    events.push({
      type: "run",
      body: {
        agent_name: agent, model, route: `${agent}-task`, tenant_id: tenant, mode, status, run_id: runId, duration_ms: Math.round(200 + r() * 9000),
        input_tokens: Math.round(200 + r() * 2000), output_tokens: Math.round(50 + r() * 600), cost: Math.round(r() * 5000) / 1e5,
        cache_hit: r() < 0.45, quality_score: Math.round(r() * 100) / 100, memory_mb: Math.round(100 + r() * 400), cpu_ms: Math.round(r() * 900), retries: r() < 0.1 ? 1 : 0,
        degraded, ...(degraded ? { degradation_reason: pick(["rag_timeout", "fallback_model", "truncated_context"]) } : {}),
        ...(r() < 0.3 ? { warnings: [pick(["low_confidence", "slow_tool", "long_context"])] } : {}),
        ...(status === "failure" ? { error_type: pick(["rate_limit", "tool_error", "provider_5xx"]) } : {}),
        metadata: { prediction: 10 },
      },
    });
    events.push({ type: "llm_call", body: { model, provider: model.startsWith("gpt") ? "openai" : model.startsWith("claude") ? "anthropic" : "meta", route: `${agent}-task`, mode, tenant_id: tenant, agent_name: agent, latency_ms: Math.round(100 + r() * 4000), ttft_ms: Math.round(50 + r() * 500), input_tokens: 800, output_tokens: 200, cached_input_tokens: r() < 0.3 ? 400 : 0, cached: r() < 0.2, status: r() < 0.05 ? "failure" : "success" } });
    if (i % 3 === 0) events.push({ type: "outcome", body: { run_id: runId, actual_outcome: 8 + Math.round(r() * 4), feedback_source: "automated" } });
    if (i % 4 === 0) events.push({ type: "feedback", body: { run_id: runId, rating: 1 + Math.floor(r() * 5) } });
    const op = pick(["hit", "hit", "miss", "write", "evict", "invalidate"] as const);
    events.push({ type: "cache", body: { operation: op, cache: "answers", mode, ...(op === "write" || op === "miss" ? {} : { entry_age_ms: Math.round(r() * 3_600_000) }), entries: 900 + Math.floor(r() * 100), capacity: 1000, memory_bytes: 50_000_000 + Math.floor(r() * 1e6), ...(op === "invalidate" ? { count: 5, reason: "deploy" } : {}) } });
    events.push({ type: "tool_call", body: { tool: pick(["web_search", "calculator", "sql"]), agent_name: agent, mode, status: r() < 0.08 ? "failure" : "success", duration_ms: Math.round(r() * 2000), cost: 0.0005 } });
    events.push({ type: "retrieval", body: { source: pick(["pinecone", "supabase"]), agent_name: agent, mode, status: r() < 0.03 ? "failure" : "success", duration_ms: Math.round(r() * 800), documents: 1 + Math.floor(r() * 9), cost: 0.0001 } });
  }
  events.push({ type: "metric", body: { name: "queue_depth", value: Math.round(r() * 50), category: "system" } });
  return events;
}

describe("a real Prometheus scraping Vigil", { skip: prometheusSkip }, () => {
  let server: Awaited<ReturnType<typeof inProcessServer>>;
  let prom: PrometheusProcess;
  let sentRuns = 0;
  /** Prometheus' time just after the last scrape that saw all traffic (epoch seconds). */
  let at = 0;

  const config = join(tmpdir(), `vigil-scrape-${process.pid}.yaml`);
  before(async () => {
    writeFileSync(config, "alerting:\n  evaluation_interval: 1s\n");
    server = await inProcessServer({ VIGIL_CONFIG: config });
    prom = await startPrometheus(new URL(server.url).host, { interval: "1s" });
    // Prometheus starts scraping a few seconds after it is ready (service discovery settles first):
    // traffic sent before the first scrape would show as the series' first value, not as a rate.
    const up = Date.now() + 30_000;
    while (Number((await prom.query('up{job="vigil"}').catch(() => null))?.result[0]?.value[1]) !== 1) {
      if (Date.now() > up) throw new Error(`Prometheus never scraped Vigil; its log:\n${prom.output().slice(-3000)}`);
      await sleep(200);
    }
    const r = rng(5150);
    // Waves spread over several scrapes, so rates over the dashboards' windows are not zero.
    for (let w = 0; w < 8; w++) {
      const events = wave(r, w, 60);
      const res = await postJson(`${server.url}/api/v1/ingest`, { events });
      assert.equal(res.status, 207);
      assert.deepEqual(res.body.errors, [], "the traffic is valid");
      sentRuns += 60;
      await sleep(700);
    }
    // A route with a manual switch feeds the route families.
    for (const id of ["gpt-4o", "claude-sonnet-4"]) assert.equal((await postJson(`${server.url}/api/v1/models`, { id })).status, 201);
    assert.equal((await postJson(`${server.url}/api/v1/routes`, { route: "planner-task", primary: "gpt-4o", backups: ["claude-sonnet-4"] })).status, 201);
    assert.equal((await postJson(`${server.url}/api/v1/routes/planner-task/switch`, { to: "claude-sonnet-4", ttl_s: 60 })).status, 200);
    // A rejected event, a duplicate and a test notification feed Vigil's own families.
    await postJson(`${server.url}/api/v1/ingest`, { events: [{ type: "run", body: { agent_name: "x" } }, { id: "dup-1", type: "metric", body: { name: "m", value: 1 } }, { id: "dup-1", type: "metric", body: { name: "m", value: 1 } }] });
    assert.equal((await postJson(`${server.url}/api/v1/alerts/test`, {})).status < 300, true);
    // Wait until Prometheus has scraped everything and an evaluation cycle and the delivery are in.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await prom.query('sum(vigil_runs_total)').catch(() => null);
      const n = await prom.query("sum(vigil_notifications_total)").catch(() => null);
      const e = await prom.query("sum(vigil_alert_evaluations_total)").catch(() => null);
      if (Number(v?.result[0]?.value[1]) === sentRuns && Number(n?.result[0]?.value[1]) >= 1 && Number(e?.result[0]?.value[1]) >= 1) break;
      if (Date.now() > deadline) throw new Error(`Prometheus did not see the traffic: runs ${JSON.stringify(v?.result)}; its log:\n${prom.output().slice(-3000)}`);
      await sleep(500);
    }
    at = Date.now() / 1000;
  });

  after(async () => {
    await prom?.stop();
    await server?.stop();
    rmSync(config, { force: true });
  });

  it("finds every family docs/metrics.md documents", async () => {
    const documented = documentedFamilies();
    assert.ok(documented.length >= 50, `docs/metrics.md lists only ${documented.length} families`);
    const names = new Set(await prom.names());
    const missing = documented.filter((f) => !names.has(f) && !names.has(`${f}_count`) && !names.has(`${f}_bucket`));
    assert.deepEqual(missing, [], "documented families Prometheus does not hold");
    // And the other way round: nothing Vigil exposes is undocumented.
    const base = (n: string) => (documented.includes(n) ? n : n.replace(/_(bucket|sum|count)$/, ""));
    const undocumented = [...new Set([...names].filter((n) => n.startsWith("vigil_")).map(base))].filter((n) => !documented.includes(n));
    assert.deepEqual(undocumented, [], "families Vigil exposes that docs/metrics.md does not list");
  });

  it("agrees with /api/v1/metrics/system on request count, error ratio and token totals", async () => {
    const m = (await getJson(`${server.url}/api/v1/metrics/system?window=1h`)).body.metrics;
    const q = async (expr: string) => Number((await prom.query(expr, at)).result[0].value[1]);
    assert.equal(m.total_tasks, sentRuns);
    assert.equal(await q("sum(vigil_runs_total)"), m.total_tasks);
    const errorRatio = await q('sum(vigil_runs_total{status=~"failure|timeout"}) / sum(vigil_runs_total)');
    assert.ok(Math.abs(errorRatio - m.error_rate) < 1e-6, `Prometheus ${errorRatio}, Vigil ${m.error_rate}`);
    assert.equal(await q("sum(vigil_run_tokens_total)"), m.total_tokens);
    assert.equal(await q('sum(vigil_run_tokens_total{direction="input"})'), m.input_tokens);
    assert.equal(await q('sum(vigil_run_tokens_total{direction="output"})'), m.output_tokens);
    assert.equal(await q("sum(vigil_llm_calls_total)"), m.llm_calls);
    assert.ok(Math.abs((await q("sum(vigil_run_cost_usd_total)")) - m.total_cost) < 1e-6);
    assert.equal(await q("sum(vigil_tenant_runs_total)"), m.total_tasks, "tenant families count the same runs");
  });

  it("runs every dashboard query through Prometheus: valid, and each returns data", async () => {
    const failures: string[] = [];
    let n = 0;
    for (const { file, dashboard } of buildDashboards()) {
      for (const q of dashboardQueries(dashboard)) {
        n++;
        const expr = q.expr.replace(/\$__rate_interval/g, "1m").replace(/\$__interval/g, "15s").replace(/\$__range/g, "5m");
        try {
          const data = await prom.query(expr, at);
          const values: string[] = data.resultType === "scalar" ? [data.result[1]] : (data.result as { value: [number, string] }[]).map((s) => s.value[1]);
          if (values.length === 0) failures.push(`${file} / ${q.panel} (${q.refId}): no data for ${expr}`);
          else if (values.every((v) => v === "NaN")) failures.push(`${file} / ${q.panel} (${q.refId}): only NaN for ${expr}`);
        } catch (err) {
          failures.push(`${file} / ${q.panel} (${q.refId}): ${(err as Error).message}`);
        }
      }
    }
    assert.ok(n >= 43, `only ${n} queries`);
    assert.deepEqual(failures, []);
  });

  it("serves /metrics that promtool check metrics finds no problem with", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(r.error, undefined, "promtool runs");
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "");
    assert.equal(r.status, 0);
  });
});

describe("a tenant explosion", () => {
  it("keeps /metrics under the configured series limit, bounded in size, and loses no run", async () => {
    const config = join(tmpdir(), `vigil-tenants-${process.pid}.yaml`);
    writeFileSync(config, "prometheus:\n  series_limits:\n    tenants: 1000\n");
    const server = await inProcessServer({ VIGIL_CONFIG: config });
    try {
      const send = async (from: number, to: number) => {
        for (let i = from; i < to; i += 5000) {
          const events = [];
          for (let k = i; k < Math.min(to, i + 5000); k++) events.push({ type: "run", body: { agent_name: `agent-${k % 5}`, tenant_id: `tenant-${k}`, status: k % 10 === 0 ? "failure" : "success", duration_ms: 100, cost: 0.001 } });
          const r = await postJson(`${server.url}/api/v1/ingest`, { events });
          assert.equal(r.body.errors.length, 0);
        }
      };
      await send(0, 10_000);
      const before = await (await fetch(`${server.url}/metrics`)).text();
      await send(10_000, 100_000);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const tenantLines = text.split("\n").filter((l) => l.startsWith("vigil_tenant_runs_total{"));
      const tenants = new Set(tenantLines.map((l) => /tenant_id="([^"]*)"/.exec(l)![1]));
      assert.equal(tenants.size, 1000, "exactly the limit of tenant label values");
      assert.ok(tenants.has("other"));
      for (const family of ["vigil_tenant_cost_usd_total"]) assert.ok(text.split("\n").filter((l) => l.startsWith(`${family}{`)).length <= 1000);
      const runs = tenantLines.reduce((a, l) => a + Number(l.split(" ").pop()), 0);
      assert.equal(runs, 100_000, "folded runs are counted under other");
      assert.match(text, /^vigil_exposition_series\{group="tenants"\} 1000$/m);
      assert.match(text, /^vigil_exposition_folded_total\{group="tenants"\} 99001$/m);
      // Ten times more tenants, the same size give or take the digits of the counters.
      assert.ok(text.length < before.length * 1.02, `/metrics grew from ${before.length} to ${text.length} bytes`);
      const agents = text.split("\n").filter((l) => l.startsWith("vigil_runs_total{"));
      assert.equal(agents.length, 5 * 4, "the agents keep their own series");
    } finally {
      await server.stop();
      rmSync(config, { force: true });
    }
  });
});
