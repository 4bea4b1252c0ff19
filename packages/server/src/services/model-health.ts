/**
 * How models are judged on the routes they serve (SPEC §3, `GET /api/v1/models/:id/health`,
 * `/models/compare`, and the health a route's evaluation steps on): figures from the rollups, by
 * route and model, against the one threshold model's limits for that model on that route. Reads
 * only; the route service owns the registry and the route states it is given.
 */
import { ROUTE_METRICS, type ModelHealth, type RouteMetric } from "@vigil/contract";
import type { Bucket } from "../core/bucket.js";
import { compareModels, type ComparedModel, type ModelComparison } from "../core/failover/compare.js";
import { routeFigures } from "../core/failover/figures.js";
import { aggregateHealth, evaluateHealth, routeThresholdsOf, type RouteThresholds } from "../core/failover/health.js";
import { healthFrom, type RouteRuntime } from "../core/failover/policy.js";
import type { RouteRecord } from "../core/failover/store.js";
import { FINE_SLICE, type RollupIndex } from "../core/rollup-index.js";
import { drain, type Stepped } from "../core/stepped.js";
import type { ThresholdService } from "./threshold-service.js";

/** What judging models needs. */
export interface ModelHealthDeps {
  index: Pick<RollupIndex, "scan">;
  thresholds: Pick<ThresholdService, "limits">;
  /** Runs scans over the rollups in slices (default: at once). */
  run?<T>(work: Stepped<T>): Promise<T>;
  now(): number;
}

/** Every candidate's health on a route: over the window, "fresh" (since the route last changed), and as shown. */
export interface RouteHealth {
  window: Record<string, ModelHealth>;
  fresh: Record<string, ModelHealth>;
  shown: Record<string, ModelHealth>;
}

const iso = (t: number) => new Date(t).toISOString();
const UNKNOWN: ModelHealth = Object.freeze({ status: "unknown", reasons: [], samples: 0 }) as ModelHealth;

/** Judges models on routes. */
export class ModelJudge {
  constructor(private readonly deps: ModelHealthDeps) {}

  /** The thresholds a model is judged on, on a route (or on its own traffic when `route` is null). */
  thresholdsOf(model: string, route: string | null): RouteThresholds {
    return routeThresholdsOf(this.deps.thresholds.limits(route === null ? { model } : { route, model }));
  }

  /**
   * A model's health on one route, or — `route` null — on every route in `serves` aggregated (the
   * worst known status); on all its traffic when it serves none. `onRoute`, when given, is how the
   * route itself judges the model (its evaluation's verdict), used for the routes the model serves.
   */
  async health(model: string, route: RouteRecord | null, serves: readonly RouteRecord[], windowMs: number | null, onRoute?: (r: RouteRecord) => Promise<ModelHealth | undefined>): Promise<ModelHealth> {
    const on = async (r: RouteRecord) => (onRoute ? await onRoute(r) : undefined) ?? this.healthOn(model, r, windowMs);
    if (route) return on(route);
    if (serves.length === 0) return this.healthOn(model, null, windowMs);
    const byRoute: Record<string, ModelHealth> = {};
    for (const r of [...serves].sort((a, b) => a.route.localeCompare(b.route))) byRoute[r.route] = await on(r);
    return aggregateHealth(byRoute);
  }

  private async healthOn(model: string, r: RouteRecord | null, windowMs: number | null): Promise<ModelHealth> {
    const now = this.deps.now();
    const w = windowMs ?? r?.window_ms ?? 5 * 60_000;
    const b = (await this.run(this.deps.index.scan(now - w, now, now, r === null ? { model } : { model, route: r.route }, [], true))).get("")?.bucket;
    if (!b) return { ...UNKNOWN };
    return evaluateHealth(this.thresholdsOf(model, r?.route ?? null), routeFigures(b, w / 60_000, r?.slow_call_ms ?? null));
  }

  /**
   * Two models side by side over the same window (and route, when given), with a recommendation:
   * the one better on more of the metrics both have enough samples for, or none when it is a tie
   * or there is too little data.
   */
  async compare(a: string, b: string, route: RouteRecord | null, windowMs: number): Promise<ModelComparison> {
    const now = this.deps.now();
    const side = async (model: string): Promise<ComparedModel> => {
      const bucket = (await this.run(this.deps.index.scan(now - windowMs, now, now, route === null ? { model } : { model, route: route.route }, [], true))).get("")?.bucket;
      const figures = bucket ? routeFigures(bucket, windowMs / 60_000, route?.slow_call_ms ?? null) : { calls: 0 };
      const out: ComparedModel = { model, calls: figures.calls, figures: {}, health: evaluateHealth(this.thresholdsOf(model, route?.route ?? null), figures) };
      for (const k of Object.keys(ROUTE_METRICS) as RouteMetric[]) {
        const f = figures[k];
        out.figures[k] = f ? { value: f.value === null ? null : Math.round(f.value * 1e6) / 1e6, samples: f.samples } : { value: null, samples: 0 };
      }
      return out;
    };
    return { route: route?.route ?? null, window: { start: iso(now - windowMs), end: iso(now) }, ...compareModels(await side(a), await side(b)) };
  }

  /**
   * Health of every candidate of a route over its window, and "fresh" health: for a model other than
   * the active one, over its calls since the route last changed or its probe started.
   */
  *route(r: RouteRecord, rt: RouteRuntime, now: number): Stepped<RouteHealth> {
    const windowStart = now - r.window_ms;
    const full = yield* this.deps.index.scan(windowStart, now, now, { route: r.route }, ["model"], true);
    const judge = (m: string, b: Bucket | undefined, from: number): ModelHealth => (b ? evaluateHealth(this.thresholdsOf(m, r.route), routeFigures(b, (now - from) / 60_000, r.slow_call_ms)) : { ...UNKNOWN });
    const window: Record<string, ModelHealth> = {};
    const fresh: Record<string, ModelHealth> = {};
    for (const m of [r.primary, ...r.backups]) {
      window[m] = judge(m, full.get(m)?.bucket, windowStart);
      // From the next 10-second slice after the change, so no call from before it counts.
      const since = healthFrom(rt, m, windowStart);
      const from = since === windowStart ? since : Math.ceil(since / FINE_SLICE) * FINE_SLICE;
      if (m === rt.active) {
        // The active model over its time on the route (the whole window when that is longer).
        if (from !== windowStart) window[m] = judge(m, (yield* this.deps.index.scan(from, now, now, { route: r.route, model: m }, [], true)).get("")?.bucket, from);
        fresh[m] = window[m]!;
        continue;
      }
      fresh[m] = from === windowStart ? window[m] : judge(m, (yield* this.deps.index.scan(from, now, now, { route: r.route, model: m }, [], true)).get("")?.bucket, from);
    }
    const shown = { ...window };
    if (rt.split) shown[rt.split.model] = fresh[rt.split.model]!;
    return { window, fresh, shown };
  }

  private run<T>(work: Stepped<T>): Promise<T> {
    return this.deps.run ? this.deps.run(work) : Promise.resolve(drain(work));
  }
}
