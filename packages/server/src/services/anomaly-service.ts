/**
 * What anomaly alert rules observe (docs/anomaly.md#anomaly-rules). Per rule and group — at most
 * `maxGroupsPerRule` groups per rule, the busiest — a streaming detector (core/anomaly/detector.ts)
 * is fed the rule's metric over each whole step, read from the rollups, once each and in time order;
 * steps in which a group has no value (or fewer samples than the rule's `min_samples`) are skipped,
 * not fed as zeros, and events without a value for a `group_by` dimension are in no group. A rule seen for the first time
 * (after a start, or a change to what it reads) replays the history the rollups hold for its step:
 * the minute rollups for steps under an hour, the hour rollups for `1h`. The reads run in slices
 * through the cooperative runner and the progress is kept step by step, so a replay stopped half-way
 * (a timeout, a busy server) goes on at the next evaluation.
 *
 * A step is fed once it ended SETTLE_MS ago, so events up to that late are counted in it. Each
 * group's observation is its latest whole step: the metric's value there, its samples and, once the
 * group's detector has finished its warm-up and seen the rule's `min_history`, the detector's score,
 * expected value and band.
 */
import type { Reading } from "../core/anomaly/readings.js";
import { catalogueEntry, type CatalogueEntry } from "../core/alerting/catalogue.js";
import type { Observation } from "../core/alerting/evaluator.js";
import type { AlertRule } from "../core/alerting/types.js";
import { F } from "../core/bucket.js";
import { HOUR, type DimFilter, type Group, type RollupIndex } from "../core/rollup-index.js";
import { drain, ticker, type Stepped } from "../core/stepped.js";
import type { Dims } from "../core/stored-event.js";
import { TopK } from "../core/top-k.js";
import { complete, feed, newGroup, observationOf, readStep, type GroupState } from "./anomaly-groups.js";
import { SerialQueue } from "./serial-queue.js";

/** How long after a step ends it is fed: events up to this late still count in it. */
export const SETTLE_MS = 10_000;
/** A rule not evaluated for this long (disabled, deleted, renamed) has its detectors forgotten. */
export const IDLE_MS = HOUR;
/** Groups that join a rule past its group cap replay their history at most this many per evaluation. */
const REPLAYS_PER_CYCLE = 8;

/** What the anomaly service needs. */
export interface AnomalyServiceDeps {
  index: Pick<RollupIndex, "scan" | "sums" | "minuteFloor" | "maxSpanMs">;
  /** Runs stepped work in slices (the cooperative runner); default: at once. */
  run?<T>(work: Stepped<T>): Promise<T>;
  /** Most groups one rule follows (the busiest of the history when it is first seen); default 1,000. */
  maxGroupsPerRule?: number;
  /** Said once per rule when it has more groups than it follows. */
  warn?(obj: object, msg: string): void;
}

/** One anomaly rule's detectors. */
interface RuleState {
  /** What the rule reads: a change to it starts the rule afresh. */
  signature: string;
  /** Start of the last step fed to the rule's groups (−Infinity before the first). */
  cursor: number;
  groups: Map<string, GroupState>;
  /** Whether the busiest groups were chosen (at the rule's first read). */
  chosen: boolean;
  /** True once a group was passed over for the cap: a group that joins later has history to replay. */
  capped: boolean;
  usedAt: number;
  /** The observations of the latest step, made once per step and rule. */
  made: { at: number; rule: AlertRule; list: Observation[] } | null;
}

/** The detectors of anomaly rules, and what they make of each group's latest step. */
export class AnomalyService {
  private readonly states = new Map<string, RuleState>();
  /** Feeding a rule's state is one task at a time (the evaluator and the readings route both feed). */
  private readonly queue = new SerialQueue();
  /** The latest steps read in the evaluation at `now`, by scope, grouping, step start and length. */
  private shared: { now: number; scans: Map<string, Map<string, Group>> } = { now: -1, scans: new Map() };

  constructor(private readonly deps: AnomalyServiceDeps) {}

  /** Rules and groups followed (for operators and tests). */
  stats(): { rules: number; groups: number } {
    let groups = 0;
    for (const s of this.states.values()) groups += s.groups.size;
    return { rules: this.states.size, groups };
  }

  /**
   * What an anomaly rule observes at `now`: one observation per followed group with a value in the
   * latest whole step (after feeding every step completed since the last call). Throws when the
   * reads cannot finish (the runner's timeout); what was fed stays fed.
   */
  observe(rule: AlertRule, now: number): Promise<Observation[]> {
    return this.queue.run(() => this.observeNow(rule, now));
  }

  /**
   * The latest readings of one group of an anomaly rule over steps starting in [from, to), after
   * feeding what the rule has not read yet (so that an instance that does not evaluate rules answers
   * too: its first call replays the history held). `followed` is false when the rule follows no such group.
   */
  async readings(rule: AlertRule, group: Record<string, string>, from: number, to: number, now: number): Promise<{ followed: boolean; kept: number; points: Reading[] }> {
    await this.observe(rule, now);
    const st = this.states.get(rule.name);
    const g = st === undefined ? undefined : [...st.groups.values()].find((x) => sameGroup(x.group, group));
    return g === undefined ? { followed: false, kept: 0, points: [] } : { followed: true, kept: g.readings.capacity, points: g.readings.between(from, to) };
  }

  private async observeNow(rule: AlertRule, now: number): Promise<Observation[]> {
    const a = rule.anomaly;
    if (!a) return [];
    this.forgetIdle(now);
    const step = a.step_ms;
    const latest = Math.floor((now - SETTLE_MS) / step) * step - step;
    const signature = JSON.stringify([rule.metric, rule.scope, rule.group_by, step, a.threshold]);
    let st = this.states.get(rule.name);
    if (st === undefined || st.signature !== signature) {
      st = { signature, cursor: -Infinity, groups: new Map(), chosen: false, capped: false, usedAt: now, made: null };
      this.states.set(rule.name, st);
    }
    st.usedAt = now;
    const replaying = [...st.groups.values()].some((g) => g.replayedTo !== null);
    if (st.cursor < latest || replaying) {
      const work = this.advance(rule, st, latest, now);
      await (this.deps.run ? this.deps.run(work) : Promise.resolve(drain(work)));
    }
    return this.observations(rule, st, latest);
  }

  /**
   * The groups of the latest whole step of `rule`'s scope and grouping, read once per evaluation
   * (`now`) for every rule with the same scope, grouping and step: rules watching several metrics
   * of the same groups share one scan. Only the latest step is kept (replays read theirs alone).
   */
  private *latestStep(rule: AlertRule, t: number, step: number, now: number): Stepped<Map<string, Group>> {
    if (this.shared.now !== now) this.shared = { now, scans: new Map() };
    const key = JSON.stringify([rule.scope, rule.group_by, t, step]);
    const hit = this.shared.scans.get(key);
    if (hit !== undefined) return hit;
    const groups = yield* this.deps.index.scan(t, t + step, now, rule.scope, rule.group_by);
    this.shared.scans.set(key, groups);
    return groups;
  }

  /** The earliest step start the rollups hold whole for a step of `step` ms at `now`. */
  earliestStep(step: number, now: number): number {
    const from = step % HOUR === 0 ? now - this.deps.index.maxSpanMs() : this.deps.index.minuteFloor(now);
    return Math.ceil(from / step) * step;
  }

  private forgetIdle(now: number): void {
    for (const [name, s] of this.states) if (s.usedAt < now - IDLE_MS) this.states.delete(name);
  }

  /** Feeds every whole step up to `latest` not fed yet, then lets groups that joined past the cap replay their history. */
  private *advance(rule: AlertRule, st: RuleState, latest: number, now: number): Stepped<void> {
    const step = rule.anomaly!.step_ms;
    const first = this.earliestStep(step, now);
    const entry = catalogueEntry(rule.metric)!;
    if (!st.chosen) {
      yield* this.choose(rule, st, first, latest + step, now);
      st.chosen = true;
    }
    for (let t = Math.max(st.cursor + step, first); t <= latest; t += step) {
      const groups = t === latest ? yield* this.latestStep(rule, t, step, now) : yield* this.deps.index.scan(t, t + step, now, rule.scope, rule.group_by);
      this.feedStep(rule, entry, st, t, first, groups);
      st.cursor = t;
      yield;
    }
    let replays = 0;
    for (const g of st.groups.values()) {
      if (g.replayedTo === null) continue;
      if (replays++ >= REPLAYS_PER_CYCLE) break;
      yield* this.replay(rule, entry, st, g, first, now);
    }
    // A group without a value anywhere in the history held is gone: its slot is free.
    if (st.cursor >= first) for (const [k, g] of st.groups) if (g.replayedTo === null && g.lastAt < first) st.groups.delete(k);
  }

  /**
   * At a rule's first read: when its history holds more groups than it may follow, the busiest
   * (runs and LLM calls over the history) are taken and the rest passed over.
   */
  private *choose(rule: AlertRule, st: RuleState, from: number, to: number, now: number): Stepped<void> {
    const max = this.deps.maxGroupsPerRule ?? 1000;
    if (to <= from) return;
    const runs = yield* this.deps.index.sums(from, to, now, rule.scope, rule.group_by, undefined, F.runs);
    let groups = 0;
    for (const g of runs.values()) if (complete(g.dims, rule)) groups++;
    if (groups <= max) return;
    const llm = yield* this.deps.index.sums(from, to, now, rule.scope, rule.group_by, undefined, F.llm);
    const top = new TopK<{ key: string; dims: Dims; v: number }>(max, (a, b) => b.v - a.v || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const tick = ticker(512);
    for (const [key, g] of runs) {
      if (tick()) yield;
      if (complete(g.dims, rule)) top.offer({ key, dims: g.dims, v: g.sum + (llm.get(key)?.sum ?? 0) });
    }
    for (const t of top.sorted()) st.groups.set(t.key, newGroup(rule, t.key, t.dims, null));
    this.passedOver(rule, st, groups);
  }

  private passedOver(rule: AlertRule, st: RuleState, groups: number): void {
    if (st.capped) return;
    st.capped = true;
    this.deps.warn?.({ rule: rule.name, groups, followed: st.groups.size }, "an anomaly rule sees more groups than alerting.max_groups_per_rule; it follows the busiest (said once per rule)");
  }

  /** Feeds one step's value to each group that has one; a new group is followed while there is room. */
  private feedStep(rule: AlertRule, entry: CatalogueEntry, st: RuleState, t: number, first: number, groups: Map<string, Group>): void {
    const max = this.deps.maxGroupsPerRule ?? 1000;
    for (const [key, g] of groups) {
      let gs = st.groups.get(key);
      // A group replaying its history alone reads this step in its replay.
      if (gs !== undefined && gs.replayedTo !== null) continue;
      if (gs === undefined && !complete(g.dims, rule)) continue;
      const read = readStep(rule, entry, g);
      if (read === null) continue;
      if (gs === undefined) {
        if (st.groups.size >= max) {
          this.passedOver(rule, st, st.groups.size + 1);
          continue;
        }
        // Every step so far was read for every group: a new group has history only if groups were passed over.
        gs = newGroup(rule, key, g.dims, st.capped ? first - rule.anomaly!.step_ms : null);
        st.groups.set(key, gs);
        if (gs.replayedTo !== null) continue;
      }
      feed(rule, gs, t, read.value, read.samples, entry);
    }
  }

  /** Feeds one group the history before the rule's cursor, alone (its scope and its own dimensions). */
  private *replay(rule: AlertRule, entry: CatalogueEntry, st: RuleState, g: GroupState, first: number, now: number): Stepped<void> {
    const step = rule.anomaly!.step_ms;
    const filter: DimFilter = { ...rule.scope, ...g.dims };
    for (let t = Math.max(g.replayedTo! + step, first); t <= st.cursor; t += step) {
      const hit = (yield* this.deps.index.scan(t, t + step, now, filter, rule.group_by)).get(g.key);
      const read = hit === undefined ? null : readStep(rule, entry, hit);
      if (read !== null) feed(rule, g, t, read.value, read.samples, entry);
      g.replayedTo = t;
      yield;
    }
    g.replayedTo = null;
  }

  /** The observations of the latest whole step (made once per step and rule). */
  private observations(rule: AlertRule, st: RuleState, latest: number): Observation[] {
    if (st.made !== null && st.made.at === latest && st.made.rule === rule) return st.made.list;
    const list: Observation[] = [];
    for (const g of st.groups.values()) if (g.replayedTo === null && g.lastAt === latest && g.firstAt !== null) list.push(observationOf(rule, g, latest));
    st.made = { at: latest, rule, list };
    return list;
  }
}

/** Whether two groups have the same dimensions and values. */
function sameGroup(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
