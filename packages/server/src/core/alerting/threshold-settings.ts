/**
 * The thresholds settings (`GET|PUT /api/v1/thresholds`): seed 003's seven keys globally, with
 * overrides per agent, model and route. Rules that name a `threshold_key` read them; the most
 * specific override present for an alert's group wins (route, then model, then agent, then global).
 */
import { VigilError } from "../errors.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../thresholds.js";
import { THRESHOLD_KEYS } from "./rule.js";

/** Global thresholds and overrides per agent, model and route. */
export interface ThresholdSettings {
  global: Thresholds;
  agents: Record<string, Partial<Thresholds>>;
  models: Record<string, Partial<Thresholds>>;
  routes: Record<string, Partial<Thresholds>>;
}

/** Bounds of each key: ratios lie in 0..1, the rest must be positive. */
const RATIO_KEYS = new Set(["success_rate_min", "error_rate_max", "accuracy_min"]);
const SCOPES = ["agents", "models", "routes"] as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Settings from the defaults with a partial global override (the config file's `thresholds`). */
export function initialThresholds(global: Partial<Thresholds> | undefined): ThresholdSettings {
  return { global: { ...DEFAULT_THRESHOLDS, ...(global ?? {}) }, agents: {}, models: {}, routes: {} };
}

function checkKeys(v: unknown, path: string, problems: { path: string; message: string }[]): Partial<Thresholds> {
  const out: Partial<Thresholds> = {};
  if (!isObj(v)) {
    problems.push({ path, message: "must be an object of threshold keys" });
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (!(THRESHOLD_KEYS as readonly string[]).includes(k)) {
      problems.push({ path: `${path}/${k}`, message: `unknown threshold "${k}"; use ${THRESHOLD_KEYS.join(", ")}` });
      continue;
    }
    if (typeof val !== "number" || !Number.isFinite(val)) problems.push({ path: `${path}/${k}`, message: "must be a number" });
    else if (RATIO_KEYS.has(k) && (val < 0 || val > 1)) problems.push({ path: `${path}/${k}`, message: "must be between 0 and 1" });
    else if (!RATIO_KEYS.has(k) && val <= 0) problems.push({ path: `${path}/${k}`, message: "must be greater than 0" });
    else out[k as keyof Thresholds] = val;
  }
  return out;
}

/**
 * Validates a `PUT /thresholds` body: `{global?, agents?, models?, routes?}`; keys left out of
 * `global` keep their current value, and each scope given replaces that scope's overrides.
 */
export function applyThresholdUpdate(current: ThresholdSettings, body: unknown): ThresholdSettings {
  const problems: { path: string; message: string }[] = [];
  if (!isObj(body)) throw new VigilError("VALIDATION_FAILED", "the body must be an object: {global?, agents?, models?, routes?}", [{ path: "/", message: "must be an object" }]);
  for (const k of Object.keys(body)) if (k !== "global" && !(SCOPES as readonly string[]).includes(k)) problems.push({ path: `/${k}`, message: `unknown field "${k}"; use global, agents, models, routes` });
  const next: ThresholdSettings = { global: { ...current.global }, agents: { ...current.agents }, models: { ...current.models }, routes: { ...current.routes } };
  if (body.global !== undefined) Object.assign(next.global, checkKeys(body.global, "/global", problems));
  for (const scope of SCOPES) {
    const v = body[scope];
    if (v === undefined) continue;
    if (!isObj(v)) {
      problems.push({ path: `/${scope}`, message: "must be an object of name to thresholds" });
      continue;
    }
    const m: Record<string, Partial<Thresholds>> = {};
    for (const [name, t] of Object.entries(v)) {
      const parsed = checkKeys(t, `/${scope}/${name}`, problems);
      if (Object.keys(parsed).length) m[name] = parsed;
    }
    next[scope] = m;
  }
  if (problems.length) throw new VigilError("VALIDATION_FAILED", `invalid thresholds: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
  return next;
}

/** Reads stored settings back, tolerating keys a later release may have dropped. */
export function restoreThresholds(base: ThresholdSettings, stored: unknown): ThresholdSettings {
  if (!isObj(stored)) return base;
  try {
    return applyThresholdUpdate(base, stored);
  } catch {
    return base;
  }
}

/** The threshold for `key` applying to a group with these labels. */
export function resolveThreshold(s: ThresholdSettings, key: string, labels: Readonly<Record<string, string>>): number {
  const k = key as keyof Thresholds;
  const route = labels.route !== undefined ? s.routes[labels.route]?.[k] : undefined;
  if (route !== undefined) return route;
  const model = labels.model !== undefined ? s.models[labels.model]?.[k] : undefined;
  if (model !== undefined) return model;
  const agent = labels.agent_name !== undefined ? s.agents[labels.agent_name]?.[k] : undefined;
  if (agent !== undefined) return agent;
  return s.global[k];
}
