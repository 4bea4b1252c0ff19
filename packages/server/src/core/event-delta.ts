/**
 * What one event adds to a rollup bucket, computed once per event so that folding it into the
 * four buckets it lands in (minute and hour, per dimension set and in total) is a few additions.
 */
import { type Bucket, F, FIELD_COUNT } from "./bucket.js";
import { sketchKey } from "./ddsketch.js";
import { accuracyBin, latencyBin } from "./sli-ladder.js";
import type { StoredEvent } from "./stored-event.js";

/** A finite number, or undefined. */
export const NUM = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * What one event adds to a bucket, computed once per event and then applied to each of the four
 * buckets it lands in (minute and hour, per dimension set and in total).
 */
export class EventDelta {
  readonly f = new Float64Array(FIELD_COUNT);
  /**
   * Indices of `f` this event sets: the first `count` (a fixed array and a count, where emptying a
   * plain array and pushing again would reallocate its storage for every event).
   */
  readonly touched = new Int32Array(FIELD_COUNT);
  count = 0;
  runLatency = -1;
  runKey = 0;
  /** The run latency's ladder bin (-1: above it), counted with the latency (a bucket may read it from a latency it keeps as a number). */
  runBin = -1;
  llmLatency = -1;
  llmKey = 0;
  llmBin = -1;
  errorType: string | null = null;
  agentType: string | null = null;
  ts = 0;
  /** Whether the event reports a latest value (cache `entries` or `capacity`). */
  latest = false;

  /*
   * The setters take the body's own values (already JavaScript values) or write computed numbers
   * straight into `f`: a computed number passed to a method that is not inlined is boxed, a heap
   * allocation per field and event.
   */
  private set(i: number, v: number): void {
    this.f[i] = v;
    this.touched[this.count++] = i;
  }

  /** Notes that field `i` was written. */
  private mark(i: number): void {
    this.touched[this.count++] = i;
  }

  /** A sum and its count, when `v` (a body value) is a finite number. */
  private sumOf(sum: number, n: number, v: unknown): void {
    if (typeof v !== "number" || !Number.isFinite(v)) return;
    this.f[sum] = v;
    this.f[n] = 1;
    this.mark(sum);
    this.mark(n);
  }

  /** A cost sum (whole nano-dollars) and its count, when `v` (a body value) is a finite number. */
  private costOf(sum: number, n: number, v: unknown): void {
    if (typeof v !== "number" || !Number.isFinite(v)) return;
    this.f[sum] = Math.round(v * NANO);
    this.f[n] = 1;
    this.mark(sum);
    this.mark(n);
  }

  /** Sets a latest-value pair (time, value) and its report count, when `v` (a body value) is a finite number. */
  private latestOf(ts: number, value: number, n: number, v: unknown): void {
    if (typeof v !== "number" || !Number.isFinite(v)) return;
    this.f[ts] = this.ts;
    this.f[value] = v;
    this.f[n] = 1;
    this.mark(ts);
    this.mark(value);
    this.mark(n);
    this.latest = true;
  }

  /** Computes the delta of a stored event (custom metrics add nothing). */
  prepare(ev: StoredEvent): this {
    const f = this.f;
    const touched = this.touched;
    for (let k = 0; k < this.count; k++) f[touched[k]!] = 0;
    this.count = 0;
    this.runLatency = -1;
    this.llmLatency = -1;
    this.errorType = null;
    this.agentType = null;
    this.latest = false;
    this.ts = ev.ts;
    const body = ev.body;
    this.set(F.lastSeen, ev.ts);
    switch (ev.type) {
      case "run": {
        this.set(F.runs, 1);
        const status = body.status;
        if (status === "success") this.set(F.success, 1);
        else if (status === "failure") this.set(F.failure, 1);
        else if (status === "partial") this.set(F.partial, 1);
        else if (status === "timeout") this.set(F.timeout, 1);
        const d = NUM(body.duration_ms) ?? 0;
        f[F.durSum] = d;
        f[F.durSumSq] = d * d;
        this.mark(F.durSum);
        this.mark(F.durSumSq);
        this.runLatency = d;
        this.runKey = sketchKey(d);
        this.runBin = latencyBin(d);
        const input = NUM(body.input_tokens);
        const output = NUM(body.output_tokens);
        // tokens_used defaults to input + output when either is reported.
        const used = body.tokens_used;
        if (typeof used === "number" && Number.isFinite(used)) this.sumOf(F.tokSum, F.tokN, used);
        else if (input !== undefined || output !== undefined) {
          f[F.tokSum] = (input ?? 0) + (output ?? 0);
          f[F.tokN] = 1;
          this.mark(F.tokSum);
          this.mark(F.tokN);
        }
        this.sumOf(F.inSum, F.inN, body.input_tokens);
        this.sumOf(F.outSum, F.outN, body.output_tokens);
        this.costOf(F.costSum, F.costN, body.cost);
        this.sumOf(F.qualSum, F.qualN, body.quality_score);
        this.sumOf(F.confSum, F.confN, body.confidence);
        const mem = body.memory_mb;
        if (typeof mem === "number" && Number.isFinite(mem)) {
          this.sumOf(F.memSum, F.memN, mem);
          f[F.memMax] = mem;
          this.mark(F.memMax);
        }
        this.sumOf(F.cpuSum, F.cpuN, body.cpu_ms);
        if (typeof body.cache_hit === "boolean") {
          this.set(F.cacheN, 1);
          if (body.cache_hit) this.set(F.cacheHit, 1);
        }
        const retries = body.retries;
        if (typeof retries === "number" && Number.isFinite(retries) && retries !== 0) {
          f[F.retries] = retries;
          this.mark(F.retries);
        }
        // A partial run is a degraded answer too, so clients that only send `partial` keep their figure.
        if (body.degraded === true) this.set(F.degradedFlag, 1);
        if (body.degraded === true || status === "partial") this.set(F.degraded, 1);
        if (Array.isArray(body.warnings) && body.warnings.length > 0) this.set(F.warnings, body.warnings.length);
        this.set(F.lastRun, ev.ts);
        if (typeof body.agent_type === "string") this.agentType = body.agent_type;
        if (status === "failure" || status === "timeout") this.errorType = typeof body.error_type === "string" ? body.error_type : status;
        break;
      }
      case "llm_call": {
        this.set(F.llm, 1);
        if (body.status === "failure") this.set(F.llmFail, 1);
        const lat = NUM(body.latency_ms) ?? 0;
        f[F.llmLatSum] = lat;
        this.mark(F.llmLatSum);
        this.llmLatency = lat;
        this.llmKey = sketchKey(lat);
        this.llmBin = latencyBin(lat);
        this.sumOf(F.ttftSum, F.ttftN, body.ttft_ms);
        this.sumOf(F.llmInSum, F.llmInN, body.input_tokens);
        this.sumOf(F.llmOutSum, F.llmOutN, body.output_tokens);
        this.sumOf(F.llmCachedInSum, F.llmCachedInN, body.cached_input_tokens);
        this.costOf(F.llmCostSum, F.llmCostN, body.cost);
        this.costOf(F.savedSum, F.savedN, body.cost_saved);
        if (typeof body.cached === "boolean") {
          this.set(F.llmCachedN, 1);
          if (body.cached) this.set(F.llmCached, 1);
        }
        break;
      }
      case "outcome": {
        const acc = body.accuracy;
        this.sumOf(F.accSum, F.accN, acc);
        if (typeof acc === "number" && Number.isFinite(acc)) this.set(F.acc0 + accuracyBin(acc), 1);
        break;
      }
      case "feedback": {
        this.sumOf(F.satSum, F.satN, body.satisfaction);
        this.sumOf(F.ratingSum, F.ratingN, body.rating);
        // As satisfaction: a rating when sent, else the thumbs.
        const r = body.rating;
        if (typeof r === "number" && Number.isFinite(r)) {
          if (r >= 1 && r <= 5 && Number.isInteger(r)) this.set(F.rating1 + r - 1, 1);
        } else if (body.thumbs === "up") this.set(F.thumbsUp, 1);
        else if (body.thumbs === "down") this.set(F.thumbsDown, 1);
        break;
      }
      case "cache": {
        const n = NUM(body.count) ?? 1;
        const field = cacheOperationField(body.operation);
        if (field !== undefined && n > 0) {
          f[field] = n;
          this.mark(field);
        }
        this.latestOf(F.cacheEntriesTs, F.cacheEntries, F.cacheEntriesN, body.entries);
        this.latestOf(F.cacheCapacityTs, F.cacheCapacity, F.cacheCapacityN, body.capacity);
        break;
      }
      case "tool_call":
        this.set(F.tool, 1);
        if (body.status === "failure") this.set(F.toolFail, 1);
        this.sumOf(F.toolDurSum, F.toolDurN, body.duration_ms);
        this.costOf(F.toolCostSum, F.toolCostN, body.cost);
        break;
      case "retrieval":
        this.set(F.retrieval, 1);
        if (body.status === "failure") this.set(F.retrievalFail, 1);
        this.sumOf(F.retrievalDurSum, F.retrievalDurN, body.duration_ms);
        this.costOf(F.retrievalCostSum, F.retrievalCostN, body.cost);
        break;
      case "metric":
        break;
    }
    return this;
  }

  /** Adds the delta into a bucket. */
  applyTo(b: Bucket): void {
    const newest = this.ts > b.field(F.lastRun);
    b.applyFields(this.touched, this.count, this.f, this.latest);
    if (this.runLatency >= 0) b.addRunLatency(this.runLatency, this.runKey, this.runBin);
    if (this.llmLatency >= 0) b.addLlmLatency(this.llmLatency, this.llmKey, this.llmBin);
    if (this.errorType !== null) b.addErrorType(this.errorType);
    if (this.agentType !== null && (newest || b.agentType === null)) b.agentType = this.agentType;
  }
}

/** The bucket field a cache operation counts in, or undefined for an unknown operation. */
function cacheOperationField(op: unknown): number | undefined {
  switch (op) {
    case "hit":
      return F.cacheHits;
    case "miss":
      return F.cacheMisses;
    case "write":
      return F.cacheWrites;
    case "evict":
      return F.cacheEvictions;
    case "invalidate":
      return F.cacheInvalidations;
    default:
      return undefined;
  }
}

/** Costs are summed as whole nano-dollars: integer sums are exact and independent of merge order. */
export const NANO = 1e9;
