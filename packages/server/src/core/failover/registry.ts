/**
 * The model and route registry's input rules: a model or route as written in the config file or
 * sent to the API becomes a record, or a list of problems naming each field by JSON pointer.
 * Also version rollback and the effective thresholds and policy of a route.
 */
import { ROUTE_METRICS, type RouteMetric, type SwitchBack } from "@vigil/contract";
import { parseDuration } from "../window.js";
import { thresholdProblems, type RouteThresholds } from "./health.js";
import { DEFAULT_POLICY, type PolicySettings, type RouteConfig } from "./policy.js";
import type { DeploymentStatus, ModelRecord, ModelStatus, RouteRecord, Upstream } from "./store.js";
import { DEFAULT_UPSTREAM_POLICY, keyEnvRefusal, urlRefusal, type UpstreamPolicy } from "./upstream-policy.js";

/** A field problem, named by JSON pointer. */
export interface Problem {
  path: string;
  message: string;
}

/** Default health window of a route. */
export const DEFAULT_ROUTE_WINDOW_MS = 5 * 60_000;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
// Names become labels and URL segments: no control characters, as in the event contract.
// eslint-disable-next-line no-control-regex
const NAME = /^[^\u0000-\u001f\u007f-\u009f]{1,256}$/;
const MODEL_STATUSES: readonly ModelStatus[] = ["active", "standby", "retired"];
const DEPLOYMENT: readonly DeploymentStatus[] = ["pending", "deploying", "deployed", "failed", "rolled_back"];
const SWITCH_BACK: readonly SwitchBack[] = ["auto", "manual", "never"];
const MODEL_FIELDS = ["id", "name", "provider", "version", "notes", "capabilities", "status", "deployment_status", "upstream", "thresholds"];
const ROUTE_FIELDS = ["route", "primary", "backups", "thresholds", "requires", "switch_back", "policy", "window", "slow_call_ms"];
const POLICY_FIELDS: Record<keyof PolicySettings, "count" | "duration" | "share" | "shares"> = {
  trip_after: "count",
  min_dwell_ms: "duration",
  probe_share: "share",
  probe_evaluations: "count",
  ramp: "shares",
  ramp_step_evaluations: "count",
  backoff_base_ms: "duration",
  backoff_max_ms: "duration",
  backoff_decay_ms: "duration",
};

/** True when `v` is a semantic version (2.0.0, 1.4.0-rc.1). */
export function isSemver(v: unknown): v is string {
  return typeof v === "string" && SEMVER.test(v);
}

/** Compares two semantic versions by their numeric parts (-1, 0, 1); pre-releases sort before their release. */
export function compareSemver(a: string, b: string): number {
  const pa = a.split(/[-+]/)[0]!.split(".").map(Number);
  const pb = b.split(/[-+]/)[0]!.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  const ra = a.split("+")[0]!.includes("-");
  const rb = b.split("+")[0]!.includes("-");
  return ra === rb ? 0 : ra ? -1 : 1;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
function unknownFields(o: Record<string, unknown>, allowed: readonly string[], at: string, out: Problem[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) out.push({ path: `${at}/${k}`, message: "is not a known field" });
}
function name(v: unknown, path: string, out: Problem[], required: boolean): string | undefined {
  if (v === undefined) {
    if (required) out.push({ path, message: "is required" });
    return undefined;
  }
  if (typeof v !== "string" || !NAME.test(v)) {
    out.push({ path, message: "must be a string of 1 to 256 characters without control characters" });
    return undefined;
  }
  return v;
}

function capabilitiesOf(v: unknown, path: string, out: Problem[]): { context_window?: number; tools?: boolean } {
  if (v === undefined) return {};
  if (!isObject(v)) {
    out.push({ path, message: "must be an object {context_window?, tools?}" });
    return {};
  }
  unknownFields(v, ["context_window", "tools"], path, out);
  const c: { context_window?: number; tools?: boolean } = {};
  if (v.context_window !== undefined) {
    if (!Number.isInteger(v.context_window) || (v.context_window as number) < 1) out.push({ path: `${path}/context_window`, message: "must be a whole number of tokens >= 1" });
    else c.context_window = v.context_window as number;
  }
  if (v.tools !== undefined) {
    if (typeof v.tools !== "boolean") out.push({ path: `${path}/tools`, message: "must be true or false" });
    else c.tools = v.tools;
  }
  return c;
}

function thresholdsOf(v: unknown, out: Problem[]): RouteThresholds {
  if (v === undefined) return {};
  if (!isObject(v)) {
    out.push({ path: "/thresholds", message: `must be an object keyed by metric (${Object.keys(ROUTE_METRICS).join(", ")})` });
    return {};
  }
  const problems = thresholdProblems(v);
  out.push(...problems);
  return problems.length ? {} : (v as RouteThresholds);
}

/**
 * A model from the API or the config file; `previous` is the stored record when updating (PATCH semantics: absent
 * fields keep their values). A given upstream must satisfy `upstreams` as far as its text shows (the relay judges
 * resolved addresses when it connects).
 */
export function parseModel(
  input: unknown, source: "config" | "api", now: number, previous: ModelRecord | null = null, upstreams: UpstreamPolicy = DEFAULT_UPSTREAM_POLICY,
): { model: ModelRecord } | { problems: Problem[] } {
  const out: Problem[] = [];
  if (!isObject(input)) return { problems: [{ path: "", message: "must be an object" }] };
  unknownFields(input, MODEL_FIELDS, "", out);
  const id = previous?.id ?? name(input.id, "/id", out, true);
  if (previous && input.id !== undefined && input.id !== previous.id) out.push({ path: "/id", message: "cannot change; create a new model instead" });
  const displayName = input.name === undefined ? (previous?.name ?? id) : name(input.name, "/name", out, false);
  const provider = input.provider === undefined ? (previous?.provider ?? null) : input.provider === null ? null : (name(input.provider, "/provider", out, false) ?? null);
  let version = previous?.version ?? "1.0.0";
  if (input.version !== undefined) {
    if (!isSemver(input.version)) out.push({ path: "/version", message: "must be a semantic version such as 1.2.0" });
    else version = input.version;
  }
  if (input.notes !== undefined && input.notes !== null && typeof input.notes !== "string") out.push({ path: "/notes", message: "must be a string" });
  const capabilities = input.capabilities === undefined ? (previous?.capabilities ?? {}) : capabilitiesOf(input.capabilities, "/capabilities", out);
  let status: ModelStatus = previous?.status ?? "active";
  if (input.status !== undefined) {
    if (!MODEL_STATUSES.includes(input.status as ModelStatus)) out.push({ path: "/status", message: `must be one of ${MODEL_STATUSES.join(", ")}` });
    else status = input.status as ModelStatus;
  }
  let deployment: DeploymentStatus = previous?.deployment_status ?? "deployed";
  if (input.deployment_status !== undefined) {
    if (!DEPLOYMENT.includes(input.deployment_status as DeploymentStatus)) out.push({ path: "/deployment_status", message: `must be one of ${DEPLOYMENT.join(", ")}` });
    else deployment = input.deployment_status as DeploymentStatus;
  }
  let upstream: Upstream | null = previous?.upstream ?? null;
  if (input.upstream !== undefined) {
    if (input.upstream === null) upstream = null;
    else if (!isObject(input.upstream)) out.push({ path: "/upstream", message: "must be an object {base_url, api_key_env?, model?}" });
    else {
      const u = input.upstream;
      unknownFields(u, ["base_url", "api_key_env", "model"], "/upstream", out);
      let url: URL | null = null;
      try {
        url = typeof u.base_url === "string" ? new URL(u.base_url) : null;
      } catch {
        url = null;
      }
      if (url === null || !/^https?:$/.test(url.protocol)) out.push({ path: "/upstream/base_url", message: "must be an http(s) URL such as https://api.openai.com/v1" });
      else {
        const refused = urlRefusal(upstreams, url);
        if (refused !== null) out.push({ path: "/upstream/base_url", message: `is refused: ${refused} (failover.upstreams.allow or VIGIL_UPSTREAM_ALLOW on the server, --allow-upstream on the relay)` });
      }
      if (u.api_key_env !== undefined && u.api_key_env !== null) {
        const refused = typeof u.api_key_env === "string" ? keyEnvRefusal(upstreams, u.api_key_env) : "must be the name of an environment variable";
        if (refused !== null) out.push({ path: "/upstream/api_key_env", message: refused });
      }
      if (u.model !== undefined && u.model !== null) name(u.model, "/upstream/model", out, false);
      upstream = { base_url: String(u.base_url ?? "").replace(/\/+$/, ""), api_key_env: (u.api_key_env as string | undefined) ?? null, model: (u.model as string | undefined) ?? null };
    }
  }
  const thresholds = input.thresholds === undefined ? (previous?.thresholds ?? {}) : thresholdsOf(input.thresholds, out);
  if (out.length || id === undefined) return { problems: out };
  const versions = [...(previous?.versions ?? [])];
  if (!previous || previous.version !== version) versions.push({ version, deployed_at: now, notes: typeof input.notes === "string" ? input.notes : null });
  return {
    model: { id, name: displayName ?? id, provider, version, versions, capabilities, status, deployment_status: deployment, upstream, thresholds, source, created_at: previous?.created_at ?? now, updated_at: now },
  };
}

/** Rolls a model back to its previous version (or to `to`, which must be one it had). */
export function rollbackModel(m: ModelRecord, to: string | null, now: number): { model: ModelRecord } | { problems: Problem[] } {
  const earlier = m.versions.filter((v) => v.version !== m.version);
  const target = to === null ? earlier[earlier.length - 1] : m.versions.find((v) => v.version === to);
  if (!target) return { problems: [{ path: to === null ? "" : "/to", message: to === null ? `${m.id} has no earlier version to roll back to` : `${m.id} never had version ${to}; it had ${m.versions.map((v) => v.version).join(", ")}` }] };
  if (target.version === m.version) return { problems: [{ path: "/to", message: `${m.id} is already at ${to}` }] };
  return { model: { ...m, version: target.version, versions: [...m.versions, { version: target.version, deployed_at: now, notes: `rollback from ${m.version}` }], deployment_status: "rolled_back", updated_at: now } };
}

function policyOf(v: unknown, out: Problem[]): Partial<PolicySettings> {
  if (v === undefined) return {};
  if (!isObject(v)) {
    out.push({ path: "/policy", message: "must be an object" });
    return {};
  }
  const p: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(v)) {
    const kind = POLICY_FIELDS[k as keyof PolicySettings];
    const path = `/policy/${k}`;
    if (!kind) out.push({ path, message: `is not a policy setting; use ${Object.keys(POLICY_FIELDS).join(", ")}` });
    else if (kind === "count") {
      if (!Number.isInteger(raw) || (raw as number) < 1) out.push({ path, message: "must be a whole number >= 1" });
      else p[k] = raw;
    } else if (kind === "duration") {
      const ms = typeof raw === "string" ? (raw === "0s" ? 0 : parseDuration(raw)) : typeof raw === "number" && raw >= 0 ? raw : null;
      if (ms === null) out.push({ path, message: "must be a duration such as 30s or 5m (or milliseconds)" });
      else p[k] = ms;
    } else if (kind === "share") {
      if (typeof raw !== "number" || !(raw > 0 && raw < 1)) out.push({ path, message: "must be a share between 0 and 1 (exclusive)" });
      else p[k] = raw;
    } else if (!Array.isArray(raw) || raw.some((x, i) => typeof x !== "number" || !(x > 0 && x < 1) || (i > 0 && x <= (raw[i - 1] as number)))) {
      out.push({ path, message: "must be ascending shares between 0 and 1 (exclusive), e.g. [0.25, 0.5]" });
    } else p[k] = raw;
  }
  return p as Partial<PolicySettings>;
}

/** A route from the API or the config file (PATCH semantics with `previous`). Model references are checked against `models`. */
export function parseRoute(input: unknown, source: "config" | "api", now: number, models: ReadonlySet<string>, previous: RouteRecord | null = null): { route: RouteRecord } | { problems: Problem[] } {
  const out: Problem[] = [];
  if (!isObject(input)) return { problems: [{ path: "", message: "must be an object" }] };
  unknownFields(input, ROUTE_FIELDS, "", out);
  const route = previous?.route ?? name(input.route, "/route", out, true);
  if (previous && input.route !== undefined && input.route !== previous.route) out.push({ path: "/route", message: "cannot change; create a new route instead" });
  const primary = input.primary === undefined ? previous?.primary : name(input.primary, "/primary", out, true);
  if (primary === undefined && !out.some((p) => p.path === "/primary")) out.push({ path: "/primary", message: "is required" });
  let backups = previous?.backups ?? [];
  if (input.backups !== undefined) {
    if (!Array.isArray(input.backups)) out.push({ path: "/backups", message: "must be a list of model ids, best first" });
    else {
      backups = [];
      input.backups.forEach((b, i) => {
        const id = name(b, `/backups/${i}`, out, true);
        if (id === undefined) return;
        if (id === primary) out.push({ path: `/backups/${i}`, message: "is the primary; a backup must be another model" });
        else if (backups.includes(id)) out.push({ path: `/backups/${i}`, message: "is listed twice" });
        else if (!models.has(id)) out.push({ path: `/backups/${i}`, message: `model ${id} is not registered; add it to models first` });
        else backups.push(id);
      });
    }
  }
  if (primary !== undefined && !models.has(primary)) out.push({ path: "/primary", message: `model ${primary} is not registered; add it to models first` });
  // Kept backups must still exist (a PATCH that leaves them alone after a model was deleted).
  if (input.backups === undefined) for (const [i, m] of backups.entries()) if (!models.has(m)) out.push({ path: `/backups/${i}`, message: `model ${m} is not registered; add it to models first` });
  const thresholds = input.thresholds === undefined ? (previous?.thresholds ?? {}) : thresholdsOf(input.thresholds, out);
  const requires = input.requires === undefined ? (previous?.requires ?? {}) : capabilitiesOf(input.requires, "/requires", out);
  let switchBack: SwitchBack = previous?.switch_back ?? "auto";
  if (input.switch_back !== undefined) {
    if (!SWITCH_BACK.includes(input.switch_back as SwitchBack)) out.push({ path: "/switch_back", message: `must be one of ${SWITCH_BACK.join(", ")}` });
    else switchBack = input.switch_back as SwitchBack;
  }
  const policy = input.policy === undefined ? (previous?.policy ?? {}) : policyOf(input.policy, out);
  let windowMs = previous?.window_ms ?? DEFAULT_ROUTE_WINDOW_MS;
  if (input.window !== undefined) {
    const ms = typeof input.window === "string" ? parseDuration(input.window) : null;
    if (ms === null || ms < 30_000) out.push({ path: "/window", message: "must be a duration of at least 30s, such as 5m" });
    else windowMs = ms;
  }
  let slow = previous?.slow_call_ms ?? null;
  if (input.slow_call_ms !== undefined) {
    if (input.slow_call_ms !== null && !(typeof input.slow_call_ms === "number" && input.slow_call_ms > 0)) out.push({ path: "/slow_call_ms", message: "must be a number of milliseconds > 0, or null" });
    else slow = input.slow_call_ms as number | null;
  }
  if (out.length || route === undefined || primary === undefined) return { problems: out };
  return { route: { route, primary, backups, thresholds, requires, switch_back: switchBack, policy, window_ms: windowMs, slow_call_ms: slow, source, created_at: previous?.created_at ?? now, updated_at: now } };
}

/** A route's effective thresholds for one model: the route's own, over the model's defaults. */
export function thresholdsFor(route: RouteRecord, model: ModelRecord | undefined): RouteThresholds {
  return { ...(model?.thresholds ?? {}), ...route.thresholds };
}

/** The policy's view of a route: its settings over the defaults. */
export function routeConfig(r: RouteRecord): RouteConfig {
  return { route: r.route, primary: r.primary, backups: r.backups, requires: r.requires, switch_back: r.switch_back, policy: { ...DEFAULT_POLICY, ...r.policy } };
}

/** The metrics a set of thresholds watches. */
export function watched(t: RouteThresholds): RouteMetric[] {
  return Object.keys(t) as RouteMetric[];
}
