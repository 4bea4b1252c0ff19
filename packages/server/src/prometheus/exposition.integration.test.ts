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
  return x;
}

describe("the /metrics exposition passes promtool check metrics", { skip }, () => {
  it("reports no problem for Vigil's families", async () => {
    const text = await fed(new Exposition()).render();
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: text });
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "", "promtool reported problems");
    assert.equal(r.status, 0);
    for (const family of ["vigil_runs_total", "vigil_run_duration_seconds", "vigil_run_cost_usd_total", "vigil_run_tokens_total", "vigil_run_cache_lookups_total", "vigil_run_quality_score", "vigil_llm_calls_total", "vigil_llm_call_duration_seconds", "vigil_llm_cost_usd_total", "vigil_outcome_accuracy", "vigil_feedback_satisfaction", "vigil_custom_metric", "vigil_custom_metric_last", "vigil_events_ingested_total"]) {
      assert.match(text, new RegExp(`^# TYPE ${family} `, "m"), `${family} is exposed`);
    }
  });

  it("fails on text that breaks the format (the check really parses)", () => {
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: "# TYPE vigil_x counter\nvigil_x{a=\"1\" 3\n" });
    assert.notEqual(r.status, 0);
  });

  it("with process metrics on, reports problems only in prom-client's own nodejs_/process_ names", async () => {
    const text = await fed(new Exposition({ processMetrics: true })).render();
    const r = runPromtool(PROMTOOL, ["check", "metrics"], { input: text });
    const problems = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() !== "");
    for (const p of problems) assert.match(p, /^(nodejs_|process_)/, `problem in a Vigil family: ${p}`);
  });
});
