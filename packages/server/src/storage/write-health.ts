/**
 * Whether a store takes writes, which is what readiness means. A failure marks the store down at
 * once; it is marked up again by the next write that succeeds, and a probe write retries on its
 * own while it is down, so readiness comes back even when no traffic arrives (a load balancer
 * that routes by `/readyz` sends none to an unready instance).
 */

/** Options of the health tracker. */
export interface WriteHealthOptions {
  /** A small write that succeeds only when the store takes writes. */
  probe: () => Promise<void>;
  /** Wait between probes while the store is down. */
  intervalMs: number;
}

/** Tracks the last write outcome of a store and probes while it is down. */
export class WriteHealth {
  private why: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private probing = false;
  private closed = false;

  constructor(private readonly opts: WriteHealthOptions) {}

  /** null while the store takes writes, else why it does not. */
  failure(): string | null {
    return this.why;
  }

  /** A write (or the store's connection) failed: not ready until a write succeeds. */
  failed(why: string): void {
    this.why = why;
    this.schedule();
  }

  /** A write succeeded. */
  succeeded(): void {
    this.why = null;
  }

  /** Stops probing. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.probing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.why === null || this.closed) return;
      this.probing = true;
      this.opts.probe().then(
        () => {
          this.probing = false;
          this.succeeded();
        },
        (err: unknown) => {
          this.probing = false;
          this.failed(err instanceof Error ? err.message : String(err));
        },
      );
    }, this.opts.intervalMs);
    this.timer.unref();
  }
}
