/**
 * One request to Vigil's API under a timeout, with its answer classified as a value (ok, retry, refused, aborted)
 * rather than thrown, in the manner of transport.ts's `postBatch`; and what that answer says about Vigil's
 * availability, for the circuit breaker.
 */
import type { CircuitVerdict } from "./circuit-breaker.js";
import { isRetryableStatus, parseRetryAfter } from "./transport.js";

/** How one request ended. */
export type Attempt =
  /** A 2xx answer: `text` is its body, read under the timeout (null for a stream, whose body is `res.body`). */
  | { kind: "ok"; status: number; res: Response; text: string | null }
  /** A network error, a timeout, 408, 429 or 5xx; `retryAfterMs` from Retry-After on 429 and 503. */
  | { kind: "retry"; status: number; message: string; retryAfterMs: number | null; timedOut: boolean; cause?: unknown }
  /** Any other status: the same request would be refused again. */
  | { kind: "refused"; status: number; message: string; serverCode?: string }
  /** The caller's signal fired first. */
  | { kind: "aborted" };

/** What {@link sendAttempt} sends. */
export interface AttemptRequest {
  fetch: typeof fetch;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Time allowed for the answer (its headers only, for a stream), in milliseconds. */
  timeoutMs: number;
  /** Abandons the request, and ends a stream it opened. */
  signal?: AbortSignal;
  /** Leave a 2xx body unread, for the caller to stream. */
  streaming: boolean;
}

/** Sends one request and classifies the answer; it never throws. */
export async function sendAttempt(req: AttemptRequest): Promise<Attempt> {
  const { signal, timeoutMs } = req;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  let keepLinked = false;
  try {
    if (signal?.aborted) return { kind: "aborted" };
    // Called unbound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    const fetchFn = req.fetch;
    const res = await fetchFn(req.url, { method: req.method, headers: req.headers, body: req.body, signal: controller.signal });
    if (res.ok) {
      // The body is read here, under the timeout; a stream outlives this call, so the caller's signal stays linked to end it.
      const text = req.streaming ? null : await res.text();
      keepLinked = req.streaming;
      return { kind: "ok", status: res.status, res, text };
    }
    const text = await res.text().catch(() => "");
    const error = parseErrorBody(text);
    const message = `HTTP ${res.status}${error ? `: ${error.message}` : ""}`;
    if (isRetryableStatus(res.status)) {
      const honoured = res.status === 429 || res.status === 503;
      return { kind: "retry", status: res.status, message, retryAfterMs: honoured ? parseRetryAfter(res.headers.get("retry-after"), Date.now()) : null, timedOut: false };
    }
    return { kind: "refused", status: res.status, message, ...(error?.code ? { serverCode: error.code } : {}) };
  } catch (err) {
    if (signal?.aborted && !timedOut) return { kind: "aborted" };
    const message = timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${errorText(err)}`;
    return { kind: "retry", status: 0, message, retryAfterMs: null, timedOut, cause: err };
  } finally {
    clearTimeout(timer);
    if (!keepLinked) signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * What an attempt says about Vigil: any answer but 408, 429 and 5xx means it is up (a 4xx is about the request);
 * no answer or one of those means it is not; an abandoned request says nothing.
 */
export function verdictOf(attempt: Attempt): CircuitVerdict {
  if (attempt.kind === "aborted") return "ignore";
  return attempt.kind === "retry" ? "failure" : "success";
}

/** Decodes a response body as UTF-8 text chunks; stopping early (break, throw, abort) cancels the body. */
export async function* decodeChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text !== "") yield text;
    }
    const tail = decoder.decode();
    if (tail !== "") yield tail;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** The parsed JSON, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseErrorBody(text: string): { code?: string; message: string } | null {
  const error = (parseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error.message !== "string") return null;
  return { message: error.message, ...(typeof error.code === "string" ? { code: error.code } : {}) };
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
