/**
 * Composition root: the only module that reads the environment and wires adapters to services.
 * `startServer` builds everything from a Config; the CLI calls `serve` and `demo` from here.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pino, type Logger } from "pino";
import { loadConfig, isLoopback, type Config, type ConfigFlags } from "./config/config.js";
import { VigilError } from "./core/errors.js";
import type { Leadership, Storage } from "./core/ports.js";
import { DEFAULT_THRESHOLDS } from "./core/thresholds.js";
import { buildApp } from "./http/build-app.js";
import { loadDashboard, type DashboardAssets } from "./http/dashboard.js";
import { buildAlerting, type AlertingRuntime } from "./alerting-root.js";
import { Exposition } from "./prometheus/exposition.js";
import { IngestService } from "./services/ingest-service.js";
import { MetricsService } from "./services/metrics-service.js";
import { CooperativeRunner } from "./services/cooperative-runner.js";
import { Lifecycle } from "./services/lifecycle.js";
import { allowedHosts } from "./http/request-origin.js";
import { RouteService } from "./services/route-service.js";
import { RouteWebhooks } from "./notify/route-webhooks.js";
import { PriceService } from "./services/price-service.js";
import { RollupService } from "./services/rollup-service.js";
import { openPostgresStorage } from "./storage/postgres/postgres-storage.js";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import { createEventValidator } from "./validation/event-validator.js";
import type { FastifyInstance } from "fastify";

const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  url: string;
  storage: Storage;
  rollups: RollupService;
  leadership: Leadership;
  alerting: AlertingRuntime;
  /** Models, routes and failover. */
  routes: RouteService;
  close(): Promise<void>;
}

/** Time-ordered unique ids for events that arrive without one. */
export function idGenerator(): () => string {
  const suffix = randomBytes(4).toString("hex");
  let last = 0;
  let head = "";
  let counter = 0;
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      head = "evt_" + now.toString(36);
      counter = 0;
    }
    const c = (counter++).toString(36);
    // Fixed-width counter keeps ids of one millisecond in order.
    return head + (c.length < 4 ? "000".slice(c.length - 1) + c : c) + suffix;
  };
}

async function openStorage(cfg: Config): Promise<Storage> {
  if (cfg.databaseUrl) return openPostgresStorage({ url: cfg.databaseUrl, poolMax: cfg.poolMax, connectTimeoutMs: cfg.connectTimeoutMs, leaderCheckMs: cfg.leaderCheckMs });
  return openSqliteStorage({ dataDir: cfg.dataDir, synchronous: cfg.sqliteSynchronous });
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

/** Builds and starts the monitor from a resolved configuration. */
export async function startServer(cfg: Config, logger: Logger | false, opts: { listen?: boolean } = {}): Promise<RunningServer> {
  if (!isLoopback(cfg.host) && cfg.apiKeys.length === 0) {
    throw new VigilError("CONFIG_INVALID", `refusing to listen on ${cfg.host} without API keys: anyone who can reach it could write and read your data. Configure auth.keys in the config file or VIGIL_API_KEYS, or listen on 127.0.0.1.`);
  }
  const log = logger || pino({ level: "silent" });
  const startedAt = Date.now();
  let ready = false;
  const storage = await openStorage(cfg);
  const now = () => Date.now();
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  // Leadership is joined only after the rollups are restored: a leader's first act is to fold
  // the log and persist, which must not run alongside the start-up replay.
  let leadership: Leadership | null = null;
  const rollups = new RollupService({
    events: storage.events,
    rollups: storage.rollups,
    horizons: { minuteMs: cfg.minuteRollupsMs, hourMs: cfg.hourRollupsMs, limits: cfg.cardinality },
    eventRetentionMs: cfg.eventRetentionMs,
    now,
    follow: storage.shared,
    leadership: { isLeader: () => leadership?.isLeader() ?? false, term: () => leadership?.term() ?? 0 },
    progress: (msg, fields) => log.info(fields, msg),
  });
  const prices = new PriceService(storage.prices, cfg.prices);
  await prices.start();
  const restoreStart = Date.now();
  const restored = await rollups.start();
  log.info({ ...restored, took_ms: Date.now() - restoreStart, store: storage.describe() }, "rollups restored");
  const cluster = storage.leadership(instanceId);
  leadership = cluster;
  let openConnections = 0;
  let engine: AlertingRuntime["engine"] | null = null;
  let outbox: AlertingRuntime["outbox"] | null = null;
  let routeService: RouteService | null = null;
  const exposition: Exposition | null = cfg.prometheus.enabled
    ? new Exposition({
        processMetrics: cfg.prometheus.processMetrics,
        seriesLimit: cfg.prometheus.seriesLimit,
        seriesLimits: cfg.prometheus.seriesLimits,
        build: { version: VERSION, storage: storage.kind },
        startedAt,
        now,
        sources: {
          ingest: () => ingest.countsByType(),
          alerts: () => {
            const by = { pending: 0, firing: 0, acknowledged: 0 };
            for (const a of engine?.openAlerts() ?? []) if (a.state in by) by[a.state as keyof typeof by]++;
            return by;
          },
          notifications: () => outbox?.stats() ?? {},
          connections: () => storage.connections(),
          httpConnections: () => openConnections,
          routes: () => routeService?.metrics() ?? { routes: [], switches: {} },
          rollups: () => rollups.index.cardinality(),
        },
      })
    : null;
  const ingest: IngestService = new IngestService({
    validate: createEventValidator(),
    events: storage.events,
    prices: () => prices.current(),
    onStored: exposition
      ? (ev) => {
          rollups.stored(ev);
          exposition.observe(ev);
        }
      : (ev) => rollups.stored(ev),
    now,
    newId: idGenerator(),
  });
  // One runner for all long work over the rollups (queries and alert evaluation), so together they never hold the serving thread.
  const runner = new CooperativeRunner();
  const metrics = new MetricsService({ index: rollups.index, events: storage.events, now, thresholds: { ...DEFAULT_THRESHOLDS, ...(cfg.thresholds ?? {}) } });
  let url = "";
  let alerting: AlertingRuntime;
  try {
    alerting = await buildAlerting(cfg, storage, rollups.index, () => leadership, metrics, log, () => url || `http://${cfg.host}:${cfg.port}`, {
      onCycle: exposition ? (s) => exposition.observeEvaluation(s.took_ms / 1000, s.evaluated_groups, s.failed_rules) : undefined,
      run: (work) => runner.run(work, "alert evaluation"),
      routeStates: () => routeService?.views().map((v) => ({ route: v.route, state: v.state, active_model: v.active_model, primary: v.primary })) ?? [],
    });
    engine = alerting.engine;
    outbox = alerting.outbox;
  } catch (err) {
    await cluster.close();
    await storage.close();
    throw err;
  }
  const routes = new RouteService({ run: (work) => runner.run(work, "route evaluation"), store: storage.routes, index: rollups.index, leadership: { isLeader: () => leadership?.isLeader() ?? false }, shared: storage.shared, upstreams: cfg.failover.upstreams, now, log });
  routeService = routes;
  // Webhook subscribers hear the changes this instance makes (each change is sent by one instance).
  const routeHooks = new RouteWebhooks(cfg.failover.webhooks, { log });
  routes.subscribe((c) => c.local && routeHooks.deliver(c.view, c.decisions));
  try {
    await routes.start({ models: cfg.failover.models, routes: cfg.failover.routes });
  } catch (err) {
    await alerting.stop();
    await cluster.close();
    await storage.close();
    throw err;
  }
  const app = buildApp({
    routes,
    ingest,
    metrics,
    runner,
    alerting: alerting.http,
    keys: cfg.apiKeys,
    dashboard: cfg.dashboard.enabled ? dashboardAssets(cfg.dashboard.dir) : undefined,
    bodyLimitBytes: cfg.bodyLimitBytes,
    maxEventsPerBatch: cfg.maxEventsPerBatch,
    connections: { max: cfg.maxConnections, ...cfg.timeouts },
    origin: { hosts: allowedHosts(cfg.host, cfg.allowedHosts, cfg.apiKeys.length > 0), origins: new Set(cfg.allowedOrigins.map((o) => o.toLowerCase())) },
    logger: logger || false,
    observeRequest: exposition ? (method, route, code, seconds) => exposition.observeRequest(method, route, code, seconds) : undefined,
    ops: {
      ready: () => ready && storage.failure() === null,
      rollups,
      prices,
      exposition,
      detailed: async () => {
        const mem = process.memoryUsage();
        return {
          status: !ready ? "starting" : storage.failure() ?? "ready",
          version: VERSION,
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
          // Counting needs the store: when it is unreachable the rest of the report still answers.
          storage: { kind: storage.kind, location: storage.describe(), schema_version: await storage.schemaVersion(), events: await storage.events.countByType().catch(() => null) },
          rollups: rollups.status(),
          cluster: await cluster.status(),
          ingest: ingest.counters(),
          alerting: { evaluation: alerting.engine.stats(), open_alerts: alerting.engine.openAlerts().length, rules: alerting.rules.rules().length, outbox: await storage.alerts.outboxCounts().catch(() => null), deliveries: alerting.outbox.stats() },
          memory: { rss_mb: Math.round(mem.rss / 1048576), heap_used_mb: Math.round(mem.heapUsed / 1048576) },
        };
      },
    },
  });
  app.server.on("connection", (socket) => {
    openConnections++;
    socket.once("close", () => openConnections--);
  });
  // Periodic jobs never overlap themselves, so one slower than its interval cannot pile up runs.
  const life = new Lifecycle(log);
  life.every("persisting rollups", cfg.flushIntervalMs, () => rollups.flush());
  life.every("retention", 10 * 60_000, async () => {
    const r = await rollups.enforceRetention();
    if (r.events > 0) log.info(r, "retention: deleted expired events");
  });
  life.every("route evaluation", cfg.failover.evaluationIntervalMs, () => routes.evaluate());
  if (storage.shared) {
    // Every instance follows the shared log (the staleness bound) and re-reads the price table.
    const following = failureLog(log, "following the shared event log");
    const pricing = failureLog(log, "reloading the price table");
    life.every("following the shared event log", cfg.followIntervalMs, () => rollups.catchUp().then(following.ok, following.failed));
    life.every("reloading the price table", 5 * cfg.followIntervalMs, () => prices.start().then(pricing.ok, pricing.failed));
  }
  // Shutdown, in reverse: stop long queries, alerting, route webhooks, then the HTTP server, a last flush, the cluster, the store.
  life.onStop(() => storage.close());
  life.onStop(() => cluster.close());
  life.onStop(() => rollups.flush().catch((err) => log.error({ err }, "final rollup flush failed; the next start replays the events instead")));
  life.onStop(() => app.close());
  life.onStop(() => routeHooks.stop());
  life.onStop(() => alerting.stop());
  cluster.onChange((isLeader) => {
    log.info({ instance: instanceId, term: cluster.term() }, isLeader ? "this instance now leads (persists rollups, enforces retention, evaluates alerts and delivers notifications)" : "this instance no longer leads");
    alerting.leadershipChanged(isLeader);
    if (!isLeader) return;
    rollups.becameLeader().then(
      () => rollups.enforceRetention(),
      (err) => log.error({ err }, "taking over as leader failed; the next flush retries"),
    ).catch((err) => log.error({ err }, "retention failed; will retry"));
  });
  await rollups.enforceRetention();
  try {
    if (opts.listen !== false) url = await app.listen({ host: cfg.host, port: cfg.port });
    else await app.ready();
  } catch (err) {
    runner.stop();
    await life.stop();
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE") throw new VigilError("CONFIG_INVALID", `port ${cfg.port} on ${cfg.host} is already in use (another Vigil?): stop it or pass --port / VIGIL_PORT`, undefined, { cause: err });
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new VigilError("CONFIG_INVALID", `cannot listen on ${cfg.host}: no such address on this machine`, undefined, { cause: err });
    throw err;
  }
  ready = true;
  alerting.start();
  let closed = false;
  return {
    app,
    url,
    storage,
    rollups,
    leadership: cluster,
    alerting,
    routes,
    async close() {
      if (closed) return;
      closed = true;
      // Long queries end at once rather than being waited for.
      runner.stop();
      await life.stop();
    },
  };
}

/** `vigil serve`: resolves config from flags, environment and file, starts, and stops cleanly on signals. */
export async function serve(flags: ConfigFlags): Promise<void> {
  let cfg: Config;
  try {
    cfg = loadConfig(flags, process.env);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exit(2);
  }
  const logger = pino({ level: cfg.logLevel, base: { service: "vigil" } });
  let server: RunningServer;
  try {
    server = await startServer(cfg, logger);
  } catch (err) {
    if (err instanceof VigilError) {
      logger.fatal({ code: err.code }, err.message);
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  logger.info({ url: server.url, data: server.storage.describe(), auth: cfg.apiKeys.length ? `${cfg.apiKeys.length} key(s)` : "off (loopback only)" }, "vigil is serving");
  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await server.close();
    process.exit(0);
  };
  process.on("SIGHUP", () => {
    logger.info("SIGHUP: reloading the rules file");
    server.alerting.reloadRulesFile();
  });
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

/** Environment the demo reads: the API key to send. */
export function demoEnv(): { apiKey: string | undefined } {
  return { apiKey: process.env.VIGIL_API_KEY };
}

/** The dashboard build: from the configured directory, or the `@vigil/dashboard` package installed beside the server. */
function dashboardAssets(dir: string | null): DashboardAssets {
  if (dir) return loadDashboard(dir);
  try {
    const pkg = createRequire(import.meta.url).resolve("@vigil/dashboard/package.json");
    return loadDashboard(join(dirname(pkg), "build"));
  } catch {
    return { missing: "the @vigil/dashboard package is not installed beside the server" };
  }
}
