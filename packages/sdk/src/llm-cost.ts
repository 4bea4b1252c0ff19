/**
 * The cost of an LLM call from caller-given token prices (seed 004's `track_llm_call`), priced the way the server
 * prices a call from its own table, and the token counts of common provider answers. Pure functions.
 */
import type { LlmCallInput, LlmPrices, LlmUsage, TrackLlmCallInput } from "./types.js";

/** What {@link llmCallCost} reads of a call: its token counts, whether a cache answered it, and the prices. */
export interface PricedCall extends LlmPrices, LlmUsage {
  /** The whole answer came from a cache. */
  cached?: boolean;
}

/**
 * USD cost of one call at the given prices, rounded to 1e-9 USD: 0 for an answer from a cache; undefined when no
 * price (or no token count) is given, or when tokens of a kind that has no price were used.
 */
export function llmCallCost(call: PricedCall): number | undefined {
  if (call.cached === true) return 0;
  // Input tokens include the cached ones (as in OpenAI's usage and the server's price table); a price that is not a
  // finite number >= 0 counts as absent, and the per-1M price wins over the per-1k one.
  const inPrice = perMillion(call.pricePer1MInput, call.costPer1kInput);
  const outPrice = perMillion(call.pricePer1MOutput, call.costPer1kOutput);
  const cachedPrice = perMillion(call.pricePer1MCachedInput, call.costPer1kCachedInput) ?? inPrice;
  if (inPrice === undefined && outPrice === undefined && cachedPrice === undefined) return undefined;
  if (call.inputTokens === undefined && call.outputTokens === undefined) return undefined;
  const input = call.inputTokens ?? 0;
  const output = call.outputTokens ?? 0;
  const cached = Math.min(call.cachedInputTokens ?? 0, input);
  const terms: [number, number | undefined][] = [[input - cached, inPrice], [cached, cachedPrice], [output, outPrice]];
  let cost = 0;
  for (const [tokens, price] of terms) {
    if (tokens === 0) continue;
    if (price === undefined) return undefined;
    cost += (tokens * price) / 1e6;
  }
  // Token counts the server would reject (negative, NaN) give no cost rather than a NaN one.
  if (!Number.isFinite(cost) || cost < 0) return undefined;
  return Math.round(cost * 1e9) / 1e9;
}

/**
 * The record input of `trackLlmCall` without its prices, with `latencyMs` defaulted to 0 and the computed cost set
 * (except on a cached answer, which the server books at 0 as a cache hit, valuing the saving), and the cost to return.
 */
export function pricedLlmCall(input: TrackLlmCallInput): { call: LlmCallInput; cost: number | undefined } {
  // Prices shape the cost and are never sent: the wire format has no field for them.
  const { costPer1kInput: _i, costPer1kOutput: _o, costPer1kCachedInput: _c, pricePer1MInput: _mi, pricePer1MOutput: _mo, pricePer1MCachedInput: _mc, ...rest } = input;
  const call: LlmCallInput = { ...rest, latencyMs: rest.latencyMs ?? 0 };
  // A caller's cost always wins, as on the server.
  const cost = input.cost !== undefined ? input.cost : llmCallCost(input);
  if (input.cost === undefined && cost !== undefined && input.cached !== true) call.cost = cost;
  return { call, cost };
}

/** A price in USD per 1M tokens from a per-1M or a per-1k one (per-1M first); undefined when neither is usable. */
function perMillion(per1M: number | undefined, per1k: number | undefined): number | undefined {
  if (isPrice(per1M)) return per1M;
  if (isPrice(per1k)) return per1k * 1000;
  return undefined;
}

function isPrice(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/**
 * The token counts of a provider's answer: an object with camelCase `inputTokens` / `outputTokens` /
 * `cachedInputTokens`, or a `usage` object as OpenAI (Chat Completions, Responses) or Anthropic (Messages)
 * return it; undefined for anything else.
 */
export function readUsage(result: unknown): LlmUsage | undefined {
  if (!isObject(result)) return undefined;
  if (isCount(result.inputTokens) || isCount(result.outputTokens)) {
    return usage(result.inputTokens, result.outputTokens, result.cachedInputTokens);
  }
  const u = result.usage;
  if (!isObject(u)) return undefined;
  // OpenAI Chat Completions: prompt_tokens include the cached ones.
  if (isCount(u.prompt_tokens) || isCount(u.completion_tokens)) {
    return usage(u.prompt_tokens, u.completion_tokens, isObject(u.prompt_tokens_details) ? u.prompt_tokens_details.cached_tokens : undefined);
  }
  if (!isCount(u.input_tokens) && !isCount(u.output_tokens)) return undefined;
  // OpenAI Responses: input_tokens include the cached ones, reported in input_tokens_details.
  if (isObject(u.input_tokens_details)) return usage(u.input_tokens, u.output_tokens, u.input_tokens_details.cached_tokens);
  // Anthropic Messages: input_tokens exclude cache reads and writes, which Vigil counts as input.
  const read = isCount(u.cache_read_input_tokens) ? u.cache_read_input_tokens : 0;
  const written = isCount(u.cache_creation_input_tokens) ? u.cache_creation_input_tokens : 0;
  const input = isCount(u.input_tokens) ? u.input_tokens + read + written : undefined;
  return usage(input, u.output_tokens, read > 0 ? read : undefined);
}

/** The token counts of a function's result, read by `reader` when given (else {@link readUsage}); only defined counts, and none when the reader throws. */
export function usageOf<T>(result: T, reader?: (result: T) => LlmUsage | null | undefined): LlmUsage {
  let counts: LlmUsage | null | undefined;
  try {
    counts = reader ? reader(result) : readUsage(result);
  } catch {
    // A failing reader costs the token counts, not the event.
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(counts ?? {})) if (value !== undefined) out[key] = value;
  return out as LlmUsage;
}

/** A usage with only the counts that are non-negative integers. */
function usage(input: unknown, output: unknown, cachedInput: unknown): LlmUsage {
  const out: LlmUsage = {};
  if (isCount(input)) out.inputTokens = input;
  if (isCount(output)) out.outputTokens = output;
  if (isCount(cachedInput)) out.cachedInputTokens = cachedInput;
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
