/**
 * One JSON POST with a timeout, its outcome mapped to a DeliveryResult the way every HTTP channel
 * needs it: network errors, timeouts, 408, 429 and 5xx are worth retrying; other 4xx are not,
 * since the same request would be refused again.
 */
import type { DeliveryResult } from "../core/alerting/types.js";

/** Sent as User-Agent unless the channel's own headers set one. */
export const USER_AGENT = "Vigil-Notifier/1";

/** Longest piece of a response body quoted in results. */
const SNIPPET_CHARS = 200;
/** Bytes read from a response body at most, so a peer answering with megabytes costs nothing. */
const SNIPPET_BYTES = 4096;

/** One POST to make. */
export interface JsonPost {
  url: string;
  /** The serialized JSON: callers that sign the body need the exact bytes that are sent. */
  body: string;
  headers?: Headers | Record<string, string>;
  timeoutMs: number;
  /** Clock for Retry-After given as an HTTP date; defaults to Date.now. */
  now?: () => number;
}

/** POSTs JSON and maps the answer (or the failure to get one) to a DeliveryResult; never throws. */
export async function postJson(req: JsonPost): Promise<DeliveryResult> {
  const headers = new Headers(req.headers);
  headers.set("content-type", "application/json");
  if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);
  let res: Response;
  try {
    // Redirects are not followed: fetch would turn a 301/302 POST into a GET and could carry a signed
    // body or credentials to another host; the operator should fix the URL instead.
    res = await fetch(req.url, { method: "POST", headers, body: req.body, redirect: "manual", signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    return { ok: false, retryable: isRetryableFetchError(err), error: describeFetchError(err, req.timeoutMs) };
  }
  const status = res.status;
  const snippet = await readSnippet(res);
  if (status >= 200 && status < 300) return snippet ? { ok: true, status, detail: snippet } : { ok: true, status };
  const location = status >= 300 && status < 400 ? res.headers.get("location") : null;
  const error = `HTTP ${status}${snippet ? `: ${snippet}` : ""}${location !== null ? ` (redirect to ${location} not followed)` : ""}`;
  if (status === 429 || status === 408 || status >= 500) {
    const after = parseRetryAfter(res.headers.get("retry-after"), (req.now ?? Date.now)());
    return after === null ? { ok: false, retryable: true, status, error } : { ok: false, retryable: true, status, error, retryAfterMs: after };
  }
  return { ok: false, retryable: false, status, error };
}

/**
 * Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * null when absent or malformed, 0 when the date has passed.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The start of a response body on one line, or "" (a body that fails midway gives what arrived). */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short by the timeout still tells something; keep what arrived.
  }
  reader.cancel().catch(() => {});
  const text = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
}

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function isRetryableFetchError(err: unknown): boolean {
  // A URL fetch cannot parse fails the same way every time; anything else (refused, reset, DNS,
  // TLS, timeout) may pass on a later attempt.
  return errorCode(err) !== "ERR_INVALID_URL";
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { message?: string } } | null;
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const detail = e?.cause?.message ?? e?.message ?? String(err);
  return `request failed: ${detail}`;
}
