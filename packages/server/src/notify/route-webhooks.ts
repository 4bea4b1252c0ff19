/**
 * Route webhooks: every change of a route (a switch, a probe, a pin...) is POSTed to the
 * subscribers configured under `failover.webhooks`, signed like alert webhooks
 * (`X-Vigil-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`). A failed delivery is retried
 * with backoff (honouring Retry-After) until it succeeds, is given up after `attempts`, or a newer
 * revision of the same route supersedes it: a gateway only needs the latest view.
 */
import type { RouteDecision, RouteView } from "@vigil/contract";
import { postJson } from "./http-delivery.js";
import { signWebhook } from "./webhook/webhook.js";

/** One subscriber. */
export interface RouteWebhookConfig {
  name: string;
  url: string;
  /** HMAC key for X-Vigil-Signature (at least 16 characters); unsigned without it. */
  secret?: string;
  /** Only these routes (all when absent). */
  routes?: string[];
}

/** Delivery settings. */
export interface RouteWebhookOptions {
  timeoutMs?: number;
  /** Attempts per change, the first included. */
  attempts?: number;
  /** First retry delay, doubled per attempt. */
  backoffMs?: number;
  now?: () => number;
  log: { warn(obj: object, msg: string): void };
}

/** The payload a subscriber receives. */
export interface RouteWebhookPayload {
  type: "route_change";
  view: RouteView;
  decisions: RouteDecision[];
}

/** Posts route changes to the configured subscribers. */
export class RouteWebhooks {
  /** Latest revision queued per subscriber and route: older deliveries stop retrying. */
  private readonly latest = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly hooks: readonly RouteWebhookConfig[],
    private readonly opts: RouteWebhookOptions,
  ) {}

  /** Sends one change to every subscriber that wants its route. */
  deliver(view: RouteView, decisions: readonly RouteDecision[]): void {
    const body = JSON.stringify({ type: "route_change", view, decisions: [...decisions] } satisfies RouteWebhookPayload);
    for (const h of this.hooks) {
      if (h.routes && !h.routes.includes(view.route)) continue;
      const key = `${h.name}\u0001${view.route}`;
      this.latest.set(key, Math.max(this.latest.get(key) ?? 0, view.revision));
      this.attempt(h, key, view, body, 1);
    }
  }

  /** Stops retrying and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.inflight]);
  }

  private attempt(h: RouteWebhookConfig, key: string, view: RouteView, body: string, n: number): void {
    if (this.stopped || (this.latest.get(key) ?? 0) > view.revision) return;
    const now = (this.opts.now ?? Date.now)();
    const ts = Math.floor(now / 1000);
    const headers: Record<string, string> = { "x-vigil-event": "route_change", "x-vigil-delivery": `${view.route}-${view.revision}`, "x-vigil-timestamp": String(ts) };
    if (h.secret) headers["x-vigil-signature"] = signWebhook(h.secret, ts, body);
    const p = postJson({ url: h.url, body, headers, timeoutMs: this.opts.timeoutMs ?? 5000, now: this.opts.now }).then((r) => {
      if (r.ok) return;
      const max = this.opts.attempts ?? 6;
      if (!r.retryable || n >= max || this.stopped) {
        this.opts.log.warn({ webhook: h.name, route: view.route, revision: view.revision, attempts: n, error: r.error }, "route webhook not delivered; giving up on this change");
        return;
      }
      const delay = Math.max(r.retryAfterMs ?? 0, (this.opts.backoffMs ?? 1000) * 2 ** (n - 1));
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.attempt(h, key, view, body, n + 1);
      }, delay);
      t.unref();
      this.timers.add(t);
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
