import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { llmCallCost, pricedLlmCall, readUsage, usageOf } from "./llm-cost.js";

describe("llmCallCost", () => {
  it("prices seed 004's call at 1000 input and 500 output tokens for 0.03 / 0.06 per 1k as 0.06 USD", () => {
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, cached: false, costPer1kInput: 0.03, costPer1kOutput: 0.06 }), 0.06);
  });

  it("prices per 1M tokens, and prefers the per-1M price when both units are given for one kind of token", () => {
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, pricePer1MInput: 2.5, pricePer1MOutput: 10 }), 0.0075);
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, costPer1kInput: 0.03, pricePer1MInput: 2.5, pricePer1MOutput: 10 }), 0.0075);
    // Units may be mixed across kinds of token.
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, pricePer1MInput: 2.5, costPer1kOutput: 0.01 }), 0.0075);
  });

  it("prices cached input tokens, counted inside inputTokens, at the cached price or else at the input price", () => {
    const call = { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400, pricePer1MInput: 2.5, pricePer1MOutput: 10 };
    assert.equal(llmCallCost({ ...call, pricePer1MCachedInput: 1.25 }), 0.007); // (600 × 2.5 + 400 × 1.25 + 500 × 10) / 1e6
    assert.equal(llmCallCost({ ...call, costPer1kCachedInput: 0.00125 }), 0.007);
    assert.equal(llmCallCost(call), 0.0075);
    // More cached tokens than input tokens are capped, as the server does.
    assert.equal(llmCallCost({ inputTokens: 100, cachedInputTokens: 1000, pricePer1MInput: 2.5, pricePer1MCachedInput: 1 }), 0.0001);
  });

  it("costs a whole answer from a cache 0, whatever the prices", () => {
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, cached: true, costPer1kInput: 0.03, costPer1kOutput: 0.06 }), 0);
    assert.equal(llmCallCost({ cached: true }), 0);
  });

  it("rounds to 1e-9 USD", () => {
    assert.equal(llmCallCost({ inputTokens: 7, pricePer1MInput: 0.3333 }), 0.000002333); // 2.3331e-6 exactly
    assert.equal(llmCallCost({ inputTokens: 1, pricePer1MInput: 0.0004 }), 0);
    assert.equal(llmCallCost({ inputTokens: 3, outputTokens: 3, costPer1kInput: 0.1, costPer1kOutput: 0.2 }), 0.0009);
  });

  it("gives no cost when no price, no token count, or no price for tokens that were used is given", () => {
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500 }), undefined);
    assert.equal(llmCallCost({ costPer1kInput: 0.03, costPer1kOutput: 0.06 }), undefined);
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 500, costPer1kInput: 0.03 }), undefined);
    assert.equal(llmCallCost({ inputTokens: 1000, outputTokens: 0, costPer1kInput: 0.03 }), 0.03);
    assert.equal(llmCallCost({ inputTokens: 1000, cachedInputTokens: 1000, costPer1kCachedInput: 0.01 }), 0.01);
  });

  it("treats a price that is not a finite number >= 0 as absent, and bad token counts as no cost rather than NaN", () => {
    assert.equal(llmCallCost({ inputTokens: 1000, costPer1kInput: Number.NaN }), undefined);
    assert.equal(llmCallCost({ inputTokens: 1000, costPer1kInput: -1 }), undefined);
    assert.equal(llmCallCost({ inputTokens: 1000, pricePer1MInput: Number.POSITIVE_INFINITY, costPer1kInput: 0.03 }), 0.03);
    assert.equal(llmCallCost({ inputTokens: -1000, costPer1kInput: 0.03 }), undefined);
    assert.equal(llmCallCost({ inputTokens: Number.NaN, costPer1kInput: 0.03 }), undefined);
  });
});

describe("pricedLlmCall", () => {
  it("drops the prices, defaults latencyMs to 0 and sets the computed cost", () => {
    const { call, cost } = pricedLlmCall({ model: "gpt-4", mode: "1", inputTokens: 1000, outputTokens: 500, cached: false, costPer1kInput: 0.03, costPer1kOutput: 0.06, pricePer1MCachedInput: 1 });
    assert.equal(cost, 0.06);
    assert.deepEqual(call, { model: "gpt-4", mode: "1", inputTokens: 1000, outputTokens: 500, cached: false, latencyMs: 0, cost: 0.06 });
  });

  it("keeps the caller's cost and latency as given", () => {
    const { call, cost } = pricedLlmCall({ model: "m", latencyMs: 12, inputTokens: 1000, cost: 0.5, costPer1kInput: 0.03 });
    assert.equal(cost, 0.5);
    assert.deepEqual(call, { model: "m", latencyMs: 12, inputTokens: 1000, cost: 0.5 });
  });

  it("leaves a cached answer's cost to the server but returns 0", () => {
    const { call, cost } = pricedLlmCall({ model: "m", inputTokens: 1000, cached: true, costPer1kInput: 0.03 });
    assert.equal(cost, 0);
    assert.deepEqual(call, { model: "m", inputTokens: 1000, cached: true, latencyMs: 0 });
  });
});

describe("readUsage", () => {
  it("reads camelCase counts from the result itself", () => {
    assert.deepEqual(readUsage({ text: "hi", inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 }), { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 });
    assert.deepEqual(readUsage({ outputTokens: 5 }), { outputTokens: 5 });
  });

  it("reads OpenAI Chat Completions usage, whose prompt tokens include the cached ones", () => {
    const answer = { choices: [], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 256 } } };
    assert.deepEqual(readUsage(answer), { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 256 });
    assert.deepEqual(readUsage({ usage: { prompt_tokens: 10, completion_tokens: 1 } }), { inputTokens: 10, outputTokens: 1 });
  });

  it("reads OpenAI Responses usage", () => {
    const answer = { output: [], usage: { input_tokens: 1000, output_tokens: 500, input_tokens_details: { cached_tokens: 300 }, output_tokens_details: { reasoning_tokens: 10 } } };
    assert.deepEqual(readUsage(answer), { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 300 });
  });

  it("reads Anthropic Messages usage, adding cache reads and writes to the input tokens", () => {
    const answer = { content: [], usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 800, cache_creation_input_tokens: 100 } };
    assert.deepEqual(readUsage(answer), { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 800 });
    assert.deepEqual(readUsage({ usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: null } }), { inputTokens: 100, outputTokens: 50 });
  });

  it("finds nothing in other values", () => {
    for (const value of [undefined, null, 3, "text", [], {}, { usage: null }, { usage: { total: 3 } }, { inputTokens: -1 }, { inputTokens: 1.5 }]) {
      assert.equal(readUsage(value), undefined, JSON.stringify(value));
    }
  });
});

describe("usageOf", () => {
  it("uses the caller's reader when given and keeps only the counts it defines", () => {
    assert.deepEqual(usageOf({ n: 3 }, (r) => ({ inputTokens: r.n, outputTokens: undefined })), { inputTokens: 3 });
    assert.deepEqual(usageOf({ usage: { prompt_tokens: 4 } }), { inputTokens: 4 });
  });

  it("gives no counts when the reader throws or finds nothing", () => {
    assert.deepEqual(usageOf(1, () => { throw new Error("boom"); }), {});
    assert.deepEqual(usageOf(1, () => null), {});
    assert.deepEqual(usageOf("plain text"), {});
  });
});
