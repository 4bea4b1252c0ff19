/**
 * What alert rules watch, per group, at an evaluation: rollup metrics from running window totals
 * (core/window-reads.ts; a scan of the rollups for windows that need hour slices), custom metric
 * samples from the store, and route states. A window read is shared by every rule with the same
 * span, scope and grouping in one evaluation; a rule computes only the metric it watches (LazyMetrics),
 * and each group's fingerprint is computed once per rule and kept.
 */
import type { Metrics } from "@vigil/contract";
import { aggregateCustom, ALERT_METRICS, catalogueEntry, ROUTE_ALERT_METRICS, samplesField, type CustomSamples, type RouteSample } from "../core/alerting/catalogue.js";
import type { Observation } from "../core/alerting/evaluator.js";
import { fingerprint, holds } from "../core/alerting/evaluator.js";
import { COUNTS, LazyMetrics, needOf } from "../core/alerting/lazy-metrics.js";
import { resolveThreshold, type ThresholdSettings } from "../core/alerting/threshold-settings.js";
import type { AlertRule } from "../core/alerting/types.js";
import { F } from "../core/bucket.js";
import { VigilError } from "../core/errors.js";
import { groupKey, MINUTE, type DimFilter, type Group, type RollupIndex } from "../core/rollup-index.js";
import { drain, ticker, type Stepped } from "../core/stepped.js";
import type { Dimension } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import type { WindowGroup } from "../core/window-aggregates.js";
import { elapsedMinutes, previousWindow, ruleWindowAt } from "../core/window-bounds.js";
import { WindowReads } from "../core/window-reads.js";
import { ALL, covers, need, union, type Need } from "../core/window-need.js";

/** The rollups as the rule reads need them. */
export type RuleIndex = Pick<RollupIndex, "scan" | "maxSpanMs" | "sliceAt" | "fineCovers" | "plan" | "series" | "minuteFloor">;

/** What the rule reads need. */
export interface RuleReadDeps {
  index: RuleIndex;
  /** Runs stepped work (in slices, so evaluation never holds the serving thread); default: at once. */
  run?<T>(work: Stepped<T>): Promise<T>;
  /** Most groups one rule evaluates per cycle (the busiest, and every group with an open alert); default 1,000. */
  maxGroupsPerRule?: number;
  /** Aggregates of a custom metric's samples in [from, to), of one component's events when `component` is given. */
  customSamples(name: string, from: number, to: number, component: string | null): Promise<CustomSamples | null>;
  routeStates?(): RouteSample[];
  /** What a rule generated from an SLO observes at `now` (docs/slo.md); absent: such rules observe nothing. */
  sloObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  /** What an anomaly rule observes at `now` (its detectors' readings of the latest whole step); absent: such rules observe nothing. */
  anomalyObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  /** What a forecast rule observes (its groups' predicted crossings); absent: such rules observe nothing. */
  forecastObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  now(): number;
  warn(obj: object, msg: string): void;
}

/** One group of a window read: its labels and metrics (computed as read). */
export interface GroupMetrics {
  key: string;
  group: Record<string, string>;
  m: Metrics;
}

/**
 * Per catalogue metric, the bucket fields and sketches its value and sample count read, plus the
 * activity (runs and LLM calls) by which groups are chosen: all a window kept for it needs.
 */
const NEEDS: ReadonlyMap<string, Need> = new Map(
  Object.entries(ALERT_METRICS).map(([name, e]) => {
    const n = needOf((m) => [e.value(m, 1), e.samples(m)]);
    return [name, need([...n.fields, F.runs, F.llm], n.sketches)];
  }),
);

/**
 * Per catalogue metric, its value as read from a window group: the LazyMetrics getter itself when
 * the value is one field of the metrics block (a rule reads it from every group at every evaluation;
 * reading it by name from one place for all metrics is several times slower).
 */
const READERS: ReadonlyMap<string, (m: Metrics, minutes: number) => number | null> = new Map(
  Object.entries(ALERT_METRICS).map(([name, e]) => {
    const get = e.field === undefined ? undefined : Object.getOwnPropertyDescriptor(LazyMetrics.prototype, e.field)?.get;
    if (get === undefined) return [name, e.value];
    const read = (m: Metrics): number | null => {
      const v: unknown = m instanceof LazyMetrics ? get.call(m) : m[e.field!];
      return typeof v === "number" ? v : null;
    };
    return [name, read];
  }),
);

/**
 * Per catalogue metric whose sample count is one bucket field (runs, LLM calls...), that field:
 * read straight from a window group's fields at every group of every rule.
 */
const SAMPLE_FIELD: ReadonlyMap<string, number> = new Map(
  Object.entries(ALERT_METRICS).flatMap(([name, e]): [string, number][] => {
    const k = samplesField(e);
    const i = k === undefined ? undefined : COUNTS[k];
    return i === undefined ? [] : [[name, i]];
  }),
);

/** Window reads of one evaluation, shared by the rules that make the same read (with the need they answer). */
export type ReadCache = Map<string, { need: Need; groups: GroupMetrics[] }>;

/** Reads what rules watch. */
export class RuleReads {
  private readonly windows: WindowReads;
  /** Per rule: group key → fingerprint (a rule's name and group labels always give the same one), and back. */
  private fingerprints = new Map<string, { byKey: Map<string, string>; byFp: Map<string, string> }>();
  /**
   * Per window (span relative to now, scope, grouping): what the rules reading it need, together,
   * and when it was last read. Every read of the window asks for all of it, so that one read per
   * evaluation serves every rule, whatever the metric each watches.
   */
  private readonly needs = new Map<string, { need: Need; usedAt: number }>();
  private truncationWarned = -Infinity;
  /** Per window group held by a running total: its labels and metrics, made once (groups of a scan are described afresh). */
  private readonly described = new WeakMap<WindowGroup, GroupMetrics>();

  constructor(private readonly deps: RuleReadDeps) {
    this.windows = new WindowReads(deps.index);
  }

  /** Forgets running totals and fingerprints no rule used since `before` / not among `rules`. */
  tidy(before: number, rules: readonly AlertRule[]): void {
    this.windows.forgetUnusedSince(before);
    for (const [k, v] of this.needs) if (v.usedAt < before) this.needs.delete(k);
    const live = new Set(rules.map((r) => r.name));
    for (const name of this.fingerprints.keys()) if (!live.has(name)) this.fingerprints.delete(name);
  }

  /** Running totals held and rebuilds made (for operators). */
  windowStats(): { windows: number; rebuilds: number; groups: number } {
    return this.windows.stats();
  }

  /** Reads what a rule watches, per group, at `now`; `open` names the group keys with an open alert. */
  async observe(rule: AlertRule, now: number, thresholds: ThresholdSettings, cache: ReadCache, open: () => Iterable<Record<string, string>>, openFps?: ReadonlySet<string>): Promise<{ observations: Observation[]; observed: number }> {
    // An SLO's rules read its ledger, not the rollups' windows.
    if (rule.source === "slo") return all((await this.deps.sloObservations?.(rule, now)) ?? []);
    // An anomaly rule reads its detectors (fed whole steps of the rollups), not a window.
    if (rule.anomaly) return all((await this.deps.anomalyObservations?.(rule, now)) ?? []);
    // A forecast rule reads the forecasts of its groups (GET /api/v1/forecasts), not a window.
    if (rule.forecast) return all((await this.deps.forecastObservations?.(rule, now)) ?? []);
    const w = rule.window_ms;
    if (w * (rule.change ? 2 : 1) > this.deps.index.maxSpanMs()) throw new VigilError("VALIDATION_FAILED", `window ${w / 1000}s reaches further back than the rollups are kept`);
    const ownMin = rule.min_samples ?? 1;
    // A threshold_key rule takes the limit, its scope and (unless the rule sets one) the minimum sample count of the thresholds.
    const judged = (group: Record<string, string>, value: number | null, samples: number) => {
      if (rule.threshold_key === null) return { group, value, samples, threshold: rule.threshold, min_samples: ownMin };
      const l = resolveThreshold(thresholds, rule.threshold_key, group);
      return { group, value, samples, threshold: l?.trip ?? null, min_samples: rule.min_samples ?? l?.min_samples ?? 1, threshold_scope: l?.scope ?? null };
    };
    if (rule.aggregate !== null) {
      const name = rule.metric.slice("custom.".length);
      const component = rule.component ?? null;
      const s = await this.deps.customSamples(name, now - w, now, component);
      const cur = aggregateCustom(s, rule.aggregate, w);
      const samples = s?.count ?? 0;
      let value = cur;
      if (rule.change) value = changeOf(rule.change, cur, aggregateCustom(await this.deps.customSamples(name, now - 2 * w, now - w, component), rule.aggregate, w));
      return all(value === null && samples === 0 ? [] : [judged(component === null ? {} : { component }, value, samples)]);
    }
    const entry = catalogueEntry(rule.metric)!;
    if (entry.source === "routes") {
      const read = ROUTE_ALERT_METRICS[rule.metric]!;
      const routes = (this.deps.routeStates?.() ?? []).filter((r) => rule.scope.route === undefined || rule.scope.route === r.route);
      if (!rule.group_by.includes("route")) return all(routes.length ? [judged({}, Math.max(...routes.map(read)), routes.length)] : []);
      return all(routes.map((r) => judged({ route: r.route }, read(r), 1)));
    }
    // Exact windows: `[to - w, to)` ending with the slice that holds now, and for a change function
    // the window just before it; no slice is in both. Rates are per the time elapsed in each.
    const index = this.deps.index;
    const cw = ruleWindowAt(w, now, { fineCovers: (from, at) => index.fineCovers(from, at), minuteFloor: index.minuteFloor(now) }, rule.change ? 2 : 1);
    const pw = rule.change ? previousWindow(cw) : null;
    const minutes = elapsedMinutes(cw);
    const needs = NEEDS.get(rule.metric)!;
    const cur = await this.groups(rule.scope, rule.group_by, cw.from, cw.to, now, cw.to, cw.fine, cache, open, needs);
    let prev: Map<string, GroupMetrics> | null = null;
    if (pw) prev = new Map((await this.groups(rule.scope, rule.group_by, pw.from, pw.to, now, cw.to, cw.fine, cache, open, needs)).map((g) => [g.key, g]));
    let fps = this.fingerprints.get(rule.name);
    if (!fps) this.fingerprints.set(rule.name, (fps = { byKey: new Map(), byFp: new Map() }));
    // The group keys of the open alerts, when all are known: a group whose condition does not hold
    // is then passed over by its key alone (null: each such group's fingerprint is looked up).
    let openKeys: Set<string> | null = null;
    if (openFps?.size) {
      openKeys = new Set();
      for (const fp of openFps) {
        const k = fps.byFp.get(fp);
        if (k === undefined) {
          openKeys = null;
          break;
        }
        openKeys.add(k);
      }
    }
    const out: Observation[] = [];
    const valueOf = READERS.get(rule.metric)!;
    const sampleField = SAMPLE_FIELD.get(rule.metric) ?? -1;
    for (let i = 0; i < cur.length; i++) {
      const { key, group, m } = cur[i]!;
      let value = valueOf(m, minutes);
      if (prev) {
        const p = prev.get(key);
        value = changeOf(rule.change!, value, p ? valueOf(p.m, elapsedMinutes(pw!)) : null);
      }
      const samples = sampleField >= 0 && m instanceof LazyMetrics ? m.raw(sampleField) : entry.samples(m);
      // The limit without an object per group: most groups are quiet and make no observation.
      const limit = rule.threshold_key === null ? null : resolveThreshold(thresholds, rule.threshold_key, group);
      const threshold = rule.threshold_key === null ? rule.threshold : (limit?.trip ?? null);
      const minSamples = rule.min_samples ?? limit?.min_samples ?? 1;
      // A group whose condition does not hold and that has no open alert changes nothing.
      const quiet = holds(rule, value, samples, threshold, minSamples) === false;
      if (quiet && (!openFps?.size || (openKeys !== null && !openKeys.has(key)))) continue;
      let fp = fps.byKey.get(key);
      if (fp === undefined) {
        fps.byKey.set(key, (fp = fingerprint(rule.name, group)));
        fps.byFp.set(fp, key);
      }
      if (quiet && !openFps!.has(fp)) continue;
      out.push({ group, value, samples, threshold, min_samples: minSamples, ...(rule.threshold_key !== null ? { threshold_scope: limit?.scope ?? null } : {}), fingerprint: fp });
    }
    return { observations: out, observed: cur.length };
  }

  /**
   * Metrics per group for a span `[from, to)`, shared by every rule with the same span, scope and
   * grouping in one evaluation; `anchor` is the end of the rule's current window (the span is known
   * by its place relative to it from one evaluation to the next), `fine` whether it is read from
   * 10-second slices (else minutes, or hours).
   */
  private async groups(scope: DimFilter, groupBy: Dimension[], from: number, to: number, now: number, anchor: number, fine: boolean, cache: ReadCache, open: () => Iterable<Record<string, string>>, needs: Need): Promise<GroupMetrics[]> {
    const read = `${JSON.stringify(scope)}|${groupBy.join(",")}|${fine ? "f" : ""}`;
    const key = `${from}|${to}|${read}`;
    let hit = cache.get(key);
    if (!hit || !covers(hit.need, needs)) {
      // A rule reading more than the rules before it: the window keeps both from now on.
      const span = `${from - anchor}|${to - anchor}|${read}`;
      const known = this.needs.get(span);
      const wanted = known ? union(known.need, needs) : needs;
      this.needs.set(span, { need: wanted, usedAt: now });
      const run = <T>(work: Stepped<T>): Promise<T> => (this.deps.run ? this.deps.run(work) : Promise.resolve(drain(work)));
      let found = await run(this.windows.read(from, to, now, scope, groupBy, wanted, { place: `${from - anchor}|${to - anchor}`, fine }));
      let got = wanted;
      if (found === null) {
        const scanned = await run(this.deps.index.scan(from, to, now, scope, groupBy, fine));
        found = await run(this.fromScan(scanned, groupBy, open));
        got = ALL;
      }
      hit = { need: got, groups: await run(this.describe(found, groupBy, (Math.min(now, to) - from) / MINUTE, open)) };
      cache.set(key, hit);
    }
    return hit.groups;
  }

  /**
   * The metrics of each group of a window. Past `maxGroupsPerRule` groups, only the groups with an
   * open alert and the busiest others are described (and so evaluated): a cycle's work stays bounded
   * whatever the number of series, and the rest wait for a cycle in which they are among the busiest.
   */
  private *describe(found: Map<string, WindowGroup>, groupBy: Dimension[], minutes: number, open: () => Iterable<Record<string, string>>): Stepped<GroupMetrics[]> {
    const chosen = yield* this.choose(found, (g) => g.f[F.runs]! + g.f[F.llm]!, groupBy, open);
    const out: GroupMetrics[] = [];
    const tick = ticker(256);
    for (const [k, g] of chosen) {
      if (tick()) yield;
      // A window's group is the same object from one evaluation to the next: so are its labels and metrics.
      let d = this.described.get(g);
      if (d === undefined || d.key !== k || !(d.m instanceof LazyMetrics)) {
        const group: Record<string, string> = {};
        for (const dim of groupBy) if (g.dims[dim] !== undefined) group[dim] = g.dims[dim]!;
        d = { key: k, group, m: new LazyMetrics(g, minutes) };
        this.described.set(g, d);
      } else {
        // The minutes elapsed in the window move on at every evaluation.
        d.m.minutes = minutes;
        d.m.forget();
      }
      out.push(d);
    }
    return out;
  }

  /**
   * The groups a cycle evaluates: all of them up to `maxGroupsPerRule`; past it, those with an open
   * alert and the busiest others (said in the log at most once a minute).
   */
  private *choose<T>(found: Map<string, T>, activity: (g: T) => number, groupBy: Dimension[], open: () => Iterable<Record<string, string>>): Stepped<Iterable<[string, T]>> {
    const max = this.deps.maxGroupsPerRule ?? 1000;
    if (found.size <= max) return found;
    const openKeys = new Set<string>();
    for (const labels of open()) openKeys.add(groupKey(labels, groupBy));
    const top = new TopK<{ key: string; v: number; g: T }>(max, (a, b) => b.v - a.v || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const keep: [string, T][] = [];
    const tick = ticker(512);
    for (const [k, g] of found) {
      if (tick()) yield;
      if (openKeys.has(k)) keep.push([k, g]);
      else top.offer({ key: k, v: activity(g), g });
    }
    for (const t of top.sorted()) if (keep.length < max) keep.push([t.key, t.g]);
    const now = this.deps.now();
    if (now - this.truncationWarned >= 60_000) {
      this.truncationWarned = now;
      this.deps.warn({ group_by: groupBy, groups: found.size, evaluated: keep.length }, "alert rules watch more groups than alerting.max_groups_per_rule; those with open alerts and the busiest are evaluated (said at most once a minute)");
    }
    return keep;
  }

  /**
   * The groups of a scan as window groups — only those a cycle evaluates, chosen from the buckets'
   * activity first, so a scan of a hundred thousand groups copies at most `maxGroupsPerRule` of them.
   */
  private *fromScan(scanned: Map<string, Group>, groupBy: Dimension[], open: () => Iterable<Record<string, string>>): Stepped<Map<string, WindowGroup>> {
    const chosen = yield* this.choose(scanned, (g) => g.bucket.field(F.runs) + g.bucket.field(F.llm), groupBy, open);
    const out = new Map<string, WindowGroup>();
    const tick = ticker(256);
    for (const [k, g] of chosen) {
      if (tick()) yield;
      out.set(k, { dims: g.dims, f: g.bucket.f, runLatency: g.bucket.runLatency, llmLatency: g.bucket.llmLatency });
    }
    return out;
  }
}

function all(observations: Observation[]): { observations: Observation[]; observed: number } {
  return { observations, observed: observations.length };
}

/** Applies a change function; null when either side has no data (or a ratio's base is zero). */
export function changeOf(fn: "ratio" | "delta" | "percent", cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null) return null;
  if (fn === "delta") return cur - prev;
  if (prev === 0) return null;
  return fn === "ratio" ? cur / prev : ((cur - prev) / prev) * 100;
}
