/**
 * One side of the alert-eval bench: a build of Vigil (this checkout, or the earlier one named by
 * `BENCH_PEER_VIGIL`) evaluating the workload's rules with its own `AlertEngine`, `RuleBook` and
 * `RollupIndex`, one cycle at a time. It runs in the bench process, or in a child process driven
 * over IPC (`forkSide`), so that two builds take turns cycle by cycle, each with a heap of its own,
 * on the same events and the same simulated clock.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AlertHistoryEntry, AlertQuery, AlertRecord, AlertRule, AlertStore, DeliveryAttempt, GroupState, Notification, OutboxEntry, OutboxState, Silence } from "../../packages/server/dist/core/alerting/types.js";
import type * as ThresholdSettingsModule from "../../packages/server/dist/core/alerting/threshold-settings.js";
import type * as ThresholdWireModule from "../../packages/server/dist/core/threshold-wire.js";
import type * as ThresholdServiceModule from "../../packages/server/dist/services/threshold-service.js";
import type * as RollupIndexModule from "../../packages/server/dist/core/rollup-index.js";
import type * as AlertEngineModule from "../../packages/server/dist/services/alert-engine.js";
import type * as RuleBookModule from "../../packages/server/dist/services/rule-book.js";
import type * as RuleModule from "../../packages/server/dist/core/alerting/rule.js";
import type { AlertSink } from "../../packages/server/dist/services/alert-engine.js";
import type { StoredEvent } from "../../packages/server/dist/core/stored-event.js";
import { CYCLE_MS, HISTORY_MS, runEvent } from "./alert-eval-workload.js";
import { rng } from "./common.js";

/** What a side evaluates. */
export interface SideOptions {
  /** Root of the checkout whose build is evaluated. */
  root: string;
  /** The rules as written (each build validates them with its own `parseRuleSet`). */
  rules: Record<string, unknown>[];
  /** A `PUT /api/v1/thresholds` body applied over the defaults, or null for the defaults. */
  thresholds: Record<string, unknown> | null;
  /** Run events per second over all dimension sets. */
  rate: number;
  /** Simulated time at which the history ends (the same on both sides). */
  now: number;
}

/** One timed evaluation: wall clock, and the process's CPU (GC threads included). */
export interface CycleFigures {
  ms: number;
  cpuMs: number;
}

/** What a side holds once it has run its cycles. */
export interface SideSummary {
  rules: number;
  firing: number;
  pending: number;
  /** Open alerts per metric. */
  byMetric: Record<string, number>;
  folded: number;
  foldMs: number;
  heapMB: number;
}

/** A side, in this process or in a child. */
export interface Side {
  cycle(): Promise<CycleFigures>;
  summary(): Promise<SideSummary>;
  close(): Promise<void>;
}

/** The AlertStore port in memory: maps and arrays, no I/O (the evaluation benches measure evaluation CPU). */
export class MemoryAlertStore implements AlertStore {
  alerts = new Map<string, AlertRecord>();
  historyCount = 0;
  async listRules(): Promise<AlertRule[]> { return []; }
  async putRule(): Promise<void> {}
  async deleteRule(): Promise<boolean> { return false; }
  async getSetting(): Promise<unknown> { return null; }
  async putSetting(): Promise<void> {}
  async saveAlerts(alerts: readonly AlertRecord[], history: readonly AlertHistoryEntry[]): Promise<void> {
    for (const a of alerts) this.alerts.set(a.id, a);
    this.historyCount += history.length;
  }
  async deleteAlerts(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.alerts.delete(id);
  }
  async openAlerts(): Promise<AlertRecord[]> { return [...this.alerts.values()].filter((a) => a.state !== "resolved"); }
  async getAlert(id: string): Promise<AlertRecord | null> { return this.alerts.get(id) ?? null; }
  async listAlerts(_q: AlertQuery): Promise<{ alerts: AlertRecord[]; total: number }> { return { alerts: [], total: 0 }; }
  async history(): Promise<AlertHistoryEntry[]> { return []; }
  async deleteResolvedBefore(): Promise<number> { return 0; }
  async listSilences(): Promise<Silence[]> { return []; }
  async putSilence(): Promise<void> {}
  async deleteSilence(): Promise<boolean> { return false; }
  async listGroupStates(): Promise<GroupState[]> { return []; }
  async enqueue(_n: readonly Notification[], _g: readonly GroupState[]): Promise<void> {}
  async due(): Promise<OutboxEntry[]> { return []; }
  async nextDue(): Promise<number | null> { return null; }
  async recordAttempt(): Promise<void> {}
  async deliveries(): Promise<DeliveryAttempt[]> { return []; }
  async outboxCounts(): Promise<Record<OutboxState, number>> { return { pending: 0, delivered: 0, failed: 0 }; }
  async deleteDeliveredBefore(): Promise<number> { return 0; }
}

const noopSink: AlertSink = { process: async () => undefined, acknowledged: async () => undefined };
/** A logger that says nothing. */
export const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A module of a build's server dist, typed as this checkout's. */
async function load<T>(root: string, rel: string): Promise<T> {
  return (await import(pathToFileURL(join(root, "packages/server/dist", rel)).href)) as T;
}

/**
 * The thresholds the rule book reads, as the build at `root` takes them: the threshold model's
 * service (current builds) or the settings object itself (builds before the threshold model).
 */
async function thresholdsFor(root: string, body: Record<string, unknown> | null): Promise<unknown> {
  const settings = await load<typeof ThresholdSettingsModule>(root, "core/alerting/threshold-settings.js");
  const base = settings.initialThresholds(undefined);
  if (existsSync(join(root, "packages/server/dist/services/threshold-service.js"))) {
    const wire = await load<typeof ThresholdWireModule>(root, "core/threshold-wire.js");
    const service = await load<typeof ThresholdServiceModule>(root, "services/threshold-service.js");
    return service.fixedThresholds(body ? wire.applyThresholdUpdate(base, body) : base);
  }
  const before = settings as unknown as { applyThresholdUpdate(current: unknown, body: unknown): unknown };
  return body ? before.applyThresholdUpdate(base, body) : base;
}

/** A side in this process. */
export class LocalSide implements Side {
  private constructor(
    private readonly engine: { evaluate(): Promise<unknown>; openAlerts(): AlertRecord[] },
    private readonly advance: (to: number) => void,
    private now: number,
    private readonly figures: Omit<SideSummary, "firing" | "pending" | "byMetric">,
  ) {}

  /** Folds the history into a fresh index of the build at `o.root` and starts its alert engine. */
  static async open(o: SideOptions): Promise<LocalSide> {
    const rollup = await load<typeof RollupIndexModule>(o.root, "core/rollup-index.js");
    const { AlertEngine } = await load<typeof AlertEngineModule>(o.root, "services/alert-engine.js");
    const { RuleBook } = await load<typeof RuleBookModule>(o.root, "services/rule-book.js");
    const { parseRuleSet } = await load<typeof RuleModule>(o.root, "core/alerting/rule.js");
    const { MINUTE, HOUR } = rollup;
    const rules = parseRuleSet({ rules: o.rules }, "file", "bench rules");
    const index = new rollup.RollupIndex({ minuteMs: 48 * HOUR, hourMs: 35 * 24 * HOUR });
    const step = 1000 / o.rate;
    const r = rng(5);
    let seq = 0;
    const start = o.now - HISTORY_MS;
    // As a server that has been running for longer than the fine horizon: 10-second slices cover
    // every window that fits in them (up to 15 min), minute buckets the rest.
    index.startFine(start);
    let nextTs = start;
    const foldUntil = (to: number) => {
      for (; nextTs <= to; nextTs += step) {
        const ts = Math.floor(nextTs);
        const body = runEvent(r, seq);
        body.tokens_used = (body.input_tokens as number) + (body.output_tokens as number);
        body.cost_source = "client";
        const ev: StoredEvent = { id: `evt_${seq}`, type: "run", ts, receivedAt: ts, body };
        index.fold(ev);
        seq++;
      }
    };
    const f0 = performance.now();
    for (let t = start + MINUTE; t < o.now; t += MINUTE) {
      foldUntil(t);
      index.prune(t);
    }
    foldUntil(o.now);
    index.prune(o.now);
    const foldMs = performance.now() - f0;
    const folded = seq;
    const store = new MemoryAlertStore();
    const thresholds = (await thresholdsFor(o.root, o.thresholds)) as ConstructorParameters<typeof RuleBook>[0]["thresholds"];
    const book = new RuleBook({ store, defaults: [], fileRules: rules, thresholds });
    let now = o.now;
    const engine = new AlertEngine({ index, customSamples: async () => null, store, rules: book, sink: noopSink, leadership: { isLeader: () => true }, shared: false, now: () => now, log: quietLog });
    await engine.start();
    (globalThis as { gc?: () => void }).gc?.();
    const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
    const side = new LocalSide(engine, (to) => {
      now = to;
      foldUntil(to);
      index.prune(to);
    }, o.now, { rules: rules.length, folded, foldMs, heapMB });
    return side;
  }

  /** Ten seconds of traffic arrive (not timed), then one evaluation is timed, as on the running server. */
  async cycle(): Promise<CycleFigures> {
    this.now += CYCLE_MS;
    this.advance(this.now);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await this.engine.evaluate();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  }

  async summary(): Promise<SideSummary> {
    const open = this.engine.openAlerts();
    const byMetric: Record<string, number> = {};
    for (const a of open) byMetric[a.metric] = (byMetric[a.metric] ?? 0) + 1;
    return { ...this.figures, firing: open.filter((a) => a.state === "firing").length, pending: open.filter((a) => a.state === "pending").length, byMetric };
  }

  async close(): Promise<void> {}
}

type Request = { op: "open"; options: SideOptions } | { op: "cycle" } | { op: "summary" };
type Reply = { ok: true; value: unknown } | { ok: false; error: string };

/** A side in a child process of its own (`node --expose-gc alert-eval-side.js`), driven over IPC. */
export async function forkSide(o: SideOptions): Promise<Side> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let exited: string | null = null;
  const waiting: ((r: Reply) => void)[] = [];
  child.on("message", (m: Reply) => waiting.shift()?.(m));
  child.on("exit", (code, sig) => {
    exited = `side process for ${o.root} exited (${sig ?? code})`;
    for (const w of waiting.splice(0)) w({ ok: false, error: exited });
  });
  const ask = <T>(req: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(exited));
      waiting.push((r) => (r.ok ? resolve(r.value as T) : reject(new Error(r.error))));
      child.send(req);
    });
  try {
    await ask({ op: "open", options: o });
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    cycle: () => ask<CycleFigures>({ op: "cycle" }),
    summary: () => ask<SideSummary>({ op: "summary" }),
    close: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    },
  };
}

/** The child's end: one side, asked one request at a time. */
function serveSide(): void {
  let side: LocalSide | null = null;
  process.on("disconnect", () => process.exit(0));
  process.on("message", (req: Request) => {
    void (async (): Promise<unknown> => {
      if (req.op === "open") side = await LocalSide.open(req.options);
      else if (!side) throw new Error("no side opened");
      else if (req.op === "cycle") return side.cycle();
      else return side.summary();
      return null;
    })().then(
      (value) => process.send!({ ok: true, value } satisfies Reply),
      (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply),
    );
  });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) serveSide();
