/**
 * The SDK's public shapes: options, record inputs and stats.
 * Inputs are the contract's wire bodies (SPEC §2) with camelCase keys, derived at the type level so that
 * they cannot drift from the wire format.
 */
import type { FeedbackBody, LlmCallBody, MetricBody, OutcomeBody, RunBody, RunStatus } from "@vigil/contract";
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
/** Input of `trackRun`: a run input whose status and duration come from timing the function. */
export type TrackRunInput = Omit<RunInput, "status" | "durationMs"> & { status?: RunStatus };

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
  /** Events the server (or the serialiser) refused; they are not retried. */
  rejected: number;
  /** Batches refused as a whole or dropped after their retries ran out. */
  failedBatches: number;
  /** Events in the request being sent now. */
  inFlight: number;
}
