/**
 * The lifecycle of a running server, in one place: its components, started in order, each with its
 * stop; its periodic jobs, each registered once; and its shutdown, which stops the jobs, waits for
 * the runs in progress, then stops the components in reverse order of their start. A start-up that
 * fails part-way stops what had started the same way, so it leaves no timer, socket or thread behind.
 *
 * A periodic job never overlaps itself: a tick that comes while the previous run is still going is
 * skipped (and counted), so a job slower than its interval — an evaluation over a hundred thousand
 * series — cannot pile up runs without bound.
 */

/** Where job and shutdown failures are reported. */
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

/** When a periodic job runs. */
export interface JobOptions {
  /** Run only while this instance leads (a tick on an instance that does not lead does nothing). */
  leaderOnly?: boolean;
  /** First run at once rather than after one interval. */
  immediately?: boolean;
}

/** Components started in order and stopped in reverse, and periodic jobs. */
export class Lifecycle {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly stops: { name: string; step: () => unknown }[] = [];
  private readonly jobs: JobStats[] = [];
  private stopped = false;
  private stopping: Promise<void> | null = null;

  /** `isLeader` tells leader-only jobs whether to run (without it, they always run). */
  constructor(
    private readonly log: LifecycleLog,
    private readonly leadership: { isLeader(): boolean } = { isLeader: () => true },
  ) {}

  /**
   * Starts a component: runs `start` and, once it has succeeded, registers `stop` (given what
   * `start` returned) to run at shutdown, before the stops of the components started earlier.
   */
  async start<T>(name: string, start: () => T | Promise<T>, stop?: (started: T) => unknown): Promise<T> {
    if (this.stopped) throw new Error(`cannot start ${name}: the server is stopping`);
    const started = await start();
    if (stop) this.onStop(() => stop(started), name);
    return started;
  }

  /** Registers a shutdown step; steps run in reverse order of registration. */
  onStop(step: () => unknown, name = "a shutdown step"): void {
    this.stops.push({ name, step });
  }

  /**
   * Runs `job` every `ms` (first run after `ms`, or at once with `immediately`); a failure is logged
   * as "<name> failed; the next run retries" and does not stop the schedule.
   */
  every(ms: number, name: string, job: () => Promise<unknown>, opts: JobOptions = {}): void {
    if (this.stopped) return;
    const stats: JobStats = { name, runs: 0, failures: 0, skipped: 0 };
    this.jobs.push(stats);
    let busy = false;
    const tick = () => {
      if (this.stopped) return;
      if (opts.leaderOnly && !this.leadership.isLeader()) return;
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

  /** How each periodic job has run. */
  stats(): JobStats[] {
    return this.jobs.map((j) => ({ ...j }));
  }

  /**
   * Stops the timers, waits for runs in progress, then runs the stop steps in reverse order (each
   * once, even if one fails). Calling it again waits for the same shutdown.
   */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running]);
    for (const { name, step } of this.stops.reverse()) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err, component: name }, `stopping ${name} failed; the others still stop`);
      }
    }
  }
}
