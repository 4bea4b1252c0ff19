/**
 * One scenario's server for the verdict-agreement suite: a real in-process Vigil on SQLite whose
 * alert rules and routes evaluate every second, the shipped per-agent rules redefined with
 * `for: 0s` (same metric, comparator, threshold key and grouping; window 15m), and a barrier that waits until
 * both evaluations have run on everything sent so far.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { tempDir } from "./helpers.js";
import { waitFor } from "./pg-support.js";

/** The shipped per-agent rule that judges each run-based threshold key (docs/alerting.md, "The default rule pack"). */
export const RULE_OF_KEY: Readonly<Record<string, string>> = {
  success_rate_min: "AgentSuccessRateLow",
  error_rate_max: "AgentErrorRateHigh",
  latency_p95_max_ms: "AgentLatencyP95High",
  cost_per_task_max: "AgentCostPerTaskHigh",
  accuracy_min: "AgentAccuracyLow",
  memory_mb_max: "AgentMemoryHigh",
  tokens_per_task_max: "AgentTokensPerTaskHigh",
};
export const KEY_OF_RULE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(RULE_OF_KEY).map(([k, r]) => [r, k]));

const RULES: [name: string, metric: string, comparator: string, key: string, severity: string][] = [
  ["AgentSuccessRateLow", "success_rate", "<", "success_rate_min", "critical"],
  ["AgentErrorRateHigh", "error_rate", ">", "error_rate_max", "warning"],
  ["AgentLatencyP95High", "p95_latency_ms", ">", "latency_p95_max_ms", "warning"],
  ["AgentCostPerTaskHigh", "cost_per_task", ">", "cost_per_task_max", "warning"],
  // Shipped with a 1h window; here 15m, the report's window, so both judge the same outcomes.
  ["AgentAccuracyLow", "avg_accuracy", "<", "accuracy_min", "critical"],
  ["AgentMemoryHigh", "avg_memory_mb", ">", "memory_mb_max", "critical"],
  ["AgentTokensPerTaskHigh", "tokens_per_task", ">", "tokens_per_task_max", "warning"],
];

/** The shipped per-agent rules with `for: 0s`; no `min_samples`, so the threshold model's minimum applies. */
export function fastAgentRules(): string {
  const rule = ([name, metric, comparator, key, severity]: (typeof RULES)[number]) =>
    `  - { name: ${name}, metric: ${metric}, comparator: "${comparator}", threshold_key: ${key}, group_by: [agent_name], window: 15m, for: 0s, severity: ${severity}, labels: { pack: seed-003, category: agent } }\n`;
  return `rules:\n${RULES.map(rule).join("")}`;
}

/** A started server and how to talk to it. */
export interface World {
  server: RunningServer;
  url: string;
  /** Sends to an API path (`report?window=15m`); the answer must be 2xx. */
  api: (path: string, init?: { method?: string; body?: unknown }) => Promise<any>;
  /** Resolves once alert and route evaluation have each started twice after the call. */
  evaluated: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Starts a fresh server (its own data directory) with fast evaluation and the fast per-agent rules. */
export async function startWorld(): Promise<World> {
  const tmp = tempDir("vigil-verdicts-");
  const config = join(tmp.dir, "vigil.yaml");
  writeFileSync(join(tmp.dir, "rules.yml"), fastAgentRules());
  writeFileSync(config, `alerting:\n  evaluation_interval: 1s\n  rules_file: ${join(tmp.dir, "rules.yml")}\nfailover:\n  evaluation_interval: 1s\n`);
  const server = await startServer(loadConfig({ dataDir: join(tmp.dir, "data"), port: 0, host: "127.0.0.1", config }, {}), false);
  const url = server.url;
  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const r = await fetch(`${url}/api/v1/${path}`, { method: init.method ?? "GET", headers: init.body === undefined ? {} : { "content-type": "application/json" }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await r.text();
    assert.ok(r.ok, `${init.method ?? "GET"} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const runs = async () => {
    const jobs = (await api("health/detailed")).jobs as { name: string; runs: number }[];
    const of = (name: string) => jobs.find((j) => j.name === name)?.runs ?? 0;
    return { alerts: of("alert evaluation"), routes: of("route evaluation") };
  };
  const evaluated = async () => {
    const from = await runs();
    await waitFor(async () => {
      const now = await runs();
      return now.alerts >= from.alerts + 2 && now.routes >= from.routes + 2;
    }, 15_000, "alert and route evaluation to run twice");
  };
  return {
    server,
    url,
    api,
    evaluated,
    stop: async () => {
      await server.close();
      tmp.cleanup();
    },
  };
}

/** Everything the views answer at one moment. */
export interface Snapshot {
  report: any;
  health: any;
  /** Alerts pending, firing or acknowledged (the Alerts page's Open tab and the overview's count). */
  open: { alerts: any[]; total_count: number };
  resolved: any[];
  routes: any[];
  /** `GET /metrics/agents?window=15m` (the Agents page). */
  agents: any[];
  /** `GET /models/:id/health`, by model, and `?route=` by `model@route`. */
  modelHealth: Map<string, any>;
}

/** Reads every view; `models` and `routes` name what the scenario registered. */
export async function snapshot(w: World, models: string[], routes: { route: string; models: string[] }[]): Promise<Snapshot> {
  const [report, health, open, resolved, routeList, agents] = await Promise.all([
    w.api("report?window=15m"),
    w.api("health?window=15m"),
    w.api("alerts?state=pending,firing,acknowledged&limit=1000"),
    w.api("alerts?state=resolved&limit=1000"),
    w.api("routes"),
    w.api("metrics/agents?window=15m&limit=500"),
  ]);
  const modelHealth = new Map<string, any>();
  const asks: [string, string][] = [...models.map((m) => [m, `models/${m}/health`] as [string, string]), ...routes.flatMap((r) => r.models.map((m) => [`${m}@${r.route}`, `models/${m}/health?route=${r.route}`] as [string, string]))];
  await Promise.all(asks.map(async ([k, path]) => modelHealth.set(k, await w.api(path))));
  return { report, health, open, resolved: resolved.alerts, routes: routeList.routes, agents: agents.agents, modelHealth };
}
