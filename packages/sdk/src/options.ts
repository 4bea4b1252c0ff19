/** The client's options (SPEC §5) checked and given their defaults, and where its batches go. */
import type { VigilSdkError } from "./errors.js";
import { nodePoster } from "./node-post.js";
import type { PostTarget } from "./transport.js";
import type { VigilOptions } from "./types.js";

/** Options with their defaults applied. */
export interface ResolvedOptions {
  target: PostTarget;
  flushIntervalMs: number;
  maxBatchSize: number;
  maxBatchBytes: number;
  maxQueueSize: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  onError: ((err: VigilSdkError) => void) | undefined;
  flushOnExit: boolean;
}

/** Checks the options (a TypeError or RangeError naming the option) and applies the defaults. */
export function resolveOptions(options: VigilOptions): ResolvedOptions {
  const {
    endpoint, apiKey, flushIntervalMs = 1000, maxBatchSize = 500, maxBatchBytes = 4 * 1024 * 1024, maxQueueSize = 100_000,
    maxRetries = 5, retryBaseMs = 200, retryMaxMs = 30_000, timeoutMs = 10_000, onError, flushOnExit = true,
  } = options;
  if (typeof endpoint !== "string" || endpoint === "") throw new TypeError("Vigil: `endpoint` must be a URL such as http://localhost:8001");
  for (const [name, value, min] of [
    ["flushIntervalMs", flushIntervalMs, 0], ["maxBatchSize", maxBatchSize, 1], ["maxBatchBytes", maxBatchBytes, 1024], ["maxQueueSize", maxQueueSize, 1],
    ["maxRetries", maxRetries, 0], ["retryBaseMs", retryBaseMs, 0], ["retryMaxMs", retryMaxMs, 0], ["timeoutMs", timeoutMs, 1],
  ] as const) {
    if (typeof value !== "number" || Number.isNaN(value) || value < min) throw new RangeError(`Vigil: \`${name}\` must be a number >= ${min}`);
  }
  const fetchFn = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof fetchFn !== "function") throw new TypeError("Vigil: this runtime has no global fetch; pass the `fetch` option");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const url = `${endpoint.replace(/\/+$/, "")}/api/v1/ingest`;
  // Node's own HTTP client costs the caller's thread less than half of what fetch does per batch; a given fetch is used as given.
  const target = { fetch: fetchFn, url, headers, timeoutMs, post: options.fetch ? undefined : nodePoster(url, headers) };
  return {
    target, flushIntervalMs, maxBatchSize: Math.floor(maxBatchSize), maxBatchBytes: Math.floor(maxBatchBytes), maxQueueSize,
    maxRetries: Math.floor(maxRetries), retryBaseMs, retryMaxMs, onError, flushOnExit,
  };
}
