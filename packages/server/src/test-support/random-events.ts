/**
 * Randomised event sets for differential tests: runs, LLM calls, outcomes, feedback, cache and
 * tool events over 30 hours before NOW, with every dimension (agents, models, ..., query classes,
 * endpoints) drawn from small vocabularies (some left out), reproducible from a seed.
 */
import { HOUR } from "../core/rollup-plan.js";
import { rng } from "../core/seeded-random.test-support.js";
import { DIMENSIONS, type Dimension, type StoredEvent } from "../core/stored-event.js";

/** The time the data sets end at. */
export const NOW = Date.UTC(2026, 11, 7, 14, 37, 23);

/** A seeded generator of numbers in [0, 1). */
export { rng };

/** Values per dimension: agents many, modes few; some events leave dimensions out. */
export const SIZES: Record<Dimension, number> = { agent_name: 60, model: 6, route: 4, tenant_id: 12, mode: 2, query_class: 3, component: 4, service: 3, endpoint: 8 };

/** `n` events drawn from `seed`. */
export function dataset(seed: number, n: number): StoredEvent[] {
  const r = rng(seed);
  const pick = (k: number) => Math.floor(r() * k);
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = NOW - Math.floor(r() ** 2 * 30 * HOUR);
    const body: Record<string, unknown> = {};
    for (const d of DIMENSIONS) if (r() < (d === "agent_name" ? 0.95 : 0.7)) body[d] = `${d}-${pick(SIZES[d])}`;
    const kind = r();
    let type: StoredEvent["type"];
    if (kind < 0.55) {
      type = "run";
      Object.assign(body, { status: ["success", "success", "success", "failure", "timeout", "partial"][pick(6)], duration_ms: Math.round(Math.exp(4 + r() * 4)), input_tokens: pick(900), output_tokens: pick(300), cost: pick(1000) / 1e5, quality_score: r(), error_type: r() < 0.5 ? `e${pick(3)}` : undefined, agent_type: `t${pick(2)}` });
    } else if (kind < 0.8) {
      type = "llm_call";
      Object.assign(body, { status: r() < 0.9 ? "success" : "failure", latency_ms: Math.round(Math.exp(3 + r() * 4)), input_tokens: pick(2000), output_tokens: pick(500), cost: pick(100) / 1e4, cached: r() < 0.3 });
    } else if (kind < 0.88) {
      type = "outcome";
      body.accuracy = r();
    } else if (kind < 0.94) {
      type = "feedback";
      Object.assign(body, { satisfaction: r(), rating: 1 + pick(5) });
    } else if (kind < 0.97) {
      type = "cache";
      Object.assign(body, { operation: ["hit", "miss", "write", "evict"][pick(4)], entries: pick(1000), capacity: 1000 });
    } else {
      type = "tool_call";
      Object.assign(body, { status: r() < 0.8 ? "success" : "failure", duration_ms: pick(400), cost: pick(10) / 1e4 });
    }
    out.push({ id: `e${seed}-${i}`, type, ts, receivedAt: ts, body });
  }
  return out;
}
