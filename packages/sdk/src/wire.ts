/**
 * Conversion of recorded inputs to wire events (SPEC §2), done at flush time so that recording stays cheap.
 * Keys are converted generically rather than picked from a list: a misspelt field reaches the server, which
 * rejects it with a clear message, instead of vanishing silently.
 */
import type { EventType, WireEvent } from "@vigil/contract";

/** Event types by the small code stored in the queue. */
export const TYPE_CODES: readonly EventType[] = ["run", "llm_call", "outcome", "feedback", "metric", "cache", "tool_call", "retrieval"];

/** snake_case of every field of the contract, computed once; other keys fall back to the regex. */
const KNOWN_KEYS: ReadonlyMap<string, string> = new Map(
  [
    "agentName", "status", "durationMs", "agentType", "runId", "taskId", "model", "route", "tenantId", "userId", "mode",
    "tags", "inputTokens", "outputTokens", "tokensUsed", "cost", "cacheHit", "memoryMb", "cpuMs", "qualityScore",
    "confidence", "errorType", "retries", "metadata", "latencyMs", "provider", "cachedInputTokens", "cached", "ttftMs",
    "httpStatus", "actualOutcome", "predictedOutcome", "feedbackSource", "rating", "thumbs", "correction", "source",
    "name", "value", "unit", "category", "component", "labels", "degraded", "degradationReason", "warnings", "operation",
    "cache", "count", "entryAgeMs", "reason", "entries", "capacity", "memoryBytes", "tool", "documents",
  ].map((k) => [k, camelToSnake(k)]),
);

/** `cachedInputTokens` → `cached_input_tokens`; keys already in snake_case are unchanged. */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** The wire timestamp: a Date or number as epoch milliseconds, an ISO string as given (the server parses it). */
export function wireTimestamp(given: unknown, recordedAt: number): string | number {
  if (given === undefined || given === null) return recordedAt;
  if (given instanceof Date) return given.getTime();
  return given as string | number;
}

/** Builds the wire event of one recorded input: snake_case body without undefined fields, epoch ms timestamp. */
export function toWireEvent(typeCode: number, recordedAt: number, id: string, input: Readonly<Record<string, unknown>>): WireEvent {
  const body: Record<string, unknown> = {};
  for (const key in input) {
    if (key === "id" || key === "timestamp") continue;
    const value = input[key];
    if (value === undefined) continue;
    body[KNOWN_KEYS.get(key) ?? camelToSnake(key)] = value;
  }
  return { id, type: TYPE_CODES[typeCode], timestamp: wireTimestamp(input.timestamp, recordedAt), body } as WireEvent;
}

/** A batch ready to post: one JSON text per event, with each event's id and type for error reports. */
export interface SerialisedBatch {
  /** JSON of each wire event, in queue order. */
  parts: string[];
  /** Id of each event, index for index with `parts`. */
  ids: string[];
  /** Type of each event, index for index with `parts`. */
  types: EventType[];
}

/** An event that JSON cannot encode (a circular or BigInt value in its metadata, say). */
export interface UnserialisableEvent {
  /** The event's id. */
  id: string;
  /** The event's type. */
  type: EventType;
  /** What JSON.stringify threw. */
  error: unknown;
}

/**
 * Serialises queue slots (four per event: type code, record time, id, input) event by event, so that one
 * unserialisable event is set aside instead of sinking its whole batch.
 */
export function serialiseBatch(slots: readonly unknown[], stride: number): { batch: SerialisedBatch; unserialisable: UnserialisableEvent[] } {
  const batch: SerialisedBatch = { parts: [], ids: [], types: [] };
  const unserialisable: UnserialisableEvent[] = [];
  for (let i = 0; i < slots.length; i += stride) {
    const typeCode = slots[i] as number;
    const id = slots[i + 2] as string;
    const type = TYPE_CODES[typeCode] as EventType;
    try {
      batch.parts.push(JSON.stringify(toWireEvent(typeCode, slots[i + 1] as number, id, slots[i + 3] as Record<string, unknown>)));
      batch.ids.push(id);
      batch.types.push(type);
    } catch (error) {
      unserialisable.push({ id, type, error });
    }
  }
  return { batch, unserialisable };
}

/** The request body of a serialised batch: `{"events":[...]}`. */
export function batchBody(parts: readonly string[]): string {
  return `{"events":[${parts.join(",")}]}`;
}
