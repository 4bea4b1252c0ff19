/**
 * Resource limits per component (seed 002's AI_SYSTEM_RESOURCE_LIMITS, docs/resources.md): the
 * `resource_limits:` section checked into limits, each naming the `metric` events it is checked
 * against, and the alert rules Vigil generates from them (one per limit, through the ordinary alert
 * pipeline). Pure: the configuration layer reports the problems, the alerting root loads the rules.
 */
import { parseRuleDuration } from "./alerting/duration.js";
import { parseRuleSet } from "./alerting/rule.js";
import type { AlertRule, Severity } from "./alerting/types.js";
import { SEVERITIES } from "./alerting/types.js";

/** One known limit key: the metric it is checked against and what the limit means. */
export interface LimitKind {
  /** Name of the `metric` events (with `component` = the component) the limit is checked against. */
  metric: string;
  unit: string;
  /** What is limited, for the rule's summary. */
  what: string;
}

/**
 * The limit keys Vigil knows, with the metric each is checked against. Units are part of the key
 * so a limit says what it is; seed 002's own names (without units) are refused with the key to use.
 * Timeouts are the largest duration reported in the window: report durations as metric events.
 */
export const LIMIT_KINDS: Readonly<Record<string, LimitKind>> = Object.freeze({
  max_memory_mb: { metric: "memory_mb", unit: "MB", what: "memory" },
  max_cpu_percent: { metric: "cpu_percent", unit: "%", what: "CPU share of the host" },
  max_concurrent_queries: { metric: "concurrent_queries", unit: "queries", what: "concurrent queries" },
  max_queue_size: { metric: "queue_size", unit: "items", what: "queue size" },
  query_timeout_ms: { metric: "query_duration_ms", unit: "ms", what: "query duration" },
  ml_inference_timeout_ms: { metric: "ml_inference_ms", unit: "ms", what: "ML inference time" },
  max_websocket_connections: { metric: "websocket_connections", unit: "connections", what: "WebSocket connections" },
  feedback_processing_timeout_ms: { metric: "feedback_processing_ms", unit: "ms", what: "feedback processing time" },
  terminal_response_time_ms: { metric: "terminal_response_ms", unit: "ms", what: "terminal response time" },
  max_training_memory_mb: { metric: "training_memory_mb", unit: "MB", what: "training memory" },
  max_training_cpu_percent: { metric: "training_cpu_percent", unit: "%", what: "training CPU share of the host" },
  max_training_time_s: { metric: "training_time_s", unit: "s", what: "training time" },
  max_embedding_batch_size: { metric: "embedding_batch_size", unit: "items", what: "embedding batch size" },
  feature_extraction_timeout_ms: { metric: "feature_extraction_ms", unit: "ms", what: "feature extraction time" },
  monitoring_overhead_percent: { metric: "monitoring_overhead_percent", unit: "%", what: "monitoring overhead" },
  alert_processing_time_ms: { metric: "alert_processing_ms", unit: "ms", what: "alert processing time" },
});

/** Seed 002's key names, and the key that says the same with its unit (or where the setting lives). */
const SEED_NAMES: Readonly<Record<string, string>> = Object.freeze({
  max_memory_usage: "max_memory_mb",
  max_cpu_usage: "max_cpu_percent",
  query_timeout: "query_timeout_ms",
  ml_inference_timeout: "ml_inference_timeout_ms",
  websocket_connections: "max_websocket_connections",
  feedback_processing_timeout: "feedback_processing_timeout_ms",
  terminal_response_time: "terminal_response_time_ms",
  max_training_memory: "max_training_memory_mb",
  max_training_cpu: "max_training_cpu_percent",
  max_training_time: "max_training_time_s (seconds)",
  embedding_batch_size: "max_embedding_batch_size",
  feature_extraction_timeout: "feature_extraction_timeout_ms",
  monitoring_overhead: "monitoring_overhead_percent",
  alert_processing_time: "alert_processing_time_ms",
  metric_collection_interval: "collector.interval (it is how often Vigil samples, not a limit)",
  dashboard_refresh_rate: "the dashboard's refresh setting (it is not a limit)",
});

/** Window of a generated rule unless the limit sets one: the largest value reported in it is judged. */
export const DEFAULT_LIMIT_WINDOW = "1m";

/** One checked limit. */
export interface ResourceLimit {
  component: string;
  /** The key as written (`max_memory_mb`, or a name of the user's own). */
  key: string;
  /** The metric events it is checked against. */
  metric: string;
  unit: string | null;
  max: number;
  /** Window text such as `1m`. */
  window: string;
  severity: Severity;
  /** Name of the generated rule: `resource_limit:<component>:<metric>`. */
  rule: string;
}

/** One problem with the section, with its JSON pointer (`/resource_limits/cognitive_core/max_memory_mb`). */
export interface LimitProblem {
  path: string;
  message: string;
}

const COMPONENT = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const METRIC = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const OPTION_FIELDS = new Set(["max", "metric", "unit", "window", "severity"]);
const BASE = "/resource_limits";
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Checks the `resource_limits:` section: components, each a map of limit keys to a number (a known
 * key) or `{max, metric?, unit?, window?, severity?}` (`metric` required for a key of your own).
 * Returns every limit, or every problem; two limits of one component on one metric are refused.
 */
export function parseResourceLimits(input: unknown): { limits: ResourceLimit[]; problems: LimitProblem[] } {
  const problems: LimitProblem[] = [];
  const limits: ResourceLimit[] = [];
  if (input === undefined || input === null) return { limits, problems };
  if (!isObj(input)) return { limits, problems: [{ path: BASE, message: "must be a map of component to its limits" }] };
  for (const [component, raw] of Object.entries(input)) {
    const cpath = `${BASE}/${esc(component)}`;
    if (!COMPONENT.test(component)) problems.push({ path: cpath, message: `component "${component}" must start with a letter and hold only letters, digits, _ . - (at most 64)` });
    if (!isObj(raw)) {
      problems.push({ path: cpath, message: "must be a map of limit keys (max_memory_mb, max_cpu_percent, ...) to numbers" });
      continue;
    }
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(raw)) {
      const lim = parseLimit(component, key, value, `${cpath}/${esc(key)}`, problems);
      if (!lim) continue;
      const other = seen.get(lim.metric);
      if (other !== undefined) problems.push({ path: `${cpath}/${esc(key)}`, message: `checks metric "${lim.metric}" like "${other}" does; a component has one limit per metric` });
      seen.set(lim.metric, key);
      limits.push(lim);
    }
  }
  return problems.length ? { limits: [], problems } : { limits, problems };
}

function parseLimit(component: string, key: string, value: unknown, path: string, problems: LimitProblem[]): ResourceLimit | null {
  const kind = LIMIT_KINDS[key];
  const before = problems.length;
  const bad = (p: string, message: string) => problems.push({ path: p, message });
  const known = Object.keys(LIMIT_KINDS).join(", ");
  let opts: Record<string, unknown>;
  if (typeof value === "number") {
    if (!kind) {
      const seed = SEED_NAMES[key];
      bad(path, seed ? `"${key}" is seed 002's name: write ${seed}` : `unknown limit "${key}"; use one of ${known}, or {max, metric} to check a metric of your own`);
      return null;
    }
    opts = { max: value };
  } else if (isObj(value)) {
    opts = value;
    for (const k of Object.keys(opts)) if (!OPTION_FIELDS.has(k)) bad(`${path}/${esc(k)}`, `unknown field "${k}"; a limit takes max, metric, unit, window and severity`);
  } else {
    bad(path, "must be a number (the limit) or {max, metric, unit, window, severity}");
    return null;
  }
  const max = opts.max;
  if (typeof max !== "number" || !Number.isFinite(max)) bad(`${path}/max`, max === undefined ? "is required" : "must be a finite number");
  else if (max < 0) bad(typeof value === "number" ? path : `${path}/max`, "must be 0 or more");
  let metric = kind?.metric ?? null;
  if (opts.metric !== undefined) {
    if (typeof opts.metric !== "string" || !METRIC.test(opts.metric)) bad(`${path}/metric`, "must be a metric name: a letter, then letters, digits, _ . : - (at most 64)");
    else metric = opts.metric;
  } else if (!kind) bad(`${path}/metric`, `is required for a limit of your own ("${key}" is not one of ${known})`);
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) bad(path, `limit key "${key}" must start with a letter and hold only letters, digits and _`);
  let unit = kind?.unit ?? null;
  if (opts.unit !== undefined) {
    if (typeof opts.unit !== "string" || opts.unit.length > 20) bad(`${path}/unit`, "must be a string of at most 20 characters");
    else unit = opts.unit;
  }
  let window = DEFAULT_LIMIT_WINDOW;
  if (opts.window !== undefined) {
    const ms = typeof opts.window === "string" ? parseRuleDuration(opts.window) : null;
    if (ms === null || ms < 30_000 || ms > 86_400_000 || ms % 1000 !== 0) bad(`${path}/window`, `must be whole seconds from 30s to 1d, such as 1m or 5m, got ${JSON.stringify(opts.window)}`);
    else window = opts.window as string;
  }
  let severity: Severity = "warning";
  if (opts.severity !== undefined) {
    if (typeof opts.severity !== "string" || !(SEVERITIES as readonly string[]).includes(opts.severity)) bad(`${path}/severity`, `must be one of ${SEVERITIES.join(", ")}`);
    else severity = opts.severity as Severity;
  }
  if (problems.length > before) return null;
  return { component, key, metric: metric!, unit, max: max as number, window, severity, rule: `resource_limit:${component}:${metric!}` };
}

/**
 * The alert rules of the limits: per limit, `custom.<metric>` scoped to the component, firing while
 * the largest value reported in the window is above the limit (no `for`: the window already holds
 * it), resolving once no value in the window is above it; its alerts carry the `component` label.
 * Loaded with the shipped rules.
 */
export function resourceLimitRules(limits: readonly ResourceLimit[]): AlertRule[] {
  const inputs = limits.map((l) => {
    const kind = LIMIT_KINDS[l.key];
    const what = kind?.what ?? l.metric;
    const unit = l.unit ? ` ${l.unit}` : "";
    return {
      name: l.rule,
      description: `Limit ${l.key} of component ${l.component}: ${l.metric} at most ${l.max}${unit} (resource_limits).`,
      metric: `custom.${l.metric}`,
      aggregate: "max",
      scope: { component: l.component },
      comparator: ">",
      threshold: l.max,
      window: l.window,
      for: "0s",
      severity: l.severity,
      labels: { pack: "resource-limits", category: "resources", limit: l.key },
      annotations: {
        summary: `${capital(what)} of ${l.component} is {{ $value }}${unit}, above its limit of {{ $threshold }}${unit}`,
        description: `The largest ${l.metric} reported by component ${l.component} over the last {{ $window }} is {{ $value }} against the limit ${l.key} = {{ $threshold }} ({{ $samples }} samples).`,
        recommendation: recommendationFor(l.metric),
        business_impact: `Component ${l.component} runs past the resources it was given: it may slow down, be throttled or be killed.`,
      },
    };
  });
  return parseRuleSet(inputs, "default", "the resource limits");
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function recommendationFor(metric: string): string {
  if (metric.includes("memory")) return "Look for growing caches, contexts or batches held across requests; raise the limit only if the host has room.";
  if (metric.includes("cpu")) return "Find the busy work (batch jobs, retries, loops); spread it out or give the component more CPU.";
  if (metric.endsWith("_ms") || metric.endsWith("_s")) return "Find the slow dependency (model, database, tool); shed load or fail over to a faster model.";
  if (metric === "monitoring_overhead_percent") return "Lengthen collector.interval, or lower the event volume Vigil keeps (retention, cardinality limits).";
  return "Shed load or raise the component's capacity; check for a backlog that does not drain.";
}
