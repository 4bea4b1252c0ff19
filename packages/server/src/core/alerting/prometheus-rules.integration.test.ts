/**
 * The exported Prometheus rules judged by Prometheus: `promtool check rules` parses every
 * expression and annotation template, and `promtool test rules` evaluates a few exported rules on
 * synthetic series of the exposition's families to show that they compute the figures Vigil means.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { promtoolSkip, runPromtool } from "../../prometheus/promtool.js";
import { DEFAULT_THRESHOLDS } from "../thresholds.js";
import { defaultRules } from "./default-rules.js";
import { EXPORTABLE_METRICS, TENANT_EXPORTABLE_METRICS, exportLabels, exportPrometheusRules } from "./prometheus-rules.js";
import { parseRuleSet } from "./rule.js";
import type { AlertRule } from "./types.js";

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? "promtool";
const skip = promtoolSkip(PROMTOOL, process.env.CI === "true");
const work = mkdtempSync(join(tmpdir(), "vigil-promtool-export-"));
after(() => rmSync(work, { recursive: true, force: true }));

const EVERY_VARIABLE = "{{ $rule }} {{ $metric }} {{ $labels.agent_name }} is {{ $value }} ({{ $value_raw }}) vs {{ $threshold }} over {{ $window }}, {{ $samples }} samples";

/** A rule for every exportable metric, plus every shape a rule can take. */
function broadRules(): AlertRule[] {
  const inputs: Record<string, unknown>[] = EXPORTABLE_METRICS.map((metric, i) => {
    // Group by up to two of the family's labels and scope by mode where the family has them.
    const { labels } = exportLabels(metric)!;
    const group = labels.filter((l) => l !== "mode").slice(0, 2);
    return {
      name: `Every_${metric}`,
      metric,
      comparator: i % 2 ? ">" : "<=",
      threshold: 0.5,
      window: "10m",
      ...(group.length ? { group_by: group } : {}),
      ...(labels.includes("mode") ? { scope: { mode: "2" } } : {}),
      annotations: { summary: EVERY_VARIABLE },
    };
  });
  for (const metric of TENANT_EXPORTABLE_METRICS) inputs.push({ name: `Tenant_${metric}`, metric, comparator: ">", threshold: 0.5, window: "10m", group_by: ["tenant_id"], min_samples: 5, annotations: { summary: EVERY_VARIABLE } });
  for (const change of ["ratio", "delta", "percent"]) inputs.push({ name: `Change_${change}`, metric: "p99_latency_ms", change, comparator: ">", threshold: 2, window: "30m", group_by: ["route"], min_samples: 20, annotations: { summary: EVERY_VARIABLE } });
  for (const aggregate of ["avg", "sum", "count", "rate", "last"]) {
    inputs.push({ name: `Custom_${aggregate}`, metric: "custom.queue\"depth\\/ü%{{x}}", aggregate, comparator: ">=", threshold: 3, window: "2m", for: "1m", keep_firing_for: "5m", min_samples: 3, annotations: { summary: EVERY_VARIABLE } });
  }
  inputs.push(
    { name: "Change_custom", metric: "custom.cache_evictions", aggregate: "rate", change: "ratio", comparator: ">", threshold: 2, window: "5m" },
    { name: "Quoted-scope.x:y", metric: "error_rate", scope: { agent_name: 'we"ird\\ agent\'s' }, comparator: "!=", threshold: 0, labels: { team: "it's ml", on: "off" }, annotations: { "no": "{{ $labels.agent_name }}'s \"value\" is {{ $value }}" } },
    { name: "Keep", metric: "success_rate", comparator: "<", threshold_key: "success_rate_min", no_data: "keep_state", for: "1h30m", keep_firing_for: "45s" },
    { name: "NotMapped_memory", metric: "max_memory_mb", comparator: ">", threshold: 1 },
    { name: "NotMapped_p95_by_tenant", metric: "p95_latency_ms", group_by: ["tenant_id"], comparator: ">", threshold: 1 },
    { name: "NotMapped_min", metric: "custom.x", aggregate: "min", comparator: "<", threshold: 1 },
    { name: "NotMapped_llm_by_agent", metric: "llm_cost", group_by: ["agent_name"], comparator: ">", threshold: 1 },
    { name: "NotMapped_disabled", metric: "error_rate", comparator: ">", threshold: 1, enabled: false },
  );
  return parseRuleSet(inputs, "file", "broad rules");
}

function checkRules(name: string, yaml: string): { status: number; output: string } {
  const file = join(work, name);
  writeFileSync(file, yaml);
  const r = runPromtool(PROMTOOL, ["check", "rules", file]);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("Prometheus rules export, checked by promtool", { skip }, () => {
  it("exports the default pack into rules promtool accepts", () => {
    const pack = defaultRules();
    const out = exportPrometheusRules(pack, { ...DEFAULT_THRESHOLDS });
    const r = checkRules("default.yml", out.yaml);
    assert.equal(r.status, 0, r.output);
    const anomalies = pack.filter((x) => x.anomaly).map((x) => x.name);
    assert.deepEqual(out.skipped.map((s) => s.rule), anomalies, "every shipped rule but the anomaly rules exports");
    assert.match(r.output, new RegExp(`SUCCESS: ${pack.length - anomalies.length} rules found`));
  });

  it("exports every mappable metric, change function, custom aggregate and odd name into rules promtool accepts", () => {
    const rules = broadRules();
    const out = exportPrometheusRules(rules, { ...DEFAULT_THRESHOLDS });
    const r = checkRules("broad.yml", out.yaml);
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(out.skipped.map((s) => s.rule).sort(), ["NotMapped_disabled", "NotMapped_llm_by_agent", "NotMapped_memory", "NotMapped_min", "NotMapped_p95_by_tenant"]);
    assert.match(r.output, new RegExp(`SUCCESS: ${rules.length - 5} rules found`));
  });

  it("fails on a broken expression (the check really parses)", () => {
    const out = exportPrometheusRules(broadRules().slice(0, 1), {});
    const r = checkRules("broken.yml", out.yaml.replace("[10m]", "[10 minutes]"));
    assert.notEqual(r.status, 0);
  });

  it("computes Vigil's figures from the exposition's families (promtool test rules)", () => {
    const rules = parseRuleSet(
      [
        { name: "ErrorRate", metric: "error_rate", comparator: ">", threshold: 0.15, window: "15m", for: "2m", group_by: ["agent_name"], min_samples: 5, annotations: { summary: "Error rate of {{ $labels.agent_name }} is {{ $value }}, above {{ $threshold }} ({{ $samples }} runs)" } },
        { name: "SuccessLow", metric: "success_rate", comparator: "<", threshold_key: "success_rate_min", window: "15m", for: "2m", group_by: ["agent_name"], min_samples: 5, annotations: { summary: "{{ $labels.agent_name }}: {{ $value }} < {{ $threshold }}" } },
        { name: "P95", metric: "p95_latency_ms", comparator: ">", threshold: 5000, window: "15m", annotations: { summary: "p95 {{ $value }} over {{ $threshold }}, {{ $samples }} runs" } },
        { name: "CostSpike", metric: "total_cost", change: "ratio", comparator: ">", threshold: 2, window: "10m", annotations: { summary: "cost {{ $value }} vs {{ $threshold }}" } },
        { name: "CacheFull", metric: "custom.cache_entries", aggregate: "last", comparator: ">", threshold: 950, window: "1m", annotations: { summary: "{{ $value_raw }} entries" } },
        { name: "StaleGauge", metric: "custom.stale_gauge", aggregate: "last", comparator: ">", threshold: 950, window: "1m" },
        { name: "ToolFail", metric: "tool_error_rate", comparator: ">", threshold: 0.1, window: "10m", group_by: ["agent_name"], min_samples: 10, annotations: { summary: "{{ $labels.agent_name }}: {{ $value }} of {{ $samples }} tool calls failed" } },
        { name: "Degraded", metric: "degradation_rate", comparator: ">", threshold: 0.2, window: "10m", scope: { agent_name: "e" }, annotations: { summary: "{{ $value }} degraded" } },
        { name: "Evictions", metric: "cache_evictions_per_s", comparator: ">", threshold: 10, window: "5m", annotations: { summary: "{{ $value }} evictions/s" } },
        { name: "CacheNear", metric: "cache_entries", comparator: ">", threshold: 950, window: "1m", annotations: { summary: "{{ $value }} entries" } },
        { name: "Memory", metric: "avg_memory_mb", comparator: ">", threshold: 1024, window: "15m", group_by: ["agent_name"], annotations: { summary: "{{ $labels.agent_name }}: {{ $value }}" } },
      ],
      "file",
      "semantic rules",
    );
    const out = exportPrometheusRules(rules, { success_rate_min: 0.8 });
    assert.deepEqual(out.skipped, []);
    writeFileSync(join(work, "semantic.yml"), out.yaml);
    const runs = (agent: string, status: string, values: string) => ({ series: `vigil_runs_total{agent_name="${agent}",status="${status}"}`, values });
    const test = {
      rule_files: ["semantic.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "15s",
          input_series: [
            // a: 2 errors in 11 runs; b: all succeed; c: all fail; d: all fail, but too few runs for min_samples.
            runs("a", "success", "0+9x200"),
            runs("a", "failure", "0+1x200"),
            runs("a", "timeout", "0+1x200"),
            runs("b", "success", "0+10x200"),
            runs("c", "failure", "0+10x200"),
            runs("d", "failure", "0+0.05x200"),
            // Every run between 5 and 10 s: the interpolated p95 is 9.75 s.
            { series: 'vigil_run_duration_seconds_bucket{le="5"}', values: "0+0x200" },
            { series: 'vigil_run_duration_seconds_bucket{le="10"}', values: "0+10x200" },
            { series: 'vigil_run_duration_seconds_bucket{le="+Inf"}', values: "0+10x200" },
            // Cost 1 $/min for 20 minutes, then 3 $/min: at 30m the last 10 minutes cost 3× the 10 before.
            { series: 'vigil_run_cost_usd_total{agent_name="a"}', values: "0+0.25x80 20.75+0.75x119" },
            { series: 'vigil_custom_metric_last{name="cache_entries"}', values: "960+0x200" },
            { series: 'vigil_custom_metric_count{name="cache_entries"}', values: "0+1x200" },
            // A gauge still exposed but not reported for 20 minutes has no value in a 1m window.
            { series: 'vigil_custom_metric_last{name="stale_gauge"}', values: "999+0x200" },
            { series: 'vigil_custom_metric_count{name="stale_gauge"}', values: "0+1x40 40+0x160" },
            // Tools: a fails 2 calls in 11; b never fails.
            { series: 'vigil_tool_calls_total{tool="web_search",agent_name="a",status="success"}', values: "0+9x200" },
            { series: 'vigil_tool_calls_total{tool="web_search",agent_name="a",status="failure"}', values: "0+2x200" },
            { series: 'vigil_tool_calls_total{tool="calculator",agent_name="b",status="success"}', values: "0+10x200" },
            // e: 20 runs per step, 2 partial and 4 successes flagged degraded: 30% of its runs are degraded.
            runs("e", "success", "0+18x200"),
            runs("e", "partial", "0+2x200"),
            { series: 'vigil_run_degraded_total{agent_name="e"}', values: "0+4x200" },
            // 240 evictions per 15 s: 16 per second.
            { series: 'vigil_cache_operations_total{cache="answers",mode="1",operation="evict"}', values: "0+240x200" },
            { series: 'vigil_cache_operations_total{cache="answers",mode="1",operation="hit"}', values: "0+100x200" },
            { series: 'vigil_cache_operations_total{cache="small",operation="miss"}', values: "0+1x200" },
            // "stale" still exposes 999 entries but has had no operation: it is not heard from.
            { series: 'vigil_cache_entries{cache="answers"}', values: "960+0x200" },
            { series: 'vigil_cache_entries{cache="small"}', values: "10+0x200" },
            { series: 'vigil_cache_entries{cache="stale"}', values: "999+0x200" },
            // a: 2048 MB per run; b: 512 MB.
            { series: 'vigil_run_memory_bytes_sum{agent_name="a"}', values: `0+${10 * 2048 * 1048576}x200` },
            { series: 'vigil_run_memory_bytes_count{agent_name="a"}', values: "0+10x200" },
            { series: 'vigil_run_memory_bytes_sum{agent_name="b"}', values: `0+${10 * 512 * 1048576}x200` },
            { series: 'vigil_run_memory_bytes_count{agent_name="b"}', values: "0+10x200" },
          ],
          alert_rule_test: [
            {
              eval_time: "30m",
              alertname: "ErrorRate",
              exp_alerts: [
                { exp_labels: { severity: "warning", agent_name: "a" }, exp_annotations: { summary: "Error rate of a is 18.18%, above 15% (660 runs)" } },
                { exp_labels: { severity: "warning", agent_name: "c" }, exp_annotations: { summary: "Error rate of c is 100%, above 15% (600 runs)" } },
              ],
            },
            { eval_time: "30m", alertname: "SuccessLow", exp_alerts: [{ exp_labels: { severity: "warning", agent_name: "c" }, exp_annotations: { summary: "c: 0% < 80%" } }] },
            { eval_time: "30m", alertname: "P95", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "p95 9750 ms over 5 s, 3063 runs" } }] },
            { eval_time: "30m", alertname: "CostSpike", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "cost 3.00× vs 2×" } }] },
            { eval_time: "15m", alertname: "CostSpike", exp_alerts: [] },
            { eval_time: "30m", alertname: "CacheFull", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "960 entries" } }] },
            { eval_time: "5m", alertname: "StaleGauge", exp_alerts: [{ exp_labels: { severity: "warning" } }] },
            { eval_time: "30m", alertname: "StaleGauge", exp_alerts: [] },
            { eval_time: "30m", alertname: "ToolFail", exp_alerts: [{ exp_labels: { severity: "warning", agent_name: "a" }, exp_annotations: { summary: "a: 18.18% of 440 tool calls failed" } }] },
            { eval_time: "30m", alertname: "Degraded", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "30% degraded" } }] },
            { eval_time: "30m", alertname: "Evictions", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "16.00 evictions/s" } }] },
            { eval_time: "30m", alertname: "CacheNear", exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: { summary: "960 entries" } }] },
            { eval_time: "30m", alertname: "Memory", exp_alerts: [{ exp_labels: { severity: "warning", agent_name: "a" }, exp_annotations: { summary: "a: 2048 MB" } }] },
          ],
        },
      ],
    };
    const file = join(work, "semantic.test.yml");
    writeFileSync(file, stringify(test));
    const r = runPromtool(PROMTOOL, ["test", "rules", file]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}\n${out.yaml}`);
  });
});
