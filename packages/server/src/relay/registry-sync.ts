/**
 * Reads Vigil's registry (`GET /api/v1/models`) and route list (`GET /api/v1/routes`) at start and on an interval.
 * A failed read changes nothing: the relay keeps the last good copy. Each read is one attempt with a timeout; the
 * next interval is the retry.
 */
import type { RouteView } from "@vigil/contract";
import { parseRouteView } from "@vigil/sdk";
import { parseRegistryModels, type RegistryModel } from "./upstreams.js";

/** What one refresh obtained: each part is null when its request failed. */
export interface RegistrySnapshot {
  models: RegistryModel[] | null;
  routes: RouteView[] | null;
  /** Why a part failed, for the log. */
  errors: string[];
}

/** Options of a {@link RegistrySync}. */
export interface RegistrySyncOptions {
  /** Base URL of Vigil, e.g. `http://127.0.0.1:8001`. */
  vigilUrl: string;
  /** API key with the `read` scope. */
  apiKey?: string;
  /** Time allowed for each request, in milliseconds. */
  timeoutMs: number;
  /** Interval between refreshes, in milliseconds. */
  intervalMs: number;
  /** Called with every refresh's result (also the failed ones). */
  onSnapshot: (snapshot: RegistrySnapshot) => void;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** Refreshes the registry and route list from Vigil on an interval. */
export class RegistrySync {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;
  private readonly options: RegistrySyncOptions;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<RegistrySnapshot> | null = null;

  /** Builds a sync; it reads nothing until {@link refresh} or {@link start}. */
  constructor(options: RegistrySyncOptions) {
    this.options = options;
    this.base = `${options.vigilUrl.replace(/\/+$/, "")}/api/v1`;
    this.headers = options.apiKey ? { accept: "application/json", authorization: `Bearer ${options.apiKey}` } : { accept: "application/json" };
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Refreshes every `intervalMs` until {@link close}. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Reads both lists now (joining a refresh already running) and hands the result to `onSnapshot`; never rejects. */
  refresh(): Promise<RegistrySnapshot> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the interval. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async read(): Promise<RegistrySnapshot> {
    const errors: string[] = [];
    const [models, routes] = await Promise.all([
      this.get("/models", parseRegistryModels, errors),
      this.get("/routes", (v) => {
        const list = typeof v === "object" && v !== null ? (v as { routes?: unknown }).routes : undefined;
        return Array.isArray(list) ? list.map(parseRouteView).filter((view): view is RouteView => view !== null) : null;
      }, errors),
    ]);
    const snapshot = { models, routes, errors };
    try {
      this.options.onSnapshot(snapshot);
    } catch {
      // A failing listener must not stop the refreshes.
    }
    return snapshot;
  }

  private async get<T>(path: string, parse: (value: unknown) => T | null, errors: string[]): Promise<T | null> {
    try {
      const res = await this.fetchFn(this.base + path, { headers: this.headers, signal: AbortSignal.timeout(this.options.timeoutMs) });
      const text = await res.text();
      if (!res.ok) {
        errors.push(`GET /api/v1${path} answered ${res.status}`);
        return null;
      }
      const value = parse(JSON.parse(text));
      if (value === null) errors.push(`GET /api/v1${path} answered an unexpected body`);
      return value;
    } catch (error) {
      errors.push(`GET /api/v1${path} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}
