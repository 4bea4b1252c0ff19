/** `promtool check metrics` (Prometheus' own linter) on the exposition text. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventType } from "@vigil/contract";
import type { StoredEvent } from "../core/stored-event.js";
import { Exposition } from "./exposition.js";
import { promtoolSkip, runPromtool } from "./promtool.js";

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? "promtool";
const skip = promtoolSkip(PROMTOOL, process.env.CI === "true");

let seq = 0;
const ev = (type: EventType, body: Record<string, unknown>): StoredEvent => ({ id: `e${++seq}`, type, ts: seq, receivedAt: seq, body });

/** An exposition fed with every kind of event and every optional field the families read. */
function fed(x: Exposition): Exposition {
  const dims = { agent_name: "planner", model: "gpt-4o", route: "plan", tenant_id: "acme", mode: "2" };
  for (const status of ["success", "failure", "partial", "timeout"]) x.observe(ev("run", { ...dims, status, duration_ms: 1234, cost: 0.012, input_tokens: 900, output_tokens: 120, cache_hit: status === "success", quality_score: 0.8 }));
  x.observe(ev("run", { agent_name: 'odd "name"\\\n', status: "success", duration_ms: 0 }));
  x.observe(ev("llm_call", { model: "gpt-4o", route: "plan", latency_ms: 850, status: "success", cost: 0.004 }));
  x.observe(ev("llm_call", { model: "claude-sonnet-4", latency_ms: 61_000, status: "failure" }));
  x.observe(ev("outcome", { ...dims, run_id: "r1", actual_outcome: true, accuracy: 1 }));
  x.observe(ev("feedback", { ...dims, run_id: "r1", thumbs: "up", satisfaction: 1 }));
  x.observe(ev("metric", { name: "cache_entries", value: 960 }));
  x.observe(ev("metric", { name: "balance", value: -3.5 }));
  x.observe(ev("run", { ...dims, status: "partial", duration_ms: 10, degraded: true, degradation_reason: "rag_timeout", warnings: ["truncated"], memory_mb: 120, cpu_ms: 40, retries: 1, error_type: "x" }));
  x.observe(ev("run", { ...dims, status: "failure", duration_ms: 10, error_type: "rate_limit" }));
  x.observe(ev("llm_call", { model: "gpt-4o", provider: "openai", latency_ms: 20, ttft_ms: 10, cached: true, cost: 0, cost_saved: 0.01, input_tokens: 10, output_tokens: 5, cached_input_tokens: 3, tenant_id: "acme" }));
  x.observe(ev("cache", { operation: "evict", cache: "answers", mode: "1", entry_age_ms: 60_000, entries: 999, capacity: 1000, memory_bytes: 1e6 }));
  x.observe(ev("tool_call", { tool: "web_search", status: "failure", duration_ms: 300, cost: 0.001 }));
  x.observe(ev("retrieval", { source: "pinecone", status: "success", duration_ms: 80, documents: 4, cost: 0.0001 }));
  x.observeRequest("POST", "/api/v1/ingest", 207, 0.003);
  x.observeEvaluation(0.01, 19, 0);
  return x;
}

describe("the /metrics exposition passes promtool check metrics", { skip }, () => {
  it("reports no problem for Vigil's families", async () => {
    const text = await fed(new Exposition({ processMetrics: false, build: { version: "0.0.0", storage: "sqlite" }, startedAt: 0, sources: { ingest: () => ({}), alerts: () => ({ pending: 0, firing: 1, acknowledged: 0 }), notifications: () => ({ webhook: { delivered: 1, retried: 0, failed: 0 } }), connections: () => ({ active: 1, idle: 1, waiting: 0, max: 2 }), httpConnections: () => 1, routes: () => ({ routes: [{ route: "summarize", state: "failed_over", active: "claude-sonnet-4" }], switches: { auto: 1, probe: 2 } }), rollups: () => ({ series: 3, max_series: 100_000, values: { agent_name: 2, model: 1, route: 1, tenant_id: 0, mode: 1, query_class: 0, component: 0, service: 0, endpoint: 0 }, max_values_per_dimension: 50_000, folded_events: { agent_name: 4, model: 0, route: 0, tenant_id: 0, mode: 0, query_class: 0, component: 0, service: 0, endpoint: 0, series: 0 } }), collector: () => ({ samples: 2, overhead: { cpu_percent: 0.5, memory_percent: 1.2 } }) } })).render();
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: text });
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "", "promtool reported problems");
    assert.equal(r.status, 0);
    // Fed with every kind of event, every family Vigil declares has samples.
    const families = [...text.matchAll(/^# TYPE (vigil_\S+) /gm)].map((m) => m[1]!);
    assert.ok(families.length >= 50, `only ${families.length} families`);
    for (const family of families) assert.match(text, new RegExp(`^${family}(_bucket|_sum|_count)?[{ ]`, "m"), `${family} has no sample`);
  });

  it("fails on text that breaks the format (the check really parses)", () => {
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: "# TYPE vigil_x counter\nvigil_x{a=\"1\" 3\n" });
    assert.notEqual(r.status, 0);
  });

  it("with the process metrics on (the default), still reports no problem", async () => {
    const text = await fed(new Exposition()).render();
    assert.match(text, /^process_cpu_seconds_total /m);
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: text });
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "", "promtool reported problems");
  });
});
