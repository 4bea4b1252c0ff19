/**
 * What one event adds to a rollup bucket, computed once per event so that folding it into the
 * four buckets it lands in (minute and hour, per dimension set and in total) is a few additions.
 */
import { type Bucket, F, FIELD_COUNT } from "./bucket.js";
import { sketchKey } from "./ddsketch.js";
import type { StoredEvent } from "./stored-event.js";

/** A finite number, or undefined. */
export const NUM = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * What one event adds to a bucket, computed once per event and then applied to each of the four
 * buckets it lands in (minute and hour, per dimension set and in total).
 */
export class EventDelta {
  readonly f = new Float64Array(FIELD_COUNT);
  /** Indices of `f` this event sets. */
  readonly touched: number[] = [];
  runLatency = -1;
  runKey = 0;
  llmLatency = -1;
  llmKey = 0;
  errorType: string | null = null;
  agentType: string | null = null;
  ts = 0;
  /** Whether the event reports a latest value (cache `entries` or `capacity`). */
  latest = false;

  private set(i: number, v: number): void {
    this.f[i] = v;
    this.touched.push(i);
  }

  private sumN(sum: number, n: number, v: number | undefined): void {
    if (v === undefined) return;
    this.set(sum, v);
    this.set(n, 1);
  }

  /** Sets a latest-value pair (time, value) and its report count. */
  private setLatest(ts: number, value: number, n: number, v: number | undefined): void {
    if (v === undefined) return;
    this.set(ts, this.ts);
    this.set(value, v);
    this.set(n, 1);
    this.latest = true;
  }

  /** Computes the delta of a stored event (custom metrics add nothing). */
  prepare(ev: StoredEvent): this {
    for (const i of this.touched) this.f[i] = 0;
    this.touched.length = 0;
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
        this.set(F.durSum, d);
        this.set(F.durSumSq, d * d);
        this.runLatency = d;
        this.runKey = sketchKey(d);
        const input = NUM(body.input_tokens);
        const output = NUM(body.output_tokens);
        // tokens_used defaults to input + output when either is reported.
        this.sumN(F.tokSum, F.tokN, NUM(body.tokens_used) ?? (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined));
        this.sumN(F.inSum, F.inN, input);
        this.sumN(F.outSum, F.outN, output);
        this.sumN(F.costSum, F.costN, nano(NUM(body.cost)));
        this.sumN(F.qualSum, F.qualN, NUM(body.quality_score));
        this.sumN(F.confSum, F.confN, NUM(body.confidence));
        const mem = NUM(body.memory_mb);
        if (mem !== undefined) {
          this.sumN(F.memSum, F.memN, mem);
          this.set(F.memMax, mem);
        }
        this.sumN(F.cpuSum, F.cpuN, NUM(body.cpu_ms));
        if (typeof body.cache_hit === "boolean") {
          this.set(F.cacheN, 1);
          if (body.cache_hit) this.set(F.cacheHit, 1);
        }
        const retries = NUM(body.retries);
        if (retries) this.set(F.retries, retries);
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
        this.set(F.llmLatSum, lat);
        this.llmLatency = lat;
        this.llmKey = sketchKey(lat);
        this.sumN(F.ttftSum, F.ttftN, NUM(body.ttft_ms));
        this.sumN(F.llmInSum, F.llmInN, NUM(body.input_tokens));
        this.sumN(F.llmOutSum, F.llmOutN, NUM(body.output_tokens));
        this.sumN(F.llmCachedInSum, F.llmCachedInN, NUM(body.cached_input_tokens));
        this.sumN(F.llmCostSum, F.llmCostN, nano(NUM(body.cost)));
        this.sumN(F.savedSum, F.savedN, nano(NUM(body.cost_saved)));
        if (typeof body.cached === "boolean") {
          this.set(F.llmCachedN, 1);
          if (body.cached) this.set(F.llmCached, 1);
        }
        break;
      }
      case "outcome":
        this.sumN(F.accSum, F.accN, NUM(body.accuracy));
        break;
      case "feedback":
        this.sumN(F.satSum, F.satN, NUM(body.satisfaction));
        this.sumN(F.ratingSum, F.ratingN, NUM(body.rating));
        break;
      case "cache": {
        const n = NUM(body.count) ?? 1;
        const field = cacheOperationField(body.operation);
        if (field !== undefined && n > 0) this.set(field, n);
        this.setLatest(F.cacheEntriesTs, F.cacheEntries, F.cacheEntriesN, NUM(body.entries));
        this.setLatest(F.cacheCapacityTs, F.cacheCapacity, F.cacheCapacityN, NUM(body.capacity));
        break;
      }
      case "tool_call":
        this.set(F.tool, 1);
        if (body.status === "failure") this.set(F.toolFail, 1);
        this.sumN(F.toolDurSum, F.toolDurN, NUM(body.duration_ms));
        this.sumN(F.toolCostSum, F.toolCostN, nano(NUM(body.cost)));
        break;
      case "retrieval":
        this.set(F.retrieval, 1);
        if (body.status === "failure") this.set(F.retrievalFail, 1);
        this.sumN(F.retrievalDurSum, F.retrievalDurN, NUM(body.duration_ms));
        this.sumN(F.retrievalCostSum, F.retrievalCostN, nano(NUM(body.cost)));
        break;
      case "metric":
        break;
    }
    return this;
  }

  /** Adds the delta into a bucket. */
  applyTo(b: Bucket): void {
    const newest = this.ts > b.field(F.lastRun);
    b.applyFields(this.touched, this.f, this.latest);
    if (this.runLatency >= 0) b.addRunLatency(this.runLatency, this.runKey);
    if (this.llmLatency >= 0) b.addLlmLatency(this.llmLatency, this.llmKey);
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
function nano(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v * NANO);
}

