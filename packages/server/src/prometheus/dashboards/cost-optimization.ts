/** Seed 004's dashboard 3, "Cost Optimization": spend, where it goes and what caching saves (refresh 1 min). */
import { dashboard } from "./dashboard.js";
import type { GrafanaDashboard } from "./grafana.js";
import { gauge, piechart, stat, steps, table, timeseries } from "./panels.js";
import { RANGE, RATE, named } from "./promql.js";

const over = (metric: string, by = "") => `sum${by ? ` by (${by}) ` : ""}(increase(${metric}[${RANGE}]))`;
const perHour = (metric: string) => `sum(rate(${metric}[${RATE}])) * 3600`;
const topTenants = `topk(10, ${over("vigil_tenant_cost_usd_total", "tenant_id")})`;
const ofTopTenants = (expr: string) => named(`(${expr}) and on (tenant_id) ${topTenants}`, "tenant_id");
const saved = `(${over("vigil_llm_cost_saved_usd_total")} or vector(0))`;
const llmCost = `(${over("vigil_llm_cost_usd_total")} or vector(0))`;

/** The Cost Optimization dashboard (11 panels, seed order). */
export function costOptimization(): GrafanaDashboard {
  return dashboard({
    uid: "vigil-cost-optimization",
    title: "Vigil / Cost Optimization",
    description: "What the agents cost, where the money goes (LLM, tools, retrieval, modes, tenants) and what caches save (seed 004, dashboard 3).",
    refresh: "1m",
    panels: [
      stat({
        title: "Estimated daily cost",
        description: "Run cost per second over the last hour, times 86,400: what a day at the last hour's pace would cost (vigil_run_cost_usd_total). Red from $100, the High Daily Cost alert level.",
        w: 6, h: 8, unit: "currencyUSD", decimals: 2, graph: true, colorMode: "background",
        thresholds: steps("green", [100, "red"]),
        queries: [{ expr: "sum(rate(vigil_run_cost_usd_total[1h])) * 86400", legend: "per day" }],
      }),
      piechart({
        title: "Cost breakdown",
        description: "Spend in the selected time range by kind: LLM calls (llm_call events), tool calls (tool_call events) and RAG retrievals (retrieval events) that report a cost.",
        w: 6, h: 8, unit: "currencyUSD", decimals: 2,
        queries: [
          { expr: over("vigil_llm_cost_usd_total"), legend: "LLM" },
          { expr: over("vigil_tool_cost_usd_total"), legend: "tools" },
          { expr: over("vigil_retrieval_cost_usd_total"), legend: "RAG" },
        ],
      }),
      timeseries({
        title: "LLM API calls (cached vs non-cached)",
        description: "LLM calls per second, split by whether the answer came from a cache (the llm_call event's cached flag; calls that do not say count as not cached).",
        w: 12, h: 8, unit: "reqps", stack: true,
        queries: [
          { expr: `sum(rate(vigil_llm_calls_total{cached="true"}[${RATE}]))`, legend: "cached" },
          { expr: `sum(rate(vigil_llm_calls_total{cached!="true"}[${RATE}]))`, legend: "not cached" },
        ],
      }),
      stat({
        title: "Cost saved via cache",
        description: "What the calls answered from caches would have cost, in the selected time range (vigil_llm_cost_saved_usd_total).",
        w: 6, h: 8, unit: "currencyUSD", decimals: 2,
        queries: [{ expr: over("vigil_llm_cost_saved_usd_total"), legend: "saved", instant: true }],
      }),
      timeseries({
        title: "Token usage (input/output)",
        description: "LLM tokens per second by direction: input, output, and cached_input (prompt tokens served from the provider's prompt cache).",
        w: 6, h: 8, unit: "short", axisLabel: "tokens/s",
        queries: [{ expr: `sum by (direction) (rate(vigil_llm_tokens_total[${RATE}]))`, legend: "{{direction}}" }],
      }),
      timeseries({
        title: "Tool executions",
        description: "Tool calls per second by tool (tool_call events).",
        w: 6, h: 8, unit: "ops", stack: true,
        queries: [{ expr: `sum by (tool) (rate(vigil_tool_calls_total[${RATE}]))`, legend: "{{tool}}" }],
      }),
      timeseries({
        title: "RAG retrievals",
        description: "Retrievals per second by source (retrieval events; no source shows as (none)).",
        w: 6, h: 8, unit: "ops", stack: true,
        queries: [{ expr: named(`sum by (source) (rate(vigil_retrievals_total[${RATE}]))`, "source"), legend: "{{source}}" }],
      }),
      table({
        title: "Cost per mode",
        description: "Run cost, runs, cost per run and LLM call cost by workflow mode in the selected time range; no mode shows as (none).",
        w: 12, h: 9,
        labels: { mode: "Mode" },
        sortBy: "Run cost",
        columns: [
          { name: "Run cost", unit: "currencyUSD", decimals: 2, expr: named(over("vigil_run_cost_usd_total", "mode"), "mode") },
          { name: "Runs", unit: "short", decimals: 0, expr: named(over("vigil_runs_total", "mode"), "mode") },
          { name: "Cost per run", unit: "currencyUSD", decimals: 4, expr: named(`${over("vigil_run_cost_usd_total", "mode")} / (${over("vigil_runs_total", "mode")} > 0)`, "mode") },
          { name: "LLM cost", unit: "currencyUSD", decimals: 2, expr: named(over("vigil_llm_cost_usd_total", "mode"), "mode") },
        ],
      }),
      table({
        title: "Most expensive tenants",
        description: "The ten tenants whose runs cost the most in the selected time range, with their runs, cost per run and LLM call cost (vigil_tenant_* families).",
        w: 12, h: 9,
        labels: { tenant_id: "Tenant" },
        sortBy: "Run cost",
        columns: [
          { name: "Run cost", unit: "currencyUSD", decimals: 2, expr: named(topTenants, "tenant_id") },
          { name: "Runs", unit: "short", decimals: 0, expr: ofTopTenants(over("vigil_tenant_runs_total", "tenant_id")) },
          { name: "Cost per run", unit: "currencyUSD", decimals: 4, expr: ofTopTenants(`${over("vigil_tenant_cost_usd_total", "tenant_id")} / (${over("vigil_tenant_runs_total", "tenant_id")} > 0)`) },
          { name: "LLM cost", unit: "currencyUSD", decimals: 2, expr: ofTopTenants(over("vigil_tenant_llm_cost_usd_total", "tenant_id")) },
        ],
      }),
      timeseries({
        title: "Cost trend",
        description: "Spend per hour at each moment's pace: all runs (run cost), and the LLM calls, tool calls and retrievals that report a cost.",
        w: 18, h: 8, unit: "currencyUSD", axisLabel: "per hour",
        queries: [
          { expr: perHour("vigil_run_cost_usd_total"), legend: "runs" },
          { expr: perHour("vigil_llm_cost_usd_total"), legend: "LLM calls" },
          { expr: perHour("vigil_tool_cost_usd_total"), legend: "tools" },
          { expr: perHour("vigil_retrieval_cost_usd_total"), legend: "RAG" },
        ],
      }),
      gauge({
        title: "Cost savings percentage",
        description: "Cost saved by caches as a share of what LLM calls would have cost without them: saved / (saved + LLM cost), over the selected time range. Green from 60%.",
        w: 6, h: 8, unit: "percentunit", min: 0, max: 1, decimals: 1,
        thresholds: steps("red", [0.3, "yellow"], [0.6, "green"]),
        queries: [{ expr: `${saved} / ((${saved} + ${llmCost}) > 0)`, instant: true }],
      }),
    ],
  });
}
