/**
 * Keeps one route's view current: from `GET /routes/:route/stream` while the stream is up (reconnecting with
 * backoff), and by polling `GET /routes/:route` while it is not. When Vigil is unreachable the last known view
 * (or the one a {@link RouteStore} saved) is kept; nothing here throws or blocks a caller.
 */
import type { RouteView } from "@vigil/contract";
import type { Clock } from "./clock.js";
import type { VigilConnector } from "./connector.js";
import type { VigilConnectorError } from "./connector-errors.js";
import { parseJson } from "./http-attempt.js";
import { parseRouteView, RouteCache, type RouteStore } from "./route-cache.js";
import { SseParser } from "./sse.js";
import { backoffDelay } from "./transport.js";

/** Where a view came from: the first GET, the stream, a poll, or the store. */
export type ViewSource = "fetch" | "stream" | "poll" | "store";

/** How a follower is getting its updates. */
export type FollowerMode = "streaming" | "polling";

/** What a follower reports through `onEvent`. */
export type RouteEvent =
  /** A newer view was accepted (a switch was followed); `previous` is the view it replaced. */
  | { type: "view"; route: string; source: ViewSource; view: RouteView; previous: RouteView | null }
  /** A message or answer was not a view of this route, and was ignored. */
  | { type: "invalid_view"; route: string; source: ViewSource }
  /** Updates now come from the stream, or from polling because the stream is down. */
  | { type: "mode"; route: string; mode: FollowerMode }
  /** The stream failed to open or dropped; it is reopened after `reconnectInMs`. */
  | { type: "stream_error"; route: string; error: Error; reconnectInMs: number }
  /** A poll failed; the last known view is kept. */
  | { type: "poll_error"; route: string; error: VigilConnectorError }
  /** The store's `load` or `save` failed. */
  | { type: "store_error"; route: string; operation: "load" | "save"; error: unknown };

/** Options of a {@link RouteFollower}; every field has a default. */
export interface RouteFollowerOptions {
  /** Follow the SSE stream (default true); false polls only. */
  stream?: boolean;
  /** Interval of polling while the stream is down, in milliseconds (default 5,000). */
  pollIntervalMs?: number;
  /** Base of the full-jitter backoff between stream reconnections, in milliseconds (default 1,000). */
  reconnectBaseMs?: number;
  /** Cap of the wait between stream reconnections, in milliseconds (default 30,000). */
  reconnectMaxMs?: number;
  /** A stream silent this long (the server pings every 15 s) is taken for dead and reopened, in milliseconds (default 45,000). */
  streamIdleTimeoutMs?: number;
  /** Loads a saved view at start and saves each newer one. */
  store?: RouteStore;
  /** The cache to keep views in (default: the follower's own). */
  cache?: RouteCache;
  /** Called with every {@link RouteEvent}; exceptions it throws are ignored. */
  onEvent?: (event: RouteEvent) => void;
}

/** Follows one route's view from Vigil, by stream or by polling, and holds the newest one seen. */
export class RouteFollower {
  /** The route followed. */
  readonly route: string;
  private readonly connector: VigilConnector;
  private readonly clock: Clock;
  private readonly cache: RouteCache;
  private readonly useStream: boolean;
  private readonly pollIntervalMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly idleTimeoutMs: number;
  private readonly store: RouteStore | undefined;
  private readonly onEvent: RouteFollowerOptions["onEvent"];
  private readonly closing = new AbortController();
  private pollController: AbortController | null = null;
  private waiters: ((view: RouteView | null) => void)[] = [];
  private started = false;
  private currentMode: FollowerMode | null = null;
  private serverRetryMs: number | null = null;

  /** Builds a follower; it does nothing until {@link start}. */
  constructor(connector: VigilConnector, route: string, options: RouteFollowerOptions = {}) {
    const { stream = true, pollIntervalMs = 5000, reconnectBaseMs = 1000, reconnectMaxMs = 30_000, streamIdleTimeoutMs = 45_000 } = options;
    for (const [name, value, min] of [["pollIntervalMs", pollIntervalMs, 1], ["reconnectBaseMs", reconnectBaseMs, 0], ["reconnectMaxMs", reconnectMaxMs, 0], ["streamIdleTimeoutMs", streamIdleTimeoutMs, 1]] as const) {
      if (typeof value !== "number" || !(value >= min)) throw new RangeError(`RouteFollower: \`${name}\` must be a number >= ${min}`);
    }
    this.route = route;
    this.connector = connector;
    this.clock = connector.clock;
    this.cache = options.cache ?? new RouteCache();
    this.useStream = stream;
    this.pollIntervalMs = pollIntervalMs;
    this.reconnectBaseMs = reconnectBaseMs;
    this.reconnectMaxMs = reconnectMaxMs;
    this.idleTimeoutMs = streamIdleTimeoutMs;
    this.store = options.store;
    this.onEvent = options.onEvent;
  }

  /** Loads the stored view, fetches the current one, and starts following (once; later calls do nothing). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.load();
    if (!this.useStream) return this.setMode("polling");
    void this.fetchFirst();
    void this.streamLoop();
  }

  /** The newest view known, or null when none was ever had. */
  current(): RouteView | null {
    return this.cache.get(this.route) ?? null;
  }

  /** How updates arrive now (null before the stream first answers or fails). */
  get mode(): FollowerMode | null {
    return this.currentMode;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Resolves with the view as soon as one is known, or with null after `timeoutMs` or on close; never rejects. */
  waitForView(timeoutMs: number): Promise<RouteView | null> {
    const view = this.current();
    if (view !== null || this.closed) return Promise.resolve(view);
    return new Promise((resolve) => {
      const timeout = new AbortController();
      const settle = (v: RouteView | null): void => {
        timeout.abort();
        this.waiters = this.waiters.filter((w) => w !== settle);
        resolve(v);
      };
      this.waiters.push(settle);
      void this.clock.sleep(timeoutMs, timeout.signal).then(() => settle(this.current()));
    });
  }

  /** Stops the stream and polling; the last view stays readable. */
  close(): void {
    if (this.closed) return;
    this.closing.abort();
    this.stopPolling();
    for (const settle of [...this.waiters]) settle(this.current());
  }

  /** Offers a view to the cache; a newer one is announced, saved and handed to waiters. */
  private accept(value: unknown, source: ViewSource): void {
    const view = parseRouteView(value);
    if (view === null || view.route !== this.route) return this.emit({ type: "invalid_view", route: this.route, source });
    const previous = this.current();
    if (!this.cache.offer(view)) return;
    this.emit({ type: "view", route: this.route, source, view, previous });
    for (const settle of [...this.waiters]) settle(view);
    const store = this.store;
    if (source !== "store" && store) void this.guard("save", () => store.save(view));
  }

  private async load(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const loaded = await this.guard("load", () => store.load(this.route));
    if (loaded != null && !this.closed) this.accept(loaded, "store");
  }

  /** The first view by GET, so a gateway has one even when the stream is slow to open or buffered by a proxy. */
  private async fetchFirst(): Promise<void> {
    const result = await this.connector.getRoute(this.route, { signal: this.closing.signal });
    if (result.ok) this.accept(result.value, "fetch");
  }

  private async streamLoop(): Promise<void> {
    let failures = 0;
    let lastEventId = "";
    while (!this.closed) {
      const conn = new AbortController();
      const stop = (): void => conn.abort();
      this.closing.signal.addEventListener("abort", stop, { once: true });
      let delivered = false;
      let idle = false;
      let error: Error;
      try {
        const opened = await this.connector.openStream(this.route, { signal: conn.signal, lastEventId });
        if (!opened.ok) {
          error = opened.error;
        } else {
          const parser = new SseParser();
          const arm = (): ReturnType<typeof setTimeout> =>
            unref(
              setTimeout(() => {
                idle = true;
                conn.abort();
              }, this.idleTimeoutMs),
            );
          let watchdog = arm();
          try {
            for await (const chunk of opened.value.chunks) {
              clearTimeout(watchdog);
              watchdog = arm();
              for (const message of parser.push(chunk)) {
                if (message.event !== "route" && message.event !== "message") continue;
                this.accept(parseJson(message.data), "stream");
                if (!delivered) {
                  delivered = true;
                  failures = 0;
                  this.setMode("streaming");
                }
              }
              if (parser.retryMs !== null) this.serverRetryMs = parser.retryMs;
              lastEventId = parser.lastEventId;
            }
            error = new Error("the server ended the stream");
          } catch (err) {
            error = err instanceof Error ? err : new Error(String(err));
          } finally {
            clearTimeout(watchdog);
          }
          if (idle) error = new Error(`no data on the stream for ${this.idleTimeoutMs} ms`);
        }
      } finally {
        this.closing.signal.removeEventListener("abort", stop);
      }
      if (this.closed) return;
      // The server's `retry:` is a floor; repeated failures back off further, with jitter so that gateways spread out.
      const delay = Math.max(this.serverRetryMs ?? 0, backoffDelay(failures, this.reconnectBaseMs, this.reconnectMaxMs, this.connector.random));
      failures++;
      this.emit({ type: "stream_error", route: this.route, error, reconnectInMs: delay });
      this.setMode("polling");
      await this.clock.sleep(delay, this.closing.signal);
    }
  }

  private setMode(mode: FollowerMode): void {
    if (this.closed || this.currentMode === mode) return;
    this.currentMode = mode;
    if (mode === "polling") this.startPolling();
    else this.stopPolling();
    this.emit({ type: "mode", route: this.route, mode });
  }

  private startPolling(): void {
    if (this.pollController !== null) return;
    const controller = new AbortController();
    this.pollController = controller;
    void this.pollLoop(controller.signal);
  }

  private stopPolling(): void {
    this.pollController?.abort();
    this.pollController = null;
  }

  /** Polls at once, then every interval, until the stream is back or the follower closes; one attempt per poll, the next poll being the retry. */
  private async pollLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed) {
      const result = await this.connector.getRoute(this.route, { signal, maxAttempts: 1 });
      if (result.ok) this.accept(result.value, "poll");
      else if (result.error.code !== "ABORTED") this.emit({ type: "poll_error", route: this.route, error: result.error });
      await this.clock.sleep(this.pollIntervalMs, signal);
    }
  }

  /** Runs a store operation, reporting a throw or a rejection instead of passing it on. */
  private async guard<T>(operation: "load" | "save", fn: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.emit({ type: "store_error", route: this.route, operation, error });
      return undefined;
    }
  }

  private emit(event: RouteEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch {
      // A failing listener must not stop the follower.
    }
  }
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
