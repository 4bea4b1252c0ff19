/**
 * The one threshold model (docs/thresholds.md): every verdict Vigil makes against a limit — alert
 * rules with `threshold_key`, report breaches, recommendations, the health score, model health and
 * failover — reads its limit and its minimum sample count here.
 *
 * Limits are set by scope: global, then per tenant, route, model and agent. For a subject with
 * those labels, each key takes the value of the most specific scope that sets it, in the order
 *
 *   global → tenant → route → model → agent      (later wins)
 *
 * An entry is `{trip, recover?, min_samples?}` (a bare number is `{trip}`); `recover` comes with
 * the entry that set `trip`. The minimum sample count of a key is the entry's own `min_samples`,
 * else the `min_samples` of the most specific scope that sets one, else DEFAULT_MIN_SAMPLES. No
 * verdict is made on fewer samples than that minimum. Pure: settings and figures come in.
 */
import type { RouteMetric, ThresholdScope } from "@vigil/contract";
import { DEFAULT_THRESHOLDS, type Thresholds } from "./thresholds.js";

/** The threshold keys: the seed's seven, and four that only model health and failover had before. */
export const THRESHOLD_KEYS = [
  "success_rate_min",
  "error_rate_max",
  "latency_p95_max_ms",
  "cost_per_task_max",
  "accuracy_min",
  "memory_mb_max",
  "tokens_per_task_max",
  "ttft_max_ms",
  "cost_per_call_max",
  "quality_min",
  "throughput_per_min_min",
] as const;
/** A threshold key. */
export type ThresholdKey = (typeof THRESHOLD_KEYS)[number];

/** Samples a verdict needs unless a scope or entry says otherwise. */
export const DEFAULT_MIN_SAMPLES = 10;

/** What each key bounds: `max` keys are breached above their trip, `min` keys below it. */
export interface KeySpec {
  bound: "min" | "max";
  level: "warning" | "critical";
  /** Values lie in 0..1. */
  ratio: boolean;
  /** The model-health metric judged against this key, or null when model health has no such figure. */
  route_metric: RouteMetric | null;
}

/** Every key's bound, level and model-health metric. */
export const KEY_SPECS: Readonly<Record<ThresholdKey, KeySpec>> = Object.freeze({
  success_rate_min: { bound: "min", level: "critical", ratio: true, route_metric: null },
  error_rate_max: { bound: "max", level: "warning", ratio: true, route_metric: "error_rate" },
  latency_p95_max_ms: { bound: "max", level: "warning", ratio: false, route_metric: "p95_latency_ms" },
  cost_per_task_max: { bound: "max", level: "warning", ratio: false, route_metric: null },
  accuracy_min: { bound: "min", level: "critical", ratio: true, route_metric: "accuracy" },
  memory_mb_max: { bound: "max", level: "critical", ratio: false, route_metric: null },
  tokens_per_task_max: { bound: "max", level: "warning", ratio: false, route_metric: null },
  ttft_max_ms: { bound: "max", level: "warning", ratio: false, route_metric: "ttft_ms" },
  cost_per_call_max: { bound: "max", level: "warning", ratio: false, route_metric: "cost_per_call" },
  quality_min: { bound: "min", level: "warning", ratio: true, route_metric: "quality" },
  throughput_per_min_min: { bound: "min", level: "warning", ratio: false, route_metric: "throughput_per_min" },
});

/** The key a model-health metric is judged against. */
export const KEY_OF_ROUTE_METRIC: Readonly<Record<RouteMetric, ThresholdKey>> = Object.freeze(
  Object.fromEntries(THRESHOLD_KEYS.filter((k) => KEY_SPECS[k].route_metric !== null).map((k) => [KEY_SPECS[k].route_metric!, k])) as Record<RouteMetric, ThresholdKey>,
);

/** One limit at one scope. */
export interface ThresholdEntry {
  trip: number;
  /** The value to get back past to count as healthy again (hysteresis); null: `trip` itself. */
  recover: number | null;
  /** Fewest samples before this key is judged; null: the scope's. */
  min_samples: number | null;
}

/** The limits one scope sets, and its minimum sample count. */
export interface ScopeThresholds {
  keys: Partial<Record<ThresholdKey, ThresholdEntry>>;
  min_samples: number | null;
}

/** Scopes that name a subject, least specific first (the precedence order). */
export const NAMED_SCOPES = ["tenants", "routes", "models", "agents"] as const;
/** A named scope's collection. */
export type NamedScope = (typeof NAMED_SCOPES)[number];

/** Every scope's limits. */
export interface ThresholdSettings {
  global: ScopeThresholds;
  tenants: Record<string, ScopeThresholds>;
  routes: Record<string, ScopeThresholds>;
  models: Record<string, ScopeThresholds>;
  agents: Record<string, ScopeThresholds>;
}

/** The labels a subject is known by (an alert group, a report's agent, a model on a route). */
export interface SubjectLabels {
  tenant_id?: string;
  route?: string;
  model?: string;
  agent_name?: string;
}

/** The label of each named scope, and the scope kind a verdict names. */
const SCOPE_LABEL: Readonly<Record<NamedScope, { label: keyof SubjectLabels; kind: ThresholdScope["kind"] }>> = {
  tenants: { label: "tenant_id", kind: "tenant" },
  routes: { label: "route", kind: "route" },
  models: { label: "model", kind: "model" },
  agents: { label: "agent_name", kind: "agent" },
};

/** The limit in force for one key and subject. */
export interface Limit {
  key: ThresholdKey;
  trip: number;
  recover: number;
  min_samples: number;
  scope: ThresholdScope;
}

/** Seed 003's default limits, and the default minimum sample count. */
export function defaultSettings(): ThresholdSettings {
  const keys: ScopeThresholds["keys"] = {};
  for (const [k, v] of Object.entries(DEFAULT_THRESHOLDS) as [keyof Thresholds, number][]) keys[k] = { trip: v, recover: null, min_samples: null };
  return {
    global: { keys, min_samples: DEFAULT_MIN_SAMPLES },
    tenants: scopeRecord(),
    routes: scopeRecord(),
    models: scopeRecord(),
    agents: scopeRecord(),
  };
}

const GLOBAL: ThresholdScope = Object.freeze({ kind: "global", name: null });

/**
 * One subject's scope, looked up as the subject's own entry only: an agent named `constructor` or
 * `__proto__` is a name like any other, never a member every object inherits.
 */
export function scopeOf(scopes: Readonly<Record<string, ScopeThresholds>>, name: string): ScopeThresholds | undefined {
  return Object.hasOwn(scopes, name) ? scopes[name] : undefined;
}

/** A collection of named scopes with no prototype, so any name can be written into it as a plain key. */
export function scopeRecord(...from: Readonly<Record<string, ScopeThresholds>>[]): Record<string, ScopeThresholds> {
  const out = Object.create(null) as Record<string, ScopeThresholds>;
  for (const f of from) for (const k of Object.keys(f)) out[k] = f[k]!;
  return out;
}

/** The last limit made from one entry, and what it was made with (see `resolveLimit`). */
interface MadeLimit {
  limit: Limit;
  kind: ThresholdScope["kind"];
  name: string | null;
  scopeMin: number | null;
}

/** Limits already made, by the entry that set their trip. Settings are replaced, never changed in place. */
const MADE = new WeakMap<ThresholdEntry, MadeLimit>();

/** The limit an entry gives at a scope with the minimum in force: the one made last time when they are the same. */
function limitOf(key: ThresholdKey, entry: ThresholdEntry, kind: ThresholdScope["kind"], name: string | null, scopeMin: number | null): Limit {
  const made = MADE.get(entry);
  if (made !== undefined && made.limit.key === key && made.kind === kind && made.name === name && made.scopeMin === scopeMin) return made.limit;
  const limit: Limit = Object.freeze({
    key,
    trip: entry.trip,
    recover: entry.recover ?? entry.trip,
    min_samples: entry.min_samples ?? scopeMin ?? DEFAULT_MIN_SAMPLES,
    scope: name === null ? GLOBAL : Object.freeze({ kind, name }),
  });
  MADE.set(entry, { limit, kind, name, scopeMin });
  return limit;
}

/** What resolving needs of one settings object, made once for it. */
interface Resolver {
  /** The named scopes that hold at least one subject, least specific first. */
  named: { scopes: Record<string, ScopeThresholds>; label: keyof SubjectLabels; kind: ThresholdScope["kind"] }[];
  /** Each key's limit for a subject no named scope applies to (null: the key is not checked). */
  global: Readonly<Record<ThresholdKey, Limit | null>>;
}

const RESOLVERS = new WeakMap<ThresholdSettings, Resolver>();

function resolverOf(s: ThresholdSettings): Resolver {
  let r = RESOLVERS.get(s);
  if (r === undefined) {
    const named = NAMED_SCOPES.filter((n) => Object.keys(s[n]).length > 0).map((n) => ({ scopes: s[n], label: SCOPE_LABEL[n].label, kind: SCOPE_LABEL[n].kind }));
    const global = {} as Record<ThresholdKey, Limit | null>;
    for (const key of THRESHOLD_KEYS) {
      const e = s.global.keys[key];
      global[key] = e === undefined ? null : limitOf(key, e, "global", null, s.global.min_samples);
    }
    RESOLVERS.set(s, (r = { named, global: Object.freeze(global) }));
  }
  return r;
}

/** The limit of `key` for a subject, or null when no scope sets it (the key is not checked). */
export function resolveLimit(s: ThresholdSettings, key: ThresholdKey, labels: Readonly<SubjectLabels>): Limit | null {
  // Walked without allocating, over the named scopes that hold any subject: alert rules resolve a
  // limit for every group at every evaluation, and the report for every agent it lists. A subject
  // no named scope applies to reads the global limit made once; any other, the limit made last time
  // from the same entry, scope and minimum (kept frozen).
  const r = resolverOf(s);
  let entry: ThresholdEntry | undefined;
  let kind: ThresholdScope["kind"] = "global";
  let name: string | null = null;
  let scopeMin = s.global.min_samples;
  let applies = false;
  for (let i = 0; i < r.named.length; i++) {
    const n = r.named[i]!;
    const value = labels[n.label];
    if (value === undefined) continue;
    const scope = scopeOf(n.scopes, value);
    if (scope === undefined) continue;
    applies = true;
    const e = scope.keys[key];
    if (e !== undefined) {
      entry = e;
      kind = n.kind;
      name = value;
    }
    if (scope.min_samples !== null) scopeMin = scope.min_samples;
  }
  if (!applies) return r.global[key];
  if (entry === undefined) entry = s.global.keys[key];
  return entry === undefined ? null : limitOf(key, entry, kind, name, scopeMin);
}

/** Every key's limits already made, by settings and by the named scopes that apply ("" when none does). */
const LIMITS = new WeakMap<ThresholdSettings, Map<string, Partial<Record<ThresholdKey, Limit>>>>();

/**
 * Every key's limit for a subject (keys no scope sets are left out). The answer is frozen and shared
 * by the subjects the same scopes apply to (every agent without a scope of its own reads the global
 * limits): a report asks it three times for each agent it lists.
 */
export function limitsFor(s: ThresholdSettings, labels: Readonly<SubjectLabels>): Partial<Record<ThresholdKey, Limit>> {
  let applying = "";
  for (const name of NAMED_SCOPES) {
    const value = labels[SCOPE_LABEL[name].label];
    if (value !== undefined && scopeOf(s[name], value) !== undefined) applying += `${name}\u0000${value}\u0001`;
  }
  let made = LIMITS.get(s);
  if (made === undefined) LIMITS.set(s, (made = new Map()));
  let out = made.get(applying);
  if (out === undefined) {
    const limits: Partial<Record<ThresholdKey, Limit>> = {};
    for (const key of THRESHOLD_KEYS) {
      const l = resolveLimit(s, key, labels);
      if (l) limits[key] = l;
    }
    made.set(applying, (out = Object.freeze(limits)));
  }
  return out;
}

/** The minimum sample count for a subject when no key is in question (the most specific scope's, else the default). */
export function minSamplesFor(s: ThresholdSettings, labels: Readonly<SubjectLabels>): number {
  let min = s.global.min_samples;
  for (const name of NAMED_SCOPES) {
    const value = labels[SCOPE_LABEL[name].label];
    if (value === undefined) continue;
    const scope = scopeOf(s[name], value);
    if (scope !== undefined && scope.min_samples !== null) min = scope.min_samples;
  }
  return min ?? DEFAULT_MIN_SAMPLES;
}

/** True when `value` is strictly past `limit` on the bad side of `key`. */
export function worse(key: ThresholdKey, value: number, limit: number): boolean {
  return KEY_SPECS[key].bound === "max" ? value > limit : value < limit;
}

/** How a figure stands against its limit. */
export type Standing = "breach" | "band" | "ok" | "too_few_samples" | "no_data";

/** One verdict: the figure, the limit and where it came from, and the samples it was made on. */
export interface Verdict {
  key: ThresholdKey;
  standing: Standing;
  value: number | null;
  threshold: number;
  scope: ThresholdScope;
  samples: number;
  min_samples: number;
}

/**
 * Judges a figure: past `trip` is a breach; past `recover` (but not `trip`) is the hysteresis
 * band; fewer samples than the minimum, or no value, is no verdict at all.
 */
export function judge(limit: Limit, value: number | null, samples: number): Verdict {
  // One object literal per verdict (no spread of a shared base): reports judge every key of every agent.
  const standing: Standing = value === null || !Number.isFinite(value) ? "no_data" : samples < limit.min_samples ? "too_few_samples" : worse(limit.key, value, limit.trip) ? "breach" : worse(limit.key, value, limit.recover) ? "band" : "ok";
  return { key: limit.key, value, threshold: standing === "band" ? limit.recover : limit.trip, scope: limit.scope, samples, min_samples: limit.min_samples, standing };
}

/** "agent a1", "model gpt-4o", "global": a scope as a sentence names it. */
export function scopeText(s: ThresholdScope): string {
  return s.name === null ? s.kind : `${s.kind} ${s.name}`;
}
