/**
 * Generated traffic for the SLO tests and benchmark: runs, LLM calls, feedback and outcomes of a
 * few agents minute by minute, with latencies on and next to the latency ladder's boundaries,
 * accuracies on and off the 0.05 steps, ratings and thumbs, and incidents — spans in which one
 * agent's runs and calls fail or slow down at a given rate. Reproducible from a seed.
 */
import { MINUTE } from "../rollup-plan.js";
import type { StoredEvent } from "../stored-event.js";
import { rng } from "../seeded-random.test-support.js";


/** The agents of the generated traffic, each with its model and route. */
export const AGENTS = [
  { agent_name: "planner", model: "m-large", route: "r-a" },
  { agent_name: "coder", model: "m-large", route: "r-b" },
  { agent_name: "coder", model: "m-small", route: "r-b" },
  { agent_name: "critic", model: "m-small", route: "r-a" },
] as const;

/** A span in which one agent's runs (and their LLM calls) fail, or take `slowMs`, at `rate`. */
export interface Incident {
  agent: string;
  from: number;
  to: number;
  /** Share of runs and calls that fail (failure or timeout) in the span. */
  failRate?: number;
  /** Share of runs that take `slowMs` in the span. */
  slowRate?: number;
  slowMs?: number;
}

/** What to generate: [from, to), events per agent per minute (on average), incidents. */
export interface TrafficOptions {
  from: number;
  to: number;
  seed: number;
  perMinute?: number;
  incidents?: readonly Incident[];
  /** Also feedback and outcomes (default true). */
  ratings?: boolean;
}

/** Latencies on the ladder, just off it, and between: exactness is judged on the boundaries. */
const EDGY_MS = [250, 249, 251, 1000, 999.5, 1000.5, 3000, 2999, 3001, 3000.25, 6000, 5999, 6001, 60000, 60001];

/** Events sorted by time. */
export function sloTraffic(o: TrafficOptions): StoredEvent[] {
  const r = rng(o.seed);
  const per = o.perMinute ?? 2;
  const out: StoredEvent[] = [];
  let n = 0;
  const latency = () => (r() < 0.3 ? EDGY_MS[Math.floor(r() * EDGY_MS.length)]! : Math.round(Math.exp(5 + r() * 3.5)));
  for (let m = o.from - (o.from % MINUTE); m < o.to; m += MINUTE) {
    for (const a of AGENTS) {
      const k = Math.floor(r() * (2 * per + 1));
      for (let i = 0; i < k; i++) {
        const ts = m + Math.floor(r() * MINUTE);
        if (ts < o.from || ts >= o.to) continue;
        const inc = o.incidents?.find((x) => x.agent === a.agent_name && ts >= x.from && ts < x.to);
        const dims = { agent_name: a.agent_name, model: a.model, route: a.route, mode: "live" };
        const fail = r() < (inc?.failRate ?? 0.01);
        const status = fail ? (r() < 0.7 ? "failure" : "timeout") : r() < 0.02 ? "partial" : "success";
        const slow = inc?.slowRate !== undefined && r() < inc.slowRate;
        const id = `e${n++}`;
        out.push({ id, type: "run", ts, receivedAt: ts, body: { ...dims, status, duration_ms: slow ? inc!.slowMs! : latency() } });
        out.push({ id: `${id}l`, type: "llm_call", ts, receivedAt: ts, body: { ...dims, status: r() < (inc?.failRate ?? 0.005) ? "failure" : "success", latency_ms: latency() } });
        if (o.ratings === false) continue;
        const f = r();
        if (f < 0.15) out.push({ id: `${id}f`, type: "feedback", ts, receivedAt: ts, body: { ...dims, rating: 1 + Math.floor(r() ** 0.5 * 5) } });
        else if (f < 0.2) out.push({ id: `${id}f`, type: "feedback", ts, receivedAt: ts, body: { ...dims, thumbs: r() < 0.8 ? "up" : "down" } });
        if (r() < 0.25) {
          const x = r();
          const accuracy = x < 0.1 ? 0.75 : x < 0.15 ? 0.7 : x < 0.2 ? 1 : x < 0.22 ? 0 : Math.floor(r() * 101) / 100;
          out.push({ id: `${id}o`, type: "outcome", ts, receivedAt: ts, body: { ...dims, accuracy } });
        }
      }
    }
  }
  return out.sort((x, y) => x.ts - y.ts);
}
