/**
 * The switching policy of a route, as a pure step function: given the route's configuration, its
 * runtime state, the health of every candidate model at this evaluation and the time, it returns
 * the next state and the decisions taken. Unlike gateways that fail over on HTTP errors and
 * re-admit a model when a timer expires, it:
 *
 * - trips only after `trip_after` consecutive unhealthy evaluations with enough samples, and
 *   counts a model as recovered only past the `recover` thresholds (hysteresis);
 * - stays at least `min_dwell_ms` in a state before another automatic change;
 * - never moves to a candidate that is itself unhealthy, retired or lacks a required capability;
 *   when every candidate is unhealthy it keeps the least bad one and marks the route `degraded`;
 * - brings a recovered primary back through a half-open probe (a small share of traffic) and a
 *   ramp of growing shares, aborting at the first unhealthy evaluation, with a backoff that doubles
 *   with each trip and decays with quiet time (`switch_back: auto`; `manual` and `never` leave the
 *   route on its backup);
 * - obeys a manual pin, with an optional expiry, over everything else.
 */
import type { ModelHealth, RouteDecision, RouteMetric, RouteStateName, SwitchBack, SwitchTrigger, TrafficSplit } from "@vigil/contract";
import { badness, reasonText } from "./health.js";

/** Timing and shape of the policy (defaults in DEFAULT_POLICY). */
export interface PolicySettings {
  /** Consecutive unhealthy evaluations of the active model before switching away. */
  trip_after: number;
  /** Least time in a state before an automatic change, ms. */
  min_dwell_ms: number;
  /** Share of traffic a recovering primary gets while probed. */
  probe_share: number;
  /** Consecutive healthy evaluations the probe needs before the ramp starts. */
  probe_evaluations: number;
  /** Shares of the ramp, ascending, ending below 1 (the step after the last returns all traffic). */
  ramp: number[];
  /** Consecutive healthy evaluations per ramp step. */
  ramp_step_evaluations: number;
  /** Wait after a trip before the primary is probed, ms; doubles with each further trip. */
  backoff_base_ms: number;
  /** Longest such wait, ms. */
  backoff_max_ms: number;
  /** Quiet time after which one past trip is forgiven, ms. */
  backoff_decay_ms: number;
}

/** The defaults: trip after 2 bad evaluations, dwell 1 min, probe 5%, ramp 25% and 50%, backoff 1 min doubling to 1 h. */
export const DEFAULT_POLICY: Readonly<PolicySettings> = Object.freeze({
  trip_after: 2,
  min_dwell_ms: 60_000,
  probe_share: 0.05,
  probe_evaluations: 3,
  ramp: [0.25, 0.5],
  ramp_step_evaluations: 2,
  backoff_base_ms: 60_000,
  backoff_max_ms: 3_600_000,
  backoff_decay_ms: 1_800_000,
});

/** What a model can do. */
export interface ModelCapabilities {
  context_window?: number;
  tools?: boolean;
}

/** A candidate model as the policy sees it. */
export interface CandidateModel {
  id: string;
  status: "active" | "standby" | "retired";
  capabilities: ModelCapabilities;
}

/** A route's configuration. */
export interface RouteConfig {
  route: string;
  primary: string;
  backups: string[];
  /** Capabilities every model serving the route needs. */
  requires: ModelCapabilities;
  switch_back: SwitchBack;
  policy: PolicySettings;
}

/** A manual pin. */
export interface Pin {
  model: string;
  until: number | null;
  by: string | null;
  reason: string | null;
}

/** A traffic split with its progress. */
export interface Split extends TrafficSplit {
  /** Ramp step (-1 while probing). */
  step: number;
  /** When the probe started: the probed model is judged on its traffic since then. */
  started_at: number;
}

/** The runtime state of a route (persisted). */
export interface RouteRuntime {
  route: string;
  active: string;
  state: RouteStateName;
  since: number;
  reason: string | null;
  revision: number;
  split: Split | null;
  pin: Pin | null;
  /** Consecutive unhealthy evaluations, per model. */
  bad: Record<string, number>;
  /** Consecutive healthy evaluations, per model. */
  good: Record<string, number>;
  /** Trips counted for the backoff, and when the last one happened. */
  trips: number;
  last_trip_at: number | null;
  /** No probe of the primary before this time. */
  probe_not_before: number;
  /** Set once a recovered primary has been reported under `switch_back: manual`. */
  recovery_noted: boolean;
  /** When the active model took the route (absent: since before the window). */
  active_since?: number;
}

/** A decision, as recorded in the route's history (the wire form, with the time in epoch ms, before route and revision are known). */
export type DecisionDraft = Omit<RouteDecision, "at" | "route" | "revision"> & { at: number };

/** The result of one step. */
export interface Step {
  next: RouteRuntime;
  decisions: DecisionDraft[];
}

/** The state of a route that has never been evaluated: on its primary. */
export function initialRuntime(cfg: RouteConfig, now: number): RouteRuntime {
  return { route: cfg.route, active: cfg.primary, state: "normal", since: now, reason: null, revision: 1, split: null, pin: null, bad: {}, good: {}, trips: 0, last_trip_at: null, probe_not_before: 0, recovery_noted: false };
}

/** True when the model is usable for the route: known, not retired, with the capabilities required. */
export function eligible(cfg: RouteConfig, m: CandidateModel | undefined): m is CandidateModel {
  if (!m || m.status === "retired") return false;
  const need = cfg.requires;
  if (need.tools && !m.capabilities.tools) return false;
  if (need.context_window !== undefined && (m.capabilities.context_window ?? 0) < need.context_window) return false;
  return true;
}

/** Trips still counted at `now` (one forgiven per `backoff_decay_ms` of quiet). */
export function effectiveTrips(rt: RouteRuntime, p: PolicySettings, now: number): number {
  if (rt.last_trip_at === null) return 0;
  return Math.max(0, rt.trips - Math.floor((now - rt.last_trip_at) / p.backoff_decay_ms));
}

/** The wait before probing after the n-th trip (n >= 1). */
export function backoffMs(p: PolicySettings, trips: number): number {
  return Math.min(p.backoff_max_ms, p.backoff_base_ms * 2 ** Math.max(0, trips - 1));
}

const UNKNOWN: ModelHealth = { status: "unknown", reasons: [], samples: 0 };

function worstReason(h: ModelHealth): { metric: RouteMetric | null; value: number | null; threshold: number | null; text: string } {
  let best: ModelHealth["reasons"][number] | null = null;
  let score = -1;
  for (const r of h.reasons) {
    const s = Math.abs(r.value - r.threshold) / Math.max(Math.abs(r.threshold), 1e-9);
    if (s > score) {
      score = s;
      best = r;
    }
  }
  if (!best) return { metric: null, value: null, threshold: null, text: h.status };
  return { metric: best.metric, value: best.value, threshold: best.threshold, text: reasonText(best) };
}

/**
 * Where the health of `model` is judged from: the active model over the window since it took the
 * route; another candidate only on its traffic since the route last changed (or since its probe
 * started), so a primary is not held to the failures that made the route leave it, and a probe
 * counts only its own calls.
 */
export function healthFrom(rt: RouteRuntime, model: string, windowStart: number): number {
  // The active model answers for its calls since it took the route: a primary back from a probe is
  // not tripped again by the failures that made the route leave it.
  if (model === rt.active) return Math.max(windowStart, rt.active_since ?? windowStart);
  return Math.max(windowStart, rt.split?.model === model ? (rt.split.started_at ?? rt.since) : rt.since);
}

/** One evaluation of a route. `models` holds every registered model by id. */
export function stepRoute(cfg: RouteConfig, models: ReadonlyMap<string, CandidateModel>, prev: RouteRuntime, health: Readonly<Record<string, ModelHealth>>, now: number, fresh: Readonly<Record<string, ModelHealth>> = health): Step {
  const p = cfg.policy;
  const rt: RouteRuntime = { ...prev, bad: { ...prev.bad }, good: { ...prev.good }, split: prev.split ? { ...prev.split } : null, pin: prev.pin ? { ...prev.pin } : null };
  const decisions: DecisionDraft[] = [];
  const h = (m: string) => health[m] ?? UNKNOWN;
  // A probed primary is judged on its calls since the probe started, and a probe starts on the
  // primary's calls since the route left it: old failures neither doom a probe nor delay one.
  const hf = (m: string) => fresh[m] ?? UNKNOWN;
  const candidates = [cfg.primary, ...cfg.backups.filter((b) => b !== cfg.primary)];
  // Streaks: unknown (too few samples) neither counts nor breaks a streak.
  for (const m of new Set([...candidates, rt.active])) {
    const s = (prev.split?.model === m ? hf(m) : h(m)).status;
    if (s === "unhealthy") rt.bad[m] = (rt.bad[m] ?? 0) + 1;
    else if (s !== "unknown") rt.bad[m] = 0;
    if (s === "healthy") rt.good[m] = (rt.good[m] ?? 0) + 1;
    else if (s !== "unknown") rt.good[m] = 0;
  }
  const change = (to: string, state: RouteStateName, trigger: SwitchTrigger, why: string, cause: ModelHealth | null = null) => {
    const w = cause ? worstReason(cause) : { metric: null, value: null, threshold: null };
    decisions.push({ at: now, from: rt.active, to, trigger, metric: w.metric, value: w.value, threshold: w.threshold, reason: why, state });
    if (to !== rt.active) rt.active_since = now;
    rt.active = to;
    rt.state = state;
    rt.since = now;
    rt.reason = why;
    rt.revision++;
  };
  const baseState = (model: string): RouteStateName => (model === cfg.primary ? "normal" : "failed_over");

  // A pin rules until it expires.
  if (rt.pin) {
    if (rt.pin.until !== null && now >= rt.pin.until) {
      const model = rt.pin.model;
      rt.pin = null;
      change(model, baseState(model), "pin_expired", `pin on ${model} expired; automation resumes`);
    } else return { next: rt, decisions };
  }

  // The dwell is the least time between changes: a route that never changed can trip at once.
  const dwellOver = rt.revision <= 1 || now - rt.since >= p.min_dwell_ms;
  const active = h(rt.active);

  // A probe or ramp of the primary: abort at its first unhealthy evaluation, else advance.
  if (rt.split) {
    const ph = hf(rt.split.model);
    if (ph.status === "unhealthy") {
      const trips = effectiveTrips(rt, p, now) + 1;
      rt.trips = trips;
      rt.last_trip_at = now;
      rt.probe_not_before = now + backoffMs(p, trips);
      const w = worstReason(ph);
      decisions.push({ at: now, from: rt.split.model, to: rt.active, trigger: "probe", metric: w.metric, value: w.value, threshold: w.threshold, reason: `${rt.split.phase} of ${rt.split.model} failed (${w.text}); next probe in ${Math.round(backoffMs(p, trips) / 1000)} s`, state: rt.state });
      rt.split = null;
      rt.reason = decisions[decisions.length - 1]!.reason;
      rt.revision++;
      return { next: rt, decisions };
    }
    // The model serving the rest of the traffic failing while the primary proves healthy: finish now.
    if (active.status === "unhealthy" && (rt.bad[rt.active] ?? 0) >= p.trip_after && ph.status === "healthy") {
      const { model: to, phase } = rt.split;
      const tookShare = rt.split.started_at ?? rt.since;
      rt.split = null;
      change(to, baseState(to), "recovery", `${rt.active} unhealthy (${worstReason(active).text}) while ${to} is healthy in its ${phase}; all traffic to ${to}`, active);
      // It has served the route since its probe began: its health goes on over those calls.
      rt.active_since = tookShare;
      return { next: rt, decisions };
    }
    const need = rt.split.phase === "probe" ? p.probe_evaluations : p.ramp_step_evaluations;
    if ((rt.good[rt.split.model] ?? 0) >= need) {
      const nextStep = rt.split.step + 1;
      rt.good[rt.split.model] = 0;
      if (nextStep >= p.ramp.length) {
        const to = rt.split.model;
        const tookShare = rt.split.started_at ?? rt.since;
        rt.split = null;
        change(to, baseState(to), "recovery", `${to} healthy through probe and ramp; all traffic back`);
        // It has served the route since its probe began: its health goes on over those calls.
        rt.active_since = tookShare;
      } else {
        const share = p.ramp[nextStep]!;
        rt.split = { model: rt.split.model, share, phase: "ramp", step: nextStep, started_at: rt.split.started_at };
        rt.reason = `ramping ${rt.split.model} to ${Math.round(share * 100)}% of traffic`;
        rt.revision++;
        decisions.push({ at: now, from: rt.active, to: rt.split.model, trigger: "ramp", metric: null, value: null, threshold: null, reason: rt.reason, state: rt.state });
      }
    }
    return { next: rt, decisions };
  }

  // The active model failing: move to the best candidate, or keep the least bad and say degraded.
  if (active.status === "unhealthy" && (rt.bad[rt.active] ?? 0) >= p.trip_after && dwellOver) {
    const inBackoff = now < rt.probe_not_before;
    const usable = candidates.filter((m) => m !== rt.active && eligible(cfg, models.get(m)) && !(m === cfg.primary && inBackoff && h(m).status !== "healthy"));
    const target = usable.find((m) => h(m).status === "healthy") ?? usable.find((m) => h(m).status === "unknown" || h(m).status === "degraded");
    const tripPrimary = () => {
      if (rt.active !== cfg.primary) return;
      const trips = effectiveTrips(rt, p, now) + 1;
      rt.trips = trips;
      rt.last_trip_at = now;
      rt.probe_not_before = now + backoffMs(p, trips);
    };
    const w = worstReason(active);
    if (target) {
      tripPrimary();
      change(target, baseState(target), "auto", `${rt.active} unhealthy for ${rt.bad[rt.active]} evaluations (${w.text}); ${target} is ${h(target).status}`, active);
      rt.recovery_noted = false;
      return { next: rt, decisions };
    }
    // Every candidate is unhealthy: the least bad one serves, the route is degraded.
    const pool = [rt.active, ...usable];
    let least = rt.active;
    for (const m of pool) if (badness(h(m)) < badness(h(least))) least = m;
    if (least !== rt.active) {
      tripPrimary();
      change(least, "degraded", "auto", `every candidate is unhealthy; ${least} is the least bad (${worstReason(h(least)).text})`, active);
    } else if (rt.state !== "degraded") change(rt.active, "degraded", "auto", `every candidate is unhealthy; staying on ${rt.active}, the least bad (${w.text})`, active);
    return { next: rt, decisions };
  }

  // Out of degraded once the active model is healthy again.
  if (rt.state === "degraded" && active.status === "healthy" && dwellOver) {
    change(rt.active, baseState(rt.active), "recovery", `${rt.active} healthy again`);
    return { next: rt, decisions };
  }

  // On a backup: bring the primary back (auto), or report that it could come back (manual).
  if (rt.active !== cfg.primary && eligible(cfg, models.get(cfg.primary)) && rt.state !== "degraded") {
    const ph = hf(cfg.primary);
    if (cfg.switch_back === "auto" && dwellOver && now >= rt.probe_not_before && ph.status !== "unhealthy" && active.status !== "unhealthy") {
      rt.split = { model: cfg.primary, share: p.probe_share, phase: "probe", step: -1, started_at: now };
      rt.good[cfg.primary] = 0;
      rt.reason = `probing ${cfg.primary} with ${Math.round(p.probe_share * 100)}% of traffic`;
      rt.revision++;
      decisions.push({ at: now, from: rt.active, to: cfg.primary, trigger: "probe", metric: null, value: null, threshold: null, reason: rt.reason, state: rt.state });
    } else if (cfg.switch_back === "manual" && ph.status === "healthy" && !rt.recovery_noted) {
      rt.recovery_noted = true;
      rt.reason = `${cfg.primary} is healthy again; switch back manually (switch_back: manual)`;
      rt.revision++;
    }
  }
  return { next: rt, decisions };
}

/** A manual switch: pin the route on `to` (for `ttlMs`, or until unpinned when null). */
export function manualSwitch(prev: RouteRuntime, to: string, opts: { ttlMs: number | null; by: string | null; reason: string | null }, now: number): Step {
  const rt: RouteRuntime = { ...prev, split: null, pin: { model: to, until: opts.ttlMs === null ? null : now + opts.ttlMs, by: opts.by, reason: opts.reason } };
  const why = `pinned to ${to}${opts.by ? ` by ${opts.by}` : ""}${opts.ttlMs !== null ? ` for ${Math.round(opts.ttlMs / 1000)} s` : ""}${opts.reason ? `: ${opts.reason}` : ""}`;
  const d: DecisionDraft = { at: now, from: prev.active, to, trigger: "manual", metric: null, value: null, threshold: null, reason: why, state: "pinned" };
  return { next: { ...rt, active: to, state: "pinned", since: now, reason: why, revision: prev.revision + 1, active_since: to === prev.active ? prev.active_since : now }, decisions: [d] };
}

/** Removes a pin: automation resumes from the pinned model. */
export function unpin(cfg: RouteConfig, prev: RouteRuntime, by: string | null, now: number): Step {
  if (!prev.pin) return { next: prev, decisions: [] };
  const state: RouteStateName = prev.active === cfg.primary ? "normal" : "failed_over";
  const why = `unpinned${by ? ` by ${by}` : ""}; automation resumes on ${prev.active}`;
  const d: DecisionDraft = { at: now, from: prev.active, to: prev.active, trigger: "manual", metric: null, value: null, threshold: null, reason: why, state };
  return { next: { ...prev, pin: null, state, since: now, reason: why, revision: prev.revision + 1 }, decisions: [d] };
}
