import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { flowLayout } from "./dashboard.js";
import { buildDashboards, dashboardQueries, type GrafanaDashboard, type GrafanaPanel } from "./index.js";

/**
 * The `/metrics` families with their labels (besides `instance` and `job`, which Prometheus adds),
 * as listed in the exposition brief. Histograms are exposed as `_bucket` (plus `le`), `_sum` and
 * `_count`; summaries as `_sum` and `_count`.
 */
const AGENT = ["agent_name", "model", "route", "mode"];
const LLM = ["model", "provider", "route", "mode"];
const FAMILIES: Record<string, { kind: "plain" | "histogram" | "summary"; labels: string[] }> = {
  vigil_runs_total: { kind: "plain", labels: [...AGENT, "status"] },
  vigil_run_duration_seconds: { kind: "histogram", labels: [...AGENT, "cache"] },
  vigil_run_cost_usd_total: { kind: "plain", labels: AGENT },
  vigil_run_tokens_total: { kind: "plain", labels: [...AGENT, "direction"] },
  vigil_run_cache_lookups_total: { kind: "plain", labels: [...AGENT, "result"] },
  vigil_run_quality_score: { kind: "histogram", labels: AGENT },
  vigil_run_degraded_total: { kind: "plain", labels: AGENT },
  vigil_run_memory_bytes: { kind: "summary", labels: AGENT },
  vigil_run_cpu_seconds_total: { kind: "plain", labels: AGENT },
  vigil_run_retries_total: { kind: "plain", labels: AGENT },
  vigil_outcome_accuracy: { kind: "histogram", labels: AGENT },
  vigil_feedback_satisfaction: { kind: "histogram", labels: AGENT },
  vigil_run_degradations_total: { kind: "plain", labels: ["agent_name", "mode", "reason"] },
  vigil_run_warnings_total: { kind: "plain", labels: ["agent_name", "mode", "type"] },
  vigil_run_errors_total: { kind: "plain", labels: ["agent_name", "error_type"] },
  vigil_llm_calls_total: { kind: "plain", labels: [...LLM, "status", "cached"] },
  vigil_llm_call_duration_seconds: { kind: "histogram", labels: LLM },
  vigil_llm_time_to_first_token_seconds: { kind: "histogram", labels: LLM },
  vigil_llm_tokens_total: { kind: "plain", labels: [...LLM, "direction"] },
  vigil_llm_cost_usd_total: { kind: "plain", labels: LLM },
  vigil_llm_cost_saved_usd_total: { kind: "plain", labels: LLM },
  vigil_tenant_runs_total: { kind: "plain", labels: ["tenant_id", "status"] },
  vigil_tenant_cost_usd_total: { kind: "plain", labels: ["tenant_id"] },
  vigil_tenant_tokens_total: { kind: "plain", labels: ["tenant_id"] },
  vigil_tenant_llm_calls_total: { kind: "plain", labels: ["tenant_id"] },
  vigil_tenant_llm_cost_usd_total: { kind: "plain", labels: ["tenant_id"] },
  vigil_cache_operations_total: { kind: "plain", labels: ["cache", "mode", "operation"] },
  vigil_cache_entry_age_seconds: { kind: "histogram", labels: ["cache", "mode", "operation"] },
  vigil_cache_entries: { kind: "plain", labels: ["cache"] },
  vigil_cache_capacity_entries: { kind: "plain", labels: ["cache"] },
  vigil_cache_memory_bytes: { kind: "plain", labels: ["cache"] },
  vigil_tool_calls_total: { kind: "plain", labels: ["tool", "agent_name", "mode", "status"] },
  vigil_tool_call_duration_seconds: { kind: "histogram", labels: ["tool", "agent_name", "mode"] },
  vigil_tool_cost_usd_total: { kind: "plain", labels: ["tool", "agent_name", "mode"] },
  vigil_retrievals_total: { kind: "plain", labels: ["source", "agent_name", "mode", "status"] },
  vigil_retrieval_duration_seconds: { kind: "histogram", labels: ["source", "agent_name", "mode"] },
  vigil_retrieval_documents_total: { kind: "plain", labels: ["source", "agent_name", "mode"] },
  vigil_retrieval_cost_usd_total: { kind: "plain", labels: ["source", "agent_name", "mode"] },
  vigil_custom_metric: { kind: "summary", labels: ["name"] },
  vigil_custom_metric_last: { kind: "plain", labels: ["name"] },
  vigil_events_ingested_total: { kind: "plain", labels: ["type", "result"] },
  vigil_http_requests_total: { kind: "plain", labels: ["method", "route", "code"] },
  vigil_http_request_duration_seconds: { kind: "histogram", labels: ["method", "route"] },
  vigil_alert_evaluations_total: { kind: "plain", labels: [] },
  vigil_alert_evaluation_failures_total: { kind: "plain", labels: [] },
  vigil_alert_rule_evaluations_total: { kind: "plain", labels: [] },
  vigil_alert_evaluation_duration_seconds: { kind: "histogram", labels: [] },
  vigil_alerts: { kind: "plain", labels: ["state"] },
  vigil_notifications_total: { kind: "plain", labels: ["channel", "result"] },
  vigil_storage_pool_connections: { kind: "plain", labels: ["state"] },
  vigil_storage_pool_max_connections: { kind: "plain", labels: [] },
  vigil_http_open_connections: { kind: "plain", labels: [] },
  vigil_build_info: { kind: "plain", labels: ["version", "node_version", "storage"] },
  vigil_start_time_seconds: { kind: "plain", labels: [] },
  vigil_uptime_seconds: { kind: "plain", labels: [] },
  vigil_exposition_series: { kind: "plain", labels: ["group"] },
  vigil_exposition_series_limit: { kind: "plain", labels: ["group"] },
  vigil_exposition_folded_total: { kind: "plain", labels: ["group"] },
  vigil_rollup_series: { kind: "plain", labels: [] },
  vigil_rollup_series_limit: { kind: "plain", labels: [] },
  vigil_rollup_dimension_values: { kind: "plain", labels: ["dimension"] },
  vigil_rollup_dimension_values_limit: { kind: "plain", labels: [] },
  vigil_rollup_folded_events_total: { kind: "plain", labels: ["cause"] },
};
const TARGET_LABELS = ["instance", "job"];

/** Every series name the exposition writes, with the labels its samples may carry. */
const SERIES = new Map<string, string[]>();
for (const [name, f] of Object.entries(FAMILIES)) {
  const labels = [...f.labels, ...TARGET_LABELS];
  if (f.kind === "plain") SERIES.set(name, labels);
  if (f.kind === "histogram") SERIES.set(`${name}_bucket`, [...labels, "le"]);
  if (f.kind !== "plain") for (const suffix of ["_sum", "_count"]) SERIES.set(`${name}${suffix}`, labels);
}

/** PromQL functions and aggregations the dashboards may call. */
const FUNCTIONS = new Set(["sum", "max", "min", "avg", "count", "topk", "bottomk", "rate", "increase", "irate", "histogram_quantile", "label_replace", "sort_desc", "sort", "vector", "scalar", "clamp_min", "clamp_max"]);
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]);

const SEED: Record<string, { title: string; refresh: string; panels: string[] }> = {
  "vigil-performance-overview": {
    title: "Vigil / Performance Overview",
    refresh: "30s",
    panels: ["Overall request rate", "Average response time", "P95 latency", "P99 latency", "Error rate", "Cache hit rate", "Requests by mode", "Quality score heatmap", "Degraded responses", "Active workflows", "Success rate", "Top tenants"],
  },
  "vigil-cache-performance": {
    title: "Vigil / Cache Performance",
    refresh: "30s",
    panels: ["Cache hit rate over time", "Cache operations breakdown", "Cache size", "Cache memory usage", "Cache entry age histogram", "Hit/miss ratio", "Evictions rate", "Average entry lifetime", "Per-mode cache stats", "Invalidation events"],
  },
  "vigil-cost-optimization": {
    title: "Vigil / Cost Optimization",
    refresh: "1m",
    panels: ["Estimated daily cost", "Cost breakdown", "LLM API calls (cached vs non-cached)", "Cost saved via cache", "Token usage (input/output)", "Tool executions", "RAG retrievals", "Cost per mode", "Most expensive tenants", "Cost trend", "Cost savings percentage"],
  },
  "vigil-system-health": {
    title: "Vigil / System Health",
    refresh: "10s",
    panels: ["Build information", "Connection pool status", "Active connections", "Error types distribution", "Quality score trend", "Warnings rate", "Tool success rate", "RAG success rate", "Agent usage", "System uptime"],
  },
};

const files = buildDashboards();
const dashboards = files.map((f) => f.dashboard);
const all = dashboards.flatMap((d) => dashboardQueries(d).map((q) => ({ ...q, dashboard: d.uid })));
const panel = (uid: string, title: string): GrafanaPanel => {
  const p = dashboards.find((d) => d.uid === uid)?.panels.find((x) => x.title === title);
  assert.ok(p, `${uid} has a panel "${title}"`);
  return p;
};

/** The expression with the contents of its string literals removed (label values may hold any character). */
const withoutStrings = (expr: string) => expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');

/** Index just past the parenthesis closing the one opened at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i + 1;
  }
  return -1;
}

describe("Grafana dashboards of seed 004", () => {
  it("builds the four dashboards in seed order, each exported as <uid>.json", () => {
    assert.deepEqual(dashboards.map((d) => d.uid), Object.keys(SEED));
    for (const f of files) assert.equal(f.file, `${f.dashboard.uid}.json`);
    assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
  });

  it("has the seed's panels, 12/10/11/10, with its titles in its order", () => {
    assert.deepEqual(dashboards.map((d) => d.panels.length), [12, 10, 11, 10]);
    for (const d of dashboards) {
      assert.equal(d.title, SEED[d.uid]!.title);
      assert.deepEqual(d.panels.map((p) => p.title), SEED[d.uid]!.panels);
    }
  });

  it("shares the settings: vigil tag, the seed's refresh, last 6 hours, schema 39, a datasource variable over Prometheus", () => {
    for (const d of dashboards) {
      assert.deepEqual(d.tags, ["vigil"]);
      assert.equal(d.refresh, SEED[d.uid]!.refresh);
      assert.deepEqual(d.time, { from: "now-6h", to: "now" });
      assert.equal(d.schemaVersion, 39);
      assert.equal(d.id, null);
      const v = d.templating.list.find((x) => x.name === "datasource");
      assert.ok(v, `${d.uid} has a datasource variable`);
      assert.equal(v.type, "datasource");
      assert.equal(v.query, "prometheus");
    }
  });

  it("points every panel and every query at the ${datasource} variable", () => {
    const ref = { type: "prometheus", uid: "${datasource}" };
    for (const d of dashboards)
      for (const p of d.panels) {
        assert.deepEqual(p.datasource, ref, `${d.uid} / ${p.title}`);
        for (const t of p.targets) assert.deepEqual(t.datasource, ref, `${d.uid} / ${p.title} / ${t.refId}`);
      }
  });

  it("lays panels out on the 24-column grid without overlap, with unique ids", () => {
    for (const d of dashboards) {
      assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
      const boxes = d.panels.map((p) => ({ title: p.title, ...p.gridPos }));
      for (const b of boxes) {
        assert.ok(b.x >= 0 && b.y >= 0 && b.w >= 1 && b.h >= 1 && b.x + b.w <= 24, `${d.uid} / ${b.title} fits the grid`);
      }
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!;
          const b = boxes[j]!;
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          assert.ok(!overlap, `${d.uid}: "${a.title}" overlaps "${b.title}"`);
        }
      // Reading order follows the seed: each panel starts right of or below the one before.
      for (let i = 1; i < boxes.length; i++) {
        const [a, b] = [boxes[i - 1]!, boxes[i]!];
        assert.ok(b.y > a.y || (b.y === a.y && b.x >= a.x + a.w), `${d.uid}: "${b.title}" comes after "${a.title}"`);
      }
    }
  });

  it("flows panels into a new row when the current one is full and refuses sizes wider than the grid", () => {
    assert.deepEqual(flowLayout([{ w: 12, h: 8 }, { w: 12, h: 4 }, { w: 6, h: 3 }]), [
      { x: 0, y: 0, w: 12, h: 8 },
      { x: 12, y: 0, w: 12, h: 4 },
      { x: 0, y: 8, w: 6, h: 3 },
    ]);
    assert.throws(() => flowLayout([{ w: 25, h: 1 }]), RangeError);
  });

  it("is stable: building twice gives the same JSON, which round-trips", () => {
    const again = buildDashboards();
    assert.equal(JSON.stringify(again), JSON.stringify(files));
    for (const d of dashboards) assert.deepEqual(JSON.parse(JSON.stringify(d)) as GrafanaDashboard, d);
  });

  it("gives every panel at least one query, each with a refId unique in its panel and a non-empty expression", () => {
    for (const d of dashboards)
      for (const p of d.panels) {
        assert.ok(p.targets.length >= 1, `${d.uid} / ${p.title} has a query`);
        assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length);
        for (const t of p.targets) {
          assert.match(t.refId, /^[A-Z]$/);
          assert.ok(t.expr.trim().length > 0);
          assert.equal(t.range, !t.instant);
        }
      }
    assert.equal(all.length, dashboards.reduce((n, d) => n + d.panels.reduce((m, p) => m + p.targets.length, 0), 0));
  });

  it("writes expressions with balanced parentheses, brackets and braces", () => {
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    for (const q of all) {
      const stack: string[] = [];
      for (const ch of withoutStrings(q.expr)) {
        if ("([{".includes(ch)) stack.push(ch);
        else if (ch in pairs) assert.equal(stack.pop(), pairs[ch], `${q.panel} ${q.refId}: unbalanced "${ch}" in ${q.expr}`);
      }
      assert.deepEqual(stack, [], `${q.panel} ${q.refId}: unclosed in ${q.expr}`);
    }
  });

  it("uses Grafana's interval variables only as range selectors, so the expression is valid PromQL once they are substituted", () => {
    for (const q of all) {
      const vars = q.expr.match(/\$\w+/g) ?? [];
      const asRanges = q.expr.match(/\[\$__(rate_interval|interval|range)\]/g) ?? [];
      assert.equal(vars.length, asRanges.length, `${q.panel} ${q.refId}: ${q.expr}`);
    }
  });

  it("references only metric series that /metrics exposes, and only PromQL functions it knows", () => {
    for (const q of all) {
      const text = withoutStrings(q.expr);
      for (const m of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        const word = m[0];
        const next = text.slice(m.index + word.length).trimStart()[0];
        if (word.startsWith("vigil_")) assert.ok(SERIES.has(word), `${q.panel} ${q.refId}: unknown series ${word}`);
        else if (next === "(" && !KEYWORDS.has(word)) assert.ok(FUNCTIONS.has(word), `${q.panel} ${q.refId}: unknown function ${word}`);
      }
    }
  });

  it("matches only on labels the selected series carry", () => {
    for (const q of all)
      for (const m of q.expr.matchAll(/(vigil_\w+)\{([^}]*)\}/g)) {
        const labels = SERIES.get(m[1]!) ?? [];
        for (const matcher of m[2]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)\s*"/g)) assert.ok(labels.includes(matcher[1]!), `${q.panel} ${q.refId}: ${m[1]} has no label ${matcher[1]}`);
      }
  });

  it("aggregates by labels that every series inside the aggregation carries", () => {
    for (const q of all) {
      const text = withoutStrings(q.expr);
      for (const m of text.matchAll(/\b(?:sum|max|min|avg|count)\s+by\s*\(([^)]*)\)\s*\(/g)) {
        const open = m.index + m[0].length - 1;
        const inner = text.slice(open, closing(text, open));
        const series = [...inner.matchAll(/vigil_\w+/g)].map((s) => s[0]);
        assert.ok(series.length > 0, `${q.panel} ${q.refId}: aggregation over no series`);
        for (const label of m[1]!.split(",").map((s) => s.trim()))
          for (const s of series) assert.ok(SERIES.get(s)?.includes(label), `${q.panel} ${q.refId}: ${s} has no label ${label} to aggregate by`);
      }
    }
  });

  it("sets the units the figures are in", () => {
    const units: [string, string, string][] = [
      ["vigil-performance-overview", "Average response time", "s"],
      ["vigil-performance-overview", "P95 latency", "s"],
      ["vigil-performance-overview", "P99 latency", "s"],
      ["vigil-performance-overview", "Error rate", "percentunit"],
      ["vigil-performance-overview", "Cache hit rate", "percentunit"],
      ["vigil-performance-overview", "Success rate", "percentunit"],
      ["vigil-cache-performance", "Cache memory usage", "bytes"],
      ["vigil-cache-performance", "Average entry lifetime", "s"],
      ["vigil-cost-optimization", "Estimated daily cost", "currencyUSD"],
      ["vigil-cost-optimization", "Cost breakdown", "currencyUSD"],
      ["vigil-cost-optimization", "Cost trend", "currencyUSD"],
      ["vigil-cost-optimization", "Cost savings percentage", "percentunit"],
      ["vigil-system-health", "System uptime", "s"],
    ];
    for (const [uid, title, unit] of units) assert.equal(panel(uid, title).fieldConfig.defaults.unit, unit, `${uid} / ${title}`);
  });

  it("marks the seed's alerts as thresholds: error rate above 5%, daily cost above $100", () => {
    const redFrom = (p: GrafanaPanel) => p.fieldConfig.defaults.thresholds.steps.find((s) => s.color === "red")?.value;
    assert.equal(redFrom(panel("vigil-performance-overview", "Error rate")), 0.05);
    assert.equal(redFrom(panel("vigil-cost-optimization", "Estimated daily cost")), 100);
    assert.equal(panel("vigil-cost-optimization", "Estimated daily cost").targets[0]!.expr, "sum(rate(vigil_run_cost_usd_total[1h])) * 86400");
  });

  it("queries tables, pies and bar gauges as instant values and heatmaps as histogram buckets", () => {
    for (const d of dashboards)
      for (const p of d.panels) {
        if (p.type === "table") for (const t of p.targets) assert.ok(t.instant && t.format === "table", `${p.title} ${t.refId}`);
        if (p.type === "piechart" || p.type === "bargauge") for (const t of p.targets) assert.ok(t.instant, `${p.title} ${t.refId}`);
        if (p.type === "heatmap") for (const t of p.targets) assert.ok(t.format === "heatmap" && /_bucket\b/.test(t.expr) && /\bby \(le\)/.test(t.expr), `${p.title} ${t.refId}`);
      }
  });
});
