/**
 * Token usage of a GenAI span under the subset rule (docs/otlp.md): cache reads and cache writes are
 * parts of the input tokens, reasoning tokens part of the output tokens — never added on top.
 */
import type { Attributes } from "./model.js";
import { CACHE_CREATION_INPUT_TOKENS, CACHE_READ_INPUT_TOKENS, INPUT_TOKENS, OUTPUT_TOKENS, REASONING_OUTPUT_TOKENS } from "./genai.js";
import { firstCount } from "./attributes.js";

/** The token fields of an `llm_call` or `run` body. */
export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cached_input_tokens?: number;
  cache_creation_input_tokens?: number;
  reasoning_tokens?: number;
}

/** Metadata key holding the input tokens a sender reported when Vigil had to correct them. */
export const INPUT_REPORTED_KEY = "otel.input_tokens_reported";
/** Metadata key holding the output tokens a sender reported when Vigil had to correct them. */
export const OUTPUT_REPORTED_KEY = "otel.output_tokens_reported";

/**
 * Reads a span's token usage. The GenAI conventions say input tokens SHOULD include cache reads and
 * writes and output tokens SHOULD include reasoning, so the parts are kept as subsets and the totals
 * as sent. One exception, which no conforming sender meets: parts larger than their total prove the
 * sender counted them apart (Anthropic's own API does; so did OpenLLMetry before it followed the
 * convention), and then the total is the sum — the figure reported is kept in `notes`.
 */
export function readUsage(attrs: Attributes): { usage: Usage; notes: Record<string, number> } {
  const usage: Usage = {};
  const notes: Record<string, number> = {};
  let input = firstCount(attrs, INPUT_TOKENS);
  let output = firstCount(attrs, OUTPUT_TOKENS);
  const cacheRead = firstCount(attrs, CACHE_READ_INPUT_TOKENS);
  const cacheWrite = firstCount(attrs, CACHE_CREATION_INPUT_TOKENS);
  const reasoning = firstCount(attrs, REASONING_OUTPUT_TOKENS);
  const cacheParts = (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (input !== undefined && cacheParts > input) {
    notes[INPUT_REPORTED_KEY] = input;
    input += cacheParts;
  }
  if (output !== undefined && reasoning !== undefined && reasoning > output) {
    notes[OUTPUT_REPORTED_KEY] = output;
    output += reasoning;
  }
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  if (cacheRead !== undefined) usage.cached_input_tokens = cacheRead;
  if (cacheWrite !== undefined) usage.cache_creation_input_tokens = cacheWrite;
  if (reasoning !== undefined) usage.reasoning_tokens = reasoning;
  return { usage, notes };
}
