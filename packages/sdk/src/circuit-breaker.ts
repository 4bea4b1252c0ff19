/**
 * A circuit breaker on Vigil itself: after `failureThreshold` consecutive failed requests it opens for a
 * cool-down, during which requests are refused without touching the network; then it lets one trial request
 * through (half-open), which closes it on success or reopens it, for a longer cool-down, on failure. Pure state:
 * time is read from the injected `now`.
 */

/** Where a breaker stands. */
export type CircuitState = "closed" | "open" | "half_open";

/** Options of a {@link CircuitBreaker}; every field has a default. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (default 5). */
  failureThreshold?: number;
  /** Cool-down of the first opening, in milliseconds (default 10,000); it doubles with each reopening in a row. */
  cooldownMs?: number;
  /** Cap of the cool-down, in milliseconds (default 60,000). */
  maxCooldownMs?: number;
  /** Monotonic milliseconds (default `performance.now()`). */
  now?: () => number;
  /** Called on every change of state; exceptions it throws are ignored. */
  onStateChange?: (state: CircuitState, snapshot: CircuitSnapshot) => void;
}

/** A breaker's counters, for logs and health pages. */
export interface CircuitSnapshot {
  state: CircuitState;
  /** Failures in a row while closed. */
  consecutiveFailures: number;
  /** Openings in a row since the breaker last closed. */
  opens: number;
  /** Milliseconds until a trial request is allowed (0 unless open). */
  retryInMs: number;
}

/** Leave to send one request, to be handed back with its verdict through {@link CircuitBreaker.record}. */
export interface CircuitPermit {
  /** This request is the half-open trial. */
  readonly trial: boolean;
}

/** What one request said about Vigil's availability: `ignore` for a request abandoned by its caller. */
export type CircuitVerdict = "success" | "failure" | "ignore";

/** Counts consecutive failures of requests to Vigil and refuses requests while Vigil looks down. */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;
  private readonly onStateChange: CircuitBreakerOptions["onStateChange"];
  private current: CircuitState = "closed";
  private failures = 0;
  private opens = 0;
  private openUntil = 0;
  private trialInFlight = false;

  /** Builds a closed breaker. */
  constructor(options: CircuitBreakerOptions = {}) {
    const { failureThreshold = 5, cooldownMs = 10_000, maxCooldownMs = 60_000, now = () => performance.now(), onStateChange } = options;
    if (!(failureThreshold >= 1)) throw new RangeError("CircuitBreaker: `failureThreshold` must be >= 1");
    if (!(cooldownMs >= 0) || !(maxCooldownMs >= cooldownMs)) throw new RangeError("CircuitBreaker: need 0 <= `cooldownMs` <= `maxCooldownMs`");
    this.failureThreshold = Math.floor(failureThreshold);
    this.cooldownMs = cooldownMs;
    this.maxCooldownMs = maxCooldownMs;
    this.now = now;
    this.onStateChange = onStateChange;
  }

  /** The breaker's state now (an open breaker whose cool-down has passed reads as half-open). */
  get state(): CircuitState {
    if (this.current === "open" && this.now() >= this.openUntil) this.transition("half_open");
    return this.current;
  }

  /** A permit to send one request, or how long to wait when the breaker refuses. */
  acquire(): CircuitPermit | { refused: true; retryInMs: number } {
    const state = this.state;
    if (state === "closed") return { trial: false };
    if (state === "half_open" && !this.trialInFlight) {
      this.trialInFlight = true;
      return { trial: true };
    }
    return { refused: true, retryInMs: state === "open" ? this.openUntil - this.now() : 0 };
  }

  /** Hands back a permit with what its request showed: Vigil answered (`success`), failed (`failure`), or nothing (`ignore`). */
  record(permit: CircuitPermit, verdict: CircuitVerdict): void {
    if (permit.trial) {
      this.trialInFlight = false;
      if (this.current !== "half_open") return;
      if (verdict === "success") this.close();
      else if (verdict === "failure") this.open();
      return;
    }
    // A request that started before the breaker opened says nothing new: the breaker's own trial decides.
    if (this.current !== "closed") return;
    if (verdict === "success") this.failures = 0;
    else if (verdict === "failure" && ++this.failures >= this.failureThreshold) this.open();
  }

  /** The breaker's counters now. */
  snapshot(): CircuitSnapshot {
    const state = this.state;
    return { state, consecutiveFailures: this.failures, opens: this.opens, retryInMs: state === "open" ? Math.max(0, this.openUntil - this.now()) : 0 };
  }

  private open(): void {
    this.opens++;
    this.failures = 0;
    this.openUntil = this.now() + Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** (this.opens - 1));
    this.transition("open");
  }

  private close(): void {
    this.opens = 0;
    this.failures = 0;
    this.transition("closed");
  }

  private transition(state: CircuitState): void {
    if (this.current === state) return;
    this.current = state;
    if (!this.onStateChange) return;
    try {
      this.onStateChange(state, this.snapshot());
    } catch {
      // A failing listener must not change the breaker's decisions.
    }
  }
}
