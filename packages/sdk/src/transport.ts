/**
 * One POST of a serialised batch to `/api/v1/ingest`, with its answer classified as a value (stored, retry or
 * refused) rather than thrown, and the backoff arithmetic used between attempts.
 */
import type { ErrorResponse, IngestError, IngestResponse } from "@vigil/contract";
import type { Poster, RawAnswer } from "./node-post.js";

/** How one attempt to post a batch ended. */
export type PostResult =
  /** A 2xx answer: the server holds the batch; `errors` are the 207 body's rejected events, null when it could not be read. */
  | { kind: "stored"; status: number; errors: IngestError[] | null }
  /** A network error, a timeout, 408, 429 or 5xx: worth another attempt; `retryAfterMs` from Retry-After on 429/503. */
  | { kind: "retry"; status: number; message: string; retryAfterMs: number | null; cause?: unknown }
  /** Any other status (400, 401, 403, 413...): sending the same batch again would fail the same way. */
  | { kind: "refused"; status: number; message: string; serverCode?: string };

/** What {@link postBatch} needs besides the body. */
export interface PostTarget {
  /** The fetch to call, unless `post` is set. */
  fetch: typeof fetch;
  /** Posts a body without fetch (Node's own HTTP client), when set. */
  post?: Poster | undefined;
  /** Full URL of the ingest endpoint. */
  url: string;
  /** Request headers, content type and authorization included. */
  headers: Record<string, string>;
  /** Time allowed for the request and its answer body, in milliseconds. */
  timeoutMs: number;
}

/** True for the statuses that a later attempt may turn into a success. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Milliseconds asked for by a Retry-After header (delay-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(maxMs, baseMs * 2^retry)), `retry` counting from 0. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return random() * Math.min(maxMs, baseMs * 2 ** retry);
}

/**
 * Posts one serialised batch and classifies the answer; it never throws. `target.post` is given `bytes` (the body
 * in UTF-8) when set; fetch is given the text, which it can send again after a 307 or 308 (Node 20's fetch fails to
 * resend a byte body on a redirect).
 */
export async function postBatch(target: PostTarget, body: string, bytes?: Uint8Array | string): Promise<PostResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), target.timeoutMs);
  try {
    let answer = target.post ? await target.post(bytes ?? body, controller.signal) : await fetchAnswer(target, body, controller.signal);
    // Node's client does not follow redirects: a redirected endpoint is posted to again through fetch, which does.
    if (target.post && answer.status >= 300 && answer.status <= 399) answer = await fetchAnswer(target, body, controller.signal);
    const { status, text, retryAfter } = answer;
    if (status >= 200 && status <= 299) return { kind: "stored", status, errors: ingestErrors(text) };
    const error = parseErrorResponse(text);
    const message = `HTTP ${status}${error ? `: ${error.message}` : ""}`;
    if (isRetryableStatus(status)) {
      const honoured = status === 429 || status === 503;
      const retryAfterMs = honoured ? parseRetryAfter(retryAfter, Date.now()) : null;
      return { kind: "retry", status, message, retryAfterMs };
    }
    return { kind: "refused", status, message, ...(error ? { serverCode: error.code } : {}) };
  } catch (err) {
    const message = controller.signal.aborted ? `timed out after ${target.timeoutMs} ms` : `network error: ${errorText(err)}`;
    return { kind: "retry", status: 0, message, retryAfterMs: null, cause: err };
  } finally {
    clearTimeout(timer);
  }
}

async function fetchAnswer(target: PostTarget, body: string, signal: AbortSignal): Promise<RawAnswer> {
  // Called unbound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
  const fetchFn = target.fetch;
  const res = await fetchFn(target.url, { method: "POST", headers: target.headers, body, signal });
  const text = await res.text().catch(() => "");
  return { status: res.status, text, retryAfter: res.headers.get("retry-after") };
}

/** How the server's answer ends when no event of the batch was rejected: `errors` is written last. */
const NO_ERRORS = ',"errors":[]}';

/**
 * The rejected events of a 207 answer. An answer ending in an empty `errors` list is not parsed: its successes
 * (one per event, a fifth of a microsecond per event to parse) are not read, and no id, being a JSON string, can
 * end the answer with that text.
 */
function ingestErrors(text: string): IngestError[] | null {
  if (text.endsWith(NO_ERRORS)) return [];
  try {
    const parsed = JSON.parse(text) as Partial<IngestResponse> | null;
    if (parsed && Array.isArray(parsed.errors)) return parsed.errors;
  } catch {
    // An unreadable 2xx body still means the batch was stored; the caller counts it as sent.
  }
  return null;
}

function parseErrorResponse(text: string): ErrorResponse["error"] | null {
  try {
    const parsed = JSON.parse(text) as Partial<ErrorResponse> | null;
    const error = parsed?.error;
    if (error && typeof error.message === "string") return error;
  } catch {
    // Not the documented error shape (a proxy's HTML page, say): the status alone describes it.
  }
  return null;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
