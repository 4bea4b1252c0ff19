/**
 * Reads what the relay records from an upstream's answer without changing a byte of it: token counts from the
 * `usage` of a JSON answer, and, from a streamed answer (server-sent events), the arrival of the first content
 * delta (time to first token) and the `usage` of the final chunk.
 */
import { StringDecoder } from "node:string_decoder";
import type { LlmUsage } from "@vigil/sdk";

/** Longest unterminated line kept between chunks; past it the line is dropped (a stream that is not SSE). */
const MAX_PARTIAL_LINE = 1 << 20;
const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/** Token counts of an OpenAI `usage` object, or null when it has none. */
export function usageFrom(value: unknown): LlmUsage | null {
  if (!isObject(value)) return null;
  const { prompt_tokens, completion_tokens, prompt_tokens_details } = value;
  const out: LlmUsage = {};
  if (isCount(prompt_tokens)) out.inputTokens = prompt_tokens;
  if (isCount(completion_tokens)) out.outputTokens = completion_tokens;
  const cached = isObject(prompt_tokens_details) ? prompt_tokens_details.cached_tokens : undefined;
  if (isCount(cached)) out.cachedInputTokens = cached;
  return Object.keys(out).length > 0 ? out : null;
}

/** The usage of a complete JSON answer (`{"usage": {...}}`), or null when it is not JSON or has none. */
export function usageOfJson(body: Buffer): LlmUsage | null {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return isObject(parsed) ? usageFrom(parsed.usage) : null;
  } catch {
    return null;
  }
}

/** Watches an SSE chat completions stream chunk by chunk for the first content delta and the usage chunk. */
export class SseUsageScanner {
  /** When (in the caller's `now` units) the first chunk carrying content arrived; null until then. */
  firstTokenAt: number | null = null;
  /** The last usage seen (the final chunk's when the upstream was asked for it). */
  usage: LlmUsage | null = null;
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  /** Feeds one chunk of the stream as it is passed on; `now` is the time it arrived. */
  push(chunk: Buffer, now: number): void {
    const text = this.partial + this.decoder.write(chunk);
    const end = text.lastIndexOf("\n");
    if (end < 0) {
      this.partial = text.length > MAX_PARTIAL_LINE ? "" : text;
      return;
    }
    this.partial = text.length - end - 1 > MAX_PARTIAL_LINE ? "" : text.slice(end + 1);
    // After the first token only a usage chunk matters: most chunks are skipped without parsing.
    if (this.firstTokenAt !== null && !text.includes('"usage"')) return;
    let start = 0;
    while (start <= end) {
      const nl = text.indexOf("\n", start);
      const line = text.slice(start, nl);
      start = nl + 1;
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "" || data === "[DONE]") continue;
      const wantsUsage = USAGE_OBJECT.test(data);
      if (this.firstTokenAt !== null && !wantsUsage) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      if (!isObject(parsed)) continue;
      if (this.firstTokenAt === null && hasContent(parsed.choices)) this.firstTokenAt = now;
      if (wantsUsage) this.usage = usageFrom(parsed.usage) ?? this.usage;
    }
  }
}

/** True when a chunk's choices carry generated output: text, a refusal, reasoning, or a tool call. */
function hasContent(choices: unknown): boolean {
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    const delta = isObject(choice) ? choice.delta : undefined;
    if (!isObject(delta)) continue;
    for (const key of ["content", "refusal", "reasoning_content", "reasoning"]) {
      const v = delta[key];
      if (typeof v === "string" && v !== "") return true;
    }
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
  }
  return false;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
