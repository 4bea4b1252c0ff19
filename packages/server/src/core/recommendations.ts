/**
 * Plain-English recommendations for a report (SPEC §3, seed 003), derived only from the figures
 * given: a figure that is null is never mentioned, and a threshold sentence is written only for a
 * breach the threshold model judges (core/verdicts.ts: the subject's own limit, on at least the
 * minimum sample count), so the report's breaches and its advice agree. Threshold breaches come first, ordered by the
 * threshold's level (critical before warning), then by rule, system-wide before per-agent, and
 * agents by name; advisory findings (a degrading trend, a cache hit rate under 40%) follow. When
 * nothing is wrong and there is data, the only sentence says all metrics are within thresholds.
 */
import type { Metrics } from "@vigil/contract";
import { type FigureUnit, formatBeside, formatFigure, formatPair, formatThreshold } from "./figure-format.js";
import { KEY_SPECS, type Limit, type ThresholdKey } from "./threshold-model.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "./thresholds.js";
import { METRIC_DIRECTIONS, type TrendReport } from "./trends.js";
import { verdictsOf } from "./verdicts.js";

/** Limits by key, as the threshold model resolves them for one subject. */
export type SubjectLimits = Partial<Record<ThresholdKey, Limit>>;

/** What a report knows when it writes its recommendations. */
export interface RecommendationInput {
  metrics: Metrics;
  /** The limits of a subject: the system (null) or an agent. */
  limits: (agent: string | null) => SubjectLimits;
  agents: { agent_name: string; metrics: Metrics }[];
  /** Trends against the previous window, from `trends()`. */
  trends?: TrendReport;
}

/** Cache hit rate under which caching is worth a look: seed 004 alerts below 40%. */
export const LOW_CACHE_HIT_RATE = 0.4;

/** The recommendations for a report, most severe first; empty when there is no data at all. */
export function recommendations(input: RecommendationInput): string[] {
  const { metrics, agents } = input;
  const findings: Finding[] = [];
  const subjects: Subject[] = [
    { name: null, metrics },
    ...[...agents].sort((a, b) => compareText(a.agent_name, b.agent_name)).map((a) => ({ name: a.agent_name, metrics: a.metrics })),
  ];
  const breached = subjects.map((s) => breachedTrips(s.metrics, input.limits(s.name)));
  RULES.forEach((rule, ruleIndex) => {
    subjects.forEach((subject, subjectIndex) => {
      const text = rule.check(subject, breached[subjectIndex]!);
      if (text !== null) findings.push({ level: LEVEL_RANK[KEY_SPECS[rule.threshold].level], ruleIndex, subjectIndex, text });
    });
  });
  findings.sort((a, b) => a.level - b.level || a.ruleIndex - b.ruleIndex || a.subjectIndex - b.subjectIndex);
  const out = findings.map((f) => f.text);

  const trend = input.trends ? degradingTrends(input.trends) : null;
  if (trend !== null) out.push(trend);
  const cache = metrics.cache_hit_rate;
  if (isNumber(cache) && cache < LOW_CACHE_HIT_RATE) {
    out.push(
      `Cache hit rate is ${formatFigure(cache, "ratio")}, under ${formatThreshold(LOW_CACHE_HIT_RATE, "ratio")}: ` +
        "cache repeated prompts and check that cache keys are not more specific than they need to be.",
    );
  }

  if (out.length === 0 && subjects.some((s) => hasData(s.metrics))) out.push("All metrics are within thresholds: no action needed.");
  return out;
}

interface Subject {
  /** Agent name, null for the system as a whole. */
  name: string | null;
  metrics: Metrics;
}

interface Finding {
  level: number;
  ruleIndex: number;
  subjectIndex: number;
  text: string;
}

/** The trips of the keys a subject breaches (the others are absent, so their sentences stay unwritten). */
type Breached = Partial<Record<keyof Thresholds, number>>;

function breachedTrips(m: Metrics, limits: SubjectLimits): Breached {
  const out: Breached = {};
  for (const v of verdictsOf(m, limits)) if (v.standing === "breach" && v.key in DEFAULT_THRESHOLDS) out[v.key as keyof Thresholds] = v.threshold;
  return out;
}

interface Rule {
  threshold: keyof Thresholds;
  check(subject: Subject, t: Breached): string | null;
}

const LEVEL_RANK = { critical: 0, warning: 1 } as const;

const RULES: readonly Rule[] = [
  {
    threshold: "success_rate_min",
    check(s, t) {
      const v = s.metrics.success_rate;
      const min = t.success_rate_min;
      if (!isNumber(v) || !isNumber(min) || v >= min) return null;
      const lead = `${opening(s, "a success rate", formatBeside(v, min, "ratio"))}, below the ${formatThreshold(min, "ratio")} threshold`;
      const top = topErrorType(s.metrics);
      if (top === null) return `${lead}: inspect the failed runs and their error messages.`;
      return `${lead}; ${s.name === null ? "the" : "its"} most common error type is ${top}: inspect those failures.`;
    },
  },
  {
    threshold: "accuracy_min",
    check(s, t) {
      const v = s.metrics.avg_accuracy;
      const min = t.accuracy_min;
      if (!isNumber(v) || !isNumber(min) || v >= min) return null;
      const n = s.metrics.accuracy_samples;
      const over = n > 0 ? ` over ${plural(n, "scored outcome")}` : "";
      return (
        `${opening(s, "an accuracy", formatBeside(v, min, "ratio"))}${over}, below the ${formatThreshold(min, "ratio")} threshold: ` +
        "review the predictions against outcomes; consider retraining or switching models."
      );
    },
  },
  {
    threshold: "memory_mb_max",
    check(s, t) {
      const v = s.metrics.avg_memory_mb;
      const max = t.memory_mb_max;
      if (!isNumber(v) || !isNumber(max) || v <= max) return null;
      return (
        `${opening(s, "an average memory use per run", formatBeside(v, max, "mb"))}, above the ${formatThreshold(max, "mb")} threshold: ` +
        "look for leaks, oversized contexts or caches that grow without bound."
      );
    },
  },
  {
    threshold: "error_rate_max",
    check(s, t) {
      const v = s.metrics.error_rate;
      const max = t.error_rate_max;
      if (!isNumber(v) || !isNumber(max) || v <= max) return null;
      // The success-rate sentence already names the top error type when it fires for this subject.
      const successFires = isNumber(s.metrics.success_rate) && isNumber(t.success_rate_min) && s.metrics.success_rate < t.success_rate_min;
      const top = successFires ? null : topErrorType(s.metrics);
      const detail = top === null ? "" : `; ${s.name === null ? "the" : "its"} most common error type is ${top}`;
      return (
        `${opening(s, "an error rate", formatBeside(v, max, "ratio"))}, above the ${formatThreshold(max, "ratio")} threshold${detail}: ` +
        "retry transient errors with backoff and fix the recurring ones."
      );
    },
  },
  {
    threshold: "latency_p95_max_ms",
    check(s, t) {
      const v = s.metrics.p95_latency_ms;
      const max = t.latency_p95_max_ms;
      if (!isNumber(v) || !isNumber(max) || v <= max) return null;
      return (
        `${opening(s, "a p95 latency", formatBeside(v, max, "ms"))}, above the ${formatThreshold(max, "ms")} threshold: ` +
        `check ${s.name === null ? "the" : "its"} workload and model latency.`
      );
    },
  },
  {
    threshold: "cost_per_task_max",
    check(s, t) {
      const v = s.metrics.cost_per_task;
      const max = t.cost_per_task_max;
      if (!isNumber(v) || !isNumber(max) || v <= max) return null;
      return (
        `${opening(s, "a cost per task", formatBeside(v, max, "usd"))}, above the ${formatThreshold(max, "usd")} threshold: ` +
        "shorten prompts, send simple tasks to a cheaper model, or cache repeated calls."
      );
    },
  },
  {
    threshold: "tokens_per_task_max",
    check(s, t) {
      const v = s.metrics.tokens_per_task;
      const max = t.tokens_per_task_max;
      if (!isNumber(v) || !isNumber(max) || v <= max) return null;
      const who = s.name === null ? "Runs use" : `Agent ${JSON.stringify(s.name)} uses`;
      return (
        `${who} an average of ${formatBeside(v, max, "count")} tokens per task, above the ${formatThreshold(max, "count")} threshold: ` +
        "trim prompts and retrieved context, or summarise long histories."
      );
    },
  },
];

/**
 * "Success rate is 72.0%" for the system, `Agent "x" has a success rate of 72.0%` for an agent;
 * `noun` carries its article, which the system form drops.
 */
function opening(s: Subject, noun: string, value: string): string {
  if (s.name !== null) return `Agent ${JSON.stringify(s.name)} has ${noun} of ${value}`;
  const bare = noun.replace(/^an? /, "");
  return `${bare[0]!.toUpperCase()}${bare.slice(1)} is ${value}`;
}

/** `"timeout" (41 runs)` for the most frequent error type (ties by name), null when none is recorded. */
function topErrorType(m: Metrics): string | null {
  let best: [string, number] | null = null;
  for (const [type, n] of Object.entries(m.error_types ?? {})) {
    if (!(n > 0)) continue;
    if (best === null || n > best[1] || (n === best[1] && compareText(type, best[0]) < 0)) best = [type, n];
  }
  return best === null ? null : `${JSON.stringify(best[0])} (${plural(best[1], "run")})`;
}

const LABELS: Partial<Record<keyof Metrics, [label: string, unit: FigureUnit]>> = {
  success_rate: ["success rate", "ratio"],
  error_rate: ["error rate", "ratio"],
  avg_latency_ms: ["average latency", "ms"],
  p50_latency_ms: ["median latency", "ms"],
  p95_latency_ms: ["p95 latency", "ms"],
  p99_latency_ms: ["p99 latency", "ms"],
  cost_per_task: ["cost per task", "usd"],
  total_cost: ["total cost", "usd"],
  tokens_per_task: ["tokens per task", "count"],
  avg_accuracy: ["accuracy", "ratio"],
  avg_quality_score: ["quality score", "score"],
  avg_satisfaction: ["satisfaction", "score"],
  cache_hit_rate: ["cache hit rate", "ratio"],
  throughput_per_min: ["throughput", "per_min"],
  llm_error_rate: ["LLM error rate", "ratio"],
  llm_p95_latency_ms: ["LLM p95 latency", "ms"],
};

/** One sentence naming every degrading metric with both windows' values, or null when none degrades. */
function degradingTrends(report: TrendReport): string | null {
  const parts: string[] = [];
  for (const key of Object.keys(METRIC_DIRECTIONS) as (keyof Metrics)[]) {
    const t = report[key];
    const label = LABELS[key];
    if (!t || !label || t.trend !== "degrading" || !isNumber(t.current) || !isNumber(t.previous)) continue;
    const [name, unit] = label;
    const [previous, current] = formatPair(t.previous, t.current, unit);
    parts.push(`${name} ${t.current > t.previous ? "rose" : "fell"} from ${previous} to ${current}`);
  }
  if (parts.length === 0) return null;
  return `Compared with the previous window, ${listOf(parts)}: look for what changed, such as a deploy, a traffic shift or a new model version.`;
}

function hasData(m: Metrics): boolean {
  return m.total_tasks > 0 || m.llm_calls > 0 || m.accuracy_samples > 0 || m.feedback_samples > 0;
}

function isNumber(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function plural(n: number, noun: string): string {
  return `${formatFigure(n, "count")} ${noun}${n === 1 ? "" : "s"}`;
}

function listOf(parts: string[]): string {
  return parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)!}`;
}

/** Code-unit order, so the output does not depend on the machine's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
