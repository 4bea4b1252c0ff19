import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BUILTIN_PRICES, PriceTable } from "./prices.js";

const T = (d: string) => Date.parse(d);

describe("PriceTable", () => {
  const table = new PriceTable(BUILTIN_PRICES);

  it("prices an event with the entry in force at its time", () => {
    assert.equal(table.lookup("gpt-4o", T("2024-06-01"))!.input_per_1m, 5);
    assert.equal(table.lookup("gpt-4o", T("2025-01-01"))!.input_per_1m, 2.5);
  });

  it("prefers an exact id over a pattern and a longer pattern over a shorter one", () => {
    const t = new PriceTable([
      { model: "acme-*", input_per_1m: 1, output_per_1m: 1, effective_from: "2024-01-01" },
      { model: "acme-large-*", input_per_1m: 2, output_per_1m: 2, effective_from: "2024-01-01" },
      { model: "acme-large-v2", input_per_1m: 3, output_per_1m: 3, effective_from: "2024-01-01" },
    ]);
    assert.equal(t.lookup("acme-small", T("2025-01-01"))!.input_per_1m, 1);
    assert.equal(t.lookup("acme-large-v1", T("2025-01-01"))!.input_per_1m, 2);
    assert.equal(t.lookup("acme-large-v2", T("2025-01-01"))!.input_per_1m, 3);
    assert.equal(t.lookup("other", T("2025-01-01")), null);
    assert.equal(t.lookup("acme-small", T("2023-01-01")), null);
  });

  it("lets a later entry for the same model and date win (config and API override built-ins)", () => {
    const t = table.with([{ model: "gpt-4o-mini*", input_per_1m: 0.1, output_per_1m: 0.2, effective_from: "2024-07-18" }]);
    assert.equal(t.lookup("gpt-4o-mini", T("2025-01-01"))!.input_per_1m, 0.1);
  });

  it("computes cost with the cached-input price and reports what the cache saved", () => {
    // gpt-4o from 2024-10-01: 2.5 in, 10 out, 1.25 cached input per 1M.
    const c = table.cost("gpt-4o", T("2025-01-01"), 1_000_000, 100_000, { cached: 400_000 })!;
    assert.equal(c.listCost, 2.5 + 1);
    assert.equal(c.cost, 0.6 * 2.5 + 0.4 * 1.25 + 1);
    assert.ok(Math.abs(c.saved - 0.4 * (2.5 - 1.25)) < 1e-12);
  });

  it("prices cache writes and reasoning tokens at their own rates as parts of the input and output, never on top", () => {
    const t = new PriceTable([{ model: "m", input_per_1m: 3, output_per_1m: 15, cached_input_per_1m: 0.3, cache_write_input_per_1m: 3.75, reasoning_output_per_1m: 20, effective_from: "2025-01-01" }]);
    // 1M input: 200k read from the cache, 100k written to it, 700k plain; 100k output of which 40k reasoning.
    const c = t.cost("m", T("2025-06-01"), 1_000_000, 100_000, { cached: 200_000, cacheWrite: 100_000, reasoning: 40_000 })!;
    const expected = (700_000 * 3 + 200_000 * 0.3 + 100_000 * 3.75 + 60_000 * 15 + 40_000 * 20) / 1e6;
    assert.ok(Math.abs(c.cost - expected) < 1e-12, `${c.cost} vs ${expected}`);
    assert.ok(Math.abs(c.saved - 200_000 * (3 - 0.3) / 1e6) < 1e-12, "what the cache read saved");
    // Without their own rates, the parts cost what their whole does: the total is unchanged by naming them.
    const plain = table.cost("gpt-4o", T("2025-01-01"), 1_000_000, 100_000, { cacheWrite: 300_000, reasoning: 50_000 })!;
    assert.equal(plain.cost, table.cost("gpt-4o", T("2025-01-01"), 1_000_000, 100_000)!.cost);
    // A part past its whole is cut to it, never added.
    const over = t.cost("m", T("2025-06-01"), 100, 10, { cached: 500, reasoning: 50 })!;
    assert.ok(Math.abs(over.cost - (100 * 0.3 + 10 * 20) / 1e6) < 1e-15);
  });

  it("cannot price a call without tokens or an unknown model", () => {
    assert.equal(table.cost("gpt-4o", Date.now(), undefined, undefined), null);
    assert.equal(table.cost("unknown-model", Date.now(), 10, 10), null);
  });

  it("matches * patterns in full, other characters literally", () => {
    const t = new PriceTable([
      { model: "acme.*-v?", input_per_1m: 1, output_per_1m: 1, effective_from: "2024-01-01" },
      { model: "*mini*", input_per_1m: 2, output_per_1m: 2, effective_from: "2024-01-01" },
      { model: "ab*ba", input_per_1m: 3, output_per_1m: 3, effective_from: "2024-01-01" },
    ]);
    const at = T("2025-01-01");
    assert.equal(t.lookup("acme.large-v?", at)!.input_per_1m, 1);
    assert.equal(t.lookup("acmeXlarge-v2", at), null);
    assert.equal(t.lookup("gpt-mini", at)!.input_per_1m, 2);
    assert.equal(t.lookup("mini", at)!.input_per_1m, 2);
    assert.equal(t.lookup("aba", at), null, "prefix and suffix may not overlap");
    assert.equal(t.lookup("abba", at)!.input_per_1m, 3);
  });

  it("looks up a model against a many-star pattern in linear time", () => {
    const t = new PriceTable([{ model: "a*a*a*a*a*a*a*b", input_per_1m: 1, output_per_1m: 1, effective_from: "2024-01-01" }]);
    const t0 = performance.now();
    // A backtracking regex (^a.*a.*a.*a.*a.*a.*a.*b$) takes on the order of n^7 steps here.
    assert.equal(t.lookup("a".repeat(5000), T("2025-01-01")), null);
    assert.equal(t.lookup("a".repeat(5000) + "b", T("2025-01-01"))!.input_per_1m, 1);
    const ms = performance.now() - t0;
    assert.ok(ms < 200, `took ${ms.toFixed(1)} ms`);
  });
});
