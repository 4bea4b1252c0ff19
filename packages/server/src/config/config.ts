/**
 * Configuration: one schema, parsed once into a frozen Config. Sources, strongest first:
 * command-line flags, environment (VIGIL_*), the YAML config file, defaults.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_LIMITS, type CardinalityLimits } from "../core/series-registry.js";
import { Ajv, type ErrorObject } from "ajv";
import { Type, type Static } from "@sinclair/typebox";
import { parse as parseYaml } from "yaml";
import { parseDuration } from "../core/window.js";
import { VigilError } from "../core/errors.js";
import { DEFAULT_KEY_ENV_PREFIX, upstreamPolicy, type UpstreamPolicy } from "../core/failover/upstream-policy.js";
import { DEFAULT_SERIES_LIMIT, GROUP_NAMES, type GroupName } from "../prometheus/exposition.js";
import { MIN_SERIES_LIMIT } from "../prometheus/series-guard.js";
import { AlertingSchema, resolveAlerting, type AlertingConfig } from "./alerting-config.js";

/** Log levels, most severe first. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

const Duration = Type.String({ pattern: "^\\d+(s|m|h|d|w)$" });
/** A short duration, down to milliseconds (timeouts). */
const SecondsDuration = Type.String({ pattern: "^\\d+(ms|s|m)$" });
const Scope = Type.Union([Type.Literal("ingest"), Type.Literal("read"), Type.Literal("admin")]);

/** The configuration file's schema (every key optional; see docs/operations.md). */
export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          body_limit_bytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 })),
          max_events_per_batch: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          max_connections: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_000_000 })),
          timeouts: Type.Optional(
            Type.Object(
              { headers: Type.Optional(SecondsDuration), request: Type.Optional(SecondsDuration), keep_alive: Type.Optional(SecondsDuration), idle: Type.Optional(SecondsDuration) },
              { additionalProperties: false },
            ),
          ),
          allowed_hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }))),
          allowed_origins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2048 }))),
        },
        { additionalProperties: false },
      ),
    ),
    storage: Type.Optional(
      Type.Object(
        {
          data_dir: Type.Optional(Type.String({ minLength: 1 })),
          database_url: Type.Optional(Type.String({ minLength: 1 })),
          sqlite_synchronous: Type.Optional(Type.Union([Type.Literal("full"), Type.Literal("normal")])),
          pool_max: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          connect_timeout: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Optional(
      Type.Object(
        { events: Type.Optional(Duration), minute_rollups: Type.Optional(Duration), hour_rollups: Type.Optional(Duration) },
        { additionalProperties: false },
      ),
    ),
    rollups: Type.Optional(
      Type.Object(
        {
          flush_interval: Type.Optional(Duration),
          max_values_per_dimension: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
          max_series: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    cluster: Type.Optional(
      Type.Object({ follow_interval: Type.Optional(Duration), leader_check_interval: Type.Optional(Duration) }, { additionalProperties: false }),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          keys: Type.Optional(
            Type.Array(
              Type.Object(
                { name: Type.Optional(Type.String()), key: Type.String({ minLength: 16 }), scopes: Type.Array(Scope, { minItems: 1 }) },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    // The global scope of the threshold model (docs/thresholds.md): keys, entries and min_samples, checked by validateConfig.
    thresholds: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    // Promises (docs/slo.md): service classes, SLOs and baselines, each checked when the server starts by its own validator.
    service_classes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    slos: Type.Optional(Type.Array(Type.Unknown())),
    baselines: Type.Optional(Type.Array(Type.Unknown())),
    // Resource limits per component and the host collector (docs/resources.md), checked when the server starts.
    resource_limits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    collector: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    prices: Type.Optional(
      Type.Array(
        Type.Object(
          {
            model: Type.String({ minLength: 1 }),
            input_per_1m: Type.Number({ minimum: 0 }),
            output_per_1m: Type.Number({ minimum: 0 }),
            cached_input_per_1m: Type.Optional(Type.Number({ minimum: 0 })),
            cache_write_input_per_1m: Type.Optional(Type.Number({ minimum: 0 })),
            reasoning_output_per_1m: Type.Optional(Type.Number({ minimum: 0 })),
            effective_from: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}" }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    alerting: Type.Optional(AlertingSchema),
    failover: Type.Optional(
      Type.Object(
        {
          evaluation_interval: Type.Optional(Type.String()),
          upstreams: Type.Optional(
            Type.Object(
              { allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }))), key_env_prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" })) },
              { additionalProperties: false },
            ),
          ),
          models: Type.Optional(Type.Array(Type.Unknown())),
          routes: Type.Optional(Type.Array(Type.Unknown())),
          webhooks: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  name: Type.String({ minLength: 1 }),
                  url: Type.String({ pattern: "^https?://" }),
                  secret: Type.Optional(Type.String({ minLength: 16 })),
                  routes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
                },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    prometheus: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          process_metrics: Type.Optional(Type.Boolean()),
          series_limit: Type.Optional(Type.Integer({ minimum: MIN_SERIES_LIMIT })),
          series_limits: Type.Optional(Type.Object(Object.fromEntries(GROUP_NAMES.map((g) => [g, Type.Optional(Type.Integer({ minimum: MIN_SERIES_LIMIT }))])), { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    dashboard: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()), dir: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
    log: Type.Optional(Type.Object({ level: Type.Optional(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)))) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
/** The configuration file as written. */
export type ConfigFile = Static<typeof ConfigSchema>;

/** An API key and what it may do. */
export interface ApiKey {
  name: string;
  key: string;
  scopes: ("ingest" | "read" | "admin")[];
}

/** The resolved configuration. */
export interface Config {
  host: string;
  port: number;
  bodyLimitBytes: number;
  maxEventsPerBatch: number;
  /** Connections held at once; past it the longest-idle connection is closed to make room (docs/operations.md). */
  maxConnections: number;
  /** HTTP timeouts (ms): headers of a request, a whole request, an idle keep-alive connection, a silent socket. */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number; idleMs: number };
  /** Host names requests may address besides the listen address and loopback names (DNS rebinding). */
  allowedHosts: string[];
  /** Origins whose pages may send state-changing requests (cross-site requests). */
  allowedOrigins: string[];
  dataDir: string;
  databaseUrl: string | null;
  sqliteSynchronous: "full" | "normal";
  /** PostgreSQL: most pooled connections per instance. */
  poolMax: number;
  /** PostgreSQL: longest wait for a connection before a request answers 503. */
  connectTimeoutMs: number;
  /** PostgreSQL: how often each instance reads the events other instances wrote (the staleness bound). */
  followIntervalMs: number;
  /** PostgreSQL: how often leadership is checked (a dead leader is replaced within about this). */
  leaderCheckMs: number;
  eventRetentionMs: number;
  minuteRollupsMs: number;
  hourRollupsMs: number;
  flushIntervalMs: number;
  /** Cardinality ceiling of the rollups: distinct values per dimension and dimension sets, beyond which rollups fold into `other`. */
  cardinality: CardinalityLimits;
  apiKeys: ApiKey[];
  thresholds: ConfigFile["thresholds"];
  /** Service classes as written (name → definition), checked when the server starts (docs/slo.md). */
  serviceClasses: Record<string, unknown>;
  /** SLOs as written, checked when the server starts (docs/slo.md). */
  slos: unknown[];
  /** Baselines as written, checked when the server starts (docs/slo.md). */
  baselines: unknown[];
  /** Resource limits per component as written, checked when the server starts (docs/resources.md). */
  resourceLimits: Record<string, unknown>;
  /** Host collector settings as written, checked when the server starts (docs/resources.md). */
  collector: Record<string, unknown>;
  prices: NonNullable<ConfigFile["prices"]>;
  logLevel: string;
  configFile: string | null;
  /** Alert rules, evaluation, channels, routes (docs/alerting.md). */
  alerting: AlertingConfig;
  /** Models, routes and failover (docs/failover.md); models and routes are checked when the server starts. */
  failover: {
    evaluationIntervalMs: number;
    /** What registered upstreams may name: addresses beyond the public ones, and the prefix of key variables. */
    upstreams: UpstreamPolicy;
    models: unknown[];
    routes: unknown[];
    webhooks: { name: string; url: string; secret?: string; routes?: string[] }[];
  };
  /** The `/metrics` exposition (docs/metrics.md). */
  prometheus: { enabled: boolean; processMetrics: boolean; seriesLimit: number; seriesLimits: Partial<Record<GroupName, number>> };
  /** The web dashboard at `/`: off, or served from `dir` (null: the `@vigil/dashboard` build installed beside the server). */
  dashboard: { enabled: boolean; dir: string | null };
}

/** Values given on the command line (undefined when not given). */
export interface ConfigFlags {
  host?: string;
  port?: number;
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  logLevel?: string;
  /** Alert rules file (`--rules`). */
  rules?: string;
}

/** Defaults of every setting. */
export const DEFAULTS = {
  host: "127.0.0.1",
  port: 8001,
  bodyLimitBytes: 5 * 1024 * 1024,
  maxEventsPerBatch: 10_000,
  maxConnections: 10_000,
  timeouts: { headers: "10s", request: "60s", keepAlive: "5s", idle: "60s" },
  dataDir: "./data",
  events: "7d",
  minuteRollups: "48h",
  hourRollups: "35d",
  flushInterval: "5s",
  logLevel: "info",
} as const;

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const extra = e.keyword === "additionalProperties" ? `/${(e.params as { additionalProperty: string }).additionalProperty}: is not a known setting` : `: ${e.message}`;
    return `${e.instancePath || "/"}${extra}`;
  });
}

/** Parses `VIGIL_API_KEYS`: comma-separated `key:scope+scope` items, e.g. `k1...:ingest,k2...:admin`. */
export function parseApiKeysEnv(text: string): ApiKey[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item, i) => {
      const idx = item.lastIndexOf(":");
      const key = idx > 0 ? item.slice(0, idx) : item;
      const scopes = (idx > 0 ? item.slice(idx + 1) : "admin").split("+").map((s) => s.trim());
      for (const s of scopes) if (s !== "ingest" && s !== "read" && s !== "admin") throw new VigilError("CONFIG_INVALID", `VIGIL_API_KEYS item ${i + 1}: unknown scope "${s}" (use ingest, read, admin joined by +)`);
      if (key.length < 16) throw new VigilError("CONFIG_INVALID", `VIGIL_API_KEYS item ${i + 1}: a key must be at least 16 characters`);
      return { name: `env-${i + 1}`, key, scopes: scopes as ApiKey["scopes"] };
    });
}

/** Splits a comma-separated list (`VIGIL_UPSTREAM_ALLOW`), dropping empty items. */
export function parseList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Resolves the configuration from flags, an environment map and the config file. */
export function loadConfig(flags: ConfigFlags, env: Record<string, string | undefined>): Config {
  const configFile = flags.config ?? env.VIGIL_CONFIG ?? null;
  let file: ConfigFile = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, "utf8");
    } catch (err) {
      throw new VigilError("CONFIG_INVALID", `cannot read config file ${configFile}: ${(err as Error).message}`, undefined, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (err) {
      throw new VigilError("CONFIG_INVALID", `config file ${configFile} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
    }
    const validate = new Ajv({ allErrors: true, strict: false }).compile(ConfigSchema);
    if (!validate(parsed)) {
      const details = formatErrors(validate.errors ?? []);
      throw new VigilError("CONFIG_INVALID", `config file ${configFile} is invalid:\n  ${details.join("\n  ")}`, details);
    }
    file = parsed as ConfigFile;
  }
  const envPort = env.VIGIL_PORT !== undefined ? Number(env.VIGIL_PORT) : undefined;
  if (envPort !== undefined && !(Number.isInteger(envPort) && envPort >= 0 && envPort <= 65535)) throw new VigilError("CONFIG_INVALID", `VIGIL_PORT must be a port number, got "${env.VIGIL_PORT}"`);
  const dur = (v: string, name: string) => {
    const ms = parseDuration(v);
    if (ms === null) throw new VigilError("CONFIG_INVALID", `${name} must be a duration such as 7d, got "${v}"`);
    return ms;
  };
  const keys = [...(file.auth?.keys ?? []).map((k, i) => ({ name: k.name ?? `key-${i + 1}`, key: k.key, scopes: k.scopes })), ...(env.VIGIL_API_KEYS ? parseApiKeysEnv(env.VIGIL_API_KEYS) : [])];
  const logLevel = flags.logLevel ?? env.VIGIL_LOG_LEVEL ?? file.log?.level ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new VigilError("CONFIG_INVALID", `log level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  const cfg: Config = {
    host: flags.host ?? env.VIGIL_HOST ?? file.server?.host ?? DEFAULTS.host,
    port: flags.port ?? envPort ?? file.server?.port ?? DEFAULTS.port,
    bodyLimitBytes: file.server?.body_limit_bytes ?? DEFAULTS.bodyLimitBytes,
    maxEventsPerBatch: file.server?.max_events_per_batch ?? DEFAULTS.maxEventsPerBatch,
    maxConnections: file.server?.max_connections ?? DEFAULTS.maxConnections,
    timeouts: {
      headersMs: shortDur(file.server?.timeouts?.headers ?? DEFAULTS.timeouts.headers),
      requestMs: shortDur(file.server?.timeouts?.request ?? DEFAULTS.timeouts.request),
      keepAliveMs: shortDur(file.server?.timeouts?.keep_alive ?? DEFAULTS.timeouts.keepAlive),
      idleMs: shortDur(file.server?.timeouts?.idle ?? DEFAULTS.timeouts.idle),
    },
    allowedHosts: file.server?.allowed_hosts ?? [],
    allowedOrigins: file.server?.allowed_origins ?? [],
    dataDir: flags.dataDir ?? env.VIGIL_DATA_DIR ?? file.storage?.data_dir ?? DEFAULTS.dataDir,
    databaseUrl: flags.databaseUrl ?? env.VIGIL_DATABASE_URL ?? file.storage?.database_url ?? null,
    sqliteSynchronous: file.storage?.sqlite_synchronous ?? "full",
    poolMax: file.storage?.pool_max ?? 10,
    connectTimeoutMs: dur(file.storage?.connect_timeout ?? "5s", "storage.connect_timeout"),
    followIntervalMs: dur(file.cluster?.follow_interval ?? "1s", "cluster.follow_interval"),
    leaderCheckMs: dur(file.cluster?.leader_check_interval ?? "2s", "cluster.leader_check_interval"),
    eventRetentionMs: dur(env.VIGIL_RETENTION ?? file.retention?.events ?? DEFAULTS.events, "retention.events"),
    minuteRollupsMs: dur(file.retention?.minute_rollups ?? DEFAULTS.minuteRollups, "retention.minute_rollups"),
    hourRollupsMs: dur(file.retention?.hour_rollups ?? DEFAULTS.hourRollups, "retention.hour_rollups"),
    flushIntervalMs: dur(file.rollups?.flush_interval ?? DEFAULTS.flushInterval, "rollups.flush_interval"),
    cardinality: { valuesPerDimension: file.rollups?.max_values_per_dimension ?? DEFAULT_LIMITS.valuesPerDimension, series: file.rollups?.max_series ?? DEFAULT_LIMITS.series },
    apiKeys: keys,
    thresholds: file.thresholds,
    serviceClasses: file.service_classes ?? {},
    slos: file.slos ?? [],
    baselines: file.baselines ?? [],
    resourceLimits: file.resource_limits ?? {},
    collector: file.collector ?? {},
    prices: file.prices ?? [],
    logLevel,
    configFile,
    alerting: resolveAlerting(file.alerting, flags.rules ?? env.VIGIL_RULES),
    failover: {
      evaluationIntervalMs: dur(file.failover?.evaluation_interval ?? "10s", "failover.evaluation_interval"),
      upstreams: upstreamPolicy({
        allow: env.VIGIL_UPSTREAM_ALLOW !== undefined ? parseList(env.VIGIL_UPSTREAM_ALLOW) : (file.failover?.upstreams?.allow ?? []),
        keyEnvPrefix: file.failover?.upstreams?.key_env_prefix ?? DEFAULT_KEY_ENV_PREFIX,
      }),
      models: file.failover?.models ?? [],
      routes: file.failover?.routes ?? [],
      webhooks: file.failover?.webhooks ?? [],
    },
    prometheus: {
      enabled: file.prometheus?.enabled ?? true,
      processMetrics: file.prometheus?.process_metrics ?? true,
      seriesLimit: file.prometheus?.series_limit ?? DEFAULT_SERIES_LIMIT,
      seriesLimits: (file.prometheus?.series_limits ?? {}) as Partial<Record<GroupName, number>>,
    },
    dashboard: { enabled: file.dashboard?.enabled ?? true, dir: file.dashboard?.dir ?? null },
  };
  if (cfg.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw new VigilError("CONFIG_INVALID", `the database URL must start with postgres:// or postgresql://, got "${cfg.databaseUrl.replace(/\/\/[^@/]*@/, "//***@")}"`);
  }
  return Object.freeze(cfg);
}

/** Milliseconds of a timeout setting such as 500ms, 10s or 2m (already checked by the schema). */
function shortDur(v: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(v)!;
  return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
}

/** True when the host only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
