import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { DEFAULT_THRESHOLDS } from "../thresholds.js";
import { defaultRules } from "./default-rules.js";
import { toGoTemplate } from "./go-template.js";
import { exportPrometheusRules, ruleExpression } from "./prometheus-rules.js";
import { validateRule } from "./rule.js";
import type { AlertRule } from "./types.js";

function rule(over: Record<string, unknown> = {}): AlertRule {
  const { rule: r, problems } = validateRule({ name: "R", metric: "error_rate", comparator: ">", threshold: 0.1, window: "5m", ...over }, "", "file");
  assert.deepEqual(problems, []);
  return r!;
}

const exprOf = (over: Record<string, unknown>, threshold = 0.1): string => {
  const e = ruleExpression(rule(over), threshold);
  assert.ok("expr" in e, JSON.stringify(e));
  return e.expr;
};

describe("ruleExpression", () => {
  it("writes error_rate as a share of vigil_runs_total, grouped and scoped, zero rather than absent without errors", () => {
    assert.equal(
      exprOf({ group_by: ["agent_name"], scope: { route: "plan" } }),
      '((sum by (agent_name) (rate(vigil_runs_total{status=~"failure|timeout", route="plan"}[5m])) or sum by (agent_name) (rate(vigil_runs_total{route="plan"}[5m])) * 0) / (sum by (agent_name) (rate(vigil_runs_total{route="plan"}[5m])) > 0)) > 0.1',
    );
  });

  it("writes success_rate over all groups with sum() when there is no group_by", () => {
    assert.equal(exprOf({ metric: "success_rate", comparator: "<", window: "15m" }, 0.8), '((sum(rate(vigil_runs_total{status="success"}[15m])) or sum(rate(vigil_runs_total[15m])) * 0) / (sum(rate(vigil_runs_total[15m])) > 0)) < 0.8');
  });

  it("writes latency quantiles from the histogram in milliseconds, so thresholds stay in ms", () => {
    assert.equal(exprOf({ metric: "p95_latency_ms", group_by: ["model"] }, 5000), "(histogram_quantile(0.95, sum by (le, model) (rate(vigil_run_duration_seconds_bucket[5m]))) * 1000) > 5000");
    assert.equal(exprOf({ metric: "avg_latency_ms" }, 800), "(sum(rate(vigil_run_duration_seconds_sum[5m])) / (sum(rate(vigil_run_duration_seconds_count[5m])) > 0) * 1000) > 800");
  });

  it("writes costs as increases, daily projections as rate × 86400", () => {
    assert.equal(exprOf({ metric: "total_cost" }, 2), "(sum(increase(vigil_run_cost_usd_total[5m]))) > 2");
    assert.equal(exprOf({ metric: "projected_daily_cost", window: "1h" }, 100), "(sum(rate(vigil_run_cost_usd_total[1h])) * 86400) > 100");
  });

  it("compares against the previous window with offset for change functions", () => {
    const cur = "sum(increase(vigil_run_cost_usd_total[10m]))";
    const prev = "sum(increase(vigil_run_cost_usd_total[10m] offset 10m))";
    assert.equal(exprOf({ metric: "total_cost", window: "10m", change: "ratio" }, 2), `((${cur}) / ((${prev}) != 0)) > 2`);
    assert.equal(exprOf({ metric: "total_cost", window: "10m", change: "delta" }, 2), `((${cur}) - (${prev})) > 2`);
    assert.equal(exprOf({ metric: "total_cost", window: "10m", change: "percent" }, 50), `(((${cur}) - (${prev})) / ((${prev}) != 0) * 100) > 50`);
  });

  it("adds min_samples as a condition on the group's sample counter, and only when above 1", () => {
    assert.ok(exprOf({ group_by: ["agent_name", "model"], min_samples: 5 }).endsWith(" and on(agent_name, model) (sum by (agent_name, model) (increase(vigil_runs_total[5m])) >= 5)"));
    assert.ok(exprOf({ metric: "avg_accuracy", min_samples: 10, comparator: "<" }, 0.7).endsWith(" and on() (sum(increase(vigil_outcome_accuracy_count[5m])) >= 10)"));
    assert.ok(!exprOf({ min_samples: 1 }).includes(" and "));
    assert.ok(!exprOf({ metric: "total_tasks", min_samples: 50 }, 10).includes(" and "), "a count has no sample threshold");
  });

  it("writes custom metric aggregates over the custom families", () => {
    assert.equal(exprOf({ metric: "custom.tool_error", aggregate: "avg" }), '(sum(increase(vigil_custom_metric_sum{name="tool_error"}[5m])) / (sum(increase(vigil_custom_metric_count{name="tool_error"}[5m])) > 0)) > 0.1');
    assert.equal(exprOf({ metric: "custom.evictions", aggregate: "rate" }, 10), '(sum(rate(vigil_custom_metric_sum{name="evictions"}[5m]))) > 10');
    assert.equal(exprOf({ metric: "custom.entries", aggregate: "last", window: "1m" }, 950), '(max(vigil_custom_metric_last{name="entries"}) and on() (sum(increase(vigil_custom_metric_count{name="entries"}[1m])) > 0)) > 950');
  });

  it("escapes scope values as PromQL strings", () => {
    assert.ok(exprOf({ scope: { agent_name: 'a"b\\c' } }).includes('agent_name="a\\"b\\\\c"'));
  });

  it("gives the reason when a rule cannot be written", () => {
    assert.match((ruleExpression(rule({ metric: "max_memory_mb" }), 1) as { reason: string }).reason, /max_memory_mb.*no family/);
    assert.match((ruleExpression(rule({ metric: "custom.q", aggregate: "max" }), 1) as { reason: string }).reason, /aggregate "max"/);
    assert.match((ruleExpression(rule({ metric: "llm_error_rate", group_by: ["agent_name"] }), 1) as { reason: string }).reason, /vigil_llm_calls_total has no agent_name label/);
  });

  it("skips a rule grouped or scoped by a label its family lacks, naming the family and the label", () => {
    const reason = (over: Record<string, unknown>) => (ruleExpression(rule(over), 1) as { reason?: string }).reason;
    assert.equal(reason({ metric: "p95_latency_ms", group_by: ["tenant_id"] }), "vigil_run_duration_seconds has no tenant_id label (it carries agent_name, model, route, mode, query_class, component, service, endpoint), and no vigil_tenant_* family has p95_latency_ms");
    assert.equal(reason({ metric: "error_rate", group_by: ["agent_name", "tenant_id"] }), "vigil_runs_total has no tenant_id label (it carries agent_name, model, route, mode, query_class, component, service, endpoint), and vigil_tenant_runs_total carries only tenant_id");
    assert.equal(reason({ metric: "tool_error_rate", scope: { model: "gpt-4o" } }), "vigil_tool_calls_total has no model label (it carries agent_name, mode)");
    assert.equal(reason({ metric: "cache_entries", group_by: ["mode"] }), "vigil_cache_entries has no mode label (it carries no dimensions)");
    assert.match(reason({ metric: "llm_p95_latency_ms", scope: { tenant_id: "acme" } })!, /vigil_llm_call_duration_seconds has no tenant_id label/);
  });

  it("groups and scopes run and LLM figures by query_class, component, service and endpoint, which their families carry", () => {
    assert.match(exprOf({ group_by: ["query_class"] }), /^\(\(sum by \(query_class\) \(rate\(vigil_runs_total\{status=~"failure\|timeout"\}\[5m\]\)\)/);
    assert.equal(exprOf({ metric: "llm_p95_latency_ms", scope: { endpoint: "POST /v1/answer" }, group_by: ["component", "service"] }, 1), '(histogram_quantile(0.95, sum by (le, component, service) (rate(vigil_llm_call_duration_seconds_bucket{endpoint="POST /v1/answer"}[5m]))) * 1000) > 1');
  });

  it("reads tenant figures from the tenant families when a rule names only tenant_id", () => {
    assert.equal(
      exprOf({ group_by: ["tenant_id"] }),
      '((sum by (tenant_id) (rate(vigil_tenant_runs_total{status=~"failure|timeout"}[5m])) or sum by (tenant_id) (rate(vigil_tenant_runs_total[5m])) * 0) / (sum by (tenant_id) (rate(vigil_tenant_runs_total[5m])) > 0)) > 0.1',
    );
    assert.equal(exprOf({ metric: "total_cost", scope: { tenant_id: "acme" } }, 5), '(sum(increase(vigil_tenant_cost_usd_total{tenant_id="acme"}[5m]))) > 5');
    assert.equal(exprOf({ metric: "llm_cost", group_by: ["tenant_id"], min_samples: 3 }, 5), "(sum by (tenant_id) (increase(vigil_tenant_llm_cost_usd_total[5m]))) > 5 and on(tenant_id) (sum by (tenant_id) (increase(vigil_tenant_llm_calls_total[5m])) >= 3)");
  });

  it("groups LLM figures by mode, and reads the cached share from the cached label", () => {
    assert.equal(exprOf({ metric: "llm_avg_ttft_ms", group_by: ["mode"] }, 800), "(sum by (mode) (rate(vigil_llm_time_to_first_token_seconds_sum[5m])) / (sum by (mode) (rate(vigil_llm_time_to_first_token_seconds_count[5m])) > 0) * 1000) > 800");
    assert.equal(exprOf({ metric: "llm_cache_hit_rate", comparator: "<" }, 0.3), '((sum(rate(vigil_llm_calls_total{cached="true"}[5m])) or sum(rate(vigil_llm_calls_total[5m])) * 0) / (sum(rate(vigil_llm_calls_total[5m])) > 0)) < 0.3');
  });

  it("writes memory from the bytes summary in MB", () => {
    assert.equal(exprOf({ metric: "avg_memory_mb", group_by: ["agent_name"] }, 1024), "(sum by (agent_name) (rate(vigil_run_memory_bytes_sum[5m])) / (sum by (agent_name) (rate(vigil_run_memory_bytes_count[5m])) > 0) / 1048576) > 1024");
  });

  it("writes tool and retrieval failure rates as shares of their call counters", () => {
    assert.equal(exprOf({ metric: "tool_error_rate", group_by: ["agent_name"], min_samples: 10 }), '((sum by (agent_name) (rate(vigil_tool_calls_total{status="failure"}[5m])) or sum by (agent_name) (rate(vigil_tool_calls_total[5m])) * 0) / (sum by (agent_name) (rate(vigil_tool_calls_total[5m])) > 0)) > 0.1 and on(agent_name) (sum by (agent_name) (increase(vigil_tool_calls_total[5m])) >= 10)');
    assert.equal(exprOf({ metric: "retrieval_error_rate" }, 0.05), '((sum(rate(vigil_retrievals_total{status="failure"}[5m])) or sum(rate(vigil_retrievals_total[5m])) * 0) / (sum(rate(vigil_retrievals_total[5m])) > 0)) > 0.05');
    assert.equal(exprOf({ metric: "tool_avg_latency_ms" }, 500), "(sum(rate(vigil_tool_call_duration_seconds_sum[5m])) / (sum(rate(vigil_tool_call_duration_seconds_count[5m])) > 0) * 1000) > 500");
  });

  it("writes the degradation rate as degraded plus partial runs over all runs, capped at 1", () => {
    const all = "sum(rate(vigil_runs_total[10m]))";
    assert.equal(exprOf({ metric: "degradation_rate", window: "10m" }, 0.2), `(clamp_max(((sum(rate(vigil_run_degraded_total[10m])) or ${all} * 0) + (sum(rate(vigil_runs_total{status="partial"}[10m])) or ${all} * 0)) / (${all} > 0), 1)) > 0.2`);
  });

  it("writes cache evictions per second from the operations counter and cache entries from the gauge of caches heard from", () => {
    assert.equal(exprOf({ metric: "cache_evictions_per_s" }, 10), '((sum(rate(vigil_cache_operations_total{operation="evict"}[5m])) or sum(rate(vigil_cache_operations_total[5m])) * 0)) > 10');
    assert.equal(exprOf({ metric: "cache_entries", window: "1m" }, 950), "(max(vigil_cache_entries and on(cache) (sum by (cache) (increase(vigil_cache_operations_total[1m])) > 0))) > 950");
    assert.equal(exprOf({ metric: "cache_lookup_hit_rate", min_samples: 20 }, 0.4).split(" and on() ")[1], '(sum(increase(vigil_cache_operations_total{operation=~"hit|miss"}[5m])) >= 20)');
  });
});

describe("toGoTemplate", () => {
  it("keeps $value and $labels as variables in the metric's unit and writes the rest as literals", () => {
    const r = rule({ name: "HighErrorRate", window: "15m" });
    assert.equal(toGoTemplate("{{ $rule }}: {{ $labels.agent_name }} {{ $metric }} is {{ $value }} ({{$value_raw}}) > {{ $threshold }} over {{ $window }}", r, 0.05), "HighErrorRate: {{ $labels.agent_name }} error_rate is {{ $value | humanizePercentage }} ({{ $value }}) > 5% over 15m");
    assert.equal(toGoTemplate("{{ $value }} / {{ $threshold }}", rule({ metric: "p95_latency_ms" }), 5000), '{{ printf "%.0f" $value }} ms / 5 s');
    assert.equal(toGoTemplate("{{ $value }}", rule({ metric: "cost_per_task" }), 1), '${{ printf "%.2f" $value }}');
    assert.equal(toGoTemplate("{{ $value }} vs {{ $threshold }}", rule({ metric: "total_cost", change: "ratio" }), 2), '{{ printf "%.2f" $value }}× vs 2×');
  });

  it("quotes a literal that would read as a template action", () => {
    assert.equal(toGoTemplate("{{ $metric }}", rule({ metric: "custom.{{x}}", aggregate: "sum" }), 1), '{{ "custom.{{x}}" }}');
  });
});

describe("exportPrometheusRules", () => {
  it("exports every shipped rule but the anomaly rules, reading the families of the new events", () => {
    const out = exportPrometheusRules(defaultRules(), { ...DEFAULT_THRESHOLDS });
    const anomalies = defaultRules().filter((r) => r.anomaly);
    assert.deepEqual(out.skipped.map((s) => s.rule), anomalies.map((r) => r.name));
    for (const s of out.skipped) assert.match(s.reason, /anomaly rule .* PromQL has no equivalent/);
    for (const r of anomalies) assert.ok(out.yaml.includes(`# skipped ${r.name}: an anomaly rule`), "said in the file");
    const doc = parse(out.yaml) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const byName = new Map(doc.groups[0]!.rules.map((r) => [r.alert, r.expr]));
    assert.equal(byName.size, defaultRules().length - anomalies.length);
    assert.match(byName.get("ToolFailureRateHigh")!, /vigil_tool_calls_total\{status="failure"\}/);
    assert.match(byName.get("RagFailureRateHigh")!, /vigil_retrievals_total\{status="failure"\}/);
    assert.match(byName.get("HighDegradationRate")!, /vigil_run_degraded_total/);
    assert.match(byName.get("HighCacheEvictionRate")!, /vigil_cache_operations_total\{operation="evict"\}/);
    assert.match(byName.get("CacheNearCapacity")!, /^\(max\(vigil_cache_entries and on\(cache\)/);
    assert.match(byName.get("AgentMemoryHigh")!, /vigil_run_memory_bytes_sum/);
    assert.ok(![...byName.values()].some((e) => e.includes("vigil_custom_metric")), "no shipped rule reads custom metrics any more");
  });

  it("leaves out a forecast rule, saying why, and exports its plain threshold twin", () => {
    const out = exportPrometheusRules([rule({ name: "CostSoon", metric: "projected_daily_cost", threshold: 100, forecast: { within: "2h" } }), rule({ name: "CostNow", metric: "projected_daily_cost", threshold: 100 })], {});
    assert.deepEqual(out.skipped.map((s) => s.rule), ["CostSoon"]);
    assert.match(out.skipped[0]!.reason, /forecast rule .* predict_linear/);
    assert.ok(out.yaml.includes("alert: 'CostNow'") && !out.yaml.includes("alert: 'CostSoon'"));
  });

  it("writes a rules file Prometheus' YAML reader sees as the rules given", () => {
    const rules = [
      rule({ name: "Odd-name.x:1", for: "5m", keep_firing_for: "1m30s", severity: "critical", labels: { team: "ml", on: "yes" }, annotations: { summary: "It's {{ $value }}", "no": "x" } }),
      rule({ name: "Plain", scope: { agent_name: 'we"ird\\' } }),
    ];
    const out = exportPrometheusRules(rules, {});
    assert.deepEqual(out.skipped, []);
    const doc = parse(out.yaml, { version: "1.1" }) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
    assert.equal(doc.groups.length, 1);
    assert.equal(doc.groups[0]!.name, "vigil");
    const [a, b] = doc.groups[0]!.rules;
    assert.deepEqual(a, {
      alert: "Odd-name.x:1",
      expr: (ruleExpression(rules[0]!, 0.1) as { expr: string }).expr,
      for: "5m",
      keep_firing_for: "1m30s",
      labels: { team: "ml", on: "yes", severity: "critical" },
      annotations: { summary: "It's {{ $value | humanizePercentage }}", no: "x" },
    });
    assert.equal(b!.for, undefined, "for: 0 is left out");
    assert.equal(b!.keep_firing_for, undefined);
    assert.ok(String(b!.expr).includes('agent_name="we\\"ird\\\\"'));
  });

  it("takes thresholds of threshold_key rules from the map, and skips those it lacks", () => {
    const out = exportPrometheusRules([rule({ name: "A", threshold: undefined, threshold_key: "error_rate_max" }), rule({ name: "B", threshold: undefined, threshold_key: "accuracy_min", metric: "avg_accuracy" })], { error_rate_max: 0.15 });
    const doc = parse(out.yaml) as { groups: { rules: { alert: string; expr: string }[] }[] };
    assert.deepEqual(doc.groups[0]!.rules.map((r) => r.alert), ["A"]);
    assert.ok(doc.groups[0]!.rules[0]!.expr.includes(") > 0.15"));
    assert.deepEqual(out.skipped, [{ rule: "B", reason: 'threshold_key "accuracy_min" has no value in the thresholds given' }]);
    assert.ok(out.notes.some((n) => n.rule === "A" && /global threshold/.test(n.note)));
  });

  it("skips disabled and unmappable rules with a reason, listing them in the file too", () => {
    const out = exportPrometheusRules([rule({ name: "Off", enabled: false }), rule({ name: "Mem", metric: "max_memory_mb" })], {});
    assert.deepEqual(out.skipped.map((s) => s.rule), ["Off", "Mem"]);
    assert.equal(out.skipped[0]!.reason, "the rule is disabled");
    assert.match(out.yaml, /^# skipped Mem: /m);
    assert.deepEqual((parse(out.yaml) as { groups: { rules: unknown[] }[] }).groups[0]!.rules, []);
  });

  it("notes where Prometheus behaves differently: no_data and per-run means", () => {
    const out = exportPrometheusRules([rule({ name: "K", no_data: "keep_state" }), rule({ name: "C", metric: "cost_per_task" })], {});
    assert.match(out.notes.find((n) => n.rule === "K")!.note, /keep_state/);
    assert.match(out.notes.find((n) => n.rule === "C")!.note, /divides by every run/);
  });

  it("fills $samples with a query of the alert's own group", () => {
    const out = exportPrometheusRules([rule({ group_by: ["agent_name"], scope: { route: "100%" }, annotations: { d: "{{ $samples }} runs" } })], {});
    const doc = parse(out.yaml) as { groups: { rules: { annotations: Record<string, string> }[] }[] };
    assert.equal(doc.groups[0]!.rules[0]!.annotations.d, '{{ with printf "sum(increase(vigil_runs_total{route=\\"100%%\\", agent_name=%q}[5m]))" $labels.agent_name | query }}{{ . | first | value | printf "%.0f" }}{{ end }} runs');
  });
});
