/** Seed 004's dashboard 1, "Performance Overview": traffic, latency, errors, cache and quality at a glance (refresh 30 s). */
import { dashboard } from "./dashboard.js";
import type { GrafanaDashboard } from "./grafana.js";
import { gauge, heatmap, piechart, stat, steps, table, timeseries } from "./panels.js";
import { RANGE, RATE, mean, named, quantile, ratio } from "./promql.js";

const runs = (matchers = "") => `sum(rate(vigil_runs_total${matchers}[${RATE}]))`;
const runsOver = (matchers = "") => `sum(increase(vigil_runs_total${matchers}[${RANGE}]))`;
const tenantRuns = (matchers = "") => `sum by (tenant_id) (increase(vigil_tenant_runs_total${matchers}[${RANGE}]))`;
const topTenants = `topk(10, ${tenantRuns()})`;

/** The Performance Overview dashboard (12 panels, seed order). */
export function performanceOverview(): GrafanaDashboard {
  return dashboard({
    uid: "vigil-performance-overview",
    title: "Vigil / Performance Overview",
    description: "Executive view of the agents Vigil monitors: request rate, latency, errors, cache, quality and tenants (seed 004, dashboard 1).",
    refresh: "30s",
    panels: [
      timeseries({
        title: "Overall request rate",
        description: "Runs reported to Vigil per second, all agents and statuses (vigil_runs_total).",
        w: 8, h: 8, unit: "reqps",
        queries: [{ expr: runs(), legend: "runs/s" }],
      }),
      timeseries({
        title: "Average response time",
        description: "Mean run duration: rate of vigil_run_duration_seconds_sum over rate of its _count, overall and by the run's cache status (hit, miss, unknown when the run did not say).",
        w: 8, h: 8, unit: "s",
        queries: [
          { expr: mean(`sum(rate(vigil_run_duration_seconds_sum[${RATE}]))`, `sum(rate(vigil_run_duration_seconds_count[${RATE}]))`), legend: "all runs" },
          { expr: mean(`sum by (cache) (rate(vigil_run_duration_seconds_sum[${RATE}]))`, `sum by (cache) (rate(vigil_run_duration_seconds_count[${RATE}]))`), legend: "cache {{cache}}" },
        ],
      }),
      timeseries({
        title: "P95 latency",
        description: "95th percentile of run duration from the vigil_run_duration_seconds histogram (interpolated within buckets), overall and by mode. The dashed line is the High Latency alert level (10 s).",
        w: 8, h: 8, unit: "s", thresholdStyle: "dashed",
        thresholds: steps("green", [10, "red"]),
        queries: [
          { expr: quantile(0.95, "vigil_run_duration_seconds"), legend: "all runs" },
          { expr: named(quantile(0.95, "vigil_run_duration_seconds", ["mode"]), "mode"), legend: "mode {{mode}}" },
        ],
      }),
      timeseries({
        title: "P99 latency",
        description: "99th percentile of run duration from the vigil_run_duration_seconds histogram, overall and by mode. The dashed line is the Very High Latency alert level (30 s).",
        w: 8, h: 8, unit: "s", thresholdStyle: "dashed",
        thresholds: steps("green", [30, "red"]),
        queries: [
          { expr: quantile(0.99, "vigil_run_duration_seconds"), legend: "all runs" },
          { expr: named(quantile(0.99, "vigil_run_duration_seconds", ["mode"]), "mode"), legend: "mode {{mode}}" },
        ],
      }),
      timeseries({
        title: "Error rate",
        description: "Share of runs that ended in failure or timeout. The red band starts at the High Error Rate alert level (5%).",
        w: 8, h: 8, unit: "percentunit", min: 0, thresholdStyle: "line+area",
        thresholds: steps("green", [0.05, "red"]),
        queries: [{ expr: ratio(runs(`{status=~"failure|timeout"}`), runs()), legend: "error rate" }],
      }),
      gauge({
        title: "Cache hit rate",
        description: "Share of the runs that reported cache_hit whose answer came from a cache, over the selected time range (vigil_run_cache_lookups_total). Red below 40% (Low Cache Hit Rate alert), green from 60%.",
        w: 8, h: 8, unit: "percentunit", min: 0, max: 1, decimals: 1,
        thresholds: steps("red", [0.4, "yellow"], [0.6, "green"]),
        queries: [{ expr: ratio(`sum(increase(vigil_run_cache_lookups_total{result="hit"}[${RANGE}]))`, `sum(increase(vigil_run_cache_lookups_total[${RANGE}]))`), instant: true }],
      }),
      piechart({
        title: "Requests by mode",
        description: "Runs in the selected time range by workflow mode; runs without a mode show as (none).",
        w: 8, h: 9, unit: "short", decimals: 0,
        queries: [{ expr: named(`sum by (mode) (increase(vigil_runs_total[${RANGE}]))`, "mode"), legend: "mode {{mode}}" }],
      }),
      heatmap({
        title: "Quality score heatmap",
        description: "How many runs reported each quality score (vigil_run_quality_score buckets, upper bound on the y axis) over time. Only runs that send quality_score count.",
        w: 16, h: 9, unit: "short",
        queries: [{ expr: `sum by (le) (increase(vigil_run_quality_score_bucket[${RATE}]))`, legend: "{{le}}" }],
      }),
      timeseries({
        title: "Degraded responses",
        description: "Share of runs whose answer was degraded (degraded=true), overall and by degradation_reason. The dashed line is the High Degradation Rate alert level (20%).",
        w: 12, h: 8, unit: "percentunit", min: 0, thresholdStyle: "dashed",
        thresholds: steps("green", [0.2, "red"]),
        queries: [
          { expr: ratio(`sum(rate(vigil_run_degraded_total[${RATE}]))`, runs()), legend: "all reasons" },
          { expr: `sum by (reason) (rate(vigil_run_degradations_total[${RATE}])) / on () group_left () (${runs()} > 0)`, legend: "{{reason}}" },
        ],
      }),
      stat({
        title: "Active workflows",
        description: "Average number of runs in flight, by Little's law: run-seconds completed per second (rate of vigil_run_duration_seconds_sum) equals the mean number of concurrent runs. Vigil learns of a run when it ends, so runs still going are not counted until they finish.",
        w: 6, h: 8, unit: "short", decimals: 1, graph: true,
        queries: [{ expr: `sum(rate(vigil_run_duration_seconds_sum[${RATE}]))`, legend: "in flight" }],
      }),
      gauge({
        title: "Success rate",
        description: "Share of runs with status success over the selected time range (partial, failure and timeout are not successes).",
        w: 6, h: 8, unit: "percentunit", min: 0, max: 1, decimals: 1,
        thresholds: steps("red", [0.9, "yellow"], [0.95, "green"]),
        queries: [{ expr: ratio(runsOver(`{status="success"}`), runsOver()), instant: true }],
      }),
      table({
        title: "Top tenants",
        description: "The ten tenants with the most runs in the selected time range, with their error rate and run cost (vigil_tenant_* families). Runs without a tenant_id show as (none).",
        w: 24, h: 9,
        labels: { tenant_id: "Tenant" },
        sortBy: "Runs",
        columns: [
          { name: "Runs", unit: "short", decimals: 0, expr: named(topTenants, "tenant_id") },
          { name: "Error rate", unit: "percentunit", decimals: 1, expr: named(`(${ratio(tenantRuns(`{status=~"failure|timeout"}`), tenantRuns())}) and on (tenant_id) ${topTenants}`, "tenant_id") },
          { name: "Cost", unit: "currencyUSD", decimals: 2, expr: named(`sum by (tenant_id) (increase(vigil_tenant_cost_usd_total[${RANGE}])) and on (tenant_id) ${topTenants}`, "tenant_id") },
        ],
      }),
    ],
  });
}
