import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventType } from "@vigil/contract";
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

describe("Exposition", () => {
  it("counts runs by status with their dimensions, absent dimensions as empty labels", async () => {
    const x = new Exposition();
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 1200 }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 800 }));
    x.observe(ev("run", { ...RUN, status: "partial", duration_ms: 300 }));
    x.observe(ev("run", { agent_name: "retriever", status: "timeout", duration_ms: 30_000 }));
    const { samples, types } = parse(await x.render());
    assert.equal(types.get("vigil_runs_total"), "counter");
    assert.equal(value(samples, "vigil_runs_total", { ...RUN, status: "success" }), 2);
    assert.equal(value(samples, "vigil_runs_total", { ...RUN, status: "partial" }), 1);
    assert.equal(value(samples, "vigil_runs_total", { agent_name: "retriever", model: "", route: "", tenant_id: "", mode: "", status: "timeout" }), 1);
    assert.equal(value(samples, "vigil_runs_total", { ...RUN, status: "failure" }), undefined);
  });

  it("records run durations in seconds in cumulative buckets", async () => {
    const x = new Exposition();
    for (const ms of [40, 300, 1200, 800, 7000, 90_000]) x.observe(ev("run", { ...RUN, status: "success", duration_ms: ms }));
    const { samples, types } = parse(await x.render());
    assert.equal(types.get("vigil_run_duration_seconds"), "histogram");
    const bucket = (le: string) => value(samples, "vigil_run_duration_seconds_bucket", { ...RUN, le });
    assert.deepEqual(["0.05", "0.25", "0.5", "1", "2.5", "5", "10", "60", "+Inf"].map(bucket), [1, 1, 2, 3, 4, 4, 5, 5, 6]);
    assert.equal(value(samples, "vigil_run_duration_seconds_count", RUN), 6);
    assert.ok(Math.abs(value(samples, "vigil_run_duration_seconds_sum", RUN)! - 99.34) < 1e-9);
  });

  it("sums run cost, tokens by direction, cache lookups by result and quality scores", async () => {
    const x = new Exposition();
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 10, cost: 0.25, input_tokens: 1000, output_tokens: 200, cache_hit: true, quality_score: 0.9 }));
    x.observe(ev("run", { ...RUN, status: "failure", duration_ms: 10, cost: 0.5, input_tokens: 500, cache_hit: false, quality_score: 0.4 }));
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 10, cache_hit: false }));
    const { samples, types } = parse(await x.render());
    assert.equal(value(samples, "vigil_run_cost_usd_total", RUN), 0.75);
    assert.equal(value(samples, "vigil_run_tokens_total", { ...RUN, direction: "input" }), 1500);
    assert.equal(value(samples, "vigil_run_tokens_total", { ...RUN, direction: "output" }), 200);
    assert.equal(value(samples, "vigil_run_cache_lookups_total", { ...RUN, result: "hit" }), 1);
    assert.equal(value(samples, "vigil_run_cache_lookups_total", { ...RUN, result: "miss" }), 2);
    assert.equal(types.get("vigil_run_quality_score"), "histogram");
    assert.equal(value(samples, "vigil_run_quality_score_count", RUN), 2);
    assert.ok(Math.abs(value(samples, "vigil_run_quality_score_sum", RUN)! - 1.3) < 1e-12);
    assert.equal(value(samples, "vigil_run_quality_score_bucket", { ...RUN, le: "0.5" }), 1);
  });

  it("counts LLM calls by model, route and status, with latency and cost", async () => {
    const x = new Exposition();
    x.observe(ev("llm_call", { model: "gpt-4o", route: "plan", agent_name: "planner", latency_ms: 900, status: "success", cost: 0.01 }));
    x.observe(ev("llm_call", { model: "gpt-4o", route: "plan", latency_ms: 2100, status: "failure" }));
    x.observe(ev("llm_call", { model: "gpt-4o", route: "plan", latency_ms: 400, cost: 0.02 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_llm_calls_total", { model: "gpt-4o", route: "plan", status: "success" }), 2, "a call without a status counts as a success");
    assert.equal(value(samples, "vigil_llm_calls_total", { model: "gpt-4o", route: "plan", status: "failure" }), 1);
    assert.equal(samples.find((s) => s.name === "vigil_llm_calls_total")!.labels.agent_name, undefined);
    assert.equal(value(samples, "vigil_llm_call_duration_seconds_count", { model: "gpt-4o" }), 3);
    assert.ok(Math.abs(value(samples, "vigil_llm_call_duration_seconds_sum", { model: "gpt-4o" })! - 3.4) < 1e-12);
    assert.equal(value(samples, "vigil_llm_call_duration_seconds_bucket", { model: "gpt-4o", le: "1" }), 2);
    assert.equal(value(samples, "vigil_llm_cost_usd_total", { model: "gpt-4o", route: "plan" }), 0.03);
  });

  it("exposes outcome accuracy and feedback satisfaction as sums and counts by the run's dimensions", async () => {
    const x = new Exposition();
    x.observe(ev("outcome", { ...RUN, run_id: "r1", actual_outcome: 1, accuracy: 0.75 }));
    x.observe(ev("outcome", { ...RUN, run_id: "r2", actual_outcome: 1, accuracy: 0.25 }));
    x.observe(ev("outcome", { ...RUN, run_id: "r3", actual_outcome: 1 }));
    x.observe(ev("feedback", { ...RUN, run_id: "r1", rating: 5, satisfaction: 1 }));
    x.observe(ev("feedback", { ...RUN, run_id: "r2", thumbs: "down", satisfaction: 0 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_outcome_accuracy_sum", RUN), 1);
    assert.equal(value(samples, "vigil_outcome_accuracy_count", RUN), 2, "an outcome without a computed accuracy is not a sample");
    assert.equal(value(samples, "vigil_feedback_satisfaction_sum", RUN), 1);
    assert.equal(value(samples, "vigil_feedback_satisfaction_count", RUN), 2);
    assert.equal(value(samples, "vigil_feedback_satisfaction_bucket", { ...RUN, le: "0.1" }), 1);
  });

  it("keeps sum, count and the latest value of each custom metric, ignoring late events for the latest", async () => {
    const x = new Exposition();
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

  it("counts every ingested event by type", async () => {
    const x = new Exposition();
    x.observe(ev("run", { ...RUN, status: "success", duration_ms: 1 }));
    x.observe(ev("metric", { name: "m", value: 1 }));
    x.observe(ev("metric", { name: "m", value: 2 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_events_ingested_total", { type: "run" }), 1);
    assert.equal(value(samples, "vigil_events_ingested_total", { type: "metric" }), 2);
  });

  it("escapes label values so any agent name yields valid text", async () => {
    const x = new Exposition();
    x.observe(ev("run", { agent_name: 'say "hi"\\ now\nplease', status: "success", duration_ms: 1 }));
    const { samples } = parse(await x.render());
    assert.equal(value(samples, "vigil_runs_total", { agent_name: 'say "hi"\\ now\nplease' }), 1);
  });

  it("keeps instances apart and exposes no process metrics unless asked", async () => {
    const a = new Exposition();
    const b = new Exposition();
    a.observe(ev("run", { ...RUN, status: "success", duration_ms: 1 }));
    assert.equal(value(parse(await b.render()).samples, "vigil_runs_total", { ...RUN, status: "success" }), undefined);
    assert.ok(!(await a.render()).includes("process_cpu"));
    assert.ok((await new Exposition({ processMetrics: true }).render()).includes("process_cpu_seconds_total"));
    assert.match(a.contentType, /^text\/plain; version=0\.0\.4/);
  });
});
