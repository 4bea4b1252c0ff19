/**
 * The router helper: `vigil.route("summarize").call(async (model) => ...)` picks the model Vigil says serves the
 * route (the active model, or the split's model for its share of calls), runs the call, and records it as an
 * `llm_call` with route, model, latency and status. It follows switches as Vigil pushes them, keeps serving the
 * last known view while Vigil is away, and falls back to `defaultModel` before it ever had one.
 */
import type { RouteView } from "@vigil/contract";
import { VigilConnectorError } from "./connector-errors.js";
import type { RouteFeedbackInput, VigilConnector } from "./connector.js";
import { usageOf } from "./llm-cost.js";
import { RouteFollower, type RouteEvent, type RouteFollowerOptions } from "./route-follower.js";
import type { LlmCallInput, LlmUsage } from "./types.js";

/** Why a call went to its model: the route's active model, the split's model, or the router's default (no view yet). */
export type PickReason = "active" | "split" | "default";

/** The model chosen for one call. */
export interface RoutePick {
  model: string;
  reason: PickReason;
  /** The view the choice was made from (null for the default). */
  view: RouteView | null;
}

/** What a router reports through `onEvent`: its follower's events, and its own fallbacks. */
export type RouterEvent =
  | RouteEvent
  /** No view was ever obtained, so calls go to `defaultModel` (reported once per router). */
  | { type: "default_model"; route: string; model: string }
  /** No view was ever obtained and there is no `defaultModel`: the call was refused with NO_ROUTE. */
  | { type: "no_route"; route: string };

/** Options of a {@link Router}: its follower's, plus the fallback and the random source of split picks. */
export interface RouterOptions extends Omit<RouteFollowerOptions, "onEvent"> {
  /** Model used while no view of the route was ever obtained (from Vigil or the store). */
  defaultModel?: string;
  /** Without `defaultModel`, how long a call waits for the first view before failing with NO_ROUTE, in milliseconds (default 2,000). */
  firstViewTimeoutMs?: number;
  /** Uniform random numbers in [0, 1) for split picks (default: the connector's). */
  random?: () => number;
  /** Called with every {@link RouterEvent}; exceptions it throws are ignored. */
  onEvent?: (event: RouterEvent) => void;
}

/** Figures a call reports about itself; they override what the router measured or read from the result. */
export type RouteCallReport = Pick<
  LlmCallInput,
  "inputTokens" | "outputTokens" | "cachedInputTokens" | "cached" | "ttftMs" | "cost" | "status" | "errorType" | "httpStatus" | "provider" | "metadata"
>;

/** The handle a routed function gets beside its model, to report what only it knows. */
export interface RouteCall {
  /** The model to call. */
  readonly model: string;
  /** The route served. */
  readonly route: string;
  /** Why this model was picked. */
  readonly reason: PickReason;
  /** Revision of the view the pick came from (null for the default). */
  readonly revision: number | null;
  /** Marks the first token as arrived now: `ttftMs` is the time since the call started. */
  firstToken(): void;
  /** Sets figures of the call (tokens, TTFT, cost, status...); later reports override earlier ones field by field. */
  report(fields: RouteCallReport): void;
}

/**
 * Fields recorded with every call (run, agent, tenant, provider, metadata...), and `usage`, which reads token
 * counts from the function's result (default: the provider shapes `timeLlmCall` knows).
 */
export type RouteCallInput<T> = Omit<LlmCallInput, "model" | "route" | "latencyMs" | "status"> & {
  usage?: (result: T) => LlmUsage | null | undefined;
};

/** Picks the model for a route's calls from Vigil's view, runs them, and records each as an `llm_call`. */
export class Router {
  /** The route served. */
  readonly name: string;
  /** The connector the router reads views and records feedback through (its breaker included). */
  readonly connector: VigilConnector;
  private readonly follower: RouteFollower;
  private readonly defaultModel: string | undefined;
  private readonly firstViewTimeoutMs: number;
  private readonly random: () => number;
  private readonly onEvent: RouterOptions["onEvent"];
  private defaultAnnounced = false;

  /** Builds a router for route `name` and starts following its view. */
  constructor(connector: VigilConnector, name: string, options: RouterOptions = {}) {
    const { defaultModel, firstViewTimeoutMs = 2000, random = connector.random, onEvent, ...follow } = options;
    if (typeof name !== "string" || name === "") throw new TypeError("Router: the route name must be a non-empty string");
    if (defaultModel !== undefined && (typeof defaultModel !== "string" || defaultModel === "")) throw new TypeError("Router: `defaultModel` must be a non-empty string");
    this.name = name;
    this.connector = connector;
    this.defaultModel = defaultModel;
    this.firstViewTimeoutMs = firstViewTimeoutMs;
    this.random = random;
    this.onEvent = onEvent;
    this.follower = new RouteFollower(connector, name, { ...follow, onEvent: (event) => this.emit(event) });
    this.follower.start();
  }

  /** The view in use: the newest known (possibly stale while Vigil is away), or null when none was ever had. */
  current(): RouteView | null {
    return this.follower.current();
  }

  /** Resolves with the view once one is known, or with null after `timeoutMs` (default 2,000); never rejects. */
  ready(timeoutMs = this.firstViewTimeoutMs): Promise<RouteView | null> {
    return this.follower.waitForView(timeoutMs);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.follower.closed;
  }

  /** Chooses the model for one call: the split's model with probability `split.share`, else the active model; the default when no view is known; null when there is neither. */
  pick(): RoutePick | null {
    const view = this.current();
    if (view === null) {
      if (this.defaultModel === undefined) return null;
      if (!this.defaultAnnounced) {
        this.defaultAnnounced = true;
        this.emit({ type: "default_model", route: this.name, model: this.defaultModel });
      }
      return { model: this.defaultModel, reason: "default", view: null };
    }
    const { split } = view;
    if (split !== null && split.share > 0 && this.random() < split.share) return { model: split.model, reason: "split", view };
    return { model: view.active_model, reason: "active", view };
  }

  /**
   * Runs `fn` with the picked model, records an `llm_call` (route, model, latency, status from return or throw,
   * token counts read from the result, figures given to `call.report`), and passes `fn`'s result or error through.
   * Rejects without running `fn` (code NO_ROUTE) only when no view was had within `firstViewTimeoutMs` and there is
   * no `defaultModel`.
   */
  async call<T>(fn: (model: string, call: RouteCall) => Promise<T> | T, input: RouteCallInput<T> = {}): Promise<T> {
    let pick = this.pick();
    if (pick === null) {
      await this.follower.waitForView(this.firstViewTimeoutMs);
      pick = this.pick();
      if (pick === null) {
        this.emit({ type: "no_route", route: this.name });
        throw new VigilConnectorError("NO_ROUTE", `route ${this.name}: no view from Vigil yet and no defaultModel to fall back on`);
      }
    }
    const clock = this.connector.clock;
    const start = clock.now();
    let reported: RouteCallReport = {};
    const handle: RouteCall = {
      model: pick.model,
      route: this.name,
      reason: pick.reason,
      revision: pick.view?.revision ?? null,
      firstToken: () => {
        if (reported.ttftMs === undefined) reported = { ...reported, ttftMs: Math.max(0, clock.now() - start) };
      },
      report: (fields) => {
        reported = { ...reported, ...definedOnly(fields) };
      },
    };
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(pick.model, handle) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const latencyMs = Math.max(0, clock.now() - start);
    try {
      const { usage, ...fields } = input;
      const record: RouteFeedbackInput = outcome.ok
        ? { ...fields, ...usageOf(outcome.value, usage), ...reported, model: pick.model, route: this.name, latencyMs, status: reported.status ?? "success" }
        : {
            ...fields, ...reported, model: pick.model, route: this.name, latencyMs, status: reported.status ?? "failure",
            errorType: reported.errorType ?? errorName(outcome.error), httpStatus: reported.httpStatus ?? httpStatusOf(outcome.error),
          };
      this.connector.feedback(record);
    } catch {
      // Recording must never turn a served call into a failed one.
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Stops following the route (stream and polling); `current()` and `call()` keep working on the last view. */
  close(): void {
    this.follower.close();
  }

  private emit(event: RouterEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch {
      // A failing listener must not fail a call.
    }
  }
}

/** One router per route name over a shared connector, as `vigil.route(name)` hands them out. */
export class RouterPool {
  /** The connector every router of the pool uses. */
  readonly connector: VigilConnector;
  private readonly routers = new Map<string, Router>();

  /** Builds an empty pool over `connector`. */
  constructor(connector: VigilConnector) {
    this.connector = connector;
  }

  /** The open router of route `name`, built with `options` when there is none (the options of later calls are ignored). */
  get(name: string, options?: RouterOptions): Router {
    const held = this.routers.get(name);
    if (held !== undefined && !held.closed) return held;
    const router = new Router(this.connector, name, options);
    this.routers.set(name, router);
    return router;
  }

  /** Closes every router of the pool. */
  close(): void {
    for (const router of this.routers.values()) router.close();
    this.routers.clear();
  }
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : typeof err;
}

/** The HTTP status an error carries (as provider SDKs' errors do in `status`), when it is a valid one. */
function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599 ? (status as number) : undefined;
}
