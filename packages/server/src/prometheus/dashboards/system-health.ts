/** Seed 004's dashboard 4, "System Health": Vigil's own state and the health of tools, retrieval and agents (refresh 10 s). */
import { dashboard } from "./dashboard.js";
import type { GrafanaDashboard } from "./grafana.js";
import { bargauge, piechart, stat, steps, table, timeseries } from "./panels.js";
import { RANGE, RATE, mean, named, ratio } from "./promql.js";

const calls = (metric: string, by: string, matchers = "") => `sum${by ? ` by (${by}) ` : ""}(rate(${metric}${matchers}[${RATE}]))`;
const successRate = (metric: string, by = "") => ratio(calls(metric, by, `{status="success"}`), calls(metric, by));

/** The System Health dashboard (10 panels, seed order). */
export function systemHealth(): GrafanaDashboard {
  return dashboard({
    uid: "vigil-system-health",
    title: "Vigil / System Health",
    description: "Vigil's own health (build, storage pool, connections, uptime) and that of what the agents depend on: errors, quality, warnings, tools, retrieval (seed 004, dashboard 4).",
    refresh: "10s",
    panels: [
      table({
        title: "Build information",
        description: "Version, Node.js version and storage engine of each scraped Vigil instance (vigil_build_info).",
        w: 8, h: 8,
        labels: { instance: "Instance", version: "Version", node_version: "Node.js", storage: "Storage" },
        hideValues: true,
        columns: [{ name: "Info", unit: "short", expr: "max by (instance, version, node_version, storage) (vigil_build_info)" }],
      }),
      timeseries({
        title: "Connection pool status",
        description: "Storage pool connections by state (active, idle, waiting) against the pool's maximum, summed over instances (vigil_storage_pool_connections, vigil_storage_pool_max_connections).",
        w: 8, h: 8, unit: "short",
        queries: [
          { expr: "sum by (state) (vigil_storage_pool_connections)", legend: "{{state}}" },
          { expr: "sum(vigil_storage_pool_max_connections)", legend: "max" },
        ],
      }),
      timeseries({
        title: "Active connections",
        description: "Open HTTP connections to each Vigil instance (vigil_http_open_connections).",
        w: 8, h: 8, unit: "short",
        queries: [{ expr: "sum by (instance) (vigil_http_open_connections)", legend: "{{instance}}" }],
      }),
      piechart({
        title: "Error types distribution",
        description: "Failed and timed-out runs in the selected time range by error_type (the status when the run gave none) (vigil_run_errors_total).",
        w: 8, h: 8, unit: "short", decimals: 0,
        queries: [{ expr: `sum by (error_type) (increase(vigil_run_errors_total[${RANGE}]))`, legend: "{{error_type}}" }],
      }),
      timeseries({
        title: "Quality score trend",
        description: "Mean quality_score of the runs that report one: rate of vigil_run_quality_score_sum over its _count. The dashed line is the Low Quality Score alert level (0.8).",
        w: 8, h: 8, unit: "short", decimals: 2, min: 0, max: 1, thresholdStyle: "dashed",
        thresholds: steps("red", [0.8, "green"]),
        queries: [{ expr: mean(`sum(rate(vigil_run_quality_score_sum[${RATE}]))`, `sum(rate(vigil_run_quality_score_count[${RATE}]))`), legend: "mean quality" }],
      }),
      timeseries({
        title: "Warnings rate",
        description: "Warnings raised by runs per second, by warning type (each entry of a run's warnings list counts once).",
        w: 8, h: 8, unit: "short", stack: true, axisLabel: "warnings/s",
        queries: [{ expr: `sum by (type) (rate(vigil_run_warnings_total[${RATE}]))`, legend: "{{type}}" }],
      }),
      timeseries({
        title: "Tool success rate",
        description: "Share of tool calls with status success, overall and per tool (tool_call events). The dashed line is the Tool Failure Rate High alert level (90% success).",
        w: 8, h: 8, unit: "percentunit", min: 0, max: 1, thresholdStyle: "dashed",
        thresholds: steps("red", [0.9, "green"]),
        queries: [
          { expr: successRate("vigil_tool_calls_total"), legend: "all tools" },
          { expr: successRate("vigil_tool_calls_total", "tool"), legend: "{{tool}}" },
        ],
      }),
      timeseries({
        title: "RAG success rate",
        description: "Share of retrievals with status success, overall and per source (retrieval events; no source shows as (none)). The dashed line is the RAG Failure Rate High alert level (95% success).",
        w: 8, h: 8, unit: "percentunit", min: 0, max: 1, thresholdStyle: "dashed",
        thresholds: steps("red", [0.95, "green"]),
        queries: [
          { expr: successRate("vigil_retrievals_total"), legend: "all sources" },
          { expr: named(successRate("vigil_retrievals_total", "source"), "source"), legend: "{{source}}" },
        ],
      }),
      bargauge({
        title: "Agent usage",
        description: "Runs per agent in the selected time range, most used first (vigil_runs_total).",
        w: 8, h: 8, unit: "short", decimals: 0,
        queries: [{ expr: `sort_desc(sum by (agent_name) (increase(vigil_runs_total[${RANGE}])))`, legend: "{{agent_name}}" }],
      }),
      stat({
        title: "System uptime",
        description: "Time since each Vigil instance started (vigil_uptime_seconds).",
        w: 24, h: 4, unit: "s", decimals: 1, textMode: "value_and_name",
        queries: [{ expr: "max by (instance) (vigil_uptime_seconds)", legend: "{{instance}}" }],
      }),
    ],
  });
}
