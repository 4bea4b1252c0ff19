/**
 * Part of the composition root (called only by main.ts): every periodic job of a running server,
 * registered once, here. A leader-only job does nothing on an instance that does not lead; the
 * others run on every instance (a follower's flush forgets what changed, its retention prunes memory,
 * its route evaluation re-reads the registry).
 */
import type { Logger } from "pino";
import type { AlertingRuntime } from "./alerting-root.js";
import type { HostCollector } from "./collector/host-collector.js";
import type { ValidatedConfig } from "./config/validated-config.js";
import type { Storage } from "./core/ports.js";
import { ARRIVAL_MIN_GAP_MS } from "./services/alert-engine.js";
import type { Lifecycle } from "./services/lifecycle.js";
import type { PriceService } from "./services/price-service.js";
import type { RollupService } from "./services/rollup-service.js";
import type { RouteService } from "./services/route-service.js";
import type { SloRuntime } from "./slo-root.js";

/** The components the jobs work on. */
export interface JobTargets {
  storage: Storage;
  rollups: RollupService;
  prices: PriceService;
  routes: RouteService;
  alerting: AlertingRuntime;
  /** The host collector, or null when `collector.enabled` is false. */
  collector: HostCollector | null;
  /** The SLOs, whose ledgers every instance keeps (each answers their figures). */
  slos?: SloRuntime;
}

/** How often retention runs over events and rollups, and over resolved alerts (ms). */
const RETENTION_INTERVAL_MS = 10 * 60_000;
const ALERTING_RETENTION_INTERVAL_MS = 3_600_000;
/** How often an instance re-reads rules and thresholds others changed (shared store). */
const RULES_REFRESH_MS = 5000;

/** Registers the periodic jobs of a running server with its lifecycle. */
export function registerJobs(life: Lifecycle, cfg: ValidatedConfig, log: Logger, t: JobTargets): void {
  const { storage, rollups, prices, routes, alerting } = t;
  life.every(cfg.flushIntervalMs, "persisting rollups", () => rollups.flush());
  life.every(RETENTION_INTERVAL_MS, "retention", async () => {
    const r = await rollups.enforceRetention();
    if (r.events > 0 || r.spans > 0) log.info(r, "retention: deleted expired events and spans");
  });
  life.every(cfg.failover.evaluationIntervalMs, "route evaluation", () => routes.evaluate());
  if (storage.shared) {
    // Every instance follows the shared log (the staleness bound) and re-reads the price table.
    const following = failureLog(log, "following the shared event log");
    const pricing = failureLog(log, "reloading the price table");
    life.every(cfg.followIntervalMs, "following the shared event log", () => rollups.catchUp().then(following.ok, following.failed));
    life.every(5 * cfg.followIntervalMs, "reloading the price table", () => prices.start().then(pricing.ok, pricing.failed));
  }
  // A cycle slower than the interval skips ticks instead of queueing them.
  life.every(cfg.alerting.evaluationIntervalMs, "alert evaluation", () => alerting.engine.evaluate(), { leaderOnly: true, immediately: true });
  // Between evaluations, rules whose series got runs or LLM calls are evaluated again (bounded in the engine).
  life.every(ARRIVAL_MIN_GAP_MS, "alert evaluation on arrival", () => alerting.engine.evaluateArrivals(), { leaderOnly: true });
  life.every(ALERTING_RETENTION_INTERVAL_MS, "alerting retention", () => alerting.retention(), { leaderOnly: true });
  // Every instance keeps the SLO ledgers current (and, on a shared store, re-reads the SLOs others changed).
  const slos = t.slos;
  if (slos) life.every(cfg.alerting.evaluationIntervalMs, "SLO ledgers", () => slos.cycle());
  // Every instance samples its own process and host.
  const collector = t.collector;
  if (collector) life.every(cfg.resources.collector.intervalMs, "collecting resources", () => collector.sample());
  // Instances that do not lead still answer rules and thresholds: re-read what others changed.
  if (storage.shared) life.every(RULES_REFRESH_MS, "re-reading alert rules", () => alerting.rules.refresh().catch(() => undefined));
}

/** Logs a recurring background failure once when it starts and once when it clears, not on every retry. */
function failureLog(log: Logger, what: string): { failed: (err: unknown) => void; ok: () => void } {
  let failing = false;
  return {
    failed(err) {
      if (!failing) log.error({ err }, `${what} failed; retrying`);
      failing = true;
    },
    ok() {
      if (failing) log.info(`${what} works again`);
      failing = false;
    },
  };
}
