/**
 * Part of the composition root (called only by main.ts): the `/metrics` exposition of a running
 * server, reading its figures from the components main.ts wires. Built last before the HTTP app:
 * its process families start an event-loop delay monitor that prom-client offers no way to stop,
 * so a start-up that fails earlier does not create one.
 */
import type { AlertingRuntime } from "./alerting-root.js";
import type { CollectorStatus } from "./collector/host-collector.js";
import type { Config } from "./config/config.js";
import type { Storage } from "./core/ports.js";
import { Exposition } from "./prometheus/exposition.js";
import type { IngestService } from "./services/ingest-service.js";
import type { RollupService } from "./services/rollup-service.js";
import type { RouteService } from "./services/route-service.js";

/** What the exposition reads. */
export interface ExpositionSources {
  version: string;
  startedAt: number;
  now: () => number;
  storage: Storage;
  rollups: RollupService;
  alerting: AlertingRuntime;
  routes: RouteService;
  /** The ingest service (built after the exposition, which it reports every stored event to). */
  ingest: () => IngestService;
  httpConnections: () => number;
  /** The collector's status: Vigil's overhead and its samples. */
  collector: () => CollectorStatus;
}

/** The exposition, or null with `prometheus.enabled: false`. */
export function buildExposition(cfg: Config, s: ExpositionSources): Exposition | null {
  if (!cfg.prometheus.enabled) return null;
  return new Exposition({
    processMetrics: cfg.prometheus.processMetrics,
    seriesLimit: cfg.prometheus.seriesLimit,
    seriesLimits: cfg.prometheus.seriesLimits,
    build: { version: s.version, storage: s.storage.kind },
    startedAt: s.startedAt,
    now: s.now,
    sources: {
      ingest: () => s.ingest().countsByType(),
      alerts: () => {
        const by = { pending: 0, firing: 0, acknowledged: 0 };
        for (const a of s.alerting.engine.openAlerts()) if (a.state in by) by[a.state as keyof typeof by]++;
        return by;
      },
      notifications: () => s.alerting.outbox.stats(),
      connections: () => s.storage.connections(),
      httpConnections: s.httpConnections,
      routes: () => s.routes.metrics(),
      rollups: () => s.rollups.index.cardinality(),
      collector: s.collector,
    },
  });
}
