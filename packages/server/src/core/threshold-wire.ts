/**
 * The thresholds on the wire (`GET|PUT /api/v1/thresholds`, the config file's `thresholds`): each
 * scope is an object of keys, a key's value a number (its trip) or `{trip, recover?, min_samples?}`,
 * and `min_samples` beside the keys sets the scope's minimum sample count. Validation names every
 * problem by its path and refuses the whole change.
 */
import type { RouteMetric, ThresholdScopeSettings, ThresholdsResponse } from "@vigil/contract";
import { VigilError } from "./errors.js";
import { KEY_OF_ROUTE_METRIC, KEY_SPECS, NAMED_SCOPES, scopeRecord, THRESHOLD_KEYS, worse, type NamedScope, type ScopeThresholds, type ThresholdEntry, type ThresholdKey, type ThresholdSettings } from "./threshold-model.js";

/** A problem with a field, by JSON pointer. */
export interface Problem {
  path: string;
  message: string;
}

/** A scope on the wire: keys (a number, or an entry with more than its trip) and `min_samples`. */
export type WireScope = ThresholdScopeSettings;

/** The settings on the wire (`GET /api/v1/thresholds`). */
export type WireThresholds = ThresholdsResponse;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isKey = (k: string): k is ThresholdKey => (THRESHOLD_KEYS as readonly string[]).includes(k);

function minSamples(v: unknown, path: string, problems: Problem[]): number | null {
  if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 1e9) return v;
  problems.push({ path, message: "must be a whole number from 1" });
  return null;
}

function limitValue(key: ThresholdKey, v: unknown, path: string, problems: Problem[]): number | null {
  if (typeof v !== "number" || !Number.isFinite(v)) problems.push({ path, message: "must be a number" });
  else if (KEY_SPECS[key].ratio && (v < 0 || v > 1)) problems.push({ path, message: "must be between 0 and 1" });
  else if (!KEY_SPECS[key].ratio && v < 0) problems.push({ path, message: "must be 0 or more" });
  else return v;
  return null;
}

/** Parses one entry: a number, or `{trip, recover?, min_samples?}` with `recover` on the healthy side of `trip`. */
export function parseEntry(key: ThresholdKey, v: unknown, path: string, problems: Problem[]): ThresholdEntry | null {
  if (!isObj(v)) {
    const trip = limitValue(key, v, path, problems);
    return trip === null ? null : { trip, recover: null, min_samples: null };
  }
  const before = problems.length;
  for (const k of Object.keys(v)) if (k !== "trip" && k !== "recover" && k !== "min_samples") problems.push({ path: `${path}/${k}`, message: "is not a known field; use trip, recover, min_samples" });
  const trip = limitValue(key, v.trip, `${path}/trip`, problems);
  const recover = v.recover === undefined || v.recover === null ? null : limitValue(key, v.recover, `${path}/recover`, problems);
  const min = v.min_samples === undefined || v.min_samples === null ? null : minSamples(v.min_samples, `${path}/min_samples`, problems);
  if (trip !== null && recover !== null && worse(key, recover, trip)) problems.push({ path: `${path}/recover`, message: `must be on the healthy side of trip (${KEY_SPECS[key].bound === "max" ? "<=" : ">="} ${trip})` });
  return problems.length > before || trip === null ? null : { trip, recover, min_samples: min };
}

/** Parses a scope; `base` (for `global`) keeps the keys the body leaves out, and a key set to null is removed. */
export function parseScope(v: unknown, path: string, problems: Problem[], base?: ScopeThresholds): ScopeThresholds {
  const out: ScopeThresholds = { keys: { ...(base?.keys ?? {}) }, min_samples: base?.min_samples ?? null };
  if (!isObj(v)) {
    problems.push({ path, message: `must be an object of threshold keys (${THRESHOLD_KEYS.join(", ")}) and min_samples` });
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (k === "min_samples") {
      out.min_samples = val === null ? null : minSamples(val, `${path}/min_samples`, problems);
      continue;
    }
    if (!isKey(k)) {
      problems.push({ path: `${path}/${k}`, message: `unknown threshold "${k}"; use ${THRESHOLD_KEYS.join(", ")} or min_samples` });
      continue;
    }
    if (val === null) {
      delete out.keys[k];
      continue;
    }
    const e = parseEntry(k, val, `${path}/${k}`, problems);
    if (e) out.keys[k] = e;
  }
  return out;
}

/**
 * Applies a `PUT /thresholds` body `{global?, tenants?, routes?, models?, agents?}`: keys left out of
 * `global` keep their value, and each named scope given replaces that scope's overrides. Refused
 * whole on any problem (VALIDATION_FAILED naming each path).
 */
export function applyThresholdUpdate(current: ThresholdSettings, body: unknown): ThresholdSettings {
  const problems: Problem[] = [];
  if (!isObj(body)) throw new VigilError("VALIDATION_FAILED", `the body must be an object: {global?, ${NAMED_SCOPES.join("?, ")}?}`, [{ path: "/", message: "must be an object" }]);
  for (const k of Object.keys(body)) if (k !== "global" && !(NAMED_SCOPES as readonly string[]).includes(k)) problems.push({ path: `/${k}`, message: `unknown field "${k}"; use global, ${NAMED_SCOPES.join(", ")}` });
  const next: ThresholdSettings = { ...current };
  if (body.global !== undefined) next.global = parseScope(body.global, "/global", problems, current.global);
  for (const name of NAMED_SCOPES) {
    const v = body[name];
    if (v === undefined) continue;
    next[name] = parseNamed(v, `/${name}`, problems);
  }
  if (problems.length) throw invalidThresholds(problems);
  return next;
}

function parseNamed(v: unknown, path: string, problems: Problem[]): Record<string, ScopeThresholds> {
  const out = scopeRecord();
  if (!isObj(v)) {
    problems.push({ path, message: "must be an object of name to thresholds" });
    return out;
  }
  for (const [name, t] of Object.entries(v)) {
    const s = parseScope(t, `${path}/${escapePointer(name)}`, problems);
    if (Object.keys(s.keys).length || s.min_samples !== null) out[name] = s;
  }
  return out;
}

/** The error for a refused change, naming every problem. */
export function invalidThresholds(problems: Problem[]): VigilError {
  return new VigilError("VALIDATION_FAILED", `invalid thresholds: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** One scope on the wire: a bare number for an entry that is only a trip. */
export function scopeToWire(s: ScopeThresholds): WireScope {
  const out: WireScope = {};
  for (const k of THRESHOLD_KEYS) {
    const e = s.keys[k];
    if (!e) continue;
    out[k] = e.recover === null && e.min_samples === null ? e.trip : { trip: e.trip, ...(e.recover !== null ? { recover: e.recover } : {}), ...(e.min_samples !== null ? { min_samples: e.min_samples } : {}) };
  }
  if (s.min_samples !== null) out.min_samples = s.min_samples;
  return out;
}

/** The settings on the wire (what `GET /thresholds` answers and the store keeps). */
export function settingsToWire(s: ThresholdSettings): WireThresholds {
  const named = (m: Record<string, ScopeThresholds>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, scopeToWire(m[k]!)]));
  return { global: scopeToWire(s.global), tenants: named(s.tenants), routes: named(s.routes), models: named(s.models), agents: named(s.agents) };
}

/** Reads stored settings back over `base`, tolerating keys a later release may have dropped (then `base`). */
export function restoreThresholds(base: ThresholdSettings, stored: unknown): ThresholdSettings {
  if (!isObj(stored)) return base;
  try {
    return applyThresholdUpdate(base, stored);
  } catch {
    return base;
  }
}

/** A model-health threshold set as the registry spelt it (`{error_rate: {trip, recover, min_samples}}`). */
export type MetricThresholds = Partial<Record<RouteMetric, { trip: number; recover?: number; min_samples?: number }>>;

/**
 * The registry's spelling of a scope (`PATCH /models/:id`, `POST /routes` `thresholds`), an alias of
 * the same scope: each model-health metric names its key (error_rate → error_rate_max, ...).
 */
export function scopeFromMetrics(m: MetricThresholds): ScopeThresholds {
  const out: ScopeThresholds = { keys: {}, min_samples: null };
  for (const [metric, t] of Object.entries(m) as [RouteMetric, { trip: number; recover?: number; min_samples?: number }][]) {
    const key = KEY_OF_ROUTE_METRIC[metric];
    if (key && t) out.keys[key] = { trip: t.trip, recover: t.recover ?? null, min_samples: t.min_samples ?? null };
  }
  return out;
}

/** A scope in the registry's spelling: the keys model health judges, by metric. */
export function scopeToMetrics(s: ScopeThresholds | undefined): MetricThresholds {
  const out: MetricThresholds = {};
  if (!s) return out;
  for (const k of THRESHOLD_KEYS) {
    const e = s.keys[k];
    const metric = KEY_SPECS[k].route_metric;
    if (!e || metric === null) continue;
    out[metric] = { trip: e.trip, ...(e.recover !== null ? { recover: e.recover } : {}), ...(e.min_samples !== null ? { min_samples: e.min_samples } : {}) };
  }
  return out;
}

/** Replaces (or with null, removes) one named scope's overrides. */
export function withScope(s: ThresholdSettings, kind: NamedScope, name: string, scope: ScopeThresholds | null): ThresholdSettings {
  const m = scopeRecord(s[kind]);
  if (scope === null || (Object.keys(scope.keys).length === 0 && scope.min_samples === null)) delete m[name];
  else m[name] = scope;
  return { ...s, [kind]: m };
}
