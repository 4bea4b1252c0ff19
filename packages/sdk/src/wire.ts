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
    "cache", "count", "entryAgeMs", "reason", "entries", "capacity", "memoryBytes", "tool", "documents", "queryClass",
    "service", "endpoint", "cacheCreationInputTokens", "reasoningTokens", "sessionId", "traceId", "spanId",
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

/**
 * A batch ready to post: its request body, serialised in one pass, with each event's id and type for error reports.
 * The body's events are what JSON.stringify gives for each event alone, so {@link splitBody} can cut it back into
 * events (to halve a batch a server refused with 413).
 */
export interface SerialisedBatch {
  /** The request body, `{"events":[{...},{...}]}`, events in queue order. */
  body: string;
  /** Id of each event, in the order of the body's events. */
  ids: string[];
  /** Type of each event, index for index with `ids`. */
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

/** The JSON of one queued event; throws what JSON.stringify throws (a circular or BigInt value, say). */
export function serialiseEvent(typeCode: number, recordedAt: number, id: string, input: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(toWireEvent(typeCode, recordedAt, id, input));
}

/** The request body of a batch given as the JSON of each event: `{"events":[...]}`. */
export function batchBody(parts: readonly string[]): string {
  return `{"events":[${parts.join(",")}]}`;
}

/** The request body of a batch of wire events, serialised in one call; throws what JSON.stringify throws. */
export function serialiseBody(events: readonly WireEvent[]): string {
  return JSON.stringify({ events });
}

/** Bytes that {@link batchBody} adds around the events: `{"events":[` and `]}` (plus one comma between two events). */
export const BODY_ENVELOPE_BYTES = 13;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

/** What precedes the first event in a body: `{"events":[`. */
const EVENTS_START = 11;

/**
 * Cuts a request body (JSON.stringify's output: no whitespace) into the JSON of each event, by finding the commas
 * outside strings at the events array's own level. Strings are skipped with indexOf, so long metadata texts cost a
 * search rather than a step per character.
 */
export function splitBody(events: string): string[] {
  const parts: string[] = [];
  const end = events.length - 2;
  if (end <= EVENTS_START) return parts;
  let start = EVENTS_START;
  let depth = 0;
  for (let i = EVENTS_START; i < end; i++) {
    const c = events.charCodeAt(i);
    if (c === QUOTE) {
      // To the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        i = events.indexOf('"', i + 1);
        if (i < 0) return [...parts, events.slice(start, end)];
        let slashes = 0;
        while (events.charCodeAt(i - 1 - slashes) === BACKSLASH) slashes++;
        if ((slashes & 1) === 0) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
    else if (c === COMMA && depth === 0) {
      parts.push(events.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(events.slice(start, end));
  return parts;
}

const NativeBuffer = (globalThis as { Buffer?: { from?: (text: string, encoding: "utf8") => Uint8Array } }).Buffer;
const textEncoder = typeof TextEncoder === "function" ? new TextEncoder() : undefined;

/**
 * Encodes a request body in UTF-8 once, so that every attempt writes the same bytes: Node's Buffer.from where there
 * is one (the faster encoder there), TextEncoder elsewhere; a runtime with neither gets the string.
 */
export const encodeBody: (text: string) => Uint8Array | string =
  typeof NativeBuffer?.from === "function"
    ? (text) => NativeBuffer.from!(text, "utf8")
    : textEncoder !== undefined
      ? (text) => textEncoder.encode(text)
      : (text) => text;

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length by scanning, for runtimes without Buffer; ASCII text (most events) is found out by one regex test. */
export function scanUtf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const nativeByteLength = (globalThis as { Buffer?: { byteLength?: (text: string, encoding: "utf8") => number } }).Buffer?.byteLength;

/**
 * Length of a string in UTF-8, as it goes on the wire. Node's (and Bun's, Deno's) Buffer.byteLength counts natively
 * (about 0.1 µs for a 15 KB event, against 9 µs for a scan), so it is used where there is one.
 */
export const utf8Length: (text: string) => number =
  typeof nativeByteLength === "function" ? (text) => nativeByteLength(text, "utf8") : scanUtf8Length;
