/**
 * The SDK's public shapes: options, record inputs and stats.
 * Inputs are the contract's wire bodies (SPEC §2) with camelCase keys, derived at the type level so that
 * they cannot drift from the wire format.
 */
import type { CacheBody, FeedbackBody, LlmCallBody, MetricBody, OutcomeBody, RetrievalBody, RunBody, RunStatus, ToolCallBody } from "@vigil/contract";
import type { VigilSdkError } from "./errors.js";

/** Turns a snake_case name into camelCase at the type level (`tenant_id` → `tenantId`). */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** An object type with its keys turned into camelCase; optionality and value types are kept. */
export type CamelKeys<T> = { [K in keyof T as K extends string ? CamelCase<K> : never]: T[K] };

/** Fields every record input accepts besides its body. */
export interface EventMeta {
  /** Idempotency key; generated (time-ordered, unique per client) when absent. */
  id?: string;
  /** When the event happened; defaults to the time of the record call. */
  timestamp?: Date | number | string;
}

/** Input of `recordRun`: one execution of a task by an agent. */
export type RunInput = CamelKeys<RunBody> & EventMeta;
/** Input of `recordLlmCall`: one request to a model provider. */
export type LlmCallInput = CamelKeys<LlmCallBody> & EventMeta;
/** Input of `recordOutcome`: the real-world result of a run's prediction (give `taskId` or `runId`). */
export type OutcomeInput = CamelKeys<OutcomeBody> & EventMeta;
/** Input of `recordFeedback`: a user's rating of a response (give `runId` or `taskId`). */
export type FeedbackInput = CamelKeys<FeedbackBody> & EventMeta;
/** Input of `recordMetric`: any other named measurement. */
export type MetricInput = CamelKeys<MetricBody> & EventMeta;
/** Input of `recordCache`: one cache operation (or `count` of them), with the cache's state after it. */
export type CacheInput = CamelKeys<CacheBody> & EventMeta;
/** Input of `recordToolCall`: one execution of a tool by an agent. */
export type ToolCallInput = CamelKeys<ToolCallBody> & EventMeta;
/** Input of `recordRetrieval`: one RAG retrieval (vector search, document fetch). */
export type RetrievalInput = CamelKeys<RetrievalBody> & EventMeta;
/** Input of `trackRun`: a run input whose status and duration come from timing the function. */
export type TrackRunInput = Omit<RunInput, "status" | "durationMs"> & { status?: RunStatus };
/** Input of `trackToolCall`: a tool call input whose status and duration come from timing the function. */
export type TrackToolCallInput = Omit<ToolCallInput, "status" | "durationMs">;
/** Input of `trackRetrieval`: a retrieval input whose status and duration come from timing the function. */
export type TrackRetrievalInput = Omit<RetrievalInput, "status" | "durationMs">;

/**
 * Token prices the SDK turns into an LLM call's `cost` (USD per 1,000 or per 1,000,000 tokens); when both units
 * are given for the same kind of token, the per-1M price wins.
 */
export interface LlmPrices {
  /** USD per 1,000 input (prompt) tokens. */
  costPer1kInput?: number;
  /** USD per 1,000 output (completion) tokens. */
  costPer1kOutput?: number;
  /** USD per 1,000 cached input tokens; default: the input price. */
  costPer1kCachedInput?: number;
  /** USD per 1,000,000 input (prompt) tokens; wins over `costPer1kInput`. */
  pricePer1MInput?: number;
  /** USD per 1,000,000 output (completion) tokens; wins over `costPer1kOutput`. */
  pricePer1MOutput?: number;
  /** USD per 1,000,000 cached input tokens; wins over `costPer1kCachedInput`; default: the input price. */
  pricePer1MCachedInput?: number;
}

/** Input of `trackLlmCall`: an LLM call input with optional token prices, where `latencyMs` defaults to 0. */
export type TrackLlmCallInput = Omit<LlmCallInput, "latencyMs"> & LlmPrices & { latencyMs?: number };

/** Token counts of one LLM call, as read from a provider's answer. */
export type LlmUsage = Pick<LlmCallInput, "inputTokens" | "outputTokens" | "cachedInputTokens">;

/** Input of `timeLlmCall`: latency and status come from timing the function, token counts from its result. */
export type TimeLlmCallInput<T> = Omit<TrackLlmCallInput, "latencyMs" | "status"> & {
  /** Reads the token counts from the function's result; default: the provider shapes `timeLlmCall` knows. */
  usage?: (result: T) => LlmUsage | null | undefined;
};

/** Options of the {@link Vigil} client; every field but `endpoint` has a default. */
export interface VigilOptions {
  /** Base URL of the Vigil server, e.g. `http://localhost:8001`. */
  endpoint: string;
  /** API key with the `ingest` scope, sent as `authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** How often queued events are sent, in milliseconds (default 1000; 0 turns the timer off). */
  flushIntervalMs?: number;
  /** Most events in one request; a send also starts as soon as this many are queued (default 500). */
  maxBatchSize?: number;
  /**
   * Most bytes in one request body (default 4 MiB, under the server's default limit of 5 MiB; at least 1024). A batch
   * ends early rather than outgrow it; an event whose JSON alone is larger is rejected (`EVENT_TOO_LARGE`), not sent.
   */
  maxBatchBytes?: number;
  /** Most events held in memory, queued or in flight; beyond it new events are dropped and counted (default 100,000). */
  maxQueueSize?: number;
  /** Retries of a batch after a retryable failure before it is dropped (default 5). */
  maxRetries?: number;
  /** Base of the exponential backoff, in milliseconds (default 200). */
  retryBaseMs?: number;
  /** Cap of one backoff delay, Retry-After included, in milliseconds (default 30,000). */
  retryMaxMs?: number;
  /** Time allowed for one request, answer body included, in milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Called with every delivery failure; exceptions it throws are ignored. */
  onError?: (err: VigilSdkError) => void;
  /** The fetch to use (default: the global one), for tests or custom agents. */
  fetch?: typeof fetch;
  /** Flush when the process is about to exit (`beforeExit`), where there is a process (default true). */
  flushOnExit?: boolean;
}

/** Counters of a {@link Vigil} client, in events unless named otherwise. */
export interface VigilStats {
  /** Events waiting to be sent. */
  queued: number;
  /** Events the server stored (duplicates of already stored events included). */
  sent: number;
  /** Events lost: queue full, recorded after shutdown, or in a batch that ran out of retries. */
  dropped: number;
  /** Events the server refused, or that could not be sent at all (unserialisable, or over `maxBatchBytes` alone); they are not retried. */
  rejected: number;
  /** Batches refused as a whole or dropped after their retries ran out. */
  failedBatches: number;
  /** Events in the request being sent now. */
  inFlight: number;
}
