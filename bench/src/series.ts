/**
 * Distinct run events spread over a chosen number of distinct series (agent × model × route ×
 * tenant × mode), for the benches that measure how cost grows with cardinality: every event has its
 * own id, its own timestamp (uniform at random over a time span) and its own log-normal latency,
 * status, tokens and cost, so sketches and buckets grow as they do with real traffic.
 */
import { HttpClient, rng, runBody } from "./common.js";

/** How many distinct values each dimension takes, and how many series are used. */
export interface SeriesSpec {
  /** As written in a setting: `1000`, or `100000t` for distinct tenants. */
  label: string;
  series: number;
  /** Every series has its own tenant (and one of 5 agents, one model, route and mode). */
  tenantsOnly: boolean;
  agents: number;
  models: number;
  routes: number;
  tenants: number;
  modes: number;
}

/** The dimensions of one series. */
export interface SeriesDims {
  agent_name: string;
  model: string;
  route: string;
  tenant_id: string;
  mode: string;
  agentIx: number;
}

const MODES = ["chat", "batch"] as const;

/**
 * The spec of `n` distinct series. Agents vary fastest, then models, routes, modes and tenants:
 * about n^0.4 agents, up to 8 models, 4 routes, 2 modes and as many tenants as it takes.
 */
export function seriesSpec(n: number, tenantsOnly = false): SeriesSpec {
  if (tenantsOnly) return { label: `${n}t`, series: n, tenantsOnly, agents: Math.min(5, n), models: 1, routes: 1, tenants: n, modes: 1 };
  const agents = Math.max(1, Math.ceil(n ** 0.4));
  const models = Math.min(8, Math.max(1, Math.ceil(n ** 0.2)));
  const routes = Math.min(4, Math.max(1, Math.ceil(n / (agents * models))));
  const modes = Math.min(2, Math.max(1, Math.ceil(n / (agents * models * routes))));
  const tenants = Math.max(1, Math.ceil(n / (agents * models * routes * modes)));
  return { label: String(n), series: n, tenantsOnly, agents, models, routes, tenants, modes };
}

/** Parses `10,1000,50000,100000t` (a `t` suffix: that many distinct tenants). */
export function parseSeriesList(text: string, name: string): SeriesSpec[] {
  return text.split(",").map((raw) => {
    const v = raw.trim().replace(/_/g, "");
    const m = /^(\d+)(t?)$/.exec(v);
    if (!m || Number(m[1]) <= 0) throw new Error(`${name} must be a comma-separated list of positive integers (a "t" suffix for distinct tenants), got "${text}"`);
    return seriesSpec(Number(m[1]), m[2] === "t");
  });
}

/** The dimensions of series `k` (0 ≤ k < spec.series); distinct for distinct k. */
export function seriesDims(spec: SeriesSpec, k: number): SeriesDims {
  if (spec.tenantsOnly) {
    const agentIx = k % spec.agents;
    return { agent_name: `agent-${agentIx}`, model: "gpt-4o", route: "summarize", tenant_id: `tenant-${String(k).padStart(6, "0")}`, mode: "chat", agentIx };
  }
  let rest = k;
  const digit = (radix: number) => {
    const d = rest % radix;
    rest = Math.floor(rest / radix);
    return d;
  };
  const agentIx = digit(spec.agents);
  const model = digit(spec.models);
  const route = digit(spec.routes);
  const mode = digit(spec.modes);
  const tenant = digit(spec.tenants);
  return { agent_name: `agent-${String(agentIx).padStart(4, "0")}`, model: `model-${model}`, route: `route-${route}`, tenant_id: `tenant-${String(tenant).padStart(5, "0")}`, mode: MODES[mode]!, agentIx };
}

/** A run body of series `k`: runBody's status, tokens, cost, quality and metadata; latency log-normal around a per-agent median. */
export function seriesRun(r: () => number, spec: SeriesSpec, k: number): Record<string, unknown> {
  const d = seriesDims(spec, k);
  const body = runBody(r, 0, { agents: [d.agent_name], models: [d.model], routes: [d.route], tenants: [d.tenant_id] });
  // runBody's median is 400 ms for its first agent; spread the medians over 400-1,000 ms by agent.
  body.duration_ms = Math.round((body.duration_ms as number) * ((400 + 150 * (d.agentIx % 5)) / 400) * 10) / 10;
  body.mode = d.mode;
  return body;
}

/** One ingest request body: events `first`…`first + count - 1`, event i of series i % spec.series, timestamps uniform in [from, to). */
export function distinctBatch(spec: SeriesSpec, first: number, count: number, from: number, to: number, tag: string, seed = 101): Buffer {
  const r = rng(seed + first * 7919);
  const parts: string[] = [];
  for (let i = first; i < first + count; i++) {
    const ts = Math.floor(from + r() * (to - from));
    const id = `evt_${ts.toString(36)}${i.toString(36).padStart(6, "0")}${tag}`;
    parts.push(JSON.stringify({ id, type: "run", timestamp: ts, body: seriesRun(r, spec, i % spec.series) }));
  }
  return Buffer.from(`{"events":[${parts.join(",")}]}`);
}

/** What a distinct-event ingest gave. */
export interface SendResult {
  acked: number;
  errors: number;
  firstError: string | null;
  ms: number;
}

/**
 * POSTs events `first`…`first + total - 1` (generated batch by batch, so nothing repeats) from
 * `concurrency` keep-alive loops, and resolves when all are answered.
 */
export async function sendDistinct(url: string, o: { spec: SeriesSpec; total: number; first?: number; batch: number; concurrency: number; from: number; to: number; tag: string; progress?: (acked: number) => void }): Promise<SendResult> {
  const http = new HttpClient(url, o.concurrency);
  const first = o.first ?? 0;
  const res: SendResult = { acked: 0, errors: 0, firstError: null, ms: 0 };
  let next = 0;
  let lastReport = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (next < o.total) {
      const start = next;
      const count = Math.min(o.batch, o.total - start);
      next += count;
      const r = await http.send("POST", "/api/v1/ingest", distinctBatch(o.spec, first + start, count, o.from, o.to, o.tag));
      if (r.status !== 207) {
        res.errors += count;
        res.firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 300)}`;
        continue;
      }
      const answer = JSON.parse(r.text) as { successes: unknown[]; errors: { message: string }[] };
      res.acked += answer.successes.length;
      if (answer.errors.length) {
        res.errors += answer.errors.length;
        res.firstError ??= answer.errors[0]!.message;
      }
      if (o.progress && res.acked - lastReport >= 100_000) {
        lastReport = res.acked;
        o.progress(res.acked);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, loop));
  } finally {
    http.close();
  }
  res.ms = performance.now() - t0;
  return res;
}
