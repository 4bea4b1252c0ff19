/**
 * The gateway connector (seed 000's RelayCore connector): route views, manual switches, model health and
 * threshold updates over Vigil's models-and-routes API, each call with a timeout, retries with full-jitter
 * backoff, Retry-After honoured, and a circuit breaker on Vigil; performance feedback goes through the batching
 * client as `llm_call` events. Every call resolves to a {@link ConnectorResult}: it never throws.
 */
import type { MetricThreshold, ModelHealth, RouteMetric, RouteView, SwitchRequest } from "@vigil/contract";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { systemClock, type Clock } from "./clock.js";
import { CircuitOpenError, VigilConnectorError, VigilRequestError, VigilUnavailableError, type ConnectorResult } from "./connector-errors.js";
import { decodeChunks, parseJson, sendAttempt, verdictOf, type Attempt } from "./http-attempt.js";
import { parseRouteView } from "./route-cache.js";
import { backoffDelay } from "./transport.js";
import type { LlmCallInput } from "./types.js";

/** What the connector needs of a Vigil client to record performance feedback (a `Vigil` fits). */
export interface LlmCallRecorder {
  /** Queues one `llm_call` event and returns its id; never throws. */
  recordLlmCall(input: LlmCallInput): string;
}

/** Options of a {@link VigilConnector}; every field but `endpoint` and `client` has a default. */
export interface ConnectorOptions {
  /** Base URL of the Vigil server, e.g. `http://localhost:8001`. */
  endpoint: string;
  /** API key (scopes `read` for views and health, `admin` for switches and thresholds), sent as a Bearer token. */
  apiKey?: string;
  /** The client that batches feedback events (usually your `Vigil`). */
  client: LlmCallRecorder;
  /** Time allowed for one request and its answer, in milliseconds (default 2,000). */
  timeoutMs?: number;
  /** Requests per call at most, the first included (default 3). */
  maxAttempts?: number;
  /** Base of the full-jitter exponential backoff between attempts, in milliseconds (default 100). */
  retryBaseMs?: number;
  /** Cap of one wait between attempts, in milliseconds (default 2,000); a longer Retry-After ends the call instead. */
  retryMaxMs?: number;
  /** The breaker to share, or options of the connector's own (default: 5 failures, 10 s cool-down growing to 60 s). */
  breaker?: CircuitBreaker | Omit<CircuitBreakerOptions, "now">;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Time source for backoff waits and the breaker (default: the real clock). */
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for the backoff jitter (default `Math.random`). */
  random?: () => number;
}

/** Per-call overrides of the connector's options. */
export interface CallOptions {
  /** Abandons the call (ABORTED) when it fires. */
  signal?: AbortSignal;
  /** Time allowed for each request of this call, in milliseconds. */
  timeoutMs?: number;
  /** Requests this call may send at most. */
  maxAttempts?: number;
}

/** Query of {@link VigilConnector.modelHealth}. */
export interface ModelHealthQuery {
  /** The route whose thresholds judge the model (default: the model's own). */
  route?: string;
  /** A window such as `60m`, `6h`, `7d` (default: the server's evaluation window). */
  window?: string;
}

/** Threshold updates by metric, as `PATCH /api/v1/routes/:route` takes them. */
export type RouteThresholds = Partial<Record<RouteMetric, MetricThreshold>>;

/** Performance feedback on one call served for a route: an `llm_call` input whose `route` is required. */
export type RouteFeedbackInput = LlmCallInput & { route: string };

/** An open `GET /routes/:route/stream`: its text as it arrives; aborting the signal given to open it ends it. */
export interface RouteStream {
  /** Decoded chunks of the event stream, until the server or the signal ends it (a dropped connection throws). */
  chunks: AsyncIterable<string>;
}

/** Talks to Vigil's models-and-routes API on behalf of a gateway, with timeouts, retries and a circuit breaker. */
export class VigilConnector {
  /** The breaker guarding every request of this connector (and of the routers built on it). */
  readonly breaker: CircuitBreaker;
  /** Time source of the connector's waits. */
  readonly clock: Clock;
  /** Random source of the connector's jitter. */
  readonly random: () => number;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;
  private readonly client: LlmCallRecorder;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  /** Builds a connector; it sends nothing until called. */
  constructor(options: ConnectorOptions) {
    const { endpoint, apiKey, client, timeoutMs = 2000, maxAttempts = 3, retryBaseMs = 100, retryMaxMs = 2000, clock = systemClock, random = Math.random } = options;
    if (typeof endpoint !== "string" || endpoint === "") throw new TypeError("VigilConnector: `endpoint` must be a URL such as http://localhost:8001");
    if (typeof client?.recordLlmCall !== "function") throw new TypeError("VigilConnector: `client` must be a Vigil client (it records the feedback)");
    for (const [name, value, min] of [["timeoutMs", timeoutMs, 1], ["maxAttempts", maxAttempts, 1], ["retryBaseMs", retryBaseMs, 0], ["retryMaxMs", retryMaxMs, 0]] as const) {
      if (typeof value !== "number" || !(value >= min)) throw new RangeError(`VigilConnector: \`${name}\` must be a number >= ${min}`);
    }
    const fetchFn = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (typeof fetchFn !== "function") throw new TypeError("VigilConnector: this runtime has no global fetch; pass the `fetch` option");
    this.base = `${endpoint.replace(/\/+$/, "")}/api/v1`;
    this.headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    this.fetchFn = fetchFn;
    this.client = client;
    this.timeoutMs = timeoutMs;
    this.maxAttempts = Math.floor(maxAttempts);
    this.retryBaseMs = retryBaseMs;
    this.retryMaxMs = retryMaxMs;
    this.clock = clock;
    this.random = random;
    this.breaker = options.breaker instanceof CircuitBreaker ? options.breaker : new CircuitBreaker({ ...options.breaker, now: () => clock.now() });
  }

  /** `GET /routes/:route`: where the route's traffic goes now. */
  getRoute(route: string, options?: CallOptions): Promise<ConnectorResult<RouteView>> {
    return this.request("GET", `/routes/${enc(route)}`, undefined, parseRouteView, options);
  }

  /** `POST /routes/:route/switch`: pins the route to `req.to` (for `req.ttl_s` seconds, or until unpinned). */
  switchRoute(route: string, req: SwitchRequest, options?: CallOptions): Promise<ConnectorResult<RouteView>> {
    return this.request("POST", `/routes/${enc(route)}/switch`, req, parseRouteView, options);
  }

  /** `DELETE /routes/:route/pin`: ends a manual pin, handing the route back to automatic decisions. */
  unpin(route: string, options?: CallOptions): Promise<ConnectorResult<RouteView>> {
    return this.request("DELETE", `/routes/${enc(route)}/pin`, undefined, parseRouteView, options);
  }

  /** `GET /models/:model/health`: the model's health, judged by a route's thresholds over a window. */
  modelHealth(model: string, query: ModelHealthQuery = {}, options?: CallOptions): Promise<ConnectorResult<ModelHealth>> {
    const params = new URLSearchParams();
    if (query.route !== undefined) params.set("route", query.route);
    if (query.window !== undefined) params.set("window", query.window);
    const qs = params.toString() === "" ? "" : `?${params}`;
    return this.request("GET", `/models/${enc(model)}/health${qs}`, undefined, parseModelHealth, options);
  }

  /** `PATCH /routes/:route`: sets the thresholds of the given metrics. */
  updateThresholds(route: string, thresholds: RouteThresholds, options?: CallOptions): Promise<ConnectorResult<RouteView>> {
    return this.request("PATCH", `/routes/${enc(route)}`, { thresholds }, parseRouteView, options);
  }

  /** Records one served call as an `llm_call` event through the batching client and returns its id; never blocks or throws. */
  feedback(input: RouteFeedbackInput): string {
    try {
      return this.client.recordLlmCall(input);
    } catch {
      // A Vigil client never throws here; a custom recorder that does must not break the caller's request.
      return "";
    }
  }

  /**
   * Opens `GET /routes/:route/stream` (one attempt through the breaker, no retries: the follower owns reconnection);
   * the timeout covers the answer's headers, and `signal` ends the stream.
   */
  async openStream(route: string, options: { signal?: AbortSignal; lastEventId?: string } = {}): Promise<ConnectorResult<RouteStream>> {
    const headers: Record<string, string> = { ...this.headers, accept: "text/event-stream", "cache-control": "no-cache" };
    if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
    const permit = this.breaker.acquire();
    if ("refused" in permit) return { ok: false, error: new CircuitOpenError(permit.retryInMs) };
    const attempt = await sendAttempt({ fetch: this.fetchFn, url: `${this.base}/routes/${enc(route)}/stream`, method: "GET", headers, timeoutMs: this.timeoutMs, signal: options.signal, streaming: true });
    this.breaker.record(permit, verdictOf(attempt));
    if (attempt.kind !== "ok") return { ok: false, error: this.failure(attempt, 1, "GET", `/routes/${route}/stream`) };
    const { res } = attempt;
    if (!(res.headers.get("content-type") ?? "").includes("text/event-stream") || res.body === null) {
      void res.body?.cancel().catch(() => undefined);
      return { ok: false, error: new VigilConnectorError("BAD_RESPONSE", `GET /routes/${route}/stream answered ${res.status} without an event stream`, { status: res.status, attempts: 1 }) };
    }
    return { ok: true, value: { chunks: decodeChunks(res.body) } };
  }

  /** Sends a request until it succeeds, is refused, runs out of attempts, or the breaker or the caller stops it. */
  private async request<T>(method: string, path: string, body: unknown, parse: (value: unknown) => T | null, options: CallOptions = {}): Promise<ConnectorResult<T>> {
    const { signal, timeoutMs = this.timeoutMs, maxAttempts = this.maxAttempts } = options;
    const headers = body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let last: Attempt | undefined;
    for (let attempt = 1; ; attempt++) {
      const permit = this.breaker.acquire();
      if ("refused" in permit) {
        const cause = last === undefined ? undefined : this.failure(last, attempt - 1, method, path);
        return { ok: false, error: new CircuitOpenError(permit.retryInMs, cause ? { cause } : undefined) };
      }
      last = await sendAttempt({ fetch: this.fetchFn, url: this.base + path, method, headers, body: payload, timeoutMs, signal, streaming: false });
      this.breaker.record(permit, verdictOf(last));
      if (last.kind === "ok") {
        const value = last.text === null ? null : parse(parseJson(last.text));
        if (value !== null) return { ok: true, value };
        return { ok: false, error: new VigilConnectorError("BAD_RESPONSE", `${method} ${path} answered ${last.status} with an unexpected body`, { status: last.status, attempts: attempt }) };
      }
      if (last.kind !== "retry" || attempt >= maxAttempts) return { ok: false, error: this.failure(last, attempt, method, path) };
      // The server's Retry-After wins over our backoff; one longer than we are willing to wait ends the call, so the
      // caller (or the next poll) comes back later instead of hammering a server that asked for room.
      if (last.retryAfterMs !== null && last.retryAfterMs > this.retryMaxMs) return { ok: false, error: this.failure(last, attempt, method, path) };
      const wait = last.retryAfterMs ?? backoffDelay(attempt - 1, this.retryBaseMs, this.retryMaxMs, this.random);
      await this.clock.sleep(wait, signal);
      if (signal?.aborted) return { ok: false, error: new VigilConnectorError("ABORTED", `${method} ${path} aborted`, { attempts: attempt }) };
    }
  }

  private failure(attempt: Attempt, attempts: number, method: string, path: string): VigilConnectorError {
    const what = `${method} ${path}`;
    switch (attempt.kind) {
      case "aborted":
        return new VigilConnectorError("ABORTED", `${what} aborted`, { attempts });
      case "refused":
        return new VigilRequestError(`${what} refused: ${attempt.message}`, { status: attempt.status, attempts, ...(attempt.serverCode ? { serverCode: attempt.serverCode } : {}) });
      case "retry": {
        const details = { status: attempt.status, attempts, ...(attempt.retryAfterMs !== null ? { retryAfterMs: attempt.retryAfterMs } : {}) };
        const code = attempt.timedOut ? "TIMEOUT" : "UNAVAILABLE";
        return new VigilUnavailableError(code, `${what} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${attempt.message}`, details, attempt.cause !== undefined ? { cause: attempt.cause } : undefined);
      }
      default:
        return new VigilConnectorError("BAD_RESPONSE", `${what} answered ${attempt.status} unexpectedly`, { status: attempt.status, attempts });
    }
  }
}

/** The value as a ModelHealth when it has the documented fields, else null. */
export function parseModelHealth(value: unknown): ModelHealth | null {
  const v = value as Partial<ModelHealth> | null;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  if (!["healthy", "degraded", "unhealthy", "unknown"].includes(v.status as string) || !Array.isArray(v.reasons) || typeof v.samples !== "number") return null;
  return v as ModelHealth;
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
