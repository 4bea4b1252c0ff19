/**
 * Delivers the durable outbox: every due notification is handed to its channel; a retryable
 * failure (network, 5xx, 429) is tried again after an exponential, jittered delay, anything else
 * fails at once; every attempt is written to the delivery log. Entries live in the store, so a
 * notification queued before a crash is delivered after the restart. Only the leader delivers.
 */
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from "../core/alerting/routing.js";
import type { AlertStore, DeliveryResult, Notifier, OutboxEntry } from "../core/alerting/types.js";
import type { Leadership } from "../core/ports.js";
import type { EngineLog } from "./alert-engine.js";

/** What the outbox worker needs. */
export interface OutboxDeps {
  store: Pick<AlertStore, "due" | "nextDue" | "recordAttempt">;
  channels: ReadonlyMap<string, Notifier>;
  leadership: Pick<Leadership, "isLeader">;
  now(): number;
  /** Uniform in [0, 1), for jitter. */
  random(): number;
  log: EngineLog;
  policy?: RetryPolicy;
  /** Longest wait between looks at the outbox when nothing wakes the worker (default 5 s). */
  idleMs?: number;
  /** Deliveries in flight at once (default 8). */
  concurrency?: number;
}

/** Counters per channel, for operators. */
export type DeliveryCounts = Record<string, { delivered: number; retried: number; failed: number }>;

/** The outbox delivery loop. */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inflight = new Set<string>();
  private readonly counts: DeliveryCounts = {};

  constructor(private readonly deps: OutboxDeps) {}

  /** Starts delivering (entries left from before a restart are picked up at once). */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Delivers what is due now, and schedules the next look. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, "outbox delivery pass failed; will try again"))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.schedule();
      });
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const idle = this.deps.idleMs ?? 5000;
    let wait = idle;
    try {
      const next = this.deps.leadership.isLeader() ? await this.deps.store.nextDue() : null;
      if (next !== null) wait = Math.max(10, Math.min(idle, next - this.deps.now()));
    } catch {
      wait = idle;
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    const limit = this.deps.concurrency ?? 8;
    for (;;) {
      if (this.stopped || !this.deps.leadership.isLeader()) return;
      const due = (await this.deps.store.due(this.deps.now(), 100)).filter((e) => !this.inflight.has(e.notification.id));
      if (!due.length) return;
      for (let i = 0; i < due.length; i += limit) await Promise.all(due.slice(i, i + limit).map((e) => this.deliver(e)));
      if (due.length < 100) return;
    }
  }

  private async deliver(e: OutboxEntry): Promise<void> {
    const n = e.notification;
    this.inflight.add(n.id);
    try {
      const ch = this.deps.channels.get(n.channel);
      let r: DeliveryResult;
      if (!ch) r = { ok: false, retryable: false, error: `channel "${n.channel}" is not configured` };
      else {
        try {
          r = await ch.send(n);
        } catch (err) {
          // A notifier should return failures, but a throw must not lose the entry.
          r = { ok: false, retryable: true, error: (err as Error).message };
        }
      }
      const attempt = e.attempts + 1;
      const now = this.deps.now();
      const policy = this.deps.policy ?? DEFAULT_RETRY;
      const c = (this.counts[n.channel] ??= { delivered: 0, retried: 0, failed: 0 });
      if (r.ok) {
        c.delivered++;
        await this.deps.store.recordAttempt(n.id, { state: "delivered", attempts: attempt, next_attempt_at: now, last_error: null, updated_at: now }, { notification_id: n.id, channel: n.channel, kind: n.kind, attempt, status: "delivered", http_status: r.status ?? null, error: null, at: now });
        return;
      }
      const retry = r.retryable && attempt < policy.max_attempts;
      if (retry) c.retried++;
      else c.failed++;
      const next = retry ? now + retryDelay(attempt, policy, this.deps.random(), r.retryAfterMs) : now;
      const error = r.error.length > 500 ? `${r.error.slice(0, 497)}...` : r.error;
      this.deps.log.warn({ channel: n.channel, notification: n.id, attempt, retry, next_attempt_at: retry ? new Date(next).toISOString() : null, error }, retry ? "notification delivery failed; will retry" : "notification delivery failed; giving up");
      await this.deps.store.recordAttempt(n.id, { state: retry ? "pending" : "failed", attempts: attempt, next_attempt_at: next, last_error: error, updated_at: now }, { notification_id: n.id, channel: n.channel, kind: n.kind, attempt, status: retry ? "retrying" : "failed", http_status: r.status ?? null, error, at: now });
    } finally {
      this.inflight.delete(n.id);
    }
  }

  /** Deliveries per channel since start. */
  stats(): DeliveryCounts {
    return structuredClone(this.counts);
  }

  /** Stops the loop and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
