/**
 * Models, routes and automatic failover at run time. The leader evaluates every route at each
 * interval: the health of each candidate over the route's window (from the rollups, by route and
 * model), then the switching policy (core/failover/policy.ts). Changes are saved with the
 * decisions that caused them, compare-and-set on the route's revision, so a manual switch on
 * another instance is never overwritten; then every listener hears of them (server-sent events,
 * webhooks, alerts, `/metrics`). Followers re-read the state from the store and answer the same.
 */
import type { ModelHealth, RouteDecision, RouteView } from "@vigil/contract";
import { VigilError } from "../core/errors.js";
import type { ModelComparison } from "../core/failover/compare.js";
import type { RouteThresholds } from "../core/failover/health.js";
import { initialRuntime, manualSwitch, stepRoute, unpin, type CandidateModel, type DecisionDraft, type RouteRuntime } from "../core/failover/policy.js";
import { parseModel, parseRoute, rollbackModel, routeConfig, type Problem } from "../core/failover/registry.js";
import { scopeFromMetrics, scopeToMetrics } from "../core/threshold-wire.js";
import { scopeRecord, type NamedScope, type ScopeThresholds } from "../core/threshold-model.js";
import type { ThresholdService } from "./threshold-service.js";
import type { ModelRecord, RouteDecisionRecord, RouteRecord, RouteStore } from "../core/failover/store.js";
import type { UpstreamPolicy } from "../core/failover/upstream-policy.js";
import type { Leadership } from "../core/ports.js";
import type { RollupIndex } from "../core/rollup-index.js";
import { SerialQueue } from "./serial-queue.js";
import { ModelJudge, type RouteHealth } from "./model-health.js";
import { drain, type Stepped } from "../core/stepped.js";

/** What the route service needs. */
export interface RouteServiceDeps {
  store: RouteStore;
  /** The one threshold model: model health and failover judge on its limits; the registry's `thresholds` fields are aliases of its model and route scopes. */
  thresholds: Pick<ThresholdService, "limits" | "scope" | "setScope" | "setConfigScopes">;
  index: Pick<RollupIndex, "scan">;
  leadership: Pick<Leadership, "isLeader">;
  /** True when several instances share the store: followers re-read the route states from it. */
  shared: boolean;
  /** Runs scans over the rollups in slices, so route evaluation never holds the serving thread; default: at once. */
  run?<T>(work: Stepped<T>): Promise<T>;
  /** What registered upstreams may name (default: public addresses, keys under the default prefix). */
  upstreams?: UpstreamPolicy;
  now(): number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** A change of a route, as listeners hear it: the new view and the decisions behind it. */
export interface RouteChange {
  view: RouteView;
  decisions: RouteDecision[];
  /** True when this instance made the change; false when it read another instance's change from the store. */
  local: boolean;
}

/** Hears every route change. */
export type RouteListener = (change: RouteChange) => void;

const iso = (t: number) => new Date(t).toISOString();
const invalid = (what: string, problems: Problem[]) => new VigilError("VALIDATION_FAILED", `${what}: ${problems.map((p) => `${p.path || "(body)"} ${p.message}`).join("; ")}`, problems);

/** The route runtime. */
export class RouteService {
  private models = new Map<string, ModelRecord>();
  private routes = new Map<string, RouteRecord>();
  private states = new Map<string, RouteRuntime>();
  private health = new Map<string, Record<string, ModelHealth>>();
  private readonly listeners = new Set<RouteListener>();
  private readonly queue = new SerialQueue();
  private switches = new Map<string, number>();

  private readonly judge: ModelJudge;

  constructor(private readonly deps: RouteServiceDeps) {
    this.judge = new ModelJudge(deps);
  }

  /** Loads the registry and states, replacing config-file entries with `config` (models first). */
  start(config: { models: unknown[]; routes: unknown[] } = { models: [], routes: [] }): Promise<void> {
    return this.serial(async () => {
      const now = this.deps.now();
      const problems: string[] = [];
      const storedModels = await this.deps.store.listModels();
      const models: ModelRecord[] = [];
      config.models.forEach((m, i) => {
        const prev = storedModels.find((s) => s.id === (m as { id?: unknown } | null)?.id) ?? null;
        // A config-file model keeps its history across restarts; one added through the API is replaced.
        const r = parseModel(m, "config", now, prev?.source === "config" ? prev : null, this.deps.upstreams);
        if ("problems" in r) problems.push(...r.problems.map((p) => `failover.models[${i}]${p.path}: ${p.message}`));
        else models.push(r.model);
      });
      if (problems.length) throw new VigilError("CONFIG_INVALID", `invalid models in the config file:\n  ${problems.join("\n  ")}`);
      const known = new Set([...storedModels.filter((m) => m.source === "api").map((m) => m.id), ...models.map((m) => m.id)]);
      const storedRoutes = await this.deps.store.listRoutes();
      const routes: RouteRecord[] = [];
      config.routes.forEach((r, i) => {
        const prev = storedRoutes.find((s) => s.route === (r as { route?: unknown } | null)?.route) ?? null;
        const p = parseRoute(r, "config", now, known, prev?.source === "config" ? prev : null);
        if ("problems" in p) problems.push(...p.problems.map((x) => `failover.routes[${i}]${x.path}: ${x.message}`));
        else routes.push(p.route);
      });
      if (problems.length) throw new VigilError("CONFIG_INVALID", `invalid routes in the config file:\n  ${problems.join("\n  ")}`);
      // The config file's thresholds are the configuration's layer of the threshold model.
      this.deps.thresholds.setConfigScopes("models", configScopes(models.map((m) => [m.id, m.thresholds])));
      this.deps.thresholds.setConfigScopes("routes", configScopes(routes.map((r) => [r.route, r.thresholds])));
      for (const m of models) await this.deps.store.putModel(m);
      for (const r of routes) await this.deps.store.putRoute(r);
      // Thresholds an earlier release kept on API-made records move to the threshold model.
      for (const m of storedModels) if (m.source === "api" && Object.keys(m.thresholds).length) await this.moveThresholds("models", m.id, m.thresholds, () => this.deps.store.putModel({ ...m, thresholds: {} }));
      for (const r of storedRoutes) if (r.source === "api" && Object.keys(r.thresholds).length) await this.moveThresholds("routes", r.route, r.thresholds, () => this.deps.store.putRoute({ ...r, thresholds: {} }));
      // Config-file entries removed from the file go; API entries stay.
      for (const r of storedRoutes) if (r.source === "config" && !routes.some((x) => x.route === r.route)) await this.deps.store.deleteRoute(r.route);
      for (const m of storedModels) if (m.source === "config" && !models.some((x) => x.id === m.id)) await this.deps.store.deleteModel(m.id);
      await this.reload();
    });
  }

  private async moveThresholds(kind: NamedScope, name: string, t: RouteThresholds, clear: () => Promise<void>): Promise<void> {
    if (this.deps.thresholds.scope(kind, name) === undefined) await this.deps.thresholds.setScope(kind, name, scopeFromMetrics(t));
    await clear();
  }

  /** A record as the API shows it: `thresholds` is its scope of the threshold model, in the registry's spelling. */
  private shown(rec: ModelRecord): ModelRecord {
    return { ...rec, thresholds: scopeToMetrics(this.deps.thresholds.scope("models", rec.id)) };
  }

  /** Writes the `thresholds` of an API change to the threshold model and keeps the record without them. */
  private async takeThresholds<T extends ModelRecord | RouteRecord>(input: unknown, rec: T, kind: NamedScope, name: string): Promise<T> {
    const given = typeof input === "object" && input !== null && "thresholds" in input;
    if (given) await this.deps.thresholds.setScope(kind, name, scopeFromMetrics(rec.thresholds));
    return { ...rec, thresholds: {} };
  }

  /** Re-reads registry and states from the store (followers; after a lost compare-and-set). */
  async reload(): Promise<void> {
    this.models = new Map((await this.deps.store.listModels()).map((m) => [m.id, m]));
    this.routes = new Map((await this.deps.store.listRoutes()).map((r) => [r.route, r]));
    const states = await this.deps.store.listStates();
    const before = this.states;
    this.states = new Map(states.filter((s) => this.routes.has(s.route)).map((s) => [s.route, s]));
    // Followers: tell listeners about changes made by the leader or another instance.
    for (const [route, s] of this.states) {
      const old = before.get(route);
      if (old && old.revision < s.revision) {
        const history = await this.deps.store.history(route, s.revision - old.revision);
        this.publish(s, history.filter((d) => d.revision > old.revision).reverse(), false);
      }
    }
  }

  /** Hears every route change; returns the function that stops listening. */
  subscribe(listener: RouteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One evaluation of every route (a no-op on an instance that does not lead). */
  evaluate(): Promise<number> {
    return this.serial(async () => {
      // With a shared store the registry and states may have changed on another instance.
      if (this.deps.shared) await this.reload();
      if (!this.deps.leadership.isLeader()) return 0;
      const now = this.deps.now();
      let changed = 0;
      for (const r of this.routes.values()) {
        const prev = this.states.get(r.route) ?? null;
        const base = prev ?? initialRuntime(routeConfig(r), now);
        const health = await this.run(this.healthOf(r, now));
        this.health.set(r.route, health.shown);
        const step = stepRoute(routeConfig(r), this.candidates(), base, health.window, now, health.fresh);
        const dirty = prev === null || JSON.stringify(step.next) !== JSON.stringify(prev);
        if (!dirty) continue;
        const ok = await this.save(step.next, prev?.revision ?? null, step.decisions);
        if (!ok) {
          this.deps.log.warn({ route: r.route }, "route changed on another instance during evaluation; re-reading it");
          await this.reload();
          continue;
        }
        if (step.decisions.length || (prev && prev.revision !== step.next.revision)) changed++;
      }
      return changed;
    });
  }

  /** Health of a model on a route (or aggregated over the routes it serves when `route` is null) over a window. */
  async modelHealth(model: string, route: string | null, windowMs: number | null): Promise<ModelHealth> {
    if (!this.models.has(model)) throw new VigilError("NOT_FOUND", `model ${model} is not registered`);
    const r = route === null ? null : this.routes.get(route);
    if (route !== null && !r) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
    const serves = [...this.routes.values()].filter((x) => x.primary === model || x.backups.includes(model));
    // Over the route's own window, a model is judged as the route judges it (the verdict its view shows and failover acts on).
    const asRouteSees = windowMs === null ? async (x: RouteRecord) => (await this.shownHealth(x))[model] : undefined;
    return this.judge.health(model, r ?? null, serves, windowMs, asRouteSees);
  }

  /** Two models side by side over the same window (and route, when given), with a recommendation. */
  async compare(a: string, b: string, route: string | null, windowMs: number): Promise<ModelComparison> {
    for (const m of [a, b]) if (!this.models.has(m)) throw new VigilError("NOT_FOUND", `model ${m} is not registered`);
    if (a === b) throw new VigilError("VALIDATION_FAILED", "compare two different models", [{ path: "/b", message: "must differ from a" }]);
    const r = route === null ? null : this.routes.get(route);
    if (route !== null && !r) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
    return this.judge.compare(a, b, r ?? null, windowMs);
  }

  /** The view of one route. */
  view(route: string): RouteView {
    const r = this.routes.get(route);
    if (!r) throw new VigilError("NOT_FOUND", `route ${route} does not exist; GET /api/v1/routes lists them`);
    return this.viewOf(r, this.states.get(route) ?? initialRuntime(routeConfig(r), r.created_at));
  }

  /** Every route's view. */
  views(): RouteView[] {
    return [...this.routes.keys()].sort().map((r) => this.view(r));
  }

  /** The registry. */
  listModels(): ModelRecord[] {
    return [...this.models.values()].sort((a, b) => a.id.localeCompare(b.id)).map((m) => this.shown(m));
  }

  /** One model, its `thresholds` read from the threshold model. */
  model(id: string): ModelRecord {
    return this.shown(this.record(id));
  }

  private record(id: string): ModelRecord {
    const m = this.models.get(id);
    if (!m) throw new VigilError("NOT_FOUND", `model ${id} is not registered`);
    return m;
  }


  /** Adds a model (409 when the id exists). */
  createModel(input: unknown): Promise<ModelRecord> {
    return this.serial(async () => {
      const id = (input as { id?: unknown } | null)?.id;
      if (typeof id === "string" && this.models.has(id)) throw new VigilError("CONFLICT", `model ${id} already exists; PATCH /api/v1/models/${id} changes it`);
      const r = parseModel(input, "api", this.deps.now(), null, this.deps.upstreams);
      if ("problems" in r) throw invalid("invalid model", r.problems);
      const m = await this.takeThresholds(input, r.model, "models", r.model.id);
      await this.deps.store.putModel(m);
      this.models.set(m.id, m);
      return this.model(m.id);
    });
  }

  /** Changes a model (fields given replace, others stay); a new version is recorded in its history. */
  updateModel(id: string, input: unknown): Promise<ModelRecord> {
    return this.serial(async () => {
      const prev = this.record(id);
      const r = parseModel(input, prev.source, this.deps.now(), prev, this.deps.upstreams);
      if ("problems" in r) throw invalid(`invalid change to model ${id}`, r.problems);
      const m = await this.takeThresholds(input, { ...r.model, source: "api" as const }, "models", id);
      await this.deps.store.putModel(m);
      this.models.set(id, m);
      return this.model(id);
    });
  }

  /** Rolls a model back to its previous version, or to `to`. */
  rollback(id: string, to: string | null): Promise<ModelRecord> {
    return this.serial(async () => {
      const r = rollbackModel(this.record(id), to, this.deps.now());
      if ("problems" in r) throw invalid(`cannot roll ${id} back`, r.problems);
      await this.deps.store.putModel(r.model);
      this.models.set(id, r.model);
      return this.model(id);
    });
  }

  /** Deletes a model unless a route uses it (409 naming the routes). */
  deleteModel(id: string): Promise<void> {
    return this.serial(async () => {
      this.record(id);
      const users = [...this.routes.values()].filter((r) => r.primary === id || r.backups.includes(id)).map((r) => r.route);
      if (users.length) throw new VigilError("CONFLICT", `model ${id} serves route(s) ${users.join(", ")}; change those routes first`);
      await this.deps.store.deleteModel(id);
      this.models.delete(id);
      if (this.deps.thresholds.scope("models", id) !== undefined) await this.deps.thresholds.setScope("models", id, null);
    });
  }

  /** Adds a route (409 when it exists). */
  createRoute(input: unknown): Promise<RouteView> {
    return this.serial(async () => {
      const name = (input as { route?: unknown } | null)?.route;
      if (typeof name === "string" && this.routes.has(name)) throw new VigilError("CONFLICT", `route ${name} already exists; PATCH /api/v1/routes/${name} changes it`);
      const r = parseRoute(input, "api", this.deps.now(), new Set(this.models.keys()));
      if ("problems" in r) throw invalid("invalid route", r.problems);
      const rec = await this.takeThresholds(input, r.route, "routes", r.route.route);
      await this.deps.store.putRoute(rec);
      this.routes.set(rec.route, rec);
      return this.view(rec.route);
    });
  }

  /** Changes a route (thresholds updates from gateways land here). */
  updateRoute(route: string, input: unknown): Promise<RouteView> {
    return this.serial(async () => {
      const prev = this.routes.get(route);
      if (!prev) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
      const r = parseRoute(input, prev.source, this.deps.now(), new Set(this.models.keys()), prev);
      if ("problems" in r) throw invalid(`invalid change to route ${route}`, r.problems);
      const rec = await this.takeThresholds(input, { ...r.route, source: "api" as const }, "routes", route);
      await this.deps.store.putRoute(rec);
      this.routes.set(route, rec);
      return this.view(route);
    });
  }

  /** Deletes a route and its state (its history stays). */
  deleteRoute(route: string): Promise<void> {
    return this.serial(async () => {
      if (!this.routes.has(route)) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
      await this.deps.store.deleteRoute(route);
      this.routes.delete(route);
      if (this.deps.thresholds.scope("routes", route) !== undefined) await this.deps.thresholds.setScope("routes", route, null);
      this.states.delete(route);
    });
  }

  /** A manual switch: pins the route on `to` for `ttlS` seconds (until unpinned when absent). */
  switchTo(route: string, to: string, opts: { ttlS?: number; by?: string; reason?: string }): Promise<RouteView> {
    return this.serial(async () => {
      const r = this.routes.get(route);
      if (!r) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
      if (to !== r.primary && !r.backups.includes(to)) throw new VigilError("VALIDATION_FAILED", `${to} is not a candidate of route ${route}: use ${[r.primary, ...r.backups].join(", ")}`, [{ path: "/to", message: "is not the primary or a backup of the route" }]);
      const m = this.models.get(to);
      if (!m || m.status === "retired") throw new VigilError("VALIDATION_FAILED", `${to} is retired`, [{ path: "/to", message: "is retired" }]);
      return this.mutate(route, (cur, now) => manualSwitch(cur, to, { ttlMs: opts.ttlS === undefined ? null : opts.ttlS * 1000, by: opts.by ?? null, reason: opts.reason ?? null }, now));
    });
  }

  /** Removes a route's pin. */
  unpin(route: string, by: string | null): Promise<RouteView> {
    return this.serial(async () => {
      const r = this.routes.get(route);
      if (!r) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
      return this.mutate(route, (cur, now) => unpin(routeConfig(r), cur, by, now));
    });
  }

  /** A route's decisions, newest first. */
  async history(route: string, limit: number): Promise<RouteDecision[]> {
    if (!this.routes.has(route)) throw new VigilError("NOT_FOUND", `route ${route} does not exist`);
    return (await this.deps.store.history(route, limit)).map(toDecision);
  }

  /** Figures for `/metrics`: each route's state and active model, and switches by trigger since the start. */
  metrics(): { routes: { route: string; state: string; active: string; revision: number }[]; switches: Record<string, number> } {
    return { routes: [...this.routes.keys()].map((r) => this.view(r)).map((v) => ({ route: v.route, state: v.state, active: v.active_model, revision: v.revision })), switches: Object.fromEntries(this.switches) };
  }

  /** Applies a manual change with compare-and-set, re-reading and retrying when another instance moved first. */
  private async mutate(route: string, fn: (cur: RouteRuntime, now: number) => { next: RouteRuntime; decisions: DecisionDraft[] }): Promise<RouteView> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.deps.shared) await this.reload();
      const r = this.routes.get(route)!;
      const now = this.deps.now();
      const prev = this.states.get(route) ?? null;
      const step = fn(prev ?? initialRuntime(routeConfig(r), now), now);
      if (step.decisions.length === 0) return this.view(route);
      if (await this.save(step.next, prev?.revision ?? null, step.decisions)) return this.view(route);
      await this.reload();
    }
    throw new VigilError("CONFLICT", `route ${route} kept changing on other instances; try again`);
  }

  private async save(next: RouteRuntime, expected: number | null, drafts: readonly DecisionDraft[]): Promise<boolean> {
    // Each decision carries the revision it produced (the last one the state's).
    const records: RouteDecisionRecord[] = drafts.map((d, i) => ({ ...d, route: next.route, revision: next.revision - (drafts.length - 1 - i) }));
    if (!(await this.deps.store.saveState(next, expected, records))) return false;
    this.states.set(next.route, next);
    for (const d of drafts) this.switches.set(d.trigger, (this.switches.get(d.trigger) ?? 0) + 1);
    this.publish(next, records, true);
    return true;
  }

  private publish(state: RouteRuntime, records: readonly RouteDecisionRecord[], local: boolean): void {
    const r = this.routes.get(state.route);
    if (!r || this.listeners.size === 0) return;
    const change: RouteChange = { view: this.viewOf(r, state), decisions: records.map(toDecision), local };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, route: state.route }, "a route listener failed");
      }
    }
  }

  /** The health a route shows for its candidates: its last evaluation's, or judged now before the first. */
  private async shownHealth(r: RouteRecord): Promise<Record<string, ModelHealth>> {
    return this.health.get(r.route) ?? (await this.run(this.healthOf(r, this.deps.now()))).shown;
  }

  private healthOf(r: RouteRecord, now: number): Stepped<RouteHealth> {
    return this.judge.route(r, this.states.get(r.route) ?? initialRuntime(routeConfig(r), r.created_at), now);
  }

  private candidates(): Map<string, CandidateModel> {
    return new Map([...this.models.values()].map((m) => [m.id, { id: m.id, status: m.status, capabilities: m.capabilities }]));
  }

  private viewOf(r: RouteRecord, s: RouteRuntime): RouteView {
    return {
      route: r.route,
      active_model: s.active,
      primary: r.primary,
      backups: r.backups,
      state: s.state,
      since: iso(s.since),
      reason: s.reason,
      revision: s.revision,
      split: s.split ? { model: s.split.model, share: s.split.share, phase: s.split.phase } : null,
      pin: s.pin ? { model: s.pin.model, until: s.pin.until === null ? null : iso(s.pin.until), by: s.pin.by, reason: s.pin.reason } : null,
      switch_back: r.switch_back,
      health: this.health.get(r.route) ?? drain(this.healthOf(r, this.deps.now())).shown,
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /** Runs a scan over the rollups in slices (through the shared runner when there is one). */
  private run<T>(work: Stepped<T>): Promise<T> {
    return this.deps.run ? this.deps.run(work) : Promise.resolve(drain(work));
  }
}

function toDecision(d: RouteDecisionRecord): RouteDecision {
  return { at: iso(d.at), route: d.route, from: d.from, to: d.to, trigger: d.trigger, metric: d.metric, value: d.value, threshold: d.threshold, reason: d.reason, state: d.state, revision: d.revision };
}

/** The config file's thresholds of models or routes, as scopes of the threshold model. */
function configScopes(entries: [string, RouteThresholds][]): Record<string, ScopeThresholds> {
  const out = scopeRecord();
  for (const [name, t] of entries) if (Object.keys(t).length) out[name] = scopeFromMetrics(t);
  return out;
}
