/**
 * The SLOs' live figures (docs/slo.md): a ledger per SLO in force, brought up to date from the
 * rollups each evaluation cycle (one watch finds the slices changed since the last cycle, so a
 * refresh re-reads the current minute and hour, not the period) and before every answer, so that
 * `GET /api/v1/slos/:name`, its history, the report and the burn-rate alerts all read the same
 * figures. A ledger's first fill reads its whole period as steps through the cooperative runner.
 */
import type { SloAlertCondition, SloHistory, SloStatus } from "@vigil/contract";
import type { Observation } from "../core/alerting/evaluator.js";
import type { AlertRecord, AlertRule } from "../core/alerting/types.js";
import { classToWire } from "../core/slo-definitions.js";
import { sloFigures, type SloFigures } from "../core/slo/budget.js";
import { SloLedger, type LedgerHorizons, type LedgerSource } from "../core/slo/ledger.js";
import { SliceWatch } from "../core/slo/slice-watch.js";
import { sloHistory } from "../core/slo/history.js";
import type { Stepped } from "../core/stepped.js";
import { sloAlertRules, sloConditions, sloObservation } from "./slo-alerts.js";
import type { BookSlo, SloBook } from "./slo-book.js";
import { SerialQueue } from "./serial-queue.js";

/** Longest a listing reads SLOs before the event loop gets a turn (ms). */
const READ_SLICE_MS = 5;

/** What the SLO service needs. */
export interface SloServiceDeps {
  book: SloBook;
  /** The rollups (a RollupIndex). */
  index: LedgerSource;
  horizons: LedgerHorizons;
  /** Runs a ledger's reads in slices between turns of the event loop (default: at once). */
  run?<T>(work: Stepped<T>): Promise<T>;
  now(): number;
  /** The open alerts (for each SLO's count of firing or acknowledged ones). */
  openAlerts?(): readonly AlertRecord[];
}

interface Held {
  slo: BookSlo;
  ledger: SloLedger;
  /** The reading of the last refresh (answers at the same time reuse it). */
  last: SloReading | null;
}

/** One SLO's figures at one time, with the definition they were made for. */
export interface SloReading {
  slo: BookSlo;
  figures: SloFigures;
  conditions: SloAlertCondition[];
  at: number;
}

/** Every SLO's ledger, its refresh, and the answers read from it. */
export class SloService {
  private readonly watch: SliceWatch;
  private held = new Map<string, Held>();
  private version: string | null = null;
  private readonly queue = new SerialQueue();
  private lastRefresh = { at: 0, took_ms: 0, slos: 0 };

  constructor(private readonly deps: SloServiceDeps) {
    this.watch = new SliceWatch(deps.index, deps.horizons);
  }

  /**
   * Brings every ledger up to date at `now`; serialised. The periodic job and the alert rules look
   * at every slice held; an answer (`recentOnly`) at the recent ones while the last full look is
   * under 10 s old, so a request does not pay a lookup per slice held (a late event in an older
   * slice shows at the next full look).
   */
  refresh(now: number = this.deps.now(), recentOnly = false): Promise<void> {
    return this.queue.run(() => this.sync(now, recentOnly));
  }

  /** The alert rules every SLO in force generates; their annotations read the SLO's figures of the latest refresh. */
  rules(): AlertRule[] {
    return this.deps.book.slos().flatMap((slo) => sloAlertRules(slo, () => this.held.get(slo.spec.name)?.last?.figures ?? null));
  }

  /** Figures of the last refresh: when, how long it took, how many SLOs (for operators and the bench). */
  stats(): { at: number; took_ms: number; slos: number } {
    return { ...this.lastRefresh };
  }

  private async sync(now: number, recentOnly: boolean): Promise<void> {
    const started = performance.now();
    const version = this.deps.book.version();
    if (version !== this.version) {
      // A changed SLO gets a new ledger (its class, SLI or period may differ); the others keep theirs.
      const next = new Map<string, Held>();
      for (const slo of this.deps.book.slos()) {
        const old = this.held.get(slo.spec.name);
        next.set(slo.spec.name, old && JSON.stringify(old.slo.spec) === JSON.stringify(slo.spec) ? { ...old, slo, last: null } : { slo, ledger: new SloLedger(slo.spec, this.deps.index, this.deps.horizons), last: null });
      }
      this.held = next;
      this.version = version;
    }
    this.watch.poll(now, recentOnly);
    const run = this.deps.run ?? runNow;
    for (const h of this.held.values()) {
      // A filled ledger re-reads only the few slices changed since the last poll: done at once. Its
      // first fill reads the whole period, in slices through the runner so the server keeps answering.
      if (h.ledger.filled) drainNow(h.ledger.refresh(now, this.watch));
      else await run(h.ledger.refresh(now, this.watch));
      h.last = readingOf(h, now, this.watch.firstData);
    }
    this.lastRefresh = { at: now, took_ms: Math.round((performance.now() - started) * 1000) / 1000, slos: this.held.size };
  }

  /** The figures of one SLO now (after a refresh), or null when there is none of that name. */
  async reading(name: string, now: number = this.deps.now()): Promise<SloReading | null> {
    await this.refresh(now, true);
    const h = this.held.get(name);
    return h ? readingOf(h, now, this.watch.firstData) : null;
  }

  /** The figures of every SLO now, in the book's order. */
  async readings(now: number = this.deps.now()): Promise<SloReading[]> {
    await this.refresh(now, true);
    const out: SloReading[] = [];
    // A cold read walks each spent SLO's period (a fraction of a millisecond each): the event loop
    // gets a turn every few milliseconds, however many SLOs there are.
    let from = performance.now();
    for (const h of [...this.held.values()]) {
      out.push(readingOf(h, now, this.watch.firstData));
      if (performance.now() - from < READ_SLICE_MS) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      from = performance.now();
    }
    return out;
  }

  /**
   * What a generated alert rule observes at the engine's `now`: the ledgers are refreshed once per
   * evaluation time, however many rules read them.
   */
  async observe(rule: AlertRule, now: number): Promise<Observation[]> {
    const name = rule.labels.slo;
    if (name === undefined) return [];
    if (this.lastRefresh.at !== now || this.version !== this.deps.book.version()) await this.refresh(now);
    const h = this.held.get(name);
    if (!h) return [];
    const r = readingOf(h, now, this.watch.firstData);
    return sloObservation(rule, r.figures, r.conditions);
  }

  /** `GET /api/v1/slos/:name`: the status of one SLO now, or null. */
  async status(name: string): Promise<SloStatus | null> {
    const r = await this.reading(name);
    return r ? this.statusOf(r, this.openAlertCounts()) : null;
  }

  /** `GET /api/v1/slos`: the status of every SLO now. */
  async list(): Promise<SloStatus[]> {
    const readings = await this.readings();
    const open = this.openAlertCounts();
    return readings.map((r) => this.statusOf(r, open));
  }

  /** Open (firing or acknowledged) alerts per SLO name, counted once for a whole listing. */
  private openAlertCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const a of this.deps.openAlerts?.() ?? []) {
      const slo = a.labels.slo;
      if (slo !== undefined && (a.state === "firing" || a.state === "acknowledged")) counts.set(slo, (counts.get(slo) ?? 0) + 1);
    }
    return counts;
  }

  /** `GET /api/v1/slos/:name/history`: the figures as of each step from the period's start to now, or null. */
  async history(name: string, stepMs: number | null): Promise<SloHistory | null> {
    const now = this.deps.now();
    await this.refresh(now, true);
    const h = this.held.get(name);
    if (!h) return null;
    const { step_ms, points } = sloHistory(h.ledger, now, stepMs ?? 0);
    return { name, step_seconds: step_ms / 1000, points: points.map((p) => ({ ...p, t: new Date(p.t).toISOString() })) };
  }

  private statusOf(r: SloReading, openAlerts: ReadonlyMap<string, number>): SloStatus {
    const { slo, figures: f } = r;
    const cls = this.deps.book.getClass(slo.definition.class);
    const open = openAlerts.get(slo.spec.name) ?? 0;
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      name: slo.spec.name,
      definition: slo.definition,
      source: slo.source,
      class: { name: slo.definition.class, ...(cls ? classToWire(cls) : { match: { ...slo.spec.filter } as Record<string, string> }) },
      period: { kind: f.period.kind, start: iso(f.period.start)!, end: iso(f.period.end)! },
      compliance: f.compliance,
      target: slo.spec.target,
      met: f.met,
      budget: f.budget,
      burn_rates: f.burn_rates,
      exhaustion: { at: iso(f.exhaustion.at), in_seconds: f.exhaustion.in_ms === null ? null : Math.round(f.exhaustion.in_ms / 1000), burn_window: "1h" },
      exhausted_at: iso(f.exhausted_at),
      samples: f.samples,
      exact: f.exact,
      data_from: iso(f.data_from),
      alerts: r.conditions,
      open_alerts: open,
      max_breaches: f.max_breaches,
    };
  }
}

function readingOf(h: Held, now: number, firstData: number | null): SloReading {
  if (h.last?.at === now && h.last.slo === h.slo) return h.last;
  const figures = sloFigures(h.ledger, now, firstData);
  return { slo: h.slo, figures, conditions: sloConditions(h.slo, figures.burn_rates), at: now };
}

function drainNow<T>(work: Stepped<T>): T {
  let r = work.next();
  while (!r.done) r = work.next();
  return r.value;
}

async function runNow<T>(work: Stepped<T>): Promise<T> {
  return drainNow(work);
}
