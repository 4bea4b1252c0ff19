/**
 * The time source of the connector, breaker, follower and router. Scheduled waits (backoff, poll interval,
 * reconnect delay) and elapsed-time readings go through it so that tests can run them on a fake clock; request
 * and stream-idle timeouts are real timers, since they guard real sockets.
 */

/** Reads monotonic milliseconds and waits. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  now(): number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts; it never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `performance.now()` and `setTimeout`. Its timers are ordinary ones: a wait someone awaits must
 * keep the process alive, or a script awaiting a retried call would exit halfway.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};
