/**
 * Part of the composition root (called only by main.ts): builds the alerting engine from the
 * validated configuration — rules (shipped pack, rules file, API), channels, routes, pipeline and
 * outbox. Its periodic jobs are registered with the server's other jobs in server-jobs.ts. Kept apart from
 * main.ts so neither file grows past a readable size.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ValidatedConfig } from "./config/validated-config.js";
import { readRulesFile } from "./config/rules-file.js";
import { defaultRules } from "./core/alerting/default-rules.js";
import type { Notifier } from "./core/alerting/types.js";
import type { EventStore, Leadership, Storage } from "./core/ports.js";
import { sliceEnd } from "./core/window-bounds.js";
import type { RollupIndex } from "./core/rollup-index.js";
import type { AlertingDeps } from "./http/routes/alerts.js";
import { buildChannels } from "./notify/registry.js";
import { AlertEngine, type AlertEngineDeps, type EvaluationStats } from "./services/alert-engine.js";
import { AlertSummaryService } from "./services/alert-summary.js";
import type { AnomalyRouteDeps } from "./http/routes/anomalies.js";
import { AnomalyService } from "./services/anomaly-service.js";
import type { RouteSample } from "./core/alerting/catalogue.js";
import type { ThresholdService } from "./services/threshold-service.js";
import { NotificationPipeline } from "./services/notification-pipeline.js";
import { OutboxWorker } from "./services/outbox-worker.js";
import { RuleBook, type RuleBookDeps } from "./services/rule-book.js";
import { SilenceService } from "./services/silence-service.js";
import type { Stepped } from "./core/stepped.js";

/** The running alerting engine. */
export interface AlertingRuntime {
  engine: AlertEngine;
  pipeline: NotificationPipeline;
  outbox: OutboxWorker;
  rules: RuleBook;
  channels: Map<string, Notifier>;
  http: AlertingDeps;
  /** The readings of anomaly rules (`GET /api/v1/anomalies`). */
  anomalies: AnomalyRouteDeps;
  /** Starts delivering (after the server listens); evaluation is a periodic job of the server's. */
  start(): void;
  /** Deletes resolved alerts and delivered notifications past their retention (leader only). */
  retention(): Promise<void>;
  /** Re-reads the rules file; on a problem, logs it and keeps the rules in force. */
  reloadRulesFile(): boolean;
  /** Called when this instance gains or loses leadership. */
  leadershipChanged(leader: boolean): void;
  stop(): Promise<void>;
}

/** Builds the alerting engine; nothing runs until `start()`. */
export async function buildAlerting(cfg: ValidatedConfig, storage: Storage, index: RollupIndex, leadership: () => Leadership | null, thresholds: ThresholdService, log: Logger, url: () => string, hooks: { onCycle?: (s: EvaluationStats) => void; routeStates?: () => RouteSample[]; run?: <T>(work: Stepped<T>) => Promise<T>; baselines?: RuleBookDeps["baselines"]; sloObservations?: AlertEngineDeps["sloObservations"]; forecastObservations?: AlertEngineDeps["forecastObservations"]; customMetrics?: Pick<EventStore, "aggregateCustomMetrics"> } = {}): Promise<AlertingRuntime> {
  const a = cfg.alerting;
  const store = storage.alerts;
  const now = () => Date.now();
  const lead = { isLeader: () => leadership()?.isLeader() ?? false };
  const rules = new RuleBook({
    store,
    // The resource limits' rules come with the configured limits, whether or not the shipped pack is loaded.
    defaults: [...(a.defaultRules ? defaultRules() : []), ...cfg.resources.rules],
    fileRules: a.fileRules,
    thresholds,
    baselines: hooks.baselines,
  });
  // Names and routes were checked with the configuration; building a channel only creates its client.
  const channels = buildChannels(a.channelConfigs, { log: log.child({ component: "notify" }), now });
  const externalUrl = a.externalUrl ?? null;
  const outbox = new OutboxWorker({ store, channels, leadership: lead, now, random: Math.random, log, policy: a.retry });
  const pipeline = new NotificationPipeline({
    store,
    routes: a.routes,
    fallback: { ...a.defaultRoute, channels: a.defaultRouteChannels ?? [...channels.keys()] },
    inhibit: a.inhibit,
    leadership: lead,
    kick: () => outbox.kick(),
    now,
    get externalUrl() {
      return externalUrl ?? url();
    },
    resendEvery: (ch) => (channels.get(ch)?.type === "alertmanager" ? a.alertmanagerResendMs : null),
  });
  // Anomaly rules' detectors, fed whole steps of the rollups (replayed in slices like other long reads).
  const anomalies = new AnomalyService({ index, run: hooks.run, maxGroupsPerRule: a.maxGroupsPerRule, warn: (obj, msg) => log.warn(obj, msg) });
  const engine = new AlertEngine({
    index,
    run: hooks.run,
    maxGroupsPerRule: a.maxGroupsPerRule,
    customSamples: async (name, from, to, component) => {
      const w = customWindow(from, to);
      const rows = await (hooks.customMetrics ?? storage.events).aggregateCustomMetrics(w.from, w.to, component === null ? { name } : { name, component });
      if (!rows.length) return null;
      let latest = rows[0]!;
      for (const r of rows) if (r.last_at > latest.last_at) latest = r;
      return { count: rows.reduce((s, r) => s + r.count, 0), sum: rows.reduce((s, r) => s + r.sum, 0), min: Math.min(...rows.map((r) => r.min)), max: Math.max(...rows.map((r) => r.max)), last: latest.last };
    },
    store,
    rules,
    sink: pipeline,
    leadership: lead,
    onCycle: hooks.onCycle,
    routeStates: hooks.routeStates,
    sloObservations: hooks.sloObservations,
    forecastObservations: hooks.forecastObservations,
    anomalyObservations: (rule, at) => anomalies.observe(rule, at),
    shared: storage.shared,
    now,
    log,
  });
  try {
    await engine.start();
  } catch (err) {
    // Nothing else holds the channels yet: close their clients before giving up.
    for (const c of channels.values()) await c.close?.().catch(() => undefined);
    throw err;
  }
  const housekeeping = async () => {
    if (!lead.isLeader()) return;
    const cut = now() - a.resolvedRetentionMs;
    const alerts = await store.deleteResolvedBefore(cut);
    const deliveries = await store.deleteDeliveredBefore(cut);
    if (alerts || deliveries) log.info({ alerts, deliveries }, "alerting retention: deleted old resolved alerts and delivered notifications");
  };
  return {
    engine,
    pipeline,
    outbox,
    rules,
    channels,
    anomalies: { rules, anomalies, now },
    http: {
      engine,
      pipeline,
      rules,
      store,
      channels: () => [...channels.values()].map((c) => ({ name: c.name, type: c.type, config: c.describe() })),
      now,
      summary: new AlertSummaryService({ alerts: store, evaluation: () => engine.stats(), now }),
      silences: new SilenceService({ store, now, newId: () => `sil_${randomUUID()}` }),
    },
    start() {
      outbox.start();
    },
    retention: housekeeping,
    reloadRulesFile() {
      if (!a.rulesFile) return false;
      try {
        const loaded = rules.replaceFileRules(readRulesFile(a.rulesFile), `rules file ${a.rulesFile}`);
        log.info({ file: a.rulesFile, rules: loaded.length }, "rules file reloaded");
        return true;
      } catch (err) {
        log.error({ file: a.rulesFile, err: (err as Error).message }, "rules file refused; the previous rules stay in force");
        return false;
      }
    },
    leadershipChanged(leader) {
      if (!leader) return;
      // A new leader takes over the open alerts, group states and outbox its predecessor left.
      void Promise.all([engine.start(), pipeline.load()]).then(
        () => outbox.kick(),
        (err) => log.error({ err }, "taking over alerting failed; the next evaluation retries"),
      );
    },
    async stop() {
      await outbox.stop();
      for (const c of channels.values()) await c.close?.().catch(() => undefined);
    },
  };
}

/**
 * A custom-metric rule's window `[to - w, to)`, moved to end with the slice that holds `to` (10 s up
 * to an hour long, a minute up to a day, an hour beyond) and rounded up to whole slices, as the
 * rollup rules' windows: the custom metric index answers such windows without reading the store.
 */
export function customWindow(from: number, to: number): { from: number; to: number } {
  const w = to - from;
  const g = w <= 3_600_000 ? 10_000 : w <= 86_400_000 ? 60_000 : 3_600_000;
  const end = sliceEnd(to - 1, g);
  return { from: end - Math.ceil(w / g) * g, to: end };
}
