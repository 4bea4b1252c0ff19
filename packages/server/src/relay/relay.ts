/**
 * `vigil relay`: an OpenAI-compatible proxy that sends each route's requests where Vigil says, retries on the next
 * candidate when an upstream fails, and records every call as an `llm_call`. This module wires the pieces: the SDK's
 * client (batched events) and routers (route views over SSE with polling fallback), the registry sync, the state
 * file, the forwarder and the HTTP handler. Vigil being unreachable never fails a caller's request: the relay
 * serves the last known registry and views, and events wait in the client's bounded queue.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RouteView } from "@vigil/contract";
import { RouteCache, RouterPool, Vigil, VigilConnector, type Router, type RouterOptions, type VigilOptions, type VigilStats } from "@vigil/sdk";
import { VigilError } from "../core/errors.js";
import { upstreamPolicy, type UpstreamPolicy } from "../core/failover/upstream-policy.js";
import { candidateModels, planAttempts } from "./candidates.js";
import { Forwarder } from "./forwarder.js";
import { RegistrySync, type RegistrySnapshot } from "./registry-sync.js";
import { conditionLog, silentLogger, type RelayLogger } from "./relay-logger.js";
import { createRelayHandler, type RelayHandler, type Resolution } from "./relay-server.js";
import { StateFile } from "./state-file.js";
import { UpstreamClient, type Resolver } from "./upstream-client.js";
import { buildUpstreamTable, type RegistryModel, type UpstreamOverride, type UpstreamTable } from "./upstreams.js";

/** Options of {@link startRelay}; all but `vigilUrl` have defaults. */
export interface RelayOptions {
  /** Base URL of Vigil, e.g. `http://127.0.0.1:8001`. */
  vigilUrl: string;
  /** Vigil API key (scopes `read` and `ingest`). */
  apiKey?: string;
  /** Address to listen on (default 127.0.0.1); any other than loopback needs `relayKey`. */
  host?: string;
  /** Port to listen on (default 8787; 0 picks a free one). */
  port?: number;
  /** Key callers must send as `Authorization: Bearer <key>` (default: none, loopback only). */
  relayKey?: string | null;
  /** Model per route used while the route never had a view (Vigil down at the first start). */
  defaultModels?: Readonly<Record<string, string>>;
  /** Upstreams by model id, replacing or completing the registry's. */
  upstreams?: Readonly<Record<string, UpstreamOverride>>;
  /** Directory of the state file (default `./relay-state`). */
  stateDir?: string;
  /** Time to an upstream answer's first byte, and most silence within a streamed answer, in milliseconds (default 60,000). */
  upstreamTimeoutMs?: number;
  /** Upstreams tried per request at most (default 3). */
  maxAttempts?: number;
  /** Interval of registry refreshes, in milliseconds (default 30,000). */
  refreshIntervalMs?: number;
  /** Time allowed for each registry request, in milliseconds (default 5,000). */
  registryTimeoutMs?: number;
  /** How long a request for a route with no view yet waits for one, in milliseconds (default 2,000). */
  firstViewTimeoutMs?: number;
  /** Ask streaming upstreams for usage with `stream_options: {include_usage: true}` when the caller set no `stream_options` (default true). */
  streamUsage?: boolean;
  /** At shutdown, how long in-flight requests may take to finish, in milliseconds (default 10,000). */
  drainTimeoutMs?: number;
  /** At shutdown, how long the last events may take to reach Vigil, in milliseconds (default 5,000). */
  flushTimeoutMs?: number;
  /** Environment the upstream key variables are read from (only names starting with `upstreamKeyPrefix`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Addresses beyond the public ones that upstreams may be at: IP addresses, CIDR ranges, host names, `*.suffix`
   * names (default none: loopback, private, link-local and reserved addresses are refused).
   */
  allowUpstreams?: readonly string[];
  /** Upstream key variables must start with this (default `VIGIL_UPSTREAM_KEY_`); no other variable is read. */
  upstreamKeyPrefix?: string;
  /** Name resolution for upstream hosts (default: the system's, `dns.lookup`). */
  resolve?: Resolver;
  logger?: RelayLogger;
  /** Uniform random numbers in [0, 1) for split picks (default `Math.random`). */
  random?: () => number;
  /** Options of the route followers (polling interval, reconnection backoff...). */
  follow?: Pick<RouterOptions, "pollIntervalMs" | "reconnectBaseMs" | "reconnectMaxMs" | "streamIdleTimeoutMs" | "stream">;
  /** Options of the event client; by default a batch is retried until Vigil is back (`maxRetries: Infinity`). */
  client?: Omit<VigilOptions, "endpoint" | "apiKey" | "onError" | "flushOnExit">;
}

/** A running relay. */
export interface RunningRelay {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Reads the registry and route list from Vigil now. */
  refresh(): Promise<RegistrySnapshot>;
  /** The event client's counters. */
  stats(): VigilStats;
  /** Stops accepting, lets in-flight requests finish (bounded), saves the state and flushes the events (bounded). */
  close(): Promise<void>;
}

/** True when the host only accepts connections from this machine (as `vigil serve` judges it). */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Starts a relay: loads the state file, reads Vigil's registry (briefly, when reachable), and listens. */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const { host = "127.0.0.1", port = 8787, relayKey = null } = options;
  if (!isLoopbackHost(host) && !relayKey) {
    throw new VigilError("CONFIG_INVALID", `refusing to listen on ${host} without a relay key: anyone who can reach it could spend your upstream keys. Set --relay-key (or VIGIL_RELAY_KEY), or listen on 127.0.0.1.`);
  }
  const relay = new Relay(options);
  await relay.load();
  return relay.listen(host, port);
}

/** The relay's state and wiring; {@link startRelay} is its entry point. */
class Relay {
  private readonly options: RelayOptions;
  private readonly logger: RelayLogger;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly policy: UpstreamPolicy;
  private readonly overrides: ReadonlyMap<string, UpstreamOverride>;
  private readonly defaults: ReadonlyMap<string, string>;
  private readonly maxAttempts: number;
  private readonly firstViewTimeoutMs: number;
  private readonly vigil: Vigil;
  private readonly connector: VigilConnector;
  private readonly pool: RouterPool;
  private readonly cache = new RouteCache();
  private readonly sync: RegistrySync;
  private readonly state: StateFile;
  private readonly upstreamClient: UpstreamClient;
  private readonly handler: RelayHandler;
  private readonly vigilDown: ReturnType<typeof conditionLog>;
  /** Route names served (from Vigil's list, the state file and `defaultModels`). */
  private readonly routes = new Set<string>();
  /** Names looked up on Vigil and found to be no route, until the next refresh. */
  private readonly unknown = new Set<string>();
  private readonly warned = new Set<string>();
  private models: RegistryModel[] = [];
  private modelsJson = "[]";
  private table: UpstreamTable;
  private lastRefreshAt: number | null = null;
  private vigilReachable = false;
  private server: Server | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: RelayOptions) {
    const { vigilUrl, apiKey, upstreamTimeoutMs = 60_000, maxAttempts = 3, refreshIntervalMs = 30_000, registryTimeoutMs = 5000, firstViewTimeoutMs = 2000 } = options;
    for (const [name, value, min] of [["upstreamTimeoutMs", upstreamTimeoutMs, 1], ["maxAttempts", maxAttempts, 1], ["refreshIntervalMs", refreshIntervalMs, 1], ["registryTimeoutMs", registryTimeoutMs, 1], ["firstViewTimeoutMs", firstViewTimeoutMs, 0]] as const) {
      if (typeof value !== "number" || !(value >= min)) throw new VigilError("CONFIG_INVALID", `relay: ${name} must be a number >= ${min}`);
    }
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.env = options.env ?? {};
    this.policy = upstreamPolicy({ allow: options.allowUpstreams, keyEnvPrefix: options.upstreamKeyPrefix });
    this.overrides = new Map(Object.entries(options.upstreams ?? {}));
    this.defaults = new Map(Object.entries(options.defaultModels ?? {}));
    this.maxAttempts = Math.floor(maxAttempts);
    this.firstViewTimeoutMs = firstViewTimeoutMs;
    this.table = this.buildTable();
    const errorLog = rateLimited(this.logger, 30_000);
    this.vigil = new Vigil({ maxRetries: Infinity, ...options.client, endpoint: vigilUrl, apiKey, flushOnExit: false, onError: (err) => errorLog(err.code, { code: err.code, err: err.message }, "Vigil did not take some relay events") });
    this.connector = new VigilConnector({ endpoint: vigilUrl, apiKey, client: this.vigil, random: options.random });
    this.pool = new RouterPool(this.connector);
    this.vigilDown = conditionLog(this.logger, "Vigil is unreachable; serving the last known registry and routes", "Vigil is reachable again");
    this.sync = new RegistrySync({ vigilUrl, apiKey, timeoutMs: registryTimeoutMs, intervalMs: refreshIntervalMs, onSnapshot: (s) => this.onSnapshot(s) });
    this.state = new StateFile(options.stateDir ?? "./relay-state", () => this.snapshot(), (error) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "relay state file not written"));
    this.upstreamClient = new UpstreamClient({ timeoutMs: upstreamTimeoutMs, policy: this.policy, resolve: options.resolve });
    const forwarder = new Forwarder({ client: this.upstreamClient, record: (input) => void this.vigil.recordLlmCall(input), logger: this.logger, idleTimeoutMs: upstreamTimeoutMs });
    this.handler = createRelayHandler({ directory: this, forwarder, relayKey: options.relayKey ?? null, streamUsage: options.streamUsage ?? true });
    for (const route of this.defaults.keys()) this.routes.add(route);
  }

  /** Loads the state file, then reads Vigil once (bounded by the registry timeout); either may be missing. */
  async load(): Promise<void> {
    const saved = await this.state.load();
    if (saved !== null) {
      this.setModels(saved.models);
      for (const view of saved.routes) {
        this.routes.add(view.route);
        this.cache.offer(view);
      }
      this.logger.info({ file: this.state.path, models: saved.models.length, routes: saved.routes.length }, "relay state loaded");
    }
    await this.sync.refresh();
    for (const route of this.routes) this.router(route);
  }

  /** Listens and starts the periodic refresh. */
  async listen(host: string, port: number): Promise<RunningRelay> {
    const server = createServer(this.handler.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.sync.start();
    const address = server.address() as AddressInfo;
    const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
    this.logger.info(
      { url, vigil: this.options.vigilUrl, routes: [...this.routes].sort(), upstreams: [...this.table.targets.keys()].sort(), allow_upstreams: this.policy.allow, vigil_reachable: this.vigilReachable, auth: this.options.relayKey ? "relay key" : "off (loopback only)" },
      "vigil relay is serving",
    );
    return { url, port: address.port, refresh: () => this.sync.refresh(), stats: () => this.vigil.stats(), close: () => (this.closing ??= this.close()) };
  }

  /** Where a request's `model` goes: a route (followed), a registered model (direct), or nowhere. */
  async resolve(name: string): Promise<Resolution> {
    if (this.routes.has(name)) return this.resolveRoute(name);
    const direct = this.table.targets.get(name);
    if (direct !== undefined) return { ok: true, route: null, targets: [direct] };
    if (this.models.some((m) => m.id === name)) return { ok: false, status: 503, code: "no_upstream", message: `model ${name} has no upstream: set its upstream in Vigil's registry, or pass --upstream ${name}=<url>` };
    // A route created since the last refresh: ask Vigil once (a name found to be no route is not asked again until the next refresh).
    if (!this.unknown.has(name)) {
      const found = await this.connector.getRoute(name, { maxAttempts: 1 });
      if (found.ok && found.value.route === name) {
        this.addRoute(found.value);
        return this.resolveRoute(name);
      }
      if (this.unknown.size >= 10_000) this.unknown.clear();
      this.unknown.add(name);
    }
    return { ok: false, status: 404, code: "model_not_found", message: `${name} is neither a route nor a model with an upstream; GET /v1/models lists them` };
  }

  /** The routes, then the models with an upstream. */
  listModels(): { routes: string[]; models: { id: string; provider: string | undefined }[] } {
    return { routes: [...this.routes].sort(), models: [...this.table.targets.values()].map((t) => ({ id: t.modelId, provider: t.provider })).sort((a, b) => a.id.localeCompare(b.id)) };
  }

  /** What `GET /healthz` answers: always 200 while the relay runs. */
  health(): Record<string, unknown> {
    return {
      status: "ok",
      vigil: this.vigilReachable ? "reachable" : "unreachable",
      last_refresh: this.lastRefreshAt === null ? null : new Date(this.lastRefreshAt).toISOString(),
      routes: Object.fromEntries([...this.routes].sort().map((r) => [r, this.cache.get(r)?.active_model ?? this.defaults.get(r) ?? null])),
      upstreams: this.table.targets.size,
      in_flight: this.handler.inFlight(),
      events: this.vigil.stats(),
    };
  }

  private async resolveRoute(route: string): Promise<Resolution> {
    const router = this.router(route);
    let pick = router.pick();
    if (pick === null) {
      await router.ready(this.firstViewTimeoutMs);
      pick = router.pick();
      if (pick === null) return { ok: false, status: 503, code: "no_route", message: `route ${route}: no view from Vigil yet and no default model (--default-model-for ${route}=<model>)` };
    }
    const plan = planAttempts(candidateModels(pick), this.table.targets, this.maxAttempts);
    for (const model of plan.skipped) this.warnOnce(`skip:${route}:${model}`, { route, model }, "a candidate of the route has no upstream; skipped");
    if (plan.targets.length === 0) return { ok: false, status: 503, code: "no_upstream", message: `route ${route}: none of its models (${candidateModels(pick).join(", ")}) has an upstream` };
    return { ok: true, route, targets: plan.targets };
  }

  private router(route: string): Router {
    return this.pool.get(route, {
      ...this.options.follow,
      defaultModel: this.defaults.get(route),
      random: this.options.random,
      cache: this.cache,
      firstViewTimeoutMs: this.firstViewTimeoutMs,
      store: { load: (r) => this.cache.get(r) ?? null, save: () => this.state.changed() },
      onEvent: (event) => {
        if (event.type === "view" && event.previous !== null && event.previous.active_model !== event.view.active_model) {
          this.logger.info({ route, from: event.previous.active_model, to: event.view.active_model, revision: event.view.revision, source: event.source }, "route switched");
        } else if (event.type === "mode") this.logger.debug({ route, mode: event.mode }, "route follower mode");
      },
    });
  }

  private addRoute(view: RouteView): void {
    this.routes.add(view.route);
    if (this.cache.offer(view)) this.state.changed();
    this.router(view.route);
  }

  private onSnapshot(snapshot: RegistrySnapshot): void {
    if (snapshot.models !== null) this.setModels(snapshot.models);
    if (snapshot.routes !== null) {
      const listed = new Set(snapshot.routes.map((v) => v.route));
      for (const view of snapshot.routes) this.addRoute(view);
      for (const route of [...this.routes]) {
        if (listed.has(route) || this.defaults.has(route)) continue;
        // Deleted in Vigil: stop following it.
        this.routes.delete(route);
        this.pool.get(route).close();
        this.state.changed();
        this.logger.info({ route }, "route no longer in Vigil; not served any more");
      }
      this.unknown.clear();
    }
    const reachable = snapshot.errors.length === 0;
    this.vigilReachable = reachable;
    if (reachable) {
      this.lastRefreshAt = Date.now();
      this.vigilDown.off({ vigil: this.options.vigilUrl });
    } else this.vigilDown.on({ vigil: this.options.vigilUrl, errors: snapshot.errors });
  }

  private setModels(models: RegistryModel[]): void {
    const text = JSON.stringify(models);
    if (text === this.modelsJson) return;
    this.models = models;
    this.modelsJson = text;
    this.table = this.buildTable();
    this.state.changed();
  }

  private buildTable(): UpstreamTable {
    const table = buildUpstreamTable(this.models, this.overrides, this.env, this.policy);
    for (const problem of table.problems) this.warnOnce(problem, {}, problem);
    return table;
  }

  private snapshot(): { models: RegistryModel[]; routes: RouteView[] } {
    return { models: this.models, routes: [...this.routes].map((r) => this.cache.get(r)).filter((v): v is RouteView => v !== undefined) };
  }

  private warnOnce(key: string, fields: object, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(fields, message);
  }

  private async close(): Promise<void> {
    this.sync.close();
    const server = this.server;
    if (server !== null) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + (this.options.drainTimeoutMs ?? 10_000);
      while (this.handler.inFlight() > 0 && Date.now() < deadline) await delay(20);
      server.closeAllConnections();
      await closed;
    }
    this.pool.close();
    this.state.changed();
    await this.state.flush();
    const before = this.vigil.stats().dropped;
    await this.vigil.shutdown({ timeoutMs: this.options.flushTimeoutMs ?? 5000 });
    if (this.vigil.stats().dropped > before) this.logger.warn({ ...this.vigil.stats() }, "Vigil did not take the last events before the flush timeout; they are lost");
    this.upstreamClient.close();
    this.logger.info({}, "vigil relay stopped");
  }
}

/** A warn logger that writes each key at most once per `intervalMs`. */
function rateLimited(logger: RelayLogger, intervalMs: number): (key: string, fields: object, message: string) => void {
  const last = new Map<string, number>();
  return (key, fields, message) => {
    const now = Date.now();
    if ((last.get(key) ?? -Infinity) > now - intervalMs) return;
    last.set(key, now);
    logger.warn(fields, message);
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
