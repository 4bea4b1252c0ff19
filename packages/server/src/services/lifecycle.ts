/**
 * The periodic jobs and the shutdown steps of a running server, in one place. A periodic job never
 * overlaps itself: a tick that comes while the previous run is still going is skipped (and counted),
 * so a job slower than its interval — an evaluation over a hundred thousand series — cannot pile
 * up runs without bound. Shutdown stops the timers, waits for the runs in progress, then runs the
 * stop steps in reverse order of registration.
 */

/** Where job failures are reported. */
export interface LifecycleLog {
  error(obj: object, msg: string): void;
}

/** How a periodic job has run. */
export interface JobStats {
  name: string;
  runs: number;
  failures: number;
  /** Ticks skipped because the previous run had not finished. */
  skipped: number;
}

/** Periodic jobs and ordered shutdown. */
export class Lifecycle {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly stops: (() => unknown)[] = [];
  private readonly jobs: JobStats[] = [];
  private stopped = false;

  constructor(private readonly log: LifecycleLog) {}

  /**
   * Runs `job` every `ms` (first run after `ms`, or at once with `immediately`); a failure is logged
   * as "<name> failed; the next run retries" and does not stop the schedule.
   */
  every(name: string, ms: number, job: () => Promise<unknown>, opts: { immediately?: boolean } = {}): void {
    const stats: JobStats = { name, runs: 0, failures: 0, skipped: 0 };
    this.jobs.push(stats);
    let busy = false;
    const tick = () => {
      if (this.stopped) return;
      if (busy) {
        stats.skipped++;
        return;
      }
      busy = true;
      stats.runs++;
      const run: Promise<unknown> = Promise.resolve()
        .then(job)
        .catch((err: unknown) => {
          stats.failures++;
          this.log.error({ err, job: name }, `${name} failed; the next run retries`);
        })
        .finally(() => {
          busy = false;
          this.running.delete(run);
        });
      this.running.add(run);
    };
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
    if (opts.immediately) tick();
  }

  /** Registers a shutdown step; steps run in reverse order of registration. */
  onStop(step: () => unknown): void {
    this.stops.push(step);
  }

  /** How each periodic job has run. */
  stats(): JobStats[] {
    return this.jobs.map((j) => ({ ...j }));
  }

  /** Stops the timers, waits for runs in progress, then runs the stop steps (each once, even if one fails). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running]);
    for (const step of this.stops.reverse()) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err }, "a shutdown step failed; the others still run");
      }
    }
  }
}
