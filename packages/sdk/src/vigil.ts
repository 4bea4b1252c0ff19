/**
 * The Vigil client (SPEC §5): record calls queue a shallow copy of their input and return at once; a single
 * sender drains the queue in batches, one request at a time, converting to the wire format as it goes.
 */
import { Batcher } from "./batcher.js";
import { VigilConnector } from "./connector.js";
import { VigilSdkError } from "./errors.js";
import { IdGenerator } from "./ids.js";
import { resolveOptions } from "./options.js";
import { pricedLlmCall, usageOf } from "./llm-cost.js";
import { EventQueue } from "./queue.js";
import { RouterPool, type Router, type RouterOptions } from "./router.js";
import { Delivery, type SendCounts } from "./delivery.js";
import { errorName, httpStatusOf, timed, type Outcome } from "./timing.js";
import type { PostTarget } from "./transport.js";
import type {
  CacheInput, EventMeta, FeedbackInput, LlmCallInput, MetricInput, OutcomeInput, RetrievalInput, RunInput, TimeLlmCallInput,
  ToolCallInput, TrackLlmCallInput, TrackRetrievalInput, TrackRunInput, TrackToolCallInput, VigilOptions, VigilStats,
} from "./types.js";

// Type codes stored in the queue; they index wire.ts's TYPE_CODES.
const RUN = 0;
const LLM_CALL = 1;
const OUTCOME = 2;
const FEEDBACK = 3;
const METRIC = 4;
const CACHE = 5;
const TOOL_CALL = 6;
const RETRIEVAL = 7;

interface ExitHooks {
  on?: (event: "beforeExit", listener: () => void) => unknown;
  off?: (event: "beforeExit", listener: () => void) => unknown;
}

/** Records agent runs, LLM calls, tool calls, retrievals, cache operations, outcomes, feedback and metrics, and delivers them to a Vigil server in the background. */
export class Vigil {
  private readonly target: PostTarget;
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly maxQueueSize: number;
  private readonly delivery: Delivery;
  private readonly onError: ((err: VigilSdkError) => void) | undefined;
  private readonly ids = new IdGenerator();
  private readonly queue = new EventQueue();
  private readonly batcher: Batcher;
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private exitHooks: ExitHooks | undefined;
  private readonly onBeforeExit = (): void => void this.flush();
  private routers: RouterPool | undefined;

  private closed = false;
  /** Set when a shutdown's timeout passed: failed batches are dropped instead of retried. */
  private abandoned = false;
  private queueFullReported = false;
  private scheduled = false;
  private draining = false;
  private current: Promise<void> = Promise.resolve();
  /** Events accepted into the queue, taken from it, and settled (sent, rejected or dropped), since creation. */
  private enqueuedTotal = 0;
  private takenTotal = 0;
  private settledTotal = 0;
  /** The sender empties the queue up to this event count, even in batches smaller than maxBatchSize. */
  private flushTarget = 0;

  private inFlight = 0;
  private readonly counts: SendCounts = { sent: 0, dropped: 0, rejected: 0, failedBatches: 0 };

  /** Starts a client; it sends nothing until events are recorded. */
  constructor(options: VigilOptions) {
    const o = resolveOptions(options);
    this.target = o.target;
    this.maxBatchSize = o.maxBatchSize;
    this.maxBatchBytes = o.maxBatchBytes;
    this.batcher = new Batcher(this.queue, this.maxBatchSize, this.maxBatchBytes);
    this.maxQueueSize = o.maxQueueSize;
    this.onError = o.onError;
    const { target, maxRetries, retryBaseMs, retryMaxMs } = o;
    this.delivery = new Delivery({ target, maxRetries, retryBaseMs, retryMaxMs, report: (e) => this.report(e), abandoned: () => this.abandoned }, this.counts);
    const perf = (globalThis as { performance?: { now?: () => number } }).performance;
    this.clock = typeof perf?.now === "function" ? () => perf.now!() : Date.now;

    if (o.flushIntervalMs > 0 && Number.isFinite(o.flushIntervalMs)) {
      this.timer = setInterval(() => this.tick(), o.flushIntervalMs);
      // The timer alone must not keep a process alive; flushOnExit covers the last events.
      (this.timer as { unref?: () => void }).unref?.();
    }
    const proc = (globalThis as { process?: ExitHooks }).process;
    if (o.flushOnExit && typeof proc?.on === "function") {
      proc.on("beforeExit", this.onBeforeExit);
      this.exitHooks = proc;
    }
  }

  /** Records one agent run and returns its event id. */
  recordRun(input: RunInput): string {
    return this.enqueue(RUN, input);
  }

  /** Records one request to a model provider and returns its event id. */
  recordLlmCall(input: LlmCallInput): string {
    return this.enqueue(LLM_CALL, input);
  }

  /** Records the real outcome of a run's prediction and returns its event id. */
  recordOutcome(input: OutcomeInput): string {
    return this.enqueue(OUTCOME, input);
  }

  /** Records a user's rating of a response and returns its event id. */
  recordFeedback(input: FeedbackInput): string {
    return this.enqueue(FEEDBACK, input);
  }

  /** Records any other named measurement and returns its event id. */
  recordMetric(input: MetricInput): string {
    return this.enqueue(METRIC, input);
  }

  /** Records one cache operation (hit, miss, write, evict, invalidate) and returns its event id. */
  recordCache(input: CacheInput): string {
    return this.enqueue(CACHE, input);
  }

  /** Records one execution of a tool by an agent and returns its event id. */
  recordToolCall(input: ToolCallInput): string {
    return this.enqueue(TOOL_CALL, input);
  }

  /** Records one RAG retrieval and returns its event id. */
  recordRetrieval(input: RetrievalInput): string {
    return this.enqueue(RETRIEVAL, input);
  }

  /**
   * Records one LLM call priced from the given token prices (seed 004's one-liner) and returns its cost in USD:
   * the caller's `cost` when given, else the computed one, or undefined when the server is left to price it.
   */
  trackLlmCall(input: TrackLlmCallInput): number | undefined {
    try {
      const { call, cost } = pricedLlmCall(input);
      this.enqueue(LLM_CALL, call);
      return cost;
    } catch {
      this.counts.dropped++;
      return undefined;
    }
  }

  /**
   * Runs `fn` (an LLM request), records the call timed around it with the token counts read from its result (by
   * `input.usage`, else from OpenAI or Anthropic `usage` or camelCase counts) and priced like `trackLlmCall`, and
   * passes its result or error through.
   */
  async timeLlmCall<T>(input: TimeLlmCallInput<T>, fn: () => Promise<T> | T): Promise<T> {
    return this.timedCall(fn, (ms, outcome) => {
      const { usage, ...call } = input;
      if (!outcome.ok) {
        this.trackLlmCall({ ...call, latencyMs: ms, status: "failure", errorType: errorName(outcome.error), httpStatus: call.httpStatus ?? httpStatusOf(outcome.error) });
        return;
      }
      this.trackLlmCall({ ...call, ...usageOf(outcome.value, usage), latencyMs: ms, status: "success" });
    });
  }

  /** Runs `fn`, records a run timed around it (success on return, failure named after the error on throw), and passes its result or error through. */
  async trackRun<T>(input: TrackRunInput, fn: () => Promise<T> | T): Promise<T> {
    return this.timedCall(fn, (durationMs, outcome) =>
      this.recordRun(outcome.ok ? { ...input, status: input.status ?? "success", durationMs } : { ...input, status: "failure", durationMs, errorType: errorName(outcome.error) }),
    );
  }

  /** Runs `fn`, records a tool call timed around it (success on return, failure named after the error on throw), and passes its result or error through. */
  async trackToolCall<T>(input: TrackToolCallInput, fn: () => Promise<T> | T): Promise<T> {
    return this.timedCall(fn, (durationMs, outcome) =>
      this.recordToolCall(outcome.ok ? { ...input, status: "success", durationMs } : { ...input, status: "failure", durationMs, errorType: errorName(outcome.error) }),
    );
  }

  /**
   * Runs `fn`, records a retrieval timed around it (success on return, failure named after the error on throw;
   * `documents` defaults to the length of an array result), and passes its result or error through.
   */
  async trackRetrieval<T>(input: TrackRetrievalInput, fn: () => Promise<T> | T): Promise<T> {
    return this.timedCall(fn, (durationMs, outcome) => {
      if (!outcome.ok) return void this.recordRetrieval({ ...input, status: "failure", durationMs, errorType: errorName(outcome.error) });
      const documents = input.documents ?? (Array.isArray(outcome.value) ? outcome.value.length : undefined);
      this.recordRetrieval({ ...input, status: "success", durationMs, documents });
    });
  }

  /**
   * The router of route `name`, reading its views from this client's server and recording its calls through this
   * client: one per name (the first call's options apply) until it is closed, all sharing one connector and breaker.
   */
  route(name: string, options?: RouterOptions): Router {
    const { url, headers, fetch } = this.target;
    this.routers ??= new RouterPool(
      new VigilConnector({ endpoint: url.replace(/\/api\/v1\/ingest$/, ""), apiKey: headers.authorization?.replace(/^Bearer /, ""), fetch, client: this }),
    );
    return this.routers.get(name, options);
  }

  /** Resolves once every event recorded before the call has been sent, rejected or dropped. */
  async flush(): Promise<void> {
    const target = this.enqueuedTotal;
    if (target > this.flushTarget) this.flushTarget = target;
    while (this.settledTotal < target) await this.pump();
  }

  /**
   * Stops the timer, flushes, and turns later record calls into no-ops counted as dropped. With
   * `timeoutMs`, events not delivered by then stop being retried and are counted as dropped, so a
   * process whose Vigil is unreachable can still exit.
   */
  async shutdown(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      const hooks = this.exitHooks;
      this.exitHooks = undefined;
      if (typeof hooks?.off === "function") hooks.off("beforeExit", this.onBeforeExit);
      // Route followers hold a stream open: close them so the process can exit.
      this.routers?.close();
    }
    if (opts.timeoutMs === undefined) return this.flush();
    const timer = setTimeout(() => (this.abandoned = true), opts.timeoutMs);
    try {
      await this.flush();
    } finally {
      clearTimeout(timer);
    }
  }

  /** A snapshot of the client's counters. */
  stats(): VigilStats {
    const { inFlight } = this;
    const { sent, dropped, rejected, failedBatches } = this.counts;
    return { queued: this.queue.size, sent, dropped, rejected, failedBatches, inFlight };
  }

  /** Times `fn` for a track* helper; a failing record counts as a drop. */
  private timedCall<T>(fn: () => Promise<T> | T, record: (durationMs: number, outcome: Outcome<T>) => void): Promise<T> {
    return timed(this.clock, fn, record, () => this.counts.dropped++);
  }

  /** The hot path: no conversion or serialisation here, only a shallow copy, an id and a push. */
  private enqueue(typeCode: number, input: EventMeta): string {
    try {
      const now = Date.now();
      const id = input.id ?? this.ids.next(now);
      if (this.closed || this.queue.size + this.inFlight >= this.maxQueueSize) {
        this.drop();
        return id;
      }
      this.queue.push(typeCode, now, id, { ...input });
      this.enqueuedTotal++;
      if (this.queue.size >= this.maxBatchSize && !this.draining && !this.scheduled) {
        // Start the full batch after the caller's synchronous work, so that serialising it never delays a record call.
        this.scheduled = true;
        queueMicrotask(this.kick);
      }
      return id;
    } catch {
      this.counts.dropped++;
      return "";
    }
  }

  private drop(): void {
    this.counts.dropped++;
    if (!this.closed && !this.queueFullReported) {
      this.queueFullReported = true;
      const { maxQueueSize } = this;
      queueMicrotask(() =>
        this.report(new VigilSdkError("QUEUE_FULL", `Vigil queue full (${maxQueueSize} events): dropping new events until it drains`, { count: 1 })),
      );
    }
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    void this.pump();
  };

  private tick(): void {
    if (this.queue.size === 0) return;
    this.flushTarget = this.enqueuedTotal;
    void this.pump();
  }

  /** Starts the sender unless it is running; returns the running sender. */
  private pump(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.current = this.drain();
    }
    return this.current;
  }

  /** Sends batches one at a time while a full batch is queued or a flush asks for more. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.size > 0 && (this.queue.size >= this.maxBatchSize || this.takenTotal < this.flushTarget)) {
        const { batch, taken, unserialisable, oversized } = this.batcher.next();
        const n = batch.ids.length;
        this.takenTotal += taken;
        this.inFlight = n;
        this.queueFullReported = false;
        try {
          for (const { id, type, error } of unserialisable) {
            this.counts.rejected++;
            this.report(new VigilSdkError("REJECTED_EVENT", `Vigil could not serialise ${type} event ${id}: ${errorMessage(error)}`, { count: 1, status: 0, id, type }, { cause: error }));
          }
          for (const { id, type, bytes } of oversized) {
            this.counts.rejected++;
            this.report(
              new VigilSdkError("EVENT_TOO_LARGE", `Vigil did not send ${type} event ${id}: its JSON is ${bytes} bytes, too large for a request of at most maxBatchBytes (${this.maxBatchBytes}) bytes`, { count: 1, status: 0, id, type, bytes }),
            );
          }
          if (n > 0) await this.delivery.deliver(batch);
        } catch (err) {
          // Not expected (deliver classifies every failure), but a bug here must neither reject a void promise nor stall flush().
          this.counts.failedBatches++;
          this.counts.dropped += n;
          this.report(new VigilSdkError("BATCH_DROPPED", `Vigil dropped ${n} events: ${errorMessage(err)}`, { count: n }, { cause: err }));
        } finally {
          this.inFlight = 0;
          this.settledTotal += taken;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private report(err: VigilSdkError): void {
    if (!this.onError) return;
    try {
      this.onError(err);
    } catch {
      // A failing error handler must not stop delivery.
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
