/**
 * Part of the composition root (called only by main.ts): builds the alerting engine from the
 * configuration — rules (shipped pack, rules file, API), channels, routes, pipeline and outbox —
 * and runs its timers. Kept apart from main.ts so neither file grows past a readable size.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { parse as parseYaml } from "yaml";
import type { Config } from "./config/config.js";
import { defaultRules } from "./core/alerting/default-rules.js";
import { parseRuleSet } from "./core/alerting/rule.js";
import { initialThresholds } from "./core/alerting/threshold-settings.js";
import type { AlertRule, Notifier } from "./core/alerting/types.js";
import { VigilError } from "./core/errors.js";
import type { Leadership, Storage } from "./core/ports.js";
import type { RollupIndex } from "./core/rollup-index.js";
import type { AlertingDeps } from "./http/routes/alerts.js";
import { buildChannels, parseChannelConfigs } from "./notify/registry.js";
import { AlertEngine, ARRIVAL_MIN_GAP_MS, type EvaluationStats } from "./services/alert-engine.js";
import type { RouteSample } from "./core/alerting/catalogue.js";
import type { MetricsService } from "./services/metrics-service.js";
import { NotificationPipeline } from "./services/notification-pipeline.js";
import { OutboxWorker } from "./services/outbox-worker.js";
import { RuleBook } from "./services/rule-book.js";
import type { Stepped } from "./core/stepped.js";
import { Lifecycle } from "./services/lifecycle.js";

/** The running alerting engine. */
export interface AlertingRuntime {
  engine: AlertEngine;
  pipeline: NotificationPipeline;
  outbox: OutboxWorker;
  rules: RuleBook;
  channels: Map<string, Notifier>;
  http: AlertingDeps;
  /** Starts evaluating and delivering (after the server listens). */
  start(): void;
  /** Re-reads the rules file; on a problem, logs it and keeps the rules in force. */
  reloadRulesFile(): boolean;
  /** Called when this instance gains or loses leadership. */
  leadershipChanged(leader: boolean): void;
  stop(): Promise<void>;
}

/** Reads and validates a rules file; throws CONFIG_INVALID / VALIDATION_FAILED naming the rule and field. */
export function readRulesFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new VigilError("CONFIG_INVALID", `cannot read rules file ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new VigilError("CONFIG_INVALID", `rules file ${path} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** Builds the alerting engine; nothing runs until `start()`. */
export async function buildAlerting(cfg: Config, storage: Storage, index: RollupIndex, leadership: () => Leadership | null, metrics: MetricsService, log: Logger, url: () => string, hooks: { onCycle?: (s: EvaluationStats) => void; routeStates?: () => RouteSample[]; run?: <T>(work: Stepped<T>) => Promise<T> } = {}): Promise<AlertingRuntime> {
  const a = cfg.alerting;
  const store = storage.alerts;
  const now = () => Date.now();
  const lead = { isLeader: () => leadership()?.isLeader() ?? false };
  let fileRules: AlertRule[] = [];
  if (a.rulesFile) {
    try {
      fileRules = parseRuleSet(readRulesFile(a.rulesFile), "file", `rules file ${a.rulesFile}`);
    } catch (err) {
      if (err instanceof VigilError) throw new VigilError("CONFIG_INVALID", err.message, err.details, { cause: err });
      throw err;
    }
  }
  const rules = new RuleBook({
    store,
    defaults: a.defaultRules ? defaultRules() : [],
    fileRules,
    thresholds: initialThresholds(cfg.thresholds),
    onThresholds: (t) => metrics.setThresholds(t.global),
  });
  const channels = buildChannels(parseChannelConfigs(a.channels), { log: log.child({ component: "notify" }), now });
  for (const r of a.routes) for (const c of r.channels) if (!channels.has(c)) throw new VigilError("CONFIG_INVALID", `alerting route "${r.name}" sends to channel "${c}", which is not configured (channels: ${[...channels.keys()].join(", ")})`);
  for (const c of a.defaultRouteChannels ?? []) if (!channels.has(c)) throw new VigilError("CONFIG_INVALID", `alerting.default_route sends to channel "${c}", which is not configured`);
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
  const engine = new AlertEngine({
    index,
    run: hooks.run,
    maxGroupsPerRule: a.maxGroupsPerRule,
    customSamples: async (name, from, to) => {
      const rows = await storage.events.aggregateCustomMetrics(from, to, { name });
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
    shared: storage.shared,
    now,
    log,
  });
  await engine.start();
  // Evaluation never overlaps itself: a cycle slower than the interval skips ticks instead of queueing them.
  const life = new Lifecycle(log);
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
    http: {
      engine,
      pipeline,
      rules,
      store,
      channels: () => [...channels.values()].map((c) => ({ name: c.name, type: c.type, config: c.describe() })),
      now,
      newId: () => `sil_${randomUUID()}`,
    },
    start() {
      outbox.start();
      life.every("alert evaluation", a.evaluationIntervalMs, () => engine.evaluate(), { immediately: true });
      // Between evaluations, rules whose series got runs or LLM calls are evaluated again (bounded in the engine).
      life.every("alert evaluation on arrival", ARRIVAL_MIN_GAP_MS, () => engine.evaluateArrivals());
      life.every("alerting retention", 3_600_000, housekeeping);
      // Instances that do not lead still answer rules and thresholds: re-read what others changed.
      if (storage.shared) life.every("re-reading alert rules", 5000, () => rules.refresh().catch(() => undefined));
    },
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
      await life.stop();
      await outbox.stop();
      for (const c of channels.values()) await c.close?.().catch(() => undefined);
    },
  };
}
