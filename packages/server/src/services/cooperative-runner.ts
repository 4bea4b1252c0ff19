/**
 * Runs stepped work (generators from core) in short slices between turns of the event loop, so a
 * query over a hundred thousand series never holds the serving thread: `/healthz`, ingest and
 * small queries are answered between slices. Jobs take turns round-robin, so a quick query is not
 * stuck behind a long one; the number waiting and the time any one may take are bounded.
 */
import { VigilError } from "../core/errors.js";
import type { Stepped } from "../core/stepped.js";

/** Limits of a runner. */
export interface RunnerOptions {
  /** Longest a job runs before the event loop gets a turn (ms). */
  sliceMs?: number;
  /** Most jobs in progress at once; one more is refused as OVERLOADED (503 with Retry-After). */
  maxJobs?: number;
  /** Longest a job may take from start to end, waiting included (ms); past it, it fails as OVERLOADED. */
  timeoutMs?: number;
}

interface Job {
  work: Stepped<unknown>;
  deadline: number;
  label: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const clock = () => performance.now();

/** Time-sliced, round-robin execution of stepped work. */
export class CooperativeRunner {
  private readonly jobs: Job[] = [];
  private scheduled = false;
  private stopped = false;
  private readonly sliceMs: number;
  private readonly maxJobs: number;
  private readonly timeoutMs: number;

  constructor(opts: RunnerOptions = {}) {
    this.sliceMs = opts.sliceMs ?? 5;
    this.maxJobs = opts.maxJobs ?? 64;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Jobs in progress. */
  get pending(): number {
    return this.jobs.length;
  }

  /** Stops every job in progress (they fail as NOT_READY) and refuses new ones: a shutdown does not wait for long queries. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.splice(0)) {
      job.work.return(undefined);
      job.reject(new VigilError("NOT_READY", "the server is shutting down"));
    }
  }

  /** Runs `work` to its end in slices; `label` names it in a timeout message. */
  run<T>(work: Stepped<T>, label = "query"): Promise<T> {
    if (this.stopped) {
      work.return(undefined as T);
      return Promise.reject(new VigilError("NOT_READY", "the server is shutting down"));
    }
    if (this.jobs.length >= this.maxJobs) {
      work.return(undefined as T);
      return Promise.reject(new VigilError("OVERLOADED", `the server is busy with ${this.jobs.length} long queries; try again shortly`));
    }
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ work, deadline: clock() + this.timeoutMs, label, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.turn();
    });
  }

  /** One slice of the job at the head of the line, which then goes to the back if not finished. */
  private turn(): void {
    const job = this.jobs.shift();
    if (!job) return;
    const until = clock() + this.sliceMs;
    try {
      for (;;) {
        const r = job.work.next();
        if (r.done) {
          job.resolve(r.value);
          break;
        }
        const t = clock();
        if (t >= job.deadline) {
          job.work.return(undefined);
          job.reject(new VigilError("OVERLOADED", `the ${job.label} took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped; narrow it (a shorter window, a filter) or try again when the server is less busy`));
          break;
        }
        if (t >= until) {
          this.jobs.push(job);
          break;
        }
      }
    } catch (err) {
      job.reject(err);
    }
    this.schedule();
  }
}
