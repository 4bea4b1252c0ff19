/**
 * The alert-eval workload, shared by the bench process and the side processes that evaluate it
 * (`alert-eval-side.ts`): the 1,000 dimension sets, the run events they send and the generated
 * rules, all seeded so that every build evaluates the same rules over the same events.
 */
import { rng } from "./common.js";

const MINUTE = 60_000;

/** Agents × models: the active dimension sets (one route, one tenant). */
export const AGENTS = Array.from({ length: 50 }, (_, i) => `agent-${String(i).padStart(2, "0")}`);
export const MODELS = Array.from({ length: 20 }, (_, i) => `model-${String(i).padStart(2, "0")}`);
export const SERIES = AGENTS.length * MODELS.length;
/** How much history is folded before the first cycle: the longest change rule reads 2 × 15 min. */
export const HISTORY_MS = 32 * MINUTE;
/** Simulated time between evaluation cycles: the server's default evaluation interval. */
export const CYCLE_MS = 10_000;

/**
 * Run event `i` as an agent sends it. Dimension sets go round robin (i % 1000), so every set gets
 * an event every 1000 / rate seconds. A few sets misbehave, so that some rules fire: agent 00
 * fails a quarter of its runs, agent 02 is four times slower, model 03 costs three times as much
 * and model 07's answers score lower.
 */
export function runEvent(r: () => number, i: number): Record<string, unknown> {
  const a = i % AGENTS.length;
  const m = Math.floor(i / AGENTS.length) % MODELS.length;
  const u = r();
  let status = u < 0.97 ? "success" : u < 0.99 ? "failure" : u < 0.995 ? "partial" : "timeout";
  if (a === 0 && r() < 0.25) status = "failure";
  const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const input = 200 + Math.floor(r() * 3800);
  const output = 20 + Math.floor(r() * 980);
  const body: Record<string, unknown> = {
    agent_name: AGENTS[a]!,
    agent_type: "react",
    status,
    duration_ms: Math.round(800 * Math.exp(0.5 * g) * (a === 2 ? 4 : 1) * 10) / 10,
    model: MODELS[m]!,
    route: "chat",
    tenant_id: "acme",
    input_tokens: input,
    output_tokens: output,
    cost: Math.round(((input * 2.5 + output * 10) / 1e6) * (m === 3 ? 3 : 1) * 1e7) / 1e7,
    quality_score: Math.round(((m === 7 ? 0.4 : 0.6) + 0.4 * r()) * 1000) / 1000,
  };
  if (status === "failure" || status === "timeout") body.error_type = status === "timeout" ? "provider_timeout" : "tool_error";
  return body;
}

/** A threshold rule shape: metric, comparator and plausible thresholds. */
interface Shape {
  metric: string;
  comparator: string;
  thresholds: number[];
  weight: number;
}
const SHAPES: Shape[] = [
  { metric: "error_rate", comparator: ">", thresholds: [0.1, 0.15, 0.2, 0.3], weight: 4 },
  { metric: "success_rate", comparator: "<", thresholds: [0.85, 0.8], weight: 2 },
  { metric: "p95_latency_ms", comparator: ">", thresholds: [3000, 5000, 8000], weight: 3 },
  { metric: "p50_latency_ms", comparator: ">", thresholds: [2000, 4000], weight: 1 },
  { metric: "avg_latency_ms", comparator: ">", thresholds: [2500, 5000], weight: 1 },
  { metric: "cost_per_task", comparator: ">", thresholds: [0.02, 0.03], weight: 2 },
  { metric: "avg_quality_score", comparator: "<", thresholds: [0.7, 0.65], weight: 2 },
  { metric: "timeout_rate", comparator: ">", thresholds: [0.05, 0.1], weight: 1 },
  { metric: "tokens_per_task", comparator: ">", thresholds: [4000, 5000], weight: 1 },
  { metric: "throughput_per_min", comparator: "<", thresholds: [1], weight: 1 },
];
/** Change rules (`change: ratio`): the value against the window before it. */
const CHANGE_SHAPES: Shape[] = [
  { metric: "p95_latency_ms", comparator: ">", thresholds: [1.5, 2], weight: 2 },
  { metric: "error_rate", comparator: ">", thresholds: [2, 3], weight: 2 },
  { metric: "cost_per_task", comparator: ">", thresholds: [1.5, 2], weight: 1 },
  { metric: "avg_latency_ms", comparator: ">", thresholds: [1.5, 2], weight: 1 },
];
const WINDOWS = ["30s", "1m", "2m", "5m", "10m", "15m"];
const GROUPINGS: { by: string[]; weight: number }[] = [
  { by: [], weight: 1 },
  { by: ["agent_name"], weight: 4 },
  { by: ["model"], weight: 2 },
  { by: ["agent_name", "model"], weight: 3 },
];

function pick<T extends { weight: number }>(r: () => number, xs: readonly T[]): T {
  const total = xs.reduce((s, x) => s + x.weight, 0);
  let u = r() * total;
  for (const x of xs) if ((u -= x.weight) < 0) return x;
  return xs[xs.length - 1]!;
}
const one = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** The threshold key a rule on each metric may read (the comparators of SHAPES match the keys' bounds). */
const KEY_OF_METRIC: Readonly<Record<string, string>> = {
  error_rate: "error_rate_max",
  success_rate: "success_rate_min",
  p95_latency_ms: "latency_p95_max_ms",
  cost_per_task: "cost_per_task_max",
  tokens_per_task: "tokens_per_task_max",
};

/**
 * Thresholds by scope for the `threshold_key` rules (a `PUT /api/v1/thresholds` body both the
 * earlier and the current builds accept): the defaults globally, ten agents with their own error
 * and latency limits and five models with their own cost and token limits. Agents and models set
 * different keys, so the limit in force for a group is the same whichever scope takes precedence.
 */
export function benchThresholds(): Record<string, Record<string, Record<string, number>>> {
  const agents: Record<string, Record<string, number>> = {};
  for (const a of AGENTS.slice(0, 10)) agents[a] = { error_rate_max: 0.2, latency_p95_max_ms: 6000 };
  const models: Record<string, Record<string, number>> = {};
  for (const m of MODELS.slice(0, 5)) models[m] = { cost_per_task_max: 0.05, tokens_per_task_max: 4500 };
  return { agents, models };
}

/**
 * `n` rules as a user would write them: a mix of catalogue metrics, groupings (none, agent,
 * model, agent × model), windows from 30 s to 15 min, `for` from 0 to 5 min, sample minimums,
 * 15% change rules (`change: ratio`, windows of 5 to 15 min over larger groups) and 10% scoped
 * to one agent; templated annotations. `keyedPercent` of the threshold rules whose metric has a
 * threshold key (KEY_OF_METRIC) take their threshold from the thresholds settings instead
 * (`threshold_key`), chosen by a second seeded draw so that the rest of the mix stays the same.
 */
export function benchRules(n: number, seed = 11, keyedPercent = 0): Record<string, unknown>[] {
  const r = rng(seed);
  const rk = rng(seed + 1);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const change = r() < 0.15;
    const shape = pick(r, change ? CHANGE_SHAPES : SHAPES);
    const scoped = r() < 0.1;
    // Change rules compare aggregates over longer windows (small groups flap from window to window).
    const groupBy = scoped ? one(r, [[], ["model"]]) : change ? one(r, [[], ["agent_name"], ["model"]]) : pick(r, GROUPINGS).by;
    const rule: Record<string, unknown> = {
      name: `bench_${shape.metric}_${String(i).padStart(4, "0")}`,
      metric: shape.metric,
      comparator: shape.comparator,
      threshold: one(r, shape.thresholds),
      window: one(r, change ? WINDOWS.slice(3) : WINDOWS),
      for: one(r, ["0s", "0s", "1m", "2m", "5m"]),
      min_samples: change ? 100 : one(r, [1, 10, 20, 50]),
      severity: one(r, ["info", "warning", "warning", "critical"]),
      labels: { team: one(r, ["platform", "agents", "finance"]) },
      annotations: {
        summary: "{{ $metric }} of {{ $labels.agent_name }} {{ $labels.model }} is {{ $value }} over {{ $window }} (threshold {{ $threshold }})",
        // No {{ $samples }}: Prometheus has no such variable, and the export turns it into one
        // PromQL query per alert per evaluation, which would charge the peer for a Vigil nicety.
        description: "{{ $rule }} ({{ $labels.agent_name }} {{ $labels.model }}): value {{ $value_raw }}.",
      },
    };
    if (groupBy.length) rule.group_by = groupBy;
    if (scoped) rule.scope = { agent_name: one(r, AGENTS) };
    if (change) rule.change = "ratio";
    const key = KEY_OF_METRIC[shape.metric];
    if (!change && key && rk() * 100 < keyedPercent) {
      delete rule.threshold;
      rule.threshold_key = key;
    }
    out.push(rule);
  }
  return out;
}

