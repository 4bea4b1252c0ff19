/**
 * The anomaly-eval workload: `groups` agents sending runs round robin (each with a daily cycle of
 * its own phase in latency, errors and tokens), the anomaly rules watching them and the threshold
 * rules of the peer (the same metrics, the same grouping), and an alert engine over a RollupIndex
 * with an in-memory alert store (this bench measures evaluation CPU, not the store's writes).
 */
import type { AlertRule } from "../../packages/server/dist/core/alerting/types.js";
import type { Observation } from "../../packages/server/dist/core/alerting/evaluator.js";
import { initialThresholds } from "../../packages/server/dist/core/alerting/threshold-settings.js";
import type { RollupIndex } from "../../packages/server/dist/core/rollup-index.js";
import { AlertEngine } from "../../packages/server/dist/services/alert-engine.js";
import { RuleBook } from "../../packages/server/dist/services/rule-book.js";
import { fixedThresholds } from "../../packages/server/dist/services/threshold-service.js";
import { MemoryAlertStore, quietLog } from "./alert-eval-side.js";

const DAY = 86_400_000;

/** The name of group `k` (an agent). */
export const agentName = (k: number): string => `agent-${String(k).padStart(5, "0")}`;

/** When some agents misbehave (so that both sides open alerts): agents k % 50 === 0, in [from, to). */
export interface Incident {
  from: number;
  to: number;
}

/**
 * Run `i` of the workload at `ts`: agent i % groups, values following a daily cycle whose phase is
 * the agent's own, with noise; during the incident every fiftieth agent is three times slower and
 * fails a third of its runs.
 */
export function anomalyRun(r: () => number, i: number, ts: number, groups: number, incident: Incident | null): Record<string, unknown> {
  const k = i % groups;
  const daily = 1 + 0.3 * Math.sin((2 * Math.PI * (ts % DAY)) / DAY + (2 * Math.PI * k) / groups);
  const bad = incident !== null && k % 50 === 0 && ts >= incident.from && ts < incident.to;
  const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const u = r();
  const fail = bad ? 0.33 : 0.03 * daily;
  const status = u < fail * 0.7 ? "failure" : u < fail ? "timeout" : "success";
  const input = Math.round((500 + 2500 * r()) * daily);
  const output = 20 + Math.floor(r() * 600);
  const body: Record<string, unknown> = {
    agent_name: agentName(k),
    agent_type: "react",
    status,
    duration_ms: Math.round(800 * daily * Math.exp(0.4 * g) * (bad ? 3 : 1) * 10) / 10,
    model: `model-${String(k % 20).padStart(2, "0")}`,
    route: "chat",
    tenant_id: "acme",
    input_tokens: input,
    output_tokens: output,
    tokens_used: input + output,
    cost: Math.round(((input * 2.5 + output * 10) / 1e6) * 1e7) / 1e7,
    cost_source: "client",
    quality_score: Math.round((0.6 + 0.4 * r()) * 1000) / 1000,
  };
  if (status !== "success") body.error_type = status === "timeout" ? "provider_timeout" : "tool_error";
  return body;
}

/** The metrics watched, and the limit a threshold rule on each would use. */
const METRICS: { metric: string; comparator: string; threshold: number }[] = [
  { metric: "p95_latency_ms", comparator: ">", threshold: 5000 },
  { metric: "error_rate", comparator: ">", threshold: 0.2 },
  { metric: "cost_per_task", comparator: ">", threshold: 0.02 },
  { metric: "avg_latency_ms", comparator: ">", threshold: 3000 },
  { metric: "p50_latency_ms", comparator: ">", threshold: 3000 },
  { metric: "p99_latency_ms", comparator: ">", threshold: 8000 },
  { metric: "timeout_rate", comparator: ">", threshold: 0.1 },
  { metric: "tokens_per_task", comparator: ">", threshold: 5000 },
  { metric: "avg_quality_score", comparator: "<", threshold: 0.6 },
  { metric: "throughput_per_min", comparator: "<", threshold: 0.5 },
];

/**
 * `n` anomaly rules per agent as the shipped anomaly rules are written (5-minute step, sensitivity
 * medium, a day of history, at least 5 runs a step, firing kept 30 minutes), one per metric, and
 * `n` threshold rules on the same metrics and grouping over the same 5 minutes.
 */
export function evalRules(n: number): { anomaly: Record<string, unknown>[]; threshold: Record<string, unknown>[] } {
  const anomaly: Record<string, unknown>[] = [];
  const threshold: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const m = METRICS[i % METRICS.length]!;
    const suffix = i < METRICS.length ? "" : `_${Math.floor(i / METRICS.length)}`;
    const common = { metric: m.metric, group_by: ["agent_name"], for: "0s", keep_firing_for: "30m", min_samples: 5, severity: "warning" };
    anomaly.push({ name: `anomaly_${m.metric}${suffix}`, ...common, anomaly: { sensitivity: "medium", min_history: "1d", step: "5m" } });
    threshold.push({ name: `threshold_${m.metric}${suffix}`, ...common, comparator: m.comparator, threshold: m.threshold, window: "5m" });
  }
  return { anomaly, threshold };
}


/** An alert engine over `index` evaluating `rules` (validated), as alerting-root.ts builds it, with a no-op sink. */
export async function openEngine(o: { index: RollupIndex; rules: AlertRule[]; now: () => number; maxGroupsPerRule: number; anomalyObservations?: (rule: AlertRule, now: number) => Promise<Observation[]> }): Promise<AlertEngine> {
  const store = new MemoryAlertStore();
  const book = new RuleBook({ store, defaults: [], fileRules: o.rules, thresholds: fixedThresholds(initialThresholds(undefined)) });
  const engine = new AlertEngine({
    index: o.index,
    maxGroupsPerRule: o.maxGroupsPerRule,
    customSamples: async () => null,
    store,
    rules: book,
    sink: { process: async () => undefined, acknowledged: async () => undefined },
    leadership: { isLeader: () => true },
    shared: false,
    now: o.now,
    log: quietLog,
    anomalyObservations: o.anomalyObservations,
  });
  await engine.start();
  return engine;
}
