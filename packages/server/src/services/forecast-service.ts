/**
 * Forecasts (docs/anomaly.md "Forecasts", `GET /api/v1/forecasts`, the report's `forecasts`): when
 * the trend of the last hours will carry each enabled threshold rule's metric (per group, the most
 * active groups), each SLO's error budget and the daily cost past their limits. Rule series come
 * from the rollups per step (forecast-series.ts) through the cooperative runner; an SLO's from its
 * history. The whole set is computed at most every few seconds and filtered per request.
 */
import type { Forecast, ForecastComparator, ForecastGroupsLeftOut, ForecastKind, ForecastListResponse, ForecastSkipped, ForecastSummary, SloHistory } from "@vigil/contract";
import { catalogueEntry, CUSTOM_PREFIX } from "../core/alerting/catalogue.js";
import { resolveThreshold, type ThresholdSettings } from "../core/alerting/threshold-settings.js";
import type { Observation } from "../core/alerting/evaluator.js";
import type { AlertRule } from "../core/alerting/types.js";
import { predictAt, type TrendPoint } from "../core/forecast-fit.js";
import { forecast, type ForecastResult } from "../core/forecast.js";
import { HOUR, MINUTE, type DimFilter } from "../core/rollup-index.js";
import type { Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { pointsFor, readSeries, type ForecastIndex, type SeriesRead, type SeriesResult, type SeriesShape } from "./forecast-series.js";

/** The shipped rule whose threshold is the daily cost's limit, and its defaults when it is not in force. */
export const DAILY_COST_RULE = { name: "HighDailyCost", metric: "projected_daily_cost", threshold: 100, comparator: ">" as const, windowMs: HOUR };
/** Most rules forecast at once (the rest are listed as skipped). */
export const MAX_RULES = 100;
/** Most SLOs forecast at once. */
export const MAX_SLOS = 100;
/** How far back an SLO's budget trend looks (its history's step is the period over 1,000). */
const SLO_LOOKBACK_MS = 24 * HOUR;
/** A computed set is reused for this long. */
const REUSE_MS = 10_000;
/** The report lists the crossings predicted within this. */
export const REPORT_WITHIN_MS = 24 * HOUR;
/** And at most this many of them. */
export const REPORT_CROSSINGS = 10;

/** What the forecasts read. */
export interface ForecastDeps {
  index: ForecastIndex;
  /** The rules in force (every layer, enabled or not). */
  rules(): readonly AlertRule[];
  thresholds(): ThresholdSettings;
  /** The SLOs in force and their histories (absent: no SLO forecasts). */
  slos?: { names(): string[]; history(name: string): Promise<SloHistory | null> };
  /** Runs stepped work between turns of the event loop. */
  run<T>(work: Stepped<T>): Promise<T>;
  now(): number;
  /** Series shape (default: the last 6 hours at 5-minute steps, the 20 most active groups of a rule). */
  shape?: Partial<SeriesShape>;
}

/** Filters of a listing. */
export interface ForecastQuery {
  kind?: ForecastKind;
  rule?: string;
  slo?: string;
  /** Only crossings predicted within this many ms (already crossed ones excluded). */
  withinMs?: number;
  limit: number;
}

/** Every forecast at one time. */
interface ForecastSet {
  at: number;
  /** The names of the rules in force when it was made: a rule added or renamed since makes a new set. */
  ruleNames: string;
  forecasts: Forecast[];
  groupsLeftOut: ForecastGroupsLeftOut[];
  skipped: ForecastSkipped[];
}

/** A metric to forecast against a limit: a rule's, or the daily cost. */
interface Job {
  kind: "rule" | "daily_cost";
  name: string;
  metric: string;
  scope: DimFilter;
  groupBy: readonly Dimension[];
  comparator: ForecastComparator;
  /** The limit, or null when it comes from the thresholds settings per group (`thresholdKey`). */
  threshold: number | null;
  thresholdKey: string | null;
  windowMs: number;
  /** The key of the series read it shares with the jobs of the same scope and grouping. */
  read: string;
}

const ISO = (ms: number) => new Date(ms).toISOString();

/** Builds and answers forecasts. */
export class ForecastService {
  private readonly shape: SeriesShape;
  private last: ForecastSet | null = null;
  private pending: Promise<ForecastSet> | null = null;

  constructor(private readonly deps: ForecastDeps) {
    this.shape = { lookbackMs: 6 * HOUR, stepMs: 5 * MINUTE, maxGroups: 20, ...deps.shape };
  }

  /** `GET /api/v1/forecasts`: the forecasts matching `q`, soonest crossing first. */
  async list(q: ForecastQuery): Promise<ForecastListResponse> {
    const set = await this.current();
    const matching = set.forecasts.filter((f) => matches(f, q));
    // The notes on what was left out follow the same filters.
    const shown = (kind: ForecastKind, name: string) => (q.kind === undefined || q.kind === kind) && (kind === "rule" ? q.slo === undefined && (q.rule === undefined || q.rule === name) : q.rule === undefined && (q.slo === undefined || q.slo === name));
    return {
      generated_at: ISO(set.at),
      forecasts: matching.slice(0, q.limit),
      total: matching.length,
      groups_left_out: set.groupsLeftOut.filter((g) => shown("rule", g.rule)),
      skipped: set.skipped.filter((s) => shown(s.kind, s.name)),
    };
  }

  /** The report's section: the crossings predicted within 24 hours, the soonest first. */
  async summary(): Promise<ForecastSummary> {
    const r = await this.list({ withinMs: REPORT_WITHIN_MS, limit: REPORT_CROSSINGS });
    return { within_seconds: REPORT_WITHIN_MS / 1000, crossings: r.forecasts, total: r.total };
  }

  /**
   * What a forecast rule observes (docs/anomaly.md#forecasts): per group it forecasts, the metric's
   * latest value, the rule's threshold, and in how long the trend crosses it, with a line saying when.
   */
  async observe(rule: AlertRule): Promise<Observation[]> {
    const set = await this.current();
    return set.forecasts
      .filter((f) => f.kind !== "slo_budget" && f.name === rule.name)
      .map((f) => ({ group: f.group ?? {}, value: f.current, samples: f.points, min_samples: 1, threshold: f.limit, forecast: { in_ms: f.in_seconds === null ? null : f.in_seconds * 1000, note: forecastNote(f) } }));
  }

  /** The set computed within the last few seconds, or a new one (concurrent callers share it). */
  private current(): Promise<ForecastSet> {
    const now = this.deps.now();
    const ruleNames = this.deps.rules().map((r) => r.name).join("\n");
    if (this.last && now - this.last.at < REUSE_MS && now >= this.last.at && this.last.ruleNames === ruleNames) return Promise.resolve(this.last);
    this.pending ??= this.compute(now).then(
      (s) => {
        this.last = s;
        this.pending = null;
        return s;
      },
      (err: unknown) => {
        this.pending = null;
        throw err;
      },
    );
    return this.pending;
  }

  private async compute(now: number): Promise<ForecastSet> {
    const ruleNames = this.deps.rules().map((r) => r.name).join("\n");
    const { jobs, skipped } = this.jobs();
    const reads = new Map<string, SeriesRead>();
    for (const j of jobs) {
      const r = reads.get(j.read) ?? { scope: j.scope, groupBy: j.groupBy, metrics: new Set<string>() };
      (r.metrics as Set<string>).add(j.metric);
      reads.set(j.read, r);
    }
    const series = await this.deps.run(this.readAll(reads, now));
    const settings = this.deps.thresholds();
    const forecasts: Forecast[] = [];
    const groupsLeftOut: ForecastGroupsLeftOut[] = [];
    for (const j of jobs) {
      const s = series.get(j.read)!;
      if (j.kind === "rule" && s.groupsTotal > s.groups.length && s.groups.length > 0) groupsLeftOut.push({ rule: j.name, groups_total: s.groupsTotal, groups_forecast: s.groups.length });
      // A rule over a window of W reads at T the trend at T − W/2, averaging W / step points.
      const how = { lagMs: j.windowMs / 2, averaged: Math.max(1, j.windowMs / s.stepMs), stepMs: s.stepMs };
      for (const g of s.groups) {
        const limit = j.thresholdKey === null ? j.threshold : (resolveThreshold(settings, j.thresholdKey, g.group)?.trip ?? null);
        if (limit === null) continue;
        forecasts.push(this.describe(j.kind, j.name, j.metric, j.groupBy.length ? g.group : undefined, limit, j.comparator, pointsFor(s, g, j.metric, j.windowMs), now, how));
      }
      // No data at all: the daily cost is still answered, with too few points.
      if (j.kind === "daily_cost" && s.groups.length === 0) forecasts.push(this.describe("daily_cost", j.name, j.metric, undefined, j.threshold!, j.comparator, [], now, how));
    }
    forecasts.push(...(await this.sloForecasts(now, skipped)));
    forecasts.sort(soonestFirst);
    return { at: now, ruleNames, forecasts, groupsLeftOut, skipped };
  }

  /** The rules to forecast (and why the others cannot be), plus the daily cost against HighDailyCost's threshold. */
  private jobs(): { jobs: Job[]; skipped: ForecastSkipped[] } {
    const jobs: Job[] = [];
    const skipped: ForecastSkipped[] = [];
    const readKey = (scope: object, groupBy: readonly Dimension[]) => `${JSON.stringify(scope)}|${groupBy.join(",")}`;
    const rules = this.deps.rules();
    for (const rule of rules) {
      if (!rule.enabled || rule.source === "slo") continue;
      const why = unforecastable(rule);
      if (why !== null) skipped.push({ kind: "rule", name: rule.name, reason: why });
      else if (jobs.length >= MAX_RULES) skipped.push({ kind: "rule", name: rule.name, reason: `over the ${MAX_RULES} rules forecast at once` });
      else
        jobs.push({
          kind: "rule",
          name: rule.name,
          metric: rule.metric,
          scope: rule.scope,
          groupBy: rule.group_by,
          comparator: rule.comparator as ForecastComparator,
          threshold: rule.threshold,
          thresholdKey: rule.threshold_key,
          windowMs: rule.window_ms,
          read: readKey(rule.scope, rule.group_by),
        });
    }
    // The daily cost: the whole system's, against HighDailyCost's threshold and window (its defaults when the rule is replaced by one of another kind).
    const shipped = rules.find((r) => r.name === DAILY_COST_RULE.name);
    const own = shipped && shipped.metric === DAILY_COST_RULE.metric && shipped.threshold !== null && shipped.change === null && (shipped.comparator === ">" || shipped.comparator === ">=") ? shipped : null;
    // The rule watching the whole system's daily cost is forecast once, as the daily cost.
    if (own && Object.keys(own.scope).length === 0 && own.group_by.length === 0) {
      const i = jobs.findIndex((j) => j.kind === "rule" && j.name === own.name);
      if (i >= 0) jobs.splice(i, 1);
    }
    jobs.push({
      kind: "daily_cost",
      name: DAILY_COST_RULE.name,
      metric: DAILY_COST_RULE.metric,
      scope: {},
      groupBy: [],
      comparator: (own?.comparator as ForecastComparator | undefined) ?? DAILY_COST_RULE.comparator,
      threshold: own?.threshold ?? DAILY_COST_RULE.threshold,
      thresholdKey: null,
      windowMs: own?.window_ms ?? DAILY_COST_RULE.windowMs,
      read: readKey({}, []),
    });
    return { jobs, skipped };
  }

  private *readAll(reads: Map<string, SeriesRead>, now: number): Stepped<Map<string, SeriesResult>> {
    const out = new Map<string, SeriesResult>();
    for (const [key, read] of reads) out.set(key, yield* readSeries(this.deps.index, read, now, this.shape));
    return out;
  }

  /** Each SLO's budget left, from its history of the last 24 hours, against 0. */
  private async sloForecasts(now: number, skipped: ForecastSkipped[]): Promise<Forecast[]> {
    const slos = this.deps.slos;
    if (!slos) return [];
    const out: Forecast[] = [];
    const names = slos.names();
    for (const name of names.slice(0, MAX_SLOS)) {
      const h = await slos.history(name);
      if (!h) continue;
      const points: TrendPoint[] = [];
      for (const p of h.points) {
        const t = Date.parse(p.t);
        if (p.remaining_ratio !== null && t >= now - SLO_LOOKBACK_MS) points.push({ t, v: p.remaining_ratio });
      }
      out.push(this.describe("slo_budget", name, "budget_remaining_ratio", undefined, 0, "<=", points, now, { lagMs: 0, averaged: 1, stepMs: h.step_seconds * 1000 }));
    }
    for (const name of names.slice(MAX_SLOS)) skipped.push({ kind: "slo_budget", name, reason: `over the ${MAX_SLOS} SLOs forecast at once` });
    return out;
  }

  private describe(kind: ForecastKind, name: string, metric: string, group: Record<string, string> | undefined, limit: number, comparator: ForecastComparator, points: TrendPoint[], now: number, how: { lagMs: number; averaged: number; stepMs: number }): Forecast {
    const r: ForecastResult = forecast(points, { now, limit, comparator, lagMs: how.lagMs, averaged: how.averaged });
    const fit = r.fit;
    const at24 = fit ? predictAt(fit, now + 24 * HOUR, how) : null;
    const last = points.length ? points.reduce((a, b) => (b.t >= a.t ? b : a)) : null;
    return {
      kind,
      name,
      metric,
      ...(group ? { group } : {}),
      limit,
      comparator,
      current: last ? last.v : null,
      trend_per_hour: fit ? fit.slopePerHour : null,
      crossing: r.crossing ? { at: ISO(r.crossing.at), earliest: ISO(r.crossing.earliest), latest: r.crossing.latest === null ? null : ISO(r.crossing.latest) } : null,
      in_seconds: r.inMs === null ? null : Math.round(r.inMs / 1000),
      ...(r.reason ? { reason: r.reason } : {}),
      points: r.points,
      predicted_24h: at24 ? { at: ISO(at24.t), value: at24.value, low: at24.low, high: at24.high } : null,
      fit: fit
        ? {
            method: "theil-sen",
            r2: fit.r2,
            confidence: r.confidence!,
            residual_sd: fit.residualSd,
            trend_stderr_per_hour: fit.slopeSePerHour,
            trend_now: r.trendNow!,
            from: ISO(fit.from),
            to: ISO(fit.to),
            step_seconds: how.stepMs / 1000,
          }
        : null,
    };
  }
}

/** Why a rule cannot be forecast, or null when it can. */
function unforecastable(rule: AlertRule): string | null {
  if (rule.metric.startsWith(CUSTOM_PREFIX)) return "custom metrics are not kept per step in the rollups";
  const entry = catalogueEntry(rule.metric);
  if (!entry) return `unknown metric "${rule.metric}"`;
  if (entry.source === "routes") return "a route's state has no history to extrapolate";
  if ("anomaly" in rule && rule.anomaly !== undefined) return "an anomaly rule fires on its detector's score, not on a threshold";
  if (rule.change !== null) return "a change function compares two windows: its value has no trend to extrapolate";
  if (rule.comparator === "==" || rule.comparator === "!=") return `the comparator ${rule.comparator} has no direction to cross the threshold in`;
  if (rule.threshold === null && rule.threshold_key === null) return "no threshold in force (its baseline is missing or inactive)";
  return null;
}

/** Whether a forecast passes a listing's filters. */
function matches(f: Forecast, q: ForecastQuery): boolean {
  if (q.kind !== undefined && f.kind !== q.kind) return false;
  if (q.rule !== undefined && (f.kind === "slo_budget" || f.name !== q.rule)) return false;
  if (q.slo !== undefined && (f.kind !== "slo_budget" || f.name !== q.slo)) return false;
  if (q.withinMs !== undefined && (f.crossing === null || f.in_seconds === null || f.in_seconds * 1000 > q.withinMs)) return false;
  return true;
}

/** Predicted crossings soonest first, then those already crossed, then the rest; by kind and name within each. */
function soonestFirst(a: Forecast, b: Forecast): number {
  const rank = (f: Forecast) => (f.crossing ? 0 : f.reason === "already crossed" ? 1 : 2);
  return rank(a) - rank(b) || (a.crossing && b.crossing ? a.in_seconds! - b.in_seconds! : 0) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || JSON.stringify(a.group ?? {}).localeCompare(JSON.stringify(b.group ?? {}));
}

/** One line on a forecast: when the crossing is due and its band, or why none is predicted. */
export function forecastNote(f: Forecast): string {
  if (f.in_seconds === 0) return `past ${f.limit} already`;
  if (f.crossing === null || f.in_seconds === null) return `no crossing predicted (${f.reason ?? "no trend"})`;
  const mins = Math.round(f.in_seconds / 60);
  const inText = mins < 60 ? `${mins}m` : `${Math.floor(mins / 60)}h ${mins % 60}m`;
  return `predicted to cross ${f.limit} at ${f.crossing.at} (between ${f.crossing.earliest} and ${f.crossing.latest ?? "later"}), in ${inText}`;
}
