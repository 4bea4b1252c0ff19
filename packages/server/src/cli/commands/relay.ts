/**
 * `vigil relay`: parses the flags into relay options, starts the relay with a pino logger, and stops it cleanly on
 * SIGINT/SIGTERM (stop accepting, finish in-flight requests, save the state, flush the events).
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";
import { VigilError } from "../../core/errors.js";
import type { RelayLogger } from "../../relay/relay-logger.js";
import { startRelay, type RelayOptions, type RunningRelay } from "../../relay/relay.js";
import type { UpstreamOverride } from "../../relay/upstreams.js";
import { DEFAULT_KEY_ENV_PREFIX } from "../../core/failover/upstream-policy.js";

/** The flags of `vigil relay`, as commander parses them. */
export interface RelayFlags {
  vigil: string;
  port: number;
  host: string;
  apiKey?: string;
  relayKey?: string;
  defaultModelFor: Record<string, string>;
  upstream: Record<string, string>;
  upstreamKeyEnv: Record<string, string>;
  allowUpstream?: string[];
  upstreamKeyPrefix: string;
  stateDir: string;
  upstreamTimeout: number;
  maxAttempts: number;
  refreshInterval: number;
  drainTimeout: number;
  streamUsage: boolean;
  logLevel?: string;
}

/** What the command needs from the process, replaceable in tests. */
export interface RelayCommandDeps {
  start: (options: RelayOptions) => Promise<RunningRelay>;
  env: Readonly<Record<string, string | undefined>>;
  logger: (level: string) => RelayLogger;
  stderr: (text: string) => void;
  exit: (code: number) => void;
  onSignal: (signal: "SIGINT" | "SIGTERM", handler: () => void) => void;
}

const processDeps: RelayCommandDeps = {
  start: startRelay,
  env: process.env,
  logger: (level) => pino({ level, base: { service: "vigil-relay" } }),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
  onSignal: (signal, handler) => void process.once(signal, handler),
};

/** Reads a duration: `500ms`, `60s`, `2m`, or a plain number of seconds; answers milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError("must be a duration such as 60s, 500ms or 2m (a plain number is seconds)");
  const n = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000);
  if (!(n > 0)) throw new InvalidArgumentError("must be longer than 0");
  return n;
}

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number");
  return n;
};

const attempts = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number >= 1");
  return n;
};

/** A repeatable `key=value` flag, collected into a record (a later value for the same key wins). */
const pairs =
  (example: string) =>
  (v: string, acc: Record<string, string>): Record<string, string> => {
    const i = v.indexOf("=");
    if (i <= 0 || i === v.length - 1) throw new InvalidArgumentError(`must be ${example}`);
    return { ...acc, [v.slice(0, i)]: v.slice(i + 1) };
  };

/** Turns the flags (and the environment, for keys) into relay options. */
export function relayOptionsFromFlags(flags: RelayFlags, env: Readonly<Record<string, string | undefined>>, logger: RelayLogger): RelayOptions {
  const upstreams: Record<string, UpstreamOverride> = {};
  for (const [model, baseUrl] of Object.entries(flags.upstream)) upstreams[model] = { baseUrl };
  for (const [model, apiKeyEnv] of Object.entries(flags.upstreamKeyEnv)) upstreams[model] = { ...upstreams[model], apiKeyEnv };
  return {
    vigilUrl: flags.vigil,
    apiKey: flags.apiKey ?? env.VIGIL_API_KEY,
    host: flags.host,
    port: flags.port,
    relayKey: flags.relayKey ?? env.VIGIL_RELAY_KEY ?? null,
    defaultModels: flags.defaultModelFor,
    upstreams,
    stateDir: flags.stateDir,
    upstreamTimeoutMs: flags.upstreamTimeout,
    maxAttempts: flags.maxAttempts,
    refreshIntervalMs: flags.refreshInterval,
    drainTimeoutMs: flags.drainTimeout,
    streamUsage: flags.streamUsage,
    allowUpstreams: flags.allowUpstream ?? (env.VIGIL_UPSTREAM_ALLOW ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    upstreamKeyPrefix: flags.upstreamKeyPrefix,
    env,
    logger,
  };
}

/** Adds `vigil relay` to the program. */
export function registerRelayCommand(program: Command, deps: RelayCommandDeps = processDeps): void {
  program
    .command("relay")
    .description("an OpenAI-compatible proxy (POST /v1/chat/completions) that sends each route's requests to the model Vigil says is active, retries on the next candidate, and records every call")
    .option("--vigil <url>", "the Vigil server to follow and report to", "http://127.0.0.1:8001")
    .option("--port <port>", "port to listen on", port, 8787)
    .option("--host <host>", "address to listen on; other than loopback needs --relay-key", "127.0.0.1")
    .option("--api-key <key>", "Vigil API key with the read and ingest scopes (env VIGIL_API_KEY)")
    .option("--relay-key <key>", "key callers must send as `Authorization: Bearer <key>` (env VIGIL_RELAY_KEY); without it the relay trusts its network")
    .addOption(new Option("--default-model-for <route=model>", "model serving a route until Vigil was ever reached; repeatable").argParser(pairs("route=model")).default({}, "none"))
    .addOption(new Option("--upstream <model=url>", "base URL of an OpenAI-compatible API for a model, over the registry's upstream; repeatable").argParser(pairs("model=https://host/v1")).default({}, "the registry's"))
    .addOption(new Option("--upstream-key-env <model=VAR>", "environment variable holding a model's upstream key, over the registry's api_key_env; repeatable").argParser(pairs("model=ENV_VAR")).default({}, "the registry's"))
    .addOption(
      new Option("--allow-upstream <address|cidr|host>", "an address, CIDR range, host name or *.suffix that upstreams may be at beyond public addresses (loopback, private and link-local ones are refused otherwise); repeatable (env VIGIL_UPSTREAM_ALLOW, comma-separated)")
        .argParser((v: string, acc: string[] | undefined) => [...(acc ?? []), v]),
    )
    .option("--upstream-key-prefix <prefix>", "upstream key variables must start with this; no other variable is read", DEFAULT_KEY_ENV_PREFIX)
    .option("--state-dir <dir>", "where the last registry and route views are kept, for starts while Vigil is down", "./relay-state")
    .addOption(new Option("--upstream-timeout <duration>", "time to an upstream's first byte (and most silence within a stream)").argParser(parseDuration).default(60_000, "60s"))
    .option("--max-attempts <n>", "upstreams tried per request at most", attempts, 3)
    .addOption(new Option("--refresh-interval <duration>", "how often the registry and route list are read from Vigil").argParser(parseDuration).default(30_000, "30s"))
    .addOption(new Option("--drain-timeout <duration>", "at shutdown, how long in-flight requests may take to finish").argParser(parseDuration).default(10_000, "10s"))
    .option("--no-stream-usage", "do not add stream_options.include_usage to streaming requests (streams are then recorded without token counts)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (env VIGIL_LOG_LEVEL; default info)")
    .action(async (flags: RelayFlags) => {
      const logger = deps.logger(flags.logLevel ?? deps.env.VIGIL_LOG_LEVEL ?? "info");
      let relay: RunningRelay;
      try {
        relay = await deps.start(relayOptionsFromFlags(flags, deps.env, logger));
      } catch (err) {
        const listenError = (err as NodeJS.ErrnoException).code === "EADDRINUSE" || (err as NodeJS.ErrnoException).code === "EACCES";
        if (!(err instanceof VigilError) && !listenError) throw err;
        deps.stderr(`vigil relay: ${(err as Error).message}\n`);
        return deps.exit(2);
      }
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "shutting down");
        void relay.close().then(
          () => deps.exit(0),
          (err: unknown) => {
            logger.error({ err: err instanceof Error ? err.message : String(err) }, "shutdown failed");
            deps.exit(1);
          },
        );
      };
      deps.onSignal("SIGINT", () => stop("SIGINT"));
      deps.onSignal("SIGTERM", () => stop("SIGTERM"));
    });
}
