/**
 * The versioned model price table: USD per million input / output / cached-input tokens, each
 * entry effective from a date and matched by exact model id or by a `*` pattern. A lookup takes
 * the event time, so an event is priced with the prices in force when it happened.
 * Precedence: an exact id beats a pattern; a longer pattern beats a shorter; among equals the
 * latest effective date not after the event wins; entries added later (config, API) beat
 * built-in ones with the same id, pattern and date.
 */

/** One price entry. */
export interface PriceEntry {
  /** Exact model id, or a pattern where `*` matches any run of characters (e.g. `gpt-4o-2024-*`). */
  model: string;
  input_per_1m: number;
  output_per_1m: number;
  /** Price of prompt tokens served from the provider's cache; defaults to the input price. */
  cached_input_per_1m?: number;
  /** Price of prompt tokens written to the provider's cache (Anthropic charges 1.25× input); defaults to the input price. */
  cache_write_input_per_1m?: number;
  /** Price of reasoning tokens, part of the output; defaults to the output price. */
  reasoning_output_per_1m?: number;
  /** ISO date from which the entry applies. */
  effective_from: string;
  /** Where the entry came from: `builtin`, `config` or `api`. */
  source?: string;
}

/**
 * Built-in list prices of common models (public list prices, USD per 1M tokens). They are a
 * convenience, not a contract: override them in config or through the API with your own rates.
 */
export const BUILTIN_PRICES: readonly PriceEntry[] = Object.freeze(
  (
    [
      ["gpt-4o", 5, 15, 5, "2024-05-13"],
      ["gpt-4o", 2.5, 10, 1.25, "2024-10-01"],
      ["gpt-4o-*", 2.5, 10, 1.25, "2024-10-01"],
      ["gpt-4o-mini*", 0.15, 0.6, 0.075, "2024-07-18"],
      ["gpt-4.1*", 2, 8, 0.5, "2025-04-14"],
      ["gpt-4.1-mini*", 0.4, 1.6, 0.1, "2025-04-14"],
      ["gpt-4.1-nano*", 0.1, 0.4, 0.025, "2025-04-14"],
      ["gpt-4-turbo*", 10, 30, 10, "2024-04-09"],
      ["gpt-4", 30, 60, 30, "2023-03-14"],
      ["gpt-4-0613", 30, 60, 30, "2023-06-13"],
      ["gpt-3.5-turbo*", 0.5, 1.5, 0.5, "2024-01-25"],
      ["o1*", 15, 60, 7.5, "2024-12-17"],
      ["o1-mini*", 1.1, 4.4, 0.55, "2024-12-17"],
      ["o3*", 10, 40, 2.5, "2025-04-16"],
      ["o3*", 2, 8, 0.5, "2025-06-10"],
      ["o3-mini*", 1.1, 4.4, 0.55, "2025-01-31"],
      ["o4-mini*", 1.1, 4.4, 0.275, "2025-04-16"],
      ["claude-3-opus*", 15, 75, 1.5, "2024-03-04"],
      ["claude-opus-4*", 15, 75, 1.5, "2025-05-22"],
      ["claude-3-5-sonnet*", 3, 15, 0.3, "2024-06-20"],
      ["claude-3-7-sonnet*", 3, 15, 0.3, "2025-02-24"],
      ["claude-sonnet-4*", 3, 15, 0.3, "2025-05-22"],
      ["claude-3-5-haiku*", 0.8, 4, 0.08, "2024-11-04"],
      ["claude-3-haiku*", 0.25, 1.25, 0.03, "2024-03-13"],
      ["gemini-1.5-pro*", 1.25, 5, 0.3125, "2024-10-01"],
      ["gemini-1.5-flash*", 0.075, 0.3, 0.01875, "2024-08-12"],
      ["gemini-2.0-flash*", 0.1, 0.4, 0.025, "2025-02-05"],
      ["gemini-2.5-pro*", 1.25, 10, 0.31, "2025-06-17"],
      ["gemini-2.5-flash*", 0.3, 2.5, 0.075, "2025-06-17"],
      ["mistral-large*", 2, 6, 2, "2024-11-18"],
      ["mistral-small*", 0.2, 0.6, 0.2, "2024-09-17"],
    ] as const
  ).map(([model, i, o, c, d]) => Object.freeze({ model, input_per_1m: i, output_per_1m: o, cached_input_per_1m: c, effective_from: d, source: "builtin" })),
);

interface Compiled {
  entry: PriceEntry;
  from: number;
  exact: boolean;
  /** The pattern split at its `*`s (null for an exact id). */
  glob: string[] | null;
  order: number;
}

/** The parts of a call's tokens priced apart: cached and cache-write input tokens, reasoning output tokens. */
export interface TokenParts {
  cached?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** What an event's tokens cost, and what a cache saved. */
export interface CostBreakdown {
  cost: number;
  /** What the cached input tokens would have cost at the full input price, minus what they cost. */
  saved: number;
  /** The full price of the call had nothing come from a cache. */
  listCost: number;
}

/** A compiled, queryable price table. */
export class PriceTable {
  private readonly entries: Compiled[];
  private readonly cache = new Map<string, Compiled[]>();

  constructor(entries: readonly PriceEntry[]) {
    this.entries = entries.map((entry, order) => ({
      entry,
      from: Date.parse(entry.effective_from),
      exact: !entry.model.includes("*"),
      glob: entry.model.includes("*") ? entry.model.split("*") : null,
      order,
    }));
  }

  /** Every entry, in the order given. */
  list(): PriceEntry[] {
    return this.entries.map((c) => c.entry);
  }

  /** A new table with `more` entries added after these (so they win ties). */
  with(more: readonly PriceEntry[]): PriceTable {
    return new PriceTable([...this.list(), ...more]);
  }

  /** The entry in force for `model` at time `ts`, or null when the model is unknown. */
  lookup(model: string, ts: number): PriceEntry | null {
    let cands = this.cache.get(model);
    if (!cands) {
      cands = this.entries
        .filter((c) => (c.exact ? c.entry.model === model : globMatches(c.glob!, model)))
        .sort((a, b) => Number(b.exact) - Number(a.exact) || b.entry.model.length - a.entry.model.length || b.from - a.from || b.order - a.order);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(model, cands);
    }
    // The best specificity class that has an entry in force at ts.
    for (const c of cands) if (c.from <= ts) return c.entry;
    return null;
  }

  /**
   * Cost of a call; null when the model is unknown or no tokens are given. The parts are subsets:
   * cached (read) and cache-write tokens of the input, reasoning tokens of the output, each priced
   * at its own rate instead of the whole's, never added on top (a part past its whole is cut to it).
   */
  cost(model: string, ts: number, input: number | undefined, output: number | undefined, parts: TokenParts = {}): CostBreakdown | null {
    if (input === undefined && output === undefined) return null;
    const p = this.lookup(model, ts);
    if (!p) return null;
    const inTok = input ?? 0;
    const outTok = output ?? 0;
    const cached = Math.min(parts.cached ?? 0, inTok);
    const written = Math.min(parts.cacheWrite ?? 0, inTok - cached);
    const reasoning = Math.min(parts.reasoning ?? 0, outTok);
    const cachedPrice = p.cached_input_per_1m ?? p.input_per_1m;
    const writePrice = p.cache_write_input_per_1m ?? p.input_per_1m;
    const outputCost = (outTok - reasoning) * p.output_per_1m + reasoning * (p.reasoning_output_per_1m ?? p.output_per_1m);
    // What it would have cost with nothing read from a cache: the cached tokens at the input price.
    const listCost = ((inTok - written) * p.input_per_1m + written * writePrice + outputCost) / 1e6;
    const cost = ((inTok - cached - written) * p.input_per_1m + cached * cachedPrice + written * writePrice + outputCost) / 1e6;
    return { cost, saved: listCost - cost, listCost };
  }
}

/**
 * Whether `text` matches a `*` pattern (given split at its stars) in full. The first and last parts
 * must be its prefix and suffix; each part between is taken at its leftmost place after the
 * previous one, which is optimal for `*`-only patterns. So the time is at most pattern × text, where
 * a backtracking regex (`^a.*a.*a.*b$`) takes text to the power of the number of stars.
 */
function globMatches(parts: readonly string[], text: string): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === "") continue;
    const at = text.indexOf(part, pos);
    if (at === -1 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}
