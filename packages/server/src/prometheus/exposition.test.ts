import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventType } from "@vigil/contract";
import { Bucket } from "../core/bucket.js";
import { EventDelta } from "../core/event-delta.js";
import { sliCounts } from "../core/sli.js";
import { LATENCY_LADDER_MS } from "../core/sli-ladder.js";
import type { StoredEvent } from "../core/stored-event.js";
import { Exposition } from "./exposition.js";

let seq = 0;
const ev = (type: EventType, body: Record<string, unknown>, ts = 1_000): StoredEvent => ({ id: `e${++seq}`, type, ts, receivedAt: ts, body });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses text format 0.0.4 into samples and the TYPE of each family. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The value of the one sample with this name whose labels include `match`. */
function value(samples: Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(match)} matches ${found.length} samples`);
  return found[0]?.value;
}

const RUN = { agent_name: "planner", model: "gpt-4o", route: "plan", tenant_id: "acme", mode: "2" };
/** The labels runs carry in the agents group (tenants have their own families). */
const L = { agent_name: "planner", model: "gpt-4o", route: "plan", mode: "2" };
const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} is not ${b}`);

describe("Exposition", () => {
  it("counts runs by status with their dimensions, writing every status once a series exists", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 1200 }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 800 }));
    x.observe(ev("run", { ...RUN, status: "partial", duration_ms: 300 }));
    x.observe(ev("run", { agent_name: "retriever", status: "timeout", duration_ms: 30_000 }));
    const { samples, types } = parse(await x.render());
    assert.equal(types.get("vigil_runs_total"), "counter");
    assert.equal(value(samples, "vigil_runs_total", { ...L, status: "success" }), 2);
    assert.equal(value(samples, "vigil_runs_total", { ...L, status: "partial" }), 1);
    assert.equal(value(samples, "vigil_runs_total", { ...L, status: "failure" }), 0, "a ratio of failures is 0, not absent");
    const retriever = samples.filter((s) => s.name === "vigil_runs_total" && s.labels.agent_name === "retriever" && s.labels.status === "timeout");
    assert.deepEqual(retriever.map((s) => [s.labels, s.value]), [[{ agent_name: "retriever", status: "timeout" }, 1]], "absent dimensions are left out");
    assert.equal(samples.some((s) => s.name === "vigil_runs_total" && s.labels.tenant_id !== undefined), false, "tenants are not on run families");
  });

  it("records run durations in seconds in cumulative buckets, by cache status", async () => {
    const x = new Exposition({ processMetrics: false });
    for (const ms of [40, 300, 1200, 800, 7000, 90_000]) x.observe(ev("run", { ...RUN, status: "success", duration_ms: ms }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 20, cache_hit: true }));
    const { samples, types } = parse(await x.render());
    assert.equal(types.get("vigil_run_duration_seconds"), "histogram");
    const bucket = (le: string) => value(samples, "vigil_run_duration_seconds_bucket", { ...L, cache: "unknown", le });
    assert.deepEqual(["0.05", "0.25", "0.5", "1", "2.5", "5", "10", "60", "+Inf"].map(bucket), [1, 1, 2, 3, 4, 4, 5, 5, 6]);
    assert.equal(value(samples, "vigil_run_duration_seconds_count", { ...L, cache: "unknown" }), 6);
    near(value(samples, "vigil_run_duration_seconds_sum", { ...L, cache: "unknown" }), 99.34);
    assert.equal(value(samples, "vigil_run_duration_seconds_count", { ...L, cache: "hit" }), 1);
    assert.equal(value(samples, "vigil_run_duration_seconds_count", { ...L, cache: "miss" }), undefined, "a histogram child without observations is not written");
  });

  it("has a duration bucket at every step of the latency ladder, each counting what the rollups count at that threshold", async () => {
    const x = new Exposition({ processMetrics: false });
    const rollup = new Bucket();
    const delta = new EventDelta();
    // Latencies on every step, just below and just above it, and past the last one.
    const latencies = LATENCY_LADDER_MS.flatMap((ms) => [ms, ms * 0.995, ms * 1.005]).concat([0, 61_000, 120_000]);
    for (const ms of latencies) {
      const e = ev("run", { ...RUN, status: "success", duration_ms: ms });
      x.observe(e);
      delta.prepare(e).applyTo(rollup);
    }
    const { samples } = parse(await x.render());
    const les = samples.filter((s) => s.name === "vigil_run_duration_seconds_bucket" && s.labels.cache === "unknown").map((s) => s.labels.le);
    assert.deepEqual(les, [...LATENCY_LADDER_MS.map((ms) => String(ms / 1000)), "+Inf"]);
    for (const ms of LATENCY_LADDER_MS) {
      const le = value(samples, "vigil_run_duration_seconds_bucket", { ...L, cache: "unknown", le: String(ms / 1000) });
      const exact = latencies.filter((v) => v <= ms).length;
      assert.equal(le, exact, `le=${ms / 1000}`);
      assert.equal(sliCounts(rollup, { kind: "latency", events: "runs", threshold_ms: ms }).good, exact, `rollup count at ${ms} ms`);
    }
  });

  it("sums run cost, tokens by direction (the sum is Vigil's total_tokens), cache lookups, quality, memory, cpu and retries", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 10, cost: 0.25, input_tokens: 1000, output_tokens: 200, cache_hit: true, quality_score: 0.9, memory_mb: 2, cpu_ms: 1500, retries: 2 }));
    x.observe(ev("run", { ...RUN, status: "failure", duration_ms: 10, cost: 0.5, input_tokens: 500, cache_hit: false, quality_score: 0.4 }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 10, cache_hit: false, tokens_used: 70 }));
    const { samples, types } = parse(await x.render());
    assert.equal(value(samples, "vigil_run_cost_usd_total", L), 0.75);
    assert.equal(value(samples, "vigil_run_tokens_total", { ...L, direction: "input" }), 1500);
    assert.equal(value(samples, "vigil_run_tokens_total", { ...L, direction: "output" }), 200);
    assert.equal(value(samples, "vigil_run_tokens_total", { ...L, direction: "unspecified" }), 70);
    assert.equal(value(samples, "vigil_run_cache_lookups_total", { ...L, result: "hit" }), 1);
    assert.equal(value(samples, "vigil_run_cache_lookups_total", { ...L, result: "miss" }), 2);
    assert.equal(types.get("vigil_run_quality_score"), "histogram");
    assert.equal(value(samples, "vigil_run_quality_score_count", L), 2);
    near(value(samples, "vigil_run_quality_score_sum", L), 1.3);
    assert.equal(value(samples, "vigil_run_quality_score_bucket", { ...L, le: "0.5" }), 1);
    assert.equal(value(samples, "vigil_run_memory_bytes_sum", L), 2 * 1048576);
    assert.equal(value(samples, "vigil_run_memory_bytes_count", L), 1);
    assert.equal(value(samples, "vigil_run_cpu_seconds_total", L), 1.5);
    assert.equal(value(samples, "vigil_run_retries_total", L), 2);
  });

  it("counts degradations by reason, warnings by type, errors by error type, and tenants apart", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("run", { ...RUN, status: "partial", duration_ms: 10, degraded: true, degradation_reason: "rag_timeout", warnings: ["low_confidence", "truncated"] }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 10, degraded: true, warnings: ["truncated"], cost: 0.5, input_tokens: 3 }));
    x.observe(ev("run", { ...RUN, status: "failure", duration_ms: 10, error_type: "rate_limit" }));
    x.observe(ev("run", { ...RUN, status: "timeout", duration_ms: 10 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_run_degraded_total", L), 2);
    assert.equal(value(samples, "vigil_run_degradations_total", { agent_name: "planner", mode: "2", reason: "rag_timeout" }), 1);
    assert.equal(value(samples, "vigil_run_degradations_total", { reason: "unspecified" }), 1);
    assert.equal(value(samples, "vigil_run_warnings_total", { type: "truncated" }), 2);
    assert.equal(value(samples, "vigil_run_warnings_total", { type: "low_confidence" }), 1);
    assert.equal(value(samples, "vigil_run_errors_total", { agent_name: "planner", error_type: "rate_limit" }), 1);
    assert.equal(value(samples, "vigil_run_errors_total", { error_type: "timeout" }), 1, "a timeout without error_type counts under its status");
    assert.equal(value(samples, "vigil_tenant_runs_total", { tenant_id: "acme", status: "failure" }), 1);
    assert.equal(value(samples, "vigil_tenant_cost_usd_total", { tenant_id: "acme" }), 0.5);
    assert.equal(value(samples, "vigil_tenant_tokens_total", { tenant_id: "acme" }), 3);
  });

  it("counts LLM calls by model, provider, route, mode, status and cached, with latency, TTFT, tokens, cost and savings", async () => {
    const x = new Exposition({ processMetrics: false });
    const m = { model: "gpt-4o", provider: "openai", route: "plan" };
    x.observe(ev("llm_call", { ...m, agent_name: "planner", latency_ms: 900, ttft_ms: 200, status: "success", cost: 0.01, input_tokens: 100, output_tokens: 20, cached_input_tokens: 50, tenant_id: "acme" }));
    x.observe(ev("llm_call", { ...m, latency_ms: 2100, status: "failure" }));
    x.observe(ev("llm_call", { ...m, latency_ms: 400, cost: 0.02 }));
    x.observe(ev("llm_call", { ...m, latency_ms: 5, cached: true, cost: 0, cost_saved: 0.03 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_llm_calls_total", { ...m, status: "success", cached: "false" }), 2, "a call without a status counts as a success");
    assert.equal(value(samples, "vigil_llm_calls_total", { ...m, status: "failure", cached: "false" }), 1);
    assert.equal(value(samples, "vigil_llm_calls_total", { ...m, status: "success", cached: "true" }), 1);
    assert.equal(samples.find((s) => s.name === "vigil_llm_calls_total")!.labels.agent_name, undefined);
    assert.equal(value(samples, "vigil_llm_call_duration_seconds_count", m), 4);
    near(value(samples, "vigil_llm_call_duration_seconds_sum", m), 3.405);
    assert.equal(value(samples, "vigil_llm_call_duration_seconds_bucket", { ...m, le: "1" }), 3);
    assert.equal(value(samples, "vigil_llm_time_to_first_token_seconds_count", m), 1);
    near(value(samples, "vigil_llm_cost_usd_total", m), 0.03);
    near(value(samples, "vigil_llm_cost_saved_usd_total", m), 0.03);
    assert.equal(value(samples, "vigil_llm_tokens_total", { ...m, direction: "cached_input" }), 50);
    assert.equal(value(samples, "vigil_tenant_llm_calls_total", { tenant_id: "acme" }), 1);
    near(value(samples, "vigil_tenant_llm_cost_usd_total", { tenant_id: "acme" }), 0.01);
  });

  it("exposes outcome accuracy and feedback satisfaction by the run's dimensions", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("outcome", { ...RUN, run_id: "r1", actual_outcome: 1, accuracy: 0.75 }));
    x.observe(ev("outcome", { ...RUN, run_id: "r2", actual_outcome: 1, accuracy: 0.25 }));
    x.observe(ev("outcome", { ...RUN, run_id: "r3", actual_outcome: 1 }));
    x.observe(ev("feedback", { ...RUN, run_id: "r1", rating: 5, satisfaction: 1 }));
    x.observe(ev("feedback", { ...RUN, run_id: "r2", thumbs: "down", satisfaction: 0 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_outcome_accuracy_sum", L), 1);
    assert.equal(value(samples, "vigil_outcome_accuracy_count", L), 2, "an outcome without a computed accuracy is not a sample");
    assert.equal(value(samples, "vigil_feedback_satisfaction_sum", L), 1);
    assert.equal(value(samples, "vigil_feedback_satisfaction_count", L), 2);
    assert.equal(value(samples, "vigil_feedback_satisfaction_bucket", { ...L, le: "0.1" }), 1);
    assert.equal(value(samples, "vigil_runs_total", { ...L, status: "success" }), undefined, "outcomes do not invent runs");
  });

  it("counts cache operations with their count, entry ages, and the latest size, capacity and memory by event time", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("cache", { operation: "hit", cache: "answers", mode: "1", entry_age_ms: 30_000, entries: 900, capacity: 1000 }, 1_000));
    x.observe(ev("cache", { operation: "miss", cache: "answers", mode: "1", entries: 960, memory_bytes: 5e6 }, 3_000));
    x.observe(ev("cache", { operation: "invalidate", cache: "answers", mode: "1", count: 40, entry_age_ms: 7_200_000, entries: 10 }, 2_000));
    x.observe(ev("cache", { operation: "write" }, 4_000));
    const { samples } = parse(await x.render());
    const c = { cache: "answers", mode: "1" };
    assert.equal(value(samples, "vigil_cache_operations_total", { ...c, operation: "hit" }), 1);
    assert.equal(value(samples, "vigil_cache_operations_total", { ...c, operation: "invalidate" }), 40);
    assert.equal(value(samples, "vigil_cache_operations_total", { ...c, operation: "evict" }), 0);
    assert.equal(value(samples, "vigil_cache_operations_total", { cache: "default", operation: "write" }), 1, "cache defaults to default");
    assert.equal(value(samples, "vigil_cache_entry_age_seconds_count", { ...c, operation: "hit" }), 1);
    assert.equal(value(samples, "vigil_cache_entry_age_seconds_sum", { ...c, operation: "invalidate" }), 7200);
    assert.equal(value(samples, "vigil_cache_entries", { cache: "answers" }), 960, "a late event does not overwrite a newer size");
    assert.equal(value(samples, "vigil_cache_capacity_entries", { cache: "answers" }), 1000);
    assert.equal(value(samples, "vigil_cache_memory_bytes", { cache: "answers" }), 5e6);
    assert.equal(value(samples, "vigil_cache_entries", { cache: "default" }), undefined, "a size nobody reported is not written");
  });

  it("counts tool calls and retrievals by status with durations, documents and costs", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("tool_call", { tool: "web_search", agent_name: "planner", status: "success", duration_ms: 800, cost: 0.001 }));
    x.observe(ev("tool_call", { tool: "web_search", agent_name: "planner", status: "failure", duration_ms: 3000 }));
    x.observe(ev("retrieval", { source: "pinecone", status: "success", duration_ms: 120, documents: 8, cost: 0.0002 }));
    x.observe(ev("retrieval", { source: "pinecone", status: "failure" }));
    const { samples } = parse(await x.render());
    const t = { tool: "web_search", agent_name: "planner" };
    assert.equal(value(samples, "vigil_tool_calls_total", { ...t, status: "success" }), 1);
    assert.equal(value(samples, "vigil_tool_calls_total", { ...t, status: "failure" }), 1);
    assert.equal(value(samples, "vigil_tool_call_duration_seconds_count", t), 2);
    assert.equal(value(samples, "vigil_tool_cost_usd_total", t), 0.001);
    assert.equal(value(samples, "vigil_retrievals_total", { source: "pinecone", status: "failure" }), 1);
    assert.equal(value(samples, "vigil_retrieval_documents_total", { source: "pinecone" }), 8);
    assert.equal(value(samples, "vigil_retrieval_duration_seconds_count", { source: "pinecone" }), 1);
    assert.equal(value(samples, "vigil_retrieval_cost_usd_total", { source: "pinecone" }), 0.0002);
  });

  it("keeps sum, count and the latest value of each custom metric, ignoring late events for the latest", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("metric", { name: "cache_entries", value: 900 }, 1_000));
    x.observe(ev("metric", { name: "cache_entries", value: 960 }, 3_000));
    x.observe(ev("metric", { name: "cache_entries", value: 10 }, 2_000));
    x.observe(ev("metric", { name: "balance", value: -5 }, 1_000));
    const { samples, types } = parse(await x.render());
    assert.equal(value(samples, "vigil_custom_metric_sum", { name: "cache_entries" }), 1870);
    assert.equal(value(samples, "vigil_custom_metric_count", { name: "cache_entries" }), 3);
    assert.equal(value(samples, "vigil_custom_metric_last", { name: "cache_entries" }), 960);
    assert.equal(value(samples, "vigil_custom_metric_sum", { name: "balance" }), -5, "negative values are accepted");
    assert.equal(types.get("vigil_custom_metric"), "summary");
    assert.equal(types.get("vigil_custom_metric_last"), "gauge");
    assert.equal(samples.filter((s) => s.labels.quantile !== undefined).length, 0, "no quantiles are computed");
  });

  it("writes Vigil's own families from its sources", async () => {
    const x = new Exposition({
      processMetrics: false,
      build: { version: "9.9.9", storage: "sqlite" },
      startedAt: 1_000_000,
      now: () => 1_060_000,
      sources: {
        ingest: () => ({ run: { stored: 5, duplicate: 1, rejected: 2 }, unknown: { stored: 0, duplicate: 0, rejected: 3 } }),
        alerts: () => ({ pending: 1, firing: 2, acknowledged: 0 }),
        notifications: () => ({ slack: { delivered: 4, retried: 1, failed: 0 } }),
        connections: () => ({ active: 1, idle: 1, waiting: 3, max: 2 }),
        httpConnections: () => 7,
        routes: () => ({ routes: [{ route: "summarize", state: "failed_over", active: "claude-sonnet-4" }], switches: { auto: 2, manual: 1 } }),
      },
    });
    x.observeRequest("POST", "/api/v1/ingest", 207, 0.004);
    x.observeRequest("POST", "/api/v1/ingest", 207, 0.02);
    x.observeEvaluation(0.03, 12, 1);
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_events_ingested_total", { type: "run", result: "duplicate" }), 1);
    assert.equal(value(samples, "vigil_events_ingested_total", { type: "unknown", result: "rejected" }), 3);
    assert.equal(value(samples, "vigil_events_ingested_total", { type: "cache", result: "stored" }), 0);
    assert.equal(value(samples, "vigil_alerts", { state: "firing" }), 2);
    assert.equal(value(samples, "vigil_notifications_total", { channel: "slack", result: "retried" }), 1);
    assert.equal(value(samples, "vigil_storage_pool_connections", { state: "waiting" }), 3);
    assert.equal(value(samples, "vigil_storage_pool_max_connections"), 2);
    assert.equal(value(samples, "vigil_http_open_connections"), 7);
    assert.equal(value(samples, "vigil_build_info", { version: "9.9.9", storage: "sqlite" }), 1);
    assert.equal(value(samples, "vigil_uptime_seconds"), 60);
    assert.equal(value(samples, "vigil_start_time_seconds"), 1000);
    assert.equal(value(samples, "vigil_http_requests_total", { method: "POST", route: "/api/v1/ingest", code: "207" }), 2);
    assert.equal(value(samples, "vigil_http_request_duration_seconds_bucket", { route: "/api/v1/ingest", le: "0.005" }), 1);
    assert.equal(value(samples, "vigil_alert_evaluations_total"), 1);
    assert.equal(value(samples, "vigil_alert_rule_evaluations_total"), 12);
    assert.equal(value(samples, "vigil_alert_evaluation_failures_total"), 1);
    assert.equal(value(samples, "vigil_alert_evaluation_duration_seconds_count"), 1);
    assert.equal(value(samples, "vigil_route_state", { route: "summarize", state: "failed_over" }), 1);
    assert.equal(value(samples, "vigil_route_state", { route: "summarize", state: "normal" }), 0);
    assert.equal(value(samples, "vigil_route_active_model", { route: "summarize", model: "claude-sonnet-4" }), 1);
    assert.equal(value(samples, "vigil_route_decisions_total", { trigger: "auto" }), 2);
  });

  it("folds tenants past the limit into other, losing no run and counting what it folded", async () => {
    const x = new Exposition({ processMetrics: false, seriesLimits: { tenants: 50 } });
    for (let i = 0; i < 500; i++) x.observe(ev("run", { agent_name: "a", tenant_id: `t${i}`, status: "success", duration_ms: 1, cost: 0.5 }));
    const { samples } = parse(await x.render());
    const tenants = new Set(samples.filter((s) => s.name === "vigil_tenant_runs_total").map((s) => s.labels.tenant_id));
    assert.equal(tenants.size, 50, "the group holds exactly its limit");
    assert.ok(tenants.has("other"));
    const runs = samples.filter((s) => s.name === "vigil_tenant_runs_total" && s.labels.status === "success").reduce((a, s) => a + s.value, 0);
    assert.equal(runs, 500, "folded runs are counted under other");
    assert.equal(value(samples, "vigil_exposition_folded_total", { group: "tenants" }), 451);
    assert.equal(value(samples, "vigil_exposition_series", { group: "tenants" }), 50);
    assert.equal(value(samples, "vigil_exposition_series_limit", { group: "tenants" }), 50);
    assert.equal(value(samples, "vigil_runs_total", { agent_name: "a", status: "success" }), 500, "the agents group is not affected");
  });

  it("folds the most varied label first, keeping the others", async () => {
    const x = new Exposition({ processMetrics: false, seriesLimits: { tools: 20 } });
    for (let i = 0; i < 200; i++) x.observe(ev("tool_call", { tool: `tool-${i}`, agent_name: i % 2 ? "odd" : "even", status: "success" }));
    const { samples } = parse(await x.render());
    const rows = samples.filter((s) => s.name === "vigil_tool_calls_total" && s.labels.status === "success");
    assert.ok(rows.length <= 20);
    assert.equal(value(samples, "vigil_tool_calls_total", { tool: "other", agent_name: "odd", status: "success" })! + value(samples, "vigil_tool_calls_total", { tool: "other", agent_name: "even", status: "success" })!, 200 - rows.filter((r) => r.labels.tool !== "other").length);
    assert.equal(rows.reduce((a, s) => a + s.value, 0), 200);
  });

  it("labels run, outcome and LLM call families by query_class, component, service and endpoint, and leaves the labels out when absent", async () => {
    const x = new Exposition({ processMetrics: false });
    const D = { query_class: "simple", component: "cognitive_core", service: "answers", endpoint: "POST /v1/answer" };
    x.observe(ev("run", { ...RUN, ...D, status: "success", duration_ms: 900 }));
    x.observe(ev("run", { ...RUN, ...D, query_class: "complex", status: "failure", duration_ms: 5000 }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 100 }));
    x.observe(ev("feedback", { ...RUN, ...D, satisfaction: 1 }));
    x.observe(ev("llm_call", { model: "gpt-4o", ...D, latency_ms: 300 }));
    const text = await x.render();
    const { samples } = parse(text);
    assert.equal(value(samples, "vigil_runs_total", { ...L, ...D, status: "success" }), 1);
    assert.equal(value(samples, "vigil_runs_total", { ...L, ...D, query_class: "complex", status: "failure" }), 1);
    assert.equal(value(samples, "vigil_feedback_satisfaction_count", { ...L, ...D }), 1);
    assert.equal(value(samples, "vigil_llm_calls_total", { model: "gpt-4o", ...D, status: "success", cached: "false" }), 1);
    // A run without them is the series it was before these labels existed: no empty label written.
    const plain = samples.filter((s) => s.name === "vigil_runs_total" && s.labels.query_class === undefined && s.labels.status === "success");
    assert.deepEqual(plain.map((s) => s.labels), [{ ...L, status: "success" }]);
    assert.doesNotMatch(text, /=""/);
  });

  it("escapes label values so any agent name yields valid text", async () => {
    const x = new Exposition({ processMetrics: false });
    x.observe(ev("run", { agent_name: 'say "hi"\\ now\nplease', status: "success", duration_ms: 1 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_runs_total", { agent_name: 'say "hi"\\ now\nplease', status: "success" }), 1);
  });

  it("keeps instances apart and exposes process metrics unless turned off", async () => {
    const a = new Exposition({ processMetrics: false });
    const b = new Exposition({ processMetrics: false });
    a.observe(ev("run", { ...RUN, status: "success", duration_ms: 1 }));
    assert.equal(value(parse(await b.render()).samples, "vigil_runs_total", { ...L, status: "success" }), undefined);
    assert.ok(!(await a.render()).includes("process_cpu"));
    assert.ok((await new Exposition().render()).includes("process_cpu_seconds_total"));
    assert.match(a.contentType, /^text\/plain; version=0\.0\.4/);
  });
});
