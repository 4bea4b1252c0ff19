/**
 * Composition root: the only module that reads the environment and wires adapters to services.
 * `startServer` builds everything from a Config; the CLI calls `serve` and `demo` from here.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { pino, type Logger } from "pino";
import { loadConfig, isLoopback, type Config, type ConfigFlags } from "./config/config.js";
import { VigilError } from "./core/errors.js";
import type { Storage } from "./core/ports.js";
import { DEFAULT_THRESHOLDS } from "./core/thresholds.js";
import { buildApp } from "./http/build-app.js";
import { IngestService } from "./services/ingest-service.js";
import { MetricsService } from "./services/metrics-service.js";
import { PriceService } from "./services/price-service.js";
import { RollupService } from "./services/rollup-service.js";
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

function openStorage(cfg: Config): Storage {
  if (cfg.databaseUrl) throw new VigilError("CONFIG_INVALID", "VIGIL_DATABASE_URL / --database-url: PostgreSQL storage is not available in this version; remove it to use the embedded store");
  return openSqliteStorage({ dataDir: cfg.dataDir, synchronous: cfg.sqliteSynchronous });
}

/** Builds and starts the monitor from a resolved configuration. */
export async function startServer(cfg: Config, logger: Logger | false, opts: { listen?: boolean } = {}): Promise<RunningServer> {
  if (!isLoopback(cfg.host) && cfg.apiKeys.length === 0) {
    throw new VigilError("CONFIG_INVALID", `refusing to listen on ${cfg.host} without API keys: anyone who can reach it could write and read your data. Configure auth.keys in the config file or VIGIL_API_KEYS, or listen on 127.0.0.1.`);
  }
  const log = logger || pino({ level: "silent" });
  const startedAt = Date.now();
  let ready = false;
  const storage = openStorage(cfg);
  const now = () => Date.now();
  const rollups = new RollupService({
    events: storage.events,
    rollups: storage.rollups,
    horizons: { minuteMs: cfg.minuteRollupsMs, hourMs: cfg.hourRollupsMs },
    eventRetentionMs: cfg.eventRetentionMs,
    now,
    progress: (msg, fields) => log.info(fields, msg),
  });
  const prices = new PriceService(storage.prices, cfg.prices);
  await prices.start();
  const restoreStart = Date.now();
  const restored = await rollups.start();
  log.info({ ...restored, took_ms: Date.now() - restoreStart, store: storage.describe() }, "rollups restored");
  const ingest = new IngestService({ validate: createEventValidator(), events: storage.events, prices: () => prices.current(), onStored: (ev) => rollups.fold(ev), now, newId: idGenerator() });
  const metrics = new MetricsService({ index: rollups.index, events: storage.events, now, thresholds: { ...DEFAULT_THRESHOLDS, ...(cfg.thresholds ?? {}) } });
  const app = buildApp({
    ingest,
    metrics,
    keys: cfg.apiKeys,
    bodyLimitBytes: cfg.bodyLimitBytes,
    maxEventsPerBatch: cfg.maxEventsPerBatch,
    logger: logger || false,
    ops: {
      ready: () => ready && storage.failure() === null,
      rollups,
      prices,
      detailed: async () => {
        const mem = process.memoryUsage();
        return {
          status: !ready ? "starting" : storage.failure() ?? "ready",
          version: VERSION,
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
          storage: { kind: storage.kind, location: storage.describe(), schema_version: await storage.schemaVersion(), events: await storage.events.countByType() },
          rollups: rollups.status(),
          ingest: ingest.counters(),
          memory: { rss_mb: Math.round(mem.rss / 1048576), heap_used_mb: Math.round(mem.heapUsed / 1048576) },
        };
      },
    },
  });
  const flushTimer = setInterval(() => {
    rollups.flush().catch((err) => log.error({ err }, "persisting rollups failed; will retry"));
  }, cfg.flushIntervalMs);
  const retentionTimer = setInterval(() => {
    rollups.enforceRetention().then(
      (r) => r.events > 0 && log.info(r, "retention: deleted expired events"),
      (err) => log.error({ err }, "retention failed; will retry"),
    );
  }, 10 * 60_000);
  flushTimer.unref();
  retentionTimer.unref();
  await rollups.enforceRetention();
  let url = "";
  try {
    if (opts.listen !== false) url = await app.listen({ host: cfg.host, port: cfg.port });
    else await app.ready();
  } catch (err) {
    clearInterval(flushTimer);
    clearInterval(retentionTimer);
    await app.close().catch(() => undefined);
    await rollups.flush().catch(() => undefined);
    await storage.close();
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE") throw new VigilError("CONFIG_INVALID", `port ${cfg.port} on ${cfg.host} is already in use (another Vigil?): stop it or pass --port / VIGIL_PORT`, undefined, { cause: err });
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new VigilError("CONFIG_INVALID", `cannot listen on ${cfg.host}: no such address on this machine`, undefined, { cause: err });
    throw err;
  }
  ready = true;
  let closed = false;
  return {
    app,
    url,
    storage,
    rollups,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(flushTimer);
      clearInterval(retentionTimer);
      await app.close();
      await rollups.flush().catch((err) => log.error({ err }, "final rollup flush failed; the next start replays the events instead"));
      await storage.close();
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
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

/** Environment the demo reads: the API key to send. */
export function demoEnv(): { apiKey: string | undefined } {
  return { apiKey: process.env.VIGIL_API_KEY };
}
