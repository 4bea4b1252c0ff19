/**
 * The alert engine: on every evaluation it reads each enabled rule's metric from the rollups (or
 * custom metric samples from the store), steps the Prometheus state machine per group, saves the
 * alerts and their history, and hands the result to the notification pipeline. Acknowledge and
 * resolve go through it too, serialised with evaluation so neither overwrites the other.
 */
import type { Metrics } from "@vigil/contract";
import { aggregateCustom, catalogueEntry, ROUTE_ALERT_METRICS, type CustomSamples, type RouteSample } from "../core/alerting/catalogue.js";
import { evaluateRule, type Observation } from "../core/alerting/evaluator.js";
import { resolveThreshold } from "../core/alerting/threshold-settings.js";
import type { AlertHistoryEntry, AlertRecord, AlertRule, AlertStore } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { metricsOf } from "../core/metrics.js";
import { groupKey, MINUTE, type DimFilter, type Group, type RollupIndex } from "../core/rollup-index.js";
import type { Leadership } from "../core/ports.js";
import type { Dimension } from "../core/stored-event.js";
import type { RuleBook } from "./rule-book.js";
import { SerialQueue } from "./serial-queue.js";
import { drain, ticker, type Stepped } from "../core/stepped.js";
import { TopK } from "../core/top-k.js";
import { F } from "../core/bucket.js";

/** Where evaluation results go (the notification pipeline). */
export interface AlertSink {
  /** Called after each evaluation with every open alert and the alerts resolved in it. */
  process(open: readonly AlertRecord[], resolved: readonly AlertRecord[]): Promise<void>;
  /** Called when someone acknowledges an alert. */
  acknowledged(alert: AlertRecord): Promise<void>;
}

/** Minimal logger. */
export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the alert engine needs. */
export interface AlertEngineDeps {
  index: Pick<RollupIndex, "scan" | "maxSpanMs">;
  /** Runs scans over the rollups (in slices, so evaluation never holds the serving thread); default: at once. */
  run?<T>(work: Stepped<T>): Promise<T>;
  /** Most groups one rule evaluates per cycle (the busiest, and every group with an open alert); default 1,000. */
  maxGroupsPerRule?: number;
  /** Aggregates of a custom metric's samples in [from, to), or null without samples. */
  customSamples(name: string, from: number, to: number): Promise<CustomSamples | null>;
  store: AlertStore;
  rules: RuleBook;
  sink: AlertSink;
  leadership: Pick<Leadership, "isLeader">;
  /** True when several instances share the store: state is re-read from it before each evaluation. */
  shared: boolean;
  now(): number;
  log: EngineLog;
  /** Each route's current state, for the route metrics (absent: no routes). */
  routeStates?(): RouteSample[];
  /** Told after each evaluation cycle (for `/metrics`). */
  onCycle?(stats: EvaluationStats): void;
}

/** Figures of the last evaluation, for operators. */
export interface EvaluationStats {
  at: number;
  rules: number;
  open_alerts: number;
  took_ms: number;
  failed_rules: number;
  /** Rule x group evaluations made in the cycle. */
  evaluated_groups: number;
}

/** Evaluates rules, keeps alert state, and applies acknowledge / resolve. */
export class AlertEngine {
  private open = new Map<string, AlertRecord>();
  private readonly queue = new SerialQueue();
  private lastStats: EvaluationStats | null = null;
  private evaluations = 0;
  private truncationWarned = -Infinity;

  constructor(private readonly deps: AlertEngineDeps) {}

  /** Restores open alerts from the store (alert state survives restarts). */
  start(): Promise<void> {
    return this.serial(async () => {
      await this.deps.rules.refresh();
      this.open = new Map((await this.deps.store.openAlerts()).map((a) => [a.fingerprint, a]));
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /** Open alerts held in memory (pending, firing, acknowledged). */
  openAlerts(): AlertRecord[] {
    return [...this.open.values()];
  }

  /** Statistics of the last evaluation, or null before the first. */
  stats(): (EvaluationStats & { evaluations: number }) | null {
    return this.lastStats ? { ...this.lastStats, evaluations: this.evaluations } : null;
  }

  /** One evaluation of every enabled rule at the current time; a no-op on an instance that does not lead. */
  evaluate(): Promise<EvaluationStats | null> {
    return this.serial(async () => {
      if (!this.deps.leadership.isLeader()) return null;
      const started = performance.now();
      if (this.deps.shared) {
        // Another instance may have led, or acknowledged an alert, since this one last looked.
        await this.deps.rules.refresh();
        this.open = new Map((await this.deps.store.openAlerts()).map((a) => [a.fingerprint, a]));
      }
      const now = this.deps.now();
      const rules = this.deps.rules.rules().filter((r) => r.enabled);
      const cache = new Map<string, Map<string, { group: Record<string, string>; m: Metrics }>>();
      const upserts: AlertRecord[] = [];
      const dropped: string[] = [];
      const history: AlertHistoryEntry[] = [];
      const resolved: AlertRecord[] = [];
      let failed = 0;
      let groups = 0;
      const openByRule = new Map<string, AlertRecord[]>();
      for (const a of this.open.values()) {
        const list = openByRule.get(a.rule);
        if (list) list.push(a);
        else openByRule.set(a.rule, [a]);
      }
      for (const rule of rules) {
        let observations: Observation[];
        try {
          observations = await this.observe(rule, now, cache);
        } catch (err) {
          // A rule whose data cannot be read keeps its alerts as they are rather than resolving them.
          failed++;
          this.deps.log.warn({ rule: rule.name, err: (err as Error).message }, "alert rule could not be evaluated; its alerts keep their state");
          continue;
        }
        groups += observations.length;
        const r = evaluateRule(rule, observations, openByRule.get(rule.name) ?? [], now);
        upserts.push(...r.upserts);
        history.push(...r.history);
        for (const d of r.dropped) dropped.push(d.id);
        for (const a of r.upserts) if (a.state === "resolved") resolved.push(a);
      }
      // Alerts of rules deleted or disabled since they opened resolve now.
      const live = new Set(rules.map((r) => r.name));
      for (const a of this.open.values()) {
        if (live.has(a.rule)) continue;
        const done: AlertRecord = { ...a, state: "resolved", resolved_at: now, last_evaluated_at: now, resolve_note: "rule removed or disabled" };
        if (a.state === "pending") dropped.push(a.id);
        else {
          upserts.push(done);
          resolved.push(done);
          history.push({ alert_id: a.id, at: now, event: "resolved", by: null, note: "rule removed or disabled", value: null });
        }
      }
      await this.deps.store.saveAlerts(upserts, history);
      if (dropped.length) await this.deps.store.deleteAlerts(dropped);
      const dropSet = new Set(dropped);
      for (const a of upserts) {
        if (a.state === "resolved") this.open.delete(a.fingerprint);
        else this.open.set(a.fingerprint, a);
      }
      for (const [fp, a] of this.open) if (dropSet.has(a.id)) this.open.delete(fp);
      await this.deps.sink.process([...this.open.values()], resolved);
      this.evaluations++;
      this.lastStats = { at: now, rules: rules.length, open_alerts: this.open.size, took_ms: Math.round((performance.now() - started) * 100) / 100, failed_rules: failed, evaluated_groups: groups };
      this.deps.onCycle?.(this.lastStats);
      return this.lastStats;
    });
  }

  /** Reads what a rule watches, per group, at `now`. */
  private async observe(rule: AlertRule, now: number, cache: Map<string, Map<string, { group: Record<string, string>; m: Metrics }>>): Promise<Observation[]> {
    const w = rule.window_ms;
    if (w * (rule.change ? 2 : 1) > this.deps.index.maxSpanMs()) throw new VigilError("VALIDATION_FAILED", `window ${w / 1000}s reaches further back than the rollups are kept`);
    const thresholds = this.deps.rules.thresholds();
    const thresholdFor = (group: Record<string, string>) => (rule.threshold_key !== null ? resolveThreshold(thresholds, rule.threshold_key, group) : rule.threshold);
    if (rule.aggregate !== null) {
      const name = rule.metric.slice("custom.".length);
      const s = await this.deps.customSamples(name, now - w, now);
      const cur = aggregateCustom(s, rule.aggregate, w);
      const samples = s?.count ?? 0;
      let value = cur;
      if (rule.change) value = changeOf(rule.change, cur, aggregateCustom(await this.deps.customSamples(name, now - 2 * w, now - w), rule.aggregate, w));
      return value === null && samples === 0 ? [] : [{ group: {}, value, samples, threshold: thresholdFor({}) }];
    }
    const entry = catalogueEntry(rule.metric)!;
    if (entry.source === "routes") {
      const read = ROUTE_ALERT_METRICS[rule.metric]!;
      const routes = (this.deps.routeStates?.() ?? []).filter((r) => rule.scope.route === undefined || rule.scope.route === r.route);
      if (!rule.group_by.includes("route")) return routes.length ? [{ group: {}, value: Math.max(...routes.map(read)), samples: routes.length, threshold: thresholdFor({}) }] : [];
      return routes.map((r) => ({ group: { route: r.route }, value: read(r), samples: 1, threshold: thresholdFor({ route: r.route }) }));
    }
    const minutes = w / MINUTE;
    const cur = await this.groups(rule.scope, rule.group_by, now - w, now, now, cache);
    const prev = rule.change ? await this.groups(rule.scope, rule.group_by, now - 2 * w, now - w, now, cache) : null;
    const out: Observation[] = [];
    for (const [key, { group, m }] of cur) {
      let value = entry.value(m, minutes);
      if (prev) {
        const p = prev.get(key);
        value = changeOf(rule.change!, value, p ? entry.value(p.m, minutes) : null);
      }
      out.push({ group, value, samples: entry.samples(m), threshold: thresholdFor(group) });
    }
    return out;
  }

  /** Metrics per group for a span, shared by every rule with the same span, scope and grouping in one evaluation. */
  private async groups(scope: DimFilter, groupBy: Dimension[], from: number, to: number, now: number, cache: Map<string, Map<string, { group: Record<string, string>; m: Metrics }>>) {
    const key = `${from}|${to}|${JSON.stringify(scope)}|${groupBy.join(",")}`;
    let hit = cache.get(key);
    if (!hit) {
      const run = <T>(work: Stepped<T>): Promise<T> => (this.deps.run ? this.deps.run(work) : Promise.resolve(drain(work)));
      const found = await run(this.deps.index.scan(from, to, now, scope, groupBy, true));
      hit = await run(this.describe(found, groupBy, (to - from) / MINUTE));
      cache.set(key, hit);
    }
    return hit;
  }

  /**
   * The metrics of each group a scan found. Past `maxGroupsPerRule` groups, only the groups with an
   * open alert and the busiest others are described (and so evaluated): a cycle's work stays bounded
   * whatever the number of series, and the rest wait for a cycle in which they are among the busiest.
   */
  private *describe(found: Map<string, Group>, groupBy: Dimension[], minutes: number): Stepped<Map<string, { group: Record<string, string>; m: Metrics }>> {
    const max = this.deps.maxGroupsPerRule ?? 1000;
    let chosen: Iterable<[string, Group]> = found;
    if (found.size > max) {
      const open = new Set<string>();
      for (const a of this.open.values()) open.add(groupKey(a.labels, groupBy));
      const top = new TopK<{ key: string; v: number; g: Group }>(max, (a, b) => b.v - a.v || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const keep: [string, Group][] = [];
      const tick = ticker(512);
      for (const [k, g] of found) {
        if (tick()) yield;
        if (open.has(k)) keep.push([k, g]);
        else top.offer({ key: k, v: g.bucket.f[F.runs]! + g.bucket.f[F.llm]!, g });
      }
      for (const t of top.sorted()) if (keep.length < max) keep.push([t.key, t.g]);
      const now = this.deps.now();
      if (now - this.truncationWarned >= 60_000) {
        this.truncationWarned = now;
        this.deps.log.warn({ group_by: groupBy, groups: found.size, evaluated: keep.length }, "alert rules watch more groups than alerting.max_groups_per_rule; those with open alerts and the busiest are evaluated (said at most once a minute)");
      }
      chosen = keep;
    }
    const out = new Map<string, { group: Record<string, string>; m: Metrics }>();
    const tick = ticker(64);
    for (const [k, { dims }] of chosen) {
      if (tick()) yield;
      const group: Record<string, string> = {};
      for (const d of groupBy) if (dims[d] !== undefined) group[d] = dims[d]!;
      out.set(k, { group, m: metricsOf(found.get(k)!.bucket, minutes) });
    }
    return out;
  }

  /** Acknowledges a firing alert: it keeps firing, stops repeating, and its channels hear who took it. */
  acknowledge(id: string, by: string, note: string | null): Promise<AlertRecord> {
    return this.serial(async () => {
      const a = await this.load(id);
      if (a.state === "resolved") throw new VigilError("CONFLICT", `alert ${id} is already resolved`);
      if (a.state === "pending") throw new VigilError("CONFLICT", `alert ${id} is still pending (its condition has not held for the rule's "for" yet); there is nothing to acknowledge`);
      if (a.state === "acknowledged") return a;
      const now = this.deps.now();
      const next: AlertRecord = { ...a, state: "acknowledged", acknowledged_by: by, acknowledged_at: now, ack_note: note };
      await this.deps.store.saveAlerts([next], [{ alert_id: id, at: now, event: "acknowledged", by, note, value: null }]);
      if (this.open.has(a.fingerprint)) this.open.set(a.fingerprint, next);
      await this.deps.sink.acknowledged(next);
      return next;
    });
  }

  /**
   * Resolves an alert by hand. If its condition still holds, the next evaluation opens a new
   * occurrence (pending, then firing after `for`), as a person closing a live alert would expect.
   */
  resolve(id: string, by: string, note: string | null): Promise<AlertRecord> {
    return this.serial(async () => {
      const a = await this.load(id);
      if (a.state === "resolved") return a;
      const now = this.deps.now();
      const next: AlertRecord = { ...a, state: "resolved", resolved_at: now, resolved_by: by, resolve_note: note };
      await this.deps.store.saveAlerts([next], [{ alert_id: id, at: now, event: "resolved", by, note, value: null }]);
      this.open.delete(a.fingerprint);
      if (a.state !== "pending") await this.deps.sink.process([...this.open.values()], [next]);
      return next;
    });
  }

  private async load(id: string): Promise<AlertRecord> {
    const a = await this.deps.store.getAlert(id);
    if (!a) throw new VigilError("NOT_FOUND", `no alert with id "${id}"`);
    return a;
  }
}

/** Applies a change function; null when either side has no data (or a ratio's base is zero). */
export function changeOf(fn: "ratio" | "delta" | "percent", cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null) return null;
  if (fn === "delta") return cur - prev;
  if (prev === 0) return null;
  return fn === "ratio" ? cur / prev : ((cur - prev) / prev) * 100;
}
