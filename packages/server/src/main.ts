/**
 * Composition root: the only module that reads the environment and wires adapters to services.
 * `startServer` builds everything from a Config; the CLI calls `serve` and `demo` from here.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pino, type Logger } from "pino";
import { loadConfig, type Config, type ConfigFlags } from "./config/config.js";
import { validateConfig, type ValidatedConfig } from "./config/validated-config.js";
import { VigilError } from "./core/errors.js";
import type { Leadership, Storage } from "./core/ports.js";
import { ThresholdService } from "./services/threshold-service.js";
import { openCriticalAlerts } from "./core/verdicts.js";
import { buildApp } from "./http/build-app.js";
import { loadDashboard, type DashboardAssets } from "./http/dashboard.js";
import { buildAlerting, type AlertingRuntime } from "./alerting-root.js";
import type { Exposition } from "./prometheus/exposition.js";
import { buildExposition } from "./server-exposition.js";
import { idGenerator } from "./event-ids.js";
import { IngestService } from "./services/ingest-service.js";
import { MetricsService } from "./services/metrics-service.js";
import { BaselineService } from "./services/baseline-service.js";
import { ForecastService } from "./services/forecast-service.js";
import { OtlpService } from "./services/otlp-service.js";
import { CooperativeRunner } from "./services/cooperative-runner.js";
import { Lifecycle } from "./services/lifecycle.js";
import { allowedHosts } from "./http/request-origin.js";
import { RouteService } from "./services/route-service.js";
import { RouteWebhooks } from "./notify/route-webhooks.js";
import { PriceService } from "./services/price-service.js";
import { RollupService } from "./services/rollup-service.js";
import { registerJobs } from "./server-jobs.js";
import { disabledCollectorStatus, HostCollector } from "./collector/host-collector.js";
import { buildSlos } from "./slo-root.js";
import { openPostgresStorage } from "./storage/postgres/postgres-storage.js";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import { createEventValidator } from "./validation/event-validator.js";
import type { FastifyInstance } from "fastify";

/** Time-ordered unique ids for events that arrive without one (kept here for the package's users). */
export { idGenerator };

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

async function openStorage(cfg: Config): Promise<Storage> {
  if (cfg.databaseUrl) return openPostgresStorage({ url: cfg.databaseUrl, poolMax: cfg.poolMax, connectTimeoutMs: cfg.connectTimeoutMs, leaderCheckMs: cfg.leaderCheckMs });
  return openSqliteStorage({ dataDir: cfg.dataDir, synchronous: cfg.sqliteSynchronous });
}

/**
 * Builds and starts the monitor from a resolved configuration. The configuration is validated whole
 * first (nothing is opened on a bad rules file, channel, model or route); then the components start
 * in order — storage (and the restore from it), cluster membership, alerting, routes, HTTP, listening
 * — and if one fails, those already started stop in reverse order before the error is thrown.
 */
export async function startServer(cfg: Config, logger: Logger | false, opts: { listen?: boolean } = {}): Promise<RunningServer> {
  const settings = validateConfig(cfg);
  const log = logger || pino({ level: "silent" });
  // Leadership is joined only after the rollups are restored: a leader's first act is to fold
  // the log and persist, which must not run alongside the start-up replay.
  let leadership: Leadership | null = null;
  const lead = { isLeader: () => leadership?.isLeader() ?? false, term: () => leadership?.term() ?? 0 };
  const life = new Lifecycle(log, lead);
  // One runner for all long work over the rollups (queries and alert evaluation), so together they never hold the serving thread.
  const runner = new CooperativeRunner();
  const stop = async () => {
    // Long queries end at once rather than being waited for.
    runner.stop();
    await life.stop();
  };
  try {
    return await wire(settings, log, logger, opts, { life, runner, stop, lead, joined: (l) => (leadership = l) });
  } catch (err) {
    await stop();
    throw friendlyStartError(err, settings);
  }
}

/** What startServer hands the wiring: the lifecycle, the runner and how to stop them. */
interface Wiring {
  life: Lifecycle;
  runner: CooperativeRunner;
  stop: () => Promise<void>;
  /** This instance's leadership, false and term 0 until it has joined the cluster. */
  lead: Pick<Leadership, "isLeader" | "term">;
  joined: (l: Leadership) => void;
}

async function wire(cfg: ValidatedConfig, log: Logger, logger: Logger | false, opts: { listen?: boolean }, w: Wiring): Promise<RunningServer> {
  const { life, runner } = w;
  const startedAt = Date.now();
  let ready = false;
  const now = () => Date.now();
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  // 1. Storage, and what is restored from it.
  const storage = await life.start("storage", () => openStorage(cfg), (s) => s.close());
  const rollups = new RollupService({
    events: storage.events,
    rollups: storage.rollups,
    horizons: { minuteMs: cfg.minuteRollupsMs, hourMs: cfg.hourRollupsMs, limits: cfg.cardinality },
    eventRetentionMs: cfg.eventRetentionMs,
    spans: storage.spans,
    now,
    follow: storage.shared,
    leadership: w.lead,
    progress: (msg, fields) => log.info(fields, msg),
  });
  const prices = new PriceService(storage.prices, cfg.prices);
  await prices.start();
  const restoreStart = Date.now();
  const restored = await rollups.start();
  log.info({ ...restored, took_ms: Date.now() - restoreStart, store: storage.describe() }, "rollups restored");
  // 2. Cluster membership; at shutdown the last flush runs before leaving it (only a leader persists).
  const member = await life.start("cluster membership", () => storage.leadership(instanceId), (c) => c.close());
  w.joined(member);
  life.onStop(() => rollups.flush().catch((err) => log.error({ err }, "final rollup flush failed; the next start replays the events instead")), "final rollup flush");
  // The one threshold model every verdict reads (alerts, report, health, model health, failover).
  const thresholds = new ThresholdService({ store: storage.alerts, base: cfg.thresholdSettings });
  await thresholds.refresh();
  let engine: AlertingRuntime["engine"] | null = null;
  // Built last before the HTTP app (server-exposition.ts says why).
  let exposition: Exposition | null = null;
  let routeService: RouteService | null = null;
  const metrics = new MetricsService({
    index: rollups.index,
    // Custom metrics from the in-memory index where it covers the window, else the store.
    events: rollups,
    now,
    thresholds: () => thresholds.settings(),
    signals: () => ({ open_critical_alerts: openCriticalAlerts(engine?.openAlerts() ?? []), routes: routeService?.views() ?? [] }),
  });
  // Performance baselines: the config file's, and those set or captured through the API (stored).
  const baselines = new BaselineService({ store: storage.alerts, config: cfg.configBaselines, metrics, run: (work) => runner.run(work, "baselines"), now, shared: storage.shared });
  await baselines.refresh();
  // Service classes and SLOs: a ledger per SLO over the rollups, and the alert rules each generates.
  let alertRules: AlertingRuntime["rules"] | null = null;
  let forecasts: ForecastService | null = null;
  const slos = await buildSlos(cfg, storage, rollups.index, log, { run: (work) => runner.run(work, "SLO ledgers"), now, openAlerts: () => engine?.openAlerts() ?? [], onRules: (r) => alertRules?.setGenerated(r) });
  let url = "";
  // 3. Alerting: rules, channels, open alerts restored; delivery starts once the server listens.
  const alerting = await life.start(
    "alerting",
    () =>
      buildAlerting(cfg, storage, rollups.index, () => member, thresholds, log, () => url || `http://${cfg.host}:${cfg.port}`, {
        onCycle: (s) => exposition?.observeEvaluation(s.took_ms / 1000, s.evaluated_groups, s.failed_rules),
        run: (work) => runner.run(work, "alert evaluation"),
        baselines,
        sloObservations: (rule, at) => slos.service.observe(rule, at),
        forecastObservations: async (rule) => (forecasts ? forecasts.observe(rule) : []),
        customMetrics: rollups,
        routeStates: () => routeService?.views().map((v) => ({ route: v.route, state: v.state, active_model: v.active_model, primary: v.primary })) ?? [],
      }),
    (a) => a.stop(),
  );
  engine = alerting.engine;
  alertRules = alerting.rules;
  alerting.rules.setGenerated(slos.service.rules());
  // Forecasts: the trends of the rules' metrics, the SLOs' budgets and the daily cost.
  forecasts = new ForecastService({
    index: rollups.index,
    rules: () => alerting.rules.rules(),
    thresholds: () => thresholds.settings(),
    slos: { names: () => slos.book.slos().map((s) => s.spec.name), history: (name) => slos.service.history(name, null) },
    run: (work) => runner.run(work, "forecasts"),
    now,
  });
  // 4. Models, routes and failover; webhook subscribers hear the changes this instance makes (each change is sent by one instance).
  const routes = new RouteService({ run: (work) => runner.run(work, "route evaluation"), store: storage.routes, thresholds, index: rollups.index, leadership: w.lead, shared: storage.shared, upstreams: cfg.failover.upstreams, now, log });
  routeService = routes;
  const routeHooks = await life.start("route webhooks", () => new RouteWebhooks(cfg.failover.webhooks, { log }), (h) => h.stop());
  routes.subscribe((c) => c.local && routeHooks.deliver(c.view, c.decisions));
  await life.start("routes", () => routes.start({ models: cfg.failover.models, routes: cfg.failover.routes }));
  let openConnections = 0;
  let collector: HostCollector | null = null;
  const collectorStatus = () => collector?.status() ?? disabledCollectorStatus(cfg.resources.collector);
  exposition = buildExposition(cfg, { version: VERSION, startedAt, now, storage, rollups, alerting, routes, ingest: () => ingest, httpConnections: () => openConnections, collector: collectorStatus });
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
  // The collector records Vigil's own process and host through the ingest path, as any reporter would.
  if (cfg.resources.collector.enabled) {
    collector = new HostCollector({
      settings: cfg.resources.collector,
      record: (events) => ingest.ingest(events, (i) => `/collector/${i}`, "metric").then((o) => ({ rejected: o.errors.length, firstError: o.errors[0]?.message ?? null })),
      dataDir: cfg.databaseUrl ? null : cfg.dataDir,
      labels: { instance: instanceId },
      now,
      log: log.child({ component: "collector" }),
    });
    await collector.prime();
  }
  // 5. HTTP: built, then listening.
  const app = await life.start(
    "http server",
    () =>
      buildApp({
        routes,
        ingest,
        metrics,
        runner,
        alerting: alerting.http,
        thresholds,
        baselines,
        slos: slos.http,
        forecasts,
        anomalies: alerting.anomalies,
        spans: storage.spans,
        otlp: { service: new OtlpService({ ingest, spans: storage.spans }), maxBodyBytes: cfg.bodyLimitBytes },
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
              cluster: await member.status(),
              ingest: ingest.counters(),
              alerting: { evaluation: alerting.engine.stats(), open_alerts: alerting.engine.openAlerts().length, rules: alerting.rules.rules().length, outbox: await storage.alerts.outboxCounts().catch(() => null), deliveries: alerting.outbox.stats() },
              // Each periodic job: runs, failures, and ticks skipped because the previous run was still going.
              jobs: life.stats(),
              memory: { rss_mb: Math.round(mem.rss / 1048576), heap_used_mb: Math.round(mem.heapUsed / 1048576) },
              // The collector and Vigil's overhead: its share of the host's CPU and memory (docs/resources.md).
              collector: collectorStatus(),
            };
          },
        },
      }),
    (a) => a.close(),
  );
  app.server.on("connection", (socket) => {
    openConnections++;
    socket.once("close", () => openConnections--);
  });
  member.onChange((isLeader) => {
    log.info({ instance: instanceId, term: member.term() }, isLeader ? "this instance now leads (persists rollups, enforces retention, evaluates alerts and delivers notifications)" : "this instance no longer leads");
    alerting.leadershipChanged(isLeader);
    if (!isLeader) return;
    rollups.becameLeader().then(
      () => rollups.enforceRetention(),
      (err) => log.error({ err }, "taking over as leader failed; the next flush retries"),
    ).catch((err) => log.error({ err }, "retention failed; will retry"));
  });
  await rollups.enforceRetention();
  url = await life.start("listening", async () => {
    if (opts.listen !== false) return app.listen({ host: cfg.host, port: cfg.port });
    await app.ready();
    return "";
  });
  ready = true;
  // 6. Delivery and the periodic jobs, once everything above runs.
  alerting.start();
  registerJobs(life, cfg, log, { storage, rollups, prices, routes, alerting, collector, slos });
  let closed = false;
  return {
    app,
    url,
    storage,
    rollups,
    leadership: member,
    alerting,
    routes,
    async close() {
      if (closed) return;
      closed = true;
      await w.stop();
    },
  };
}

/** Start-up failures an operator can act on, said plainly (the port is taken, the address is not this machine's). */
function friendlyStartError(err: unknown, cfg: Config): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (code === "EADDRINUSE") return new VigilError("CONFIG_INVALID", `port ${cfg.port} on ${cfg.host} is already in use (another Vigil?): stop it or pass --port / VIGIL_PORT`, undefined, { cause: err });
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") return new VigilError("CONFIG_INVALID", `cannot listen on ${cfg.host}: no such address on this machine`, undefined, { cause: err });
  return err;
}

/** `vigil serve`: resolves config from flags, environment and file, starts, and stops cleanly on signals. */
export async function serve(flags: ConfigFlags): Promise<void> {
  let cfg: ValidatedConfig;
  try {
    // Everything the configuration names (rules file, channels, models, routes) is checked here, before the logger or the store.
    cfg = validateConfig(loadConfig(flags, process.env));
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
