/**
 * The alert engine: on every evaluation it reads each enabled rule's metric from the rollups (or
 * custom metric samples from the store), steps the Prometheus state machine per group, saves the
 * alerts and their history, and hands the result to the notification pipeline. Acknowledge and
 * resolve go through it too, serialised with evaluation so neither overwrites the other.
 */
import type { AlertEvaluationStats } from "@vigil/contract";
import type { CustomSamples, RouteSample } from "../core/alerting/catalogue.js";
import { evaluateRule, type Observation } from "../core/alerting/evaluator.js";
import type { AlertHistoryEntry, AlertRecord, AlertRule, AlertStore } from "../core/alerting/types.js";
import { affectedRules, ArrivalWatch } from "../core/alerting/arrivals.js";
import { VigilError } from "../core/errors.js";
import type { Leadership } from "../core/ports.js";
import type { Stepped } from "../core/stepped.js";
import type { RuleBook } from "./rule-book.js";
import { RuleReads, type ReadCache, type RuleIndex } from "./rule-reads.js";
import { SerialQueue } from "./serial-queue.js";

/** Shortest time between two evaluations on arrival. */
export const ARRIVAL_MIN_GAP_MS = 1000;

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
  index: RuleIndex;
  /** Runs scans over the rollups (in slices, so evaluation never holds the serving thread); default: at once. */
  run?<T>(work: Stepped<T>): Promise<T>;
  /** Most groups one rule evaluates per cycle (the busiest, and every group with an open alert); default 1,000. */
  maxGroupsPerRule?: number;
  /** Aggregates of a custom metric's samples in [from, to) (of one component's events when given), or null without samples. */
  customSamples(name: string, from: number, to: number, component: string | null): Promise<CustomSamples | null>;
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
  /** What a rule generated from an SLO observes at `now` (absent: no SLOs). */
  sloObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  /** What a forecast rule observes at `now` (absent: such rules observe nothing). */
  forecastObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  /** What an anomaly rule observes at `now` (services/anomaly-service.ts; absent: anomaly rules observe nothing). */
  anomalyObservations?(rule: AlertRule, now: number): Promise<Observation[]>;
  /** Told after each evaluation cycle (for `/metrics`). */
  onCycle?(stats: EvaluationStats): void;
}

/** Figures of the last evaluation, for operators: the contract's, less the count of evaluations the summary adds. */
export type EvaluationStats = Omit<AlertEvaluationStats, "evaluations">;

/** Evaluates rules, keeps alert state, and applies acknowledge / resolve. */
export class AlertEngine {
  private open = new Map<string, AlertRecord>();
  private readonly queue = new SerialQueue();
  private lastStats: EvaluationStats | null = null;
  private evaluations = 0;
  private readonly reads: RuleReads;
  private readonly arrivals = new ArrivalWatch();
  private arrivalAt = -Infinity;
  private arrivalTook = 0;

  constructor(private readonly deps: AlertEngineDeps) {
    this.reads = new RuleReads({ ...deps, warn: (obj, msg) => deps.log.warn(obj, msg) });
  }

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
    return this.serial(() => this.cycle(null));
  }

  /**
   * Evaluates, between two evaluations, the rules that watch series whose runs or LLM calls arrived
   * since the last look, so that an alert does not wait for the next interval. Bounded: it runs at
   * most once per ARRIVAL_MIN_GAP_MS, and never within ten times its previous duration of the
   * previous one (so it takes at most a tenth of a core). Returns the number of rules evaluated.
   */
  evaluateArrivals(): Promise<number> {
    return this.serial(async () => {
      if (!this.deps.leadership.isLeader()) return 0;
      const now = this.deps.now();
      if (now - this.arrivalAt < Math.max(ARRIVAL_MIN_GAP_MS, 10 * this.arrivalTook)) return 0;
      const changed = this.arrivals.changed(this.deps.index, now);
      if (changed.length === 0) return 0;
      const started = performance.now();
      this.arrivalAt = now;
      const rules = affectedRules(this.deps.rules.rules(), changed.map((id) => this.deps.index.series.dims(id)));
      if (rules.length > 0) await this.cycle(rules);
      this.arrivalTook = performance.now() - started;
      return rules.length;
    });
  }

  /** One evaluation of `only` (or of every enabled rule, resolving the alerts of removed rules, when null). */
  private async cycle(only: AlertRule[] | null): Promise<EvaluationStats | null> {
    {
      if (!this.deps.leadership.isLeader()) return null;
      const started = performance.now();
      if (this.deps.shared) {
        // Another instance may have led, or acknowledged an alert, since this one last looked.
        await this.deps.rules.refresh();
        this.open = new Map((await this.deps.store.openAlerts()).map((a) => [a.fingerprint, a]));
      }
      const now = this.deps.now();
      const rules = only ?? this.deps.rules.rules().filter((r) => r.enabled);
      const cache: ReadCache = new Map();
      const thresholds = this.deps.rules.thresholds();
      const openLabels = () => [...this.open.values()].map((a) => a.labels);
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
      // Rules are read one window after the other (the groups of a window stay in the processor's
      // caches while every rule reading it goes through them), then evaluated in their own order.
      const seen: ({ observations: Observation[]; observed: number } | null)[] = new Array(rules.length).fill(null);
      for (const i of byWindow(rules)) {
        const rule = rules[i]!;
        const open = openByRule.get(rule.name);
        try {
          seen[i] = await this.reads.observe(rule, now, thresholds, cache, openLabels, open ? new Set(open.map((a) => a.fingerprint)) : undefined);
        } catch (err) {
          // A rule whose data cannot be read keeps its alerts as they are rather than resolving them.
          failed++;
          this.deps.log.warn({ rule: rule.name, err: (err as Error).message }, "alert rule could not be evaluated; its alerts keep their state");
        }
      }
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        const got = seen[i];
        if (!got) continue;
        const { observations, observed } = got;
        const open = openByRule.get(rule.name) ?? [];
        groups += observed;
        const r = evaluateRule(rule, observations, open, now, observed);
        upserts.push(...r.upserts);
        history.push(...r.history);
        for (const d of r.dropped) dropped.push(d.id);
        for (const a of r.upserts) if (a.state === "resolved") resolved.push(a);
      }
      // Alerts of rules deleted or disabled since they opened resolve now.
      const live = new Set(rules.map((r) => r.name));
      for (const a of this.open.values()) {
        if (only || live.has(a.rule)) continue;
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
      if (only) return null;
      this.reads.tidy(now - 5 * 60_000, rules);
      this.evaluations++;
      this.lastStats = { at: now, rules: rules.length, open_alerts: this.open.size, took_ms: Math.round((performance.now() - started) * 100) / 100, failed_rules: failed, evaluated_groups: groups };
      this.deps.onCycle?.(this.lastStats);
      return this.lastStats;
    }
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

/** The indices of rules ordered by the window they read (span, scope, grouping), each window's rules in their own order. */
function byWindow(rules: readonly AlertRule[]): number[] {
  const key = rules.map((r) => `${r.window_ms}|${r.change ?? ""}|${JSON.stringify(r.scope)}|${r.component ?? ""}|${r.group_by.join(",")}`);
  return rules.map((_, i) => i).sort((a, b) => (key[a]! < key[b]! ? -1 : key[a]! > key[b]! ? 1 : a - b));
}
