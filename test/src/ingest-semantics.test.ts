/** Whole-system behaviour of ingest: joins, derived costs, shortcuts, auth, configuration. */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { getJson, inProcessServer, postJson, tempDir } from "./helpers.js";

const DAY = 86_400_000;

describe("outcomes and feedback", () => {
  it("joins an outcome to a run recorded days earlier, after a restart, and scores it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      let s = await startServer(loadConfig({ dataDir: dir, port: 0 }, {}), false);
      const runTs = Date.now() - 3 * DAY;
      let r = await postJson(`${s.url}/api/v1/ingest`, { events: [{ type: "run", timestamp: runTs, body: { agent_name: "forecaster", status: "success", duration_ms: 900, task_id: "task-42", model: "gpt-4.1-mini", route: "epic_trajectory_prediction", tenant_id: "acme", metadata: { prediction: { value: 100, label: "approve" } } } }] });
      assert.equal(r.body.successes.length, 1);
      await s.close();
      s = await startServer(loadConfig({ dataDir: dir, port: 0 }, {}), false);
      r = await postJson(`${s.url}/api/v1/outcomes`, { task_id: "task-42", actual_outcome: { value: 95, label: "approve" } });
      assert.equal(r.status, 202);
      // keys overlap fully (1); values: number 1-5/95, label 1 → mean 0.97368...; object score = (1 + 0.9737)/2
      assert.ok(Math.abs(r.body.accuracy - (1 + (1 - 5 / 95 + 1) / 2) / 2) < 1e-9, `accuracy ${r.body.accuracy}`);
      const agent = await getJson(`${s.url}/api/v1/metrics/agents/forecaster?window=60m`);
      assert.equal(agent.status, 200, "the outcome is attributed to the run's agent");
      assert.equal(agent.body.metrics.accuracy_samples, 1);
      const byRoute = await getJson(`${s.url}/api/v1/metrics/system?window=60m&route=epic_trajectory_prediction&tenant_id=acme`);
      assert.equal(byRoute.body.metrics.accuracy_samples, 1);
      await s.close();
    } finally {
      cleanup();
    }
  });

  it("rejects an outcome with no prediction anywhere, naming the field", async () => {
    const s = await inProcessServer();
    try {
      const r = await postJson(`${s.url}/api/v1/outcomes`, { run_id: "never-recorded", actual_outcome: 3 });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "NO_PREDICTION");
      assert.equal(r.body.error.path, "/predicted_outcome");
      const b = await postJson(`${s.url}/api/v1/ingest`, { events: [{ type: "outcome", body: { run_id: "x", actual_outcome: 3 } }] });
      assert.equal(b.body.errors[0].status, 422);
      assert.equal(b.body.errors[0].path, "/events/0/body/predicted_outcome");
    } finally {
      await s.stop();
    }
  });

  it("turns ratings and thumbs into satisfaction 0..1", async () => {
    const s = await inProcessServer();
    try {
      await postJson(`${s.url}/api/v1/runs`, { agent_name: "a", status: "success", duration_ms: 1, run_id: "r1" });
      for (const fb of [{ rating: 5 }, { rating: 1 }, { thumbs: "up" }, { thumbs: "down" }, { rating: 4 }]) assert.equal((await postJson(`${s.url}/api/v1/feedback`, { run_id: "r1", ...fb })).status, 202);
      const m = (await getJson(`${s.url}/api/v1/metrics/system?agent_name=a`)).body.metrics;
      assert.equal(m.feedback_samples, 5);
      assert.equal(m.avg_satisfaction, (1 + 0 + 1 + 0 + 0.75) / 5);
      assert.equal(m.avg_rating, Math.round(((5 + 1 + 4) / 3) * 1000) / 1000);
      const bad = await postJson(`${s.url}/api/v1/feedback`, { run_id: "r1" });
      assert.equal(bad.body.error.code, "MISSING_RATING");
    } finally {
      await s.stop();
    }
  });
});

describe("costs", () => {
  it("computes cost from the price table when the client sends none, and the client's cost wins", async () => {
    const s = await inProcessServer();
    try {
      const a = await postJson(`${s.url}/api/v1/runs`, { agent_name: "a", status: "success", duration_ms: 1, model: "gpt-4o-mini", input_tokens: 1_000_000, output_tokens: 1_000_000 });
      assert.equal(a.body.cost, 0.15 + 0.6);
      const b = await postJson(`${s.url}/api/v1/runs`, { agent_name: "a", status: "success", duration_ms: 1, model: "gpt-4o-mini", input_tokens: 1_000_000, cost: 0.01 });
      assert.equal(b.body.cost, 0.01);
      const c = await postJson(`${s.url}/api/v1/runs`, { agent_name: "a", status: "success", duration_ms: 1, model: "unknown-model", input_tokens: 10 });
      assert.equal(c.body.cost, null);
      const m = (await getJson(`${s.url}/api/v1/metrics/system`)).body.metrics;
      assert.equal(m.total_cost, 0.76);
      assert.equal(m.cost_per_task, 0.38, "runs without a cost do not dilute cost per task");
    } finally {
      await s.stop();
    }
  });

  it("reports what caches saved: whole cached answers and provider prompt caching", async () => {
    const s = await inProcessServer();
    try {
      await postJson(`${s.url}/api/v1/llm-calls`, { model: "gpt-4o", latency_ms: 5, input_tokens: 1_000_000, output_tokens: 0, cached: true });
      await postJson(`${s.url}/api/v1/llm-calls`, { model: "gpt-4o", latency_ms: 800, input_tokens: 1_000_000, output_tokens: 0, cached_input_tokens: 1_000_000, cached: false });
      const m = (await getJson(`${s.url}/api/v1/metrics/system`)).body.metrics;
      assert.equal(m.llm_calls, 2);
      assert.equal(m.llm_cost, 1.25);
      assert.equal(m.cost_saved_by_cache, 2.5 + 1.25);
      assert.equal(m.llm_cache_hit_rate, 0.5);
    } finally {
      await s.stop();
    }
  });

  it("applies a price added through the API to later events", async () => {
    const s = await inProcessServer();
    try {
      const p = await postJson(`${s.url}/api/v1/prices`, { model: "house-model-*", input_per_1m: 1, output_per_1m: 2, effective_from: "2020-01-01" });
      assert.equal(p.status, 201);
      const r = await postJson(`${s.url}/api/v1/runs`, { agent_name: "a", status: "success", duration_ms: 1, model: "house-model-v3", input_tokens: 500_000, output_tokens: 500_000 });
      assert.equal(r.body.cost, 1.5);
      const bad = await postJson(`${s.url}/api/v1/prices`, { model: "x", input_per_1m: -1, output_per_1m: 1, colour: "red" });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.map((d: any) => d.path).sort(), ["/colour", "/input_per_1m"]);
    } finally {
      await s.stop();
    }
  });
});

describe("cache, tool and retrieval events and degraded runs", () => {
  it("answers their figures in the metrics block, system-wide and per agent, across a restart", async () => {
    const { dir, cleanup } = tempDir();
    try {
      let s = await startServer(loadConfig({ dataDir: dir, port: 0 }, {}), false);
      const now = Date.now();
      const run = (status: string, extra: Record<string, unknown> = {}) => ({ type: "run", body: { agent_name: "rag-bot", status, duration_ms: 900, ...extra } });
      const events = [
        run("success", { degraded: true, degradation_reason: "rag_timeout", warnings: ["slow_retrieval", "truncated_context"] }),
        run("partial"),
        run("success"),
        run("success", { cache_hit: true }),
        { type: "tool_call", body: { tool: "web_search", status: "failure", duration_ms: 100, cost: 0.01, error_type: "http_503", agent_name: "rag-bot" } },
        { type: "tool_call", body: { tool: "web_search", status: "success", duration_ms: 300, agent_name: "rag-bot" } },
        { type: "retrieval", body: { status: "success", source: "pinecone", duration_ms: 40, documents: 5, agent_name: "rag-bot" } },
        { type: "cache", timestamp: now - 2000, body: { operation: "hit", count: 3, cache: "answers", entries: 970, capacity: 1000, agent_name: "rag-bot" } },
        { type: "cache", timestamp: now - 1000, body: { operation: "miss", cache: "answers", entries: 960, agent_name: "rag-bot" } },
        { type: "cache", timestamp: now - 3000, body: { operation: "evict", count: 36, cache: "answers", entries: 999 } },
      ];
      assert.equal((await postJson(`${s.url}/api/v1/ingest`, { events })).body.successes.length, events.length);
      const check = async () => {
        const sys = (await getJson(`${s.url}/api/v1/metrics/system?window=60m`)).body;
        const m = sys.metrics;
        // Rates are per the time elapsed in the window (its last minute is still filling).
        const elapsedS = (Date.parse(sys.generated_at) - Date.parse(sys.window.start)) / 1000;
        assert.ok(Math.abs(m.cache_evictions_per_s - 36 / elapsedS) < 2e-6, `${m.cache_evictions_per_s} evictions/s over ${elapsedS} s`);
        assert.deepEqual(
          { degraded_tasks: m.degraded_tasks, degradation_rate: m.degradation_rate, warnings: m.warnings, warning_rate: m.warning_rate, cache_hit_rate: m.cache_hit_rate },
          { degraded_tasks: 2, degradation_rate: 0.5, warnings: 2, warning_rate: 0.5, cache_hit_rate: 1 },
        );
        assert.deepEqual(
          [m.tool_calls, m.tool_failed_calls, m.tool_error_rate, m.tool_avg_latency_ms, m.tool_cost, m.retrievals, m.retrieval_failed_calls, m.retrieval_error_rate, m.retrieval_avg_latency_ms, m.retrieval_cost],
          [2, 1, 0.5, 200, 0.01, 1, 0, 0, 40, null],
        );
        assert.deepEqual(
          [m.cache_operations, m.cache_lookups, m.cache_lookup_hit_rate, m.cache_evictions, m.cache_invalidations, m.cache_entries, m.cache_capacity, m.cache_fill_ratio],
          [40, 4, 0.75, 36, 0, 960, 1000, 0.96],
        );
        const a = (await getJson(`${s.url}/api/v1/metrics/agents/rag-bot?window=60m`)).body.metrics;
        assert.equal(a.cache_operations, 4, "the eviction carries no agent");
        assert.equal(a.tool_calls, 2);
        assert.equal(a.cache_entries, 960);
      };
      await check();
      await s.close();
      s = await startServer(loadConfig({ dataDir: dir, port: 0 }, {}), false);
      await check();
      const ts = (await getJson(`${s.url}/api/v1/metrics/timeseries?metric=cache_entries&window=10m&step=10m`)).body;
      assert.equal(ts.series[0].points.filter((p: [number, number | null]) => p[1] !== null).at(-1)[1], 960);
      await s.close();
    } finally {
      cleanup();
    }
  });
});

describe("custom metrics", () => {
  it("answers count, sum, mean, min, max and the latest value per metric over the window", async () => {
    const s = await inProcessServer();
    try {
      const now = Date.now();
      const events = [3, 9, 6].map((v, i) => ({ type: "metric", timestamp: now - (3 - i) * 1000, body: { name: "cache_size", value: v, unit: "entries", component: "semantic_cache", category: "cache" } }));
      events.push({ type: "metric", timestamp: now - 2 * 3_600_000, body: { name: "cache_size", value: 100, unit: "entries", component: "semantic_cache", category: "cache" } });
      events.push({ type: "metric", timestamp: now, body: { name: "queue_depth", value: 4 } } as any);
      assert.equal((await postJson(`${s.url}/api/v1/ingest`, { events })).body.successes.length, 5);
      assert.equal((await postJson(`${s.url}/api/v1/metrics/custom`, { name: "queue_depth", value: 6 })).status, 202);
      const r = await getJson(`${s.url}/api/v1/metrics/custom?window=60m`);
      assert.equal(r.status, 200);
      const cache = r.body.metrics.find((m: any) => m.name === "cache_size");
      assert.deepEqual({ ...cache, last_at: undefined }, { name: "cache_size", component: "semantic_cache", category: "cache", unit: "entries", count: 3, sum: 18, avg: 6, min: 3, max: 9, last: 6, last_at: undefined });
      const q = (await getJson(`${s.url}/api/v1/metrics/custom?window=60m&name=queue_depth`)).body.metrics;
      assert.equal(q.length, 1);
      assert.equal(q[0].count, 2);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/custom?window=3h&name=cache_size`)).body.metrics[0].count, 4);
    } finally {
      await s.stop();
    }
  });
});

describe("security and configuration", () => {
  const KEYS = "ingest-key-0123456789:ingest,read-key-0123456789abc:read,admin-key-0123456789abc:admin";

  it("enforces key scopes when keys are configured", async () => {
    const s = await inProcessServer({ VIGIL_API_KEYS: KEYS });
    try {
      const run = { agent_name: "a", status: "success", duration_ms: 1 };
      assert.equal((await postJson(`${s.url}/api/v1/runs`, run)).status, 401);
      assert.equal((await postJson(`${s.url}/api/v1/runs`, run, { authorization: "Bearer wrong-key-0123456789" })).status, 401);
      assert.equal((await postJson(`${s.url}/api/v1/runs`, run, { authorization: "Bearer read-key-0123456789abc" })).status, 403);
      assert.equal((await postJson(`${s.url}/api/v1/runs`, run, { authorization: "Bearer ingest-key-0123456789" })).status, 202);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/system`, { authorization: "Bearer ingest-key-0123456789" })).status, 403);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/system`, { "x-api-key": "read-key-0123456789abc" })).status, 200);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/system`, { authorization: "Bearer admin-key-0123456789abc" })).status, 200);
      assert.equal((await postJson(`${s.url}/api/v1/sync`, {}, { authorization: "Bearer read-key-0123456789abc" })).status, 403);
      assert.equal((await getJson(`${s.url}/healthz`)).status, 200);
      assert.equal((await getJson(`${s.url}/readyz`)).status, 200);
    } finally {
      await s.stop();
    }
  });

  it("refuses to listen on a non-loopback address without API keys", async () => {
    const { dir, cleanup } = tempDir();
    try {
      await assert.rejects(startServer(loadConfig({ dataDir: dir, host: "0.0.0.0", port: 0 }, {}), false), /refusing to listen on 0\.0\.0\.0 without API keys/);
    } finally {
      cleanup();
    }
  });

  it("says the port is in use instead of failing obscurely, and leaves the store closed", async () => {
    const first = await inProcessServer();
    const { dir, cleanup } = tempDir();
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(startServer(loadConfig({ dataDir: dir, port }, {}), false), /port \d+ on 127\.0\.0\.1 is already in use/);
      // The store it opened was closed: a server on another port opens the same data dir at once.
      const again = await startServer(loadConfig({ dataDir: dir, port: 0 }, {}), false);
      await again.close();
    } finally {
      await first.stop();
      cleanup();
    }
  });

  it("takes a flag over the environment over the config file over the default", () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, "vigil.yaml");
      writeFileSync(file, "server: { port: 7001, host: 127.0.0.2 }\nstorage: { data_dir: /from/file }\nthresholds: { success_rate_min: 0.9 }\n");
      assert.equal(loadConfig({ config: file }, {}).port, 7001);
      assert.equal(loadConfig({ config: file }, { VIGIL_PORT: "7002" }).port, 7002);
      assert.equal(loadConfig({ config: file, port: 7003 }, { VIGIL_PORT: "7002" }).port, 7003);
      assert.equal(loadConfig({}, {}).port, 8001);
      assert.equal(loadConfig({ config: file }, { VIGIL_DATA_DIR: "/from/env" }).dataDir, "/from/env");
      assert.equal(loadConfig({ config: file }, {}).host, "127.0.0.2");
      assert.equal(loadConfig({}, {}).dataDir, "./data");
    } finally {
      cleanup();
    }
  });

  it("names the bad setting when the config file is wrong", () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, "server: { prot: 1 }\nretention: { events: seven days }\n");
      assert.throws(() => loadConfig({ config: file }, {}), /\/server\/prot: is not a known setting[\s\S]*\/retention\/events/);
      assert.throws(() => loadConfig({}, { VIGIL_PORT: "eighty" }), /VIGIL_PORT must be a port number/);
    } finally {
      cleanup();
    }
  });
});

describe("reads", () => {
  let s: Awaited<ReturnType<typeof inProcessServer>>;
  after(async () => s?.stop());

  it("answers timeseries, report and sync, and rejects bad parameters with 400 naming them", async () => {
    s = await inProcessServer();
    const now = Date.now();
    const events = [];
    // Within the last 50 minutes: a 60m window (ending with the current minute) holds them all.
    for (let i = 0; i < 120; i++) events.push({ type: "run", timestamp: now - i * 25_000, body: { agent_name: i % 2 ? "a" : "b", status: i % 10 ? "success" : "failure", duration_ms: 100 + i, model: "gpt-4o", input_tokens: 100, output_tokens: 10 } });
    await postJson(`${s.url}/api/v1/ingest`, { events });
    const ts = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=total_tasks&window=60m&step=10m&group_by=agent_name`);
    assert.equal(ts.status, 200);
    assert.equal(ts.body.series.length, 2);
    const sum = ts.body.series.flatMap((x: any) => x.points.map((p: any) => p[1] ?? 0)).reduce((a: number, b: number) => a + b, 0);
    assert.equal(sum, 120);
    const rep = await getJson(`${s.url}/api/v1/report?window=30m`);
    assert.equal(rep.status, 200);
    assert.ok(["improving", "stable", "degrading"].includes(rep.body.trends.success_rate.trend));
    assert.ok(Array.isArray(rep.body.recommendations) && rep.body.recommendations.length > 0);
    assert.equal(rep.body.agents.length, 2);
    const before = (await getJson(`${s.url}/api/v1/metrics/system?window=2h`)).body.metrics;
    const sync = await postJson(`${s.url}/api/v1/sync?lookback_hours=2`, "");
    assert.equal(sync.status, 200, JSON.stringify(sync.body));
    assert.equal(sync.body.events_replayed, 120);
    const afterSync = (await getJson(`${s.url}/api/v1/metrics/system?window=2h`)).body.metrics;
    assert.deepEqual(afterSync, before);
    const week = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=total_tasks&window=7d`);
    assert.equal(week.status, 200);
    assert.equal(week.body.step_ms % 3_600_000, 0, "a week is charted in whole hours by default");
    assert.equal(week.body.series[0].points.reduce((a: number, p: any) => a + (p[1] ?? 0), 0), 120);
    assert.equal((await getJson(`${s.url}/api/v1/metrics/timeseries?metric=total_tasks&window=7d&step=5m`)).status, 400);
    assert.equal((await getJson(`${s.url}/api/v1/report?window=20d`)).status, 400, "the previous 20 days are beyond the 35-day hour rollups");
    assert.equal((await getJson(`${s.url}/api/v1/metrics/system?window=30d`)).status, 200);
    for (const bad of ["window=7 days", "window=100d", "window=40d", "time_window_minutes=-5", "group_by=colour", "metric=bogus", "step=30s", "window=60m&window=6h"]) {
      const path = bad.startsWith("group_by") || bad.startsWith("metric") || bad.startsWith("step") ? "timeseries" : "system";
      const r = await getJson(`${s.url}/api/v1/metrics/${path}?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.error.code, "VALIDATION_FAILED", bad);
    }
    assert.equal((await getJson(`${s.url}/api/v1/metrics/agents/nobody`)).status, 404);
    const h = await getJson(`${s.url}/api/v1/health`);
    assert.ok(h.body.health_score > 0 && h.body.health_score <= 100);
    const d = await getJson(`${s.url}/api/v1/health/detailed`);
    assert.equal(d.body.storage.events.run, 120);
  });
});
