/**
 * `vigil demo`: realistic synthetic traffic through the SDK — five agents on five models and
 * routes, two tenants, LLM calls, outcomes, feedback, cache operations, tool calls and retrievals —
 * with a degradation of one model part-way through so that alerts and failover have something to
 * react to. It registers a `summarize` route (gpt-4o, then claude-sonnet-4, gpt-4o-mini) and picks
 * that route's model through the SDK router, so the failover shows in the traffic. Prints a
 * progress line.
 */
import { Vigil } from "@vigil/sdk";

/** Demo options. */
export interface DemoOptions {
  target: string;
  /** Seconds; 0 runs until interrupted. */
  duration: number;
  /** Runs per second. */
  rate: number;
  apiKey?: string;
}

interface Profile {
  agent: string;
  agentType: string;
  route: string;
  model: string;
  provider: string;
  baseMs: number;
  successRate: number;
  inTok: number;
  outTok: number;
}

const PROFILES: Profile[] = [
  { agent: "react_agent", agentType: "react", route: "summarize", model: "gpt-4o", provider: "openai", baseMs: 1200, successRate: 0.97, inTok: 1200, outTok: 350 },
  { agent: "evaluator", agentType: "evaluator", route: "grade", model: "claude-sonnet-4", provider: "anthropic", baseMs: 1600, successRate: 0.98, inTok: 2000, outTok: 200 },
  { agent: "planner", agentType: "planner", route: "plan", model: "gpt-4o-mini", provider: "openai", baseMs: 700, successRate: 0.95, inTok: 800, outTok: 500 },
  { agent: "retriever", agentType: "rag", route: "rag_answer", model: "gemini-2.0-flash", provider: "google", baseMs: 450, successRate: 0.99, inTok: 3000, outTok: 250 },
  { agent: "forecaster", agentType: "predictor", route: "epic_trajectory_prediction", model: "gpt-4.1-mini", provider: "openai", baseMs: 900, successRate: 0.96, inTok: 1500, outTok: 120 },
];
const TENANTS = ["acme", "globex"];
const MODES = ["1", "2", "3", "4"];
const ERRORS = ["timeout", "rate_limited", "tool_error", "invalid_output"];
const TOOLS = ["web_search", "calculator", "sql_query", "code_runner"];
const SOURCES = ["pinecone", "pgvector"];
const WARNINGS = ["low_confidence", "long_context", "slow_tool"];
const CACHE_CAPACITY = 1000;

/** The route the demo registers, so a degradation shows a failover. */
const DEMO_ROUTE = {
  route: "summarize",
  primary: "gpt-4o",
  backups: ["claude-sonnet-4", "gpt-4o-mini"],
  thresholds: { error_rate: { trip: 0.2, recover: 0.1, min_samples: 20 }, p95_latency_ms: { trip: 4000, recover: 3000, min_samples: 20 } },
  window: "1m",
  policy: { min_dwell_ms: "20s", backoff_base_ms: "30s" },
};

/** Registers the demo's models and route (kept as they are when they exist); a note when it cannot. */
async function registerRoute(target: string, apiKey: string | undefined): Promise<string | null> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
  const post = (path: string, body: unknown) => fetch(`${target}${path}`, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) }).then((r) => r.status);
  try {
    for (const p of PROFILES) {
      const status = await post("/api/v1/models", { id: p.model, provider: p.provider, capabilities: { tools: true } });
      if (status === 401 || status === 403) return "the API key has no admin scope: the demo route is not registered, so the degradation shows in alerts but not as a failover";
    }
    const status = await post("/api/v1/routes", DEMO_ROUTE);
    return status === 201 || status === 409 ? null : `could not register the demo route (HTTP ${status})`;
  } catch (err) {
    return `could not register the demo route: ${(err as Error).message}`;
  }
}

/** Standard normal sample (Box–Muller). */
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

/** Runs the demo; resolves the process exit code. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const target = opts.target.replace(/\/+$/, "");
  try {
    const r = await fetch(`${target}/healthz`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new Error(`GET /healthz answered ${r.status}`);
  } catch (err) {
    process.stderr.write(`vigil demo: cannot reach a Vigil server at ${target} (${(err as Error).message}). Start one with \`npm start\` or pass --target.\n`);
    return 1;
  }
  const routeNote = await registerRoute(target, opts.apiKey);
  if (routeNote) process.stderr.write(`vigil demo: ${routeNote}\n`);
  const errors: string[] = [];
  const vigil = new Vigil({ endpoint: target, ...(opts.apiKey ? { apiKey: opts.apiKey } : {}), flushIntervalMs: 500, onError: (e) => errors.length < 5 && errors.push(e.message) });
  const started = Date.now();
  const durationMs = opts.duration * 1000;
  // The degradation starts 40% into a bounded run, or after 60 s of an unbounded one.
  const degradeAt = durationMs > 0 ? durationMs * 0.4 : 60_000;
  const degraded = PROFILES[0]!;
  // The summarize route's model comes from Vigil: when gpt-4o degrades, Vigil fails the route over
  // and the demo's traffic follows, as a gateway's would.
  const router = vigil.route(DEMO_ROUTE.route, { defaultModel: DEMO_ROUTE.primary });
  const counts = { runs: 0, llm: 0, outcomes: 0, feedback: 0, cache: 0, tools: 0, retrievals: 0 };
  let cacheEntries = 600;
  let stopping = false;
  const onSignal = () => (stopping = true);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  const progress = (final = false) => {
    const s = vigil.stats();
    const el = Math.round((Date.now() - started) / 1000);
    const phase = Date.now() - started >= degradeAt ? `degraded: ${degraded.model} is slow and failing` : "healthy";
    const view = router.current();
    const routeState = view ? ` · route ${view.route} → ${view.active_model}${view.split ? ` (+${Math.round(view.split.share * 100)}% ${view.split.model})` : ""} [${view.state}]` : "";
    const line = `[demo ${el}s${durationMs ? "/" + opts.duration + "s" : ""}] runs ${counts.runs} · llm calls ${counts.llm} · outcomes ${counts.outcomes} · feedback ${counts.feedback} · cache ops ${counts.cache} · tool calls ${counts.tools} · retrievals ${counts.retrievals} · sent ${s.sent} · queued ${s.queued} · dropped ${s.dropped} · rejected ${s.rejected} · ${phase}${routeState}`;
    if (tty && !final) process.stderr.write(`\r${line}\u001b[K`);
    else process.stderr.write(line + "\n");
  };
  const tickMs = 100;
  let carry = 0;
  while (!stopping && (durationMs === 0 || Date.now() - started < durationMs)) {
    const tickStart = Date.now();
    carry += (opts.rate * tickMs) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    const isDegraded = tickStart - started >= degradeAt;
    for (let i = 0; i < n; i++) {
      const base = pick(PROFILES);
      // The summarize route takes the model Vigil says is active (or the probe share's).
      const routed = base.route === DEMO_ROUTE.route ? (router.pick()?.model ?? base.model) : base.model;
      const p = routed === base.model ? base : { ...base, model: routed, provider: PROFILES.find((x) => x.model === routed)?.provider ?? base.provider, baseMs: PROFILES.find((x) => x.model === routed)?.baseMs ?? base.baseMs };
      const bad = isDegraded && p.model === degraded.model;
      const latency = Math.max(20, p.baseMs * Math.exp(0.35 * gauss()) * (bad ? 4 : 1));
      const ok = Math.random() < (bad ? 0.62 : p.successRate);
      const status = ok ? "success" : Math.random() < 0.3 ? "timeout" : "failure";
      const runId = `demo-${started.toString(36)}-${counts.runs}`;
      const inTok = Math.round(p.inTok * (0.7 + Math.random() * 0.6));
      const outTok = ok ? Math.round(p.outTok * (0.7 + Math.random() * 0.6)) : 0;
      const cached = Math.random() < 0.25;
      const predicted = Math.round(1000 + Math.random() * 9000);
      vigil.recordLlmCall({ model: p.model, provider: p.provider, latencyMs: cached ? 5 : latency * 0.85, runId, agentName: p.agent, route: p.route, tenantId: pick(TENANTS), mode: pick(MODES), inputTokens: inTok, outputTokens: outTok, cached, status: ok || status === "timeout" ? "success" : "failure", ...(ok ? {} : { errorType: pick(ERRORS) }) });
      vigil.recordRun({ runId, agentName: p.agent, agentType: p.agentType, status, durationMs: latency, model: p.model, route: p.route, tenantId: pick(TENANTS), mode: pick(MODES), inputTokens: inTok, outputTokens: outTok, cacheHit: cached, memoryMb: 90 + Math.random() * 80, cpuMs: latency * 0.1, qualityScore: ok ? Math.min(1, 0.75 + Math.random() * 0.25) : 0.2 + Math.random() * 0.3, confidence: 0.6 + Math.random() * 0.4, retries: ok ? 0 : Math.floor(Math.random() * 3), ...(ok ? {} : { errorType: status === "timeout" ? "timeout" : pick(ERRORS) }), ...(bad && ok && Math.random() < 0.5 ? { degraded: true, degradationReason: pick(["fallback_model", "rag_timeout", "truncated_context"]) } : {}), ...(Math.random() < 0.1 ? { warnings: [pick(WARNINGS)] } : {}), metadata: { prediction: predicted } });
      counts.runs++;
      counts.llm++;
      // The answer cache: a lookup per run, a write after each miss, evictions once full.
      const mode = pick(MODES);
      vigil.recordCache({ operation: cached ? "hit" : "miss", cache: "answers", mode, agentName: p.agent, runId, ...(cached ? { entryAgeMs: Math.round(Math.random() * 3_600_000) } : {}), entries: cacheEntries, capacity: CACHE_CAPACITY, memoryBytes: cacheEntries * 48_000 });
      counts.cache++;
      if (!cached) {
        const full = cacheEntries >= CACHE_CAPACITY;
        if (full) vigil.recordCache({ operation: "evict", cache: "answers", mode, reason: "capacity", entryAgeMs: Math.round(600_000 + Math.random() * 3_000_000), entries: cacheEntries - 1, capacity: CACHE_CAPACITY, memoryBytes: (cacheEntries - 1) * 48_000 });
        else cacheEntries++;
        vigil.recordCache({ operation: "write", cache: "answers", mode, entries: cacheEntries, capacity: CACHE_CAPACITY, memoryBytes: cacheEntries * 48_000 });
        counts.cache += full ? 2 : 1;
      }
      if (Math.random() < 0.002) {
        vigil.recordCache({ operation: "invalidate", cache: "answers", count: 50, reason: "deploy", entryAgeMs: 1_800_000, entries: cacheEntries - 50, capacity: CACHE_CAPACITY, memoryBytes: (cacheEntries - 50) * 48_000 });
        cacheEntries -= 50;
        counts.cache++;
      }
      if (p.agentType === "react" || p.agentType === "planner") {
        vigil.recordToolCall({ tool: pick(TOOLS), status: Math.random() < (bad ? 0.8 : 0.96) ? "success" : "failure", durationMs: Math.round(50 + Math.random() * 900), cost: 0.0002, agentName: p.agent, mode, runId });
        counts.tools++;
      }
      if (p.agentType === "rag" || Math.random() < 0.3) {
        vigil.recordRetrieval({ source: pick(SOURCES), status: Math.random() < 0.985 ? "success" : "failure", durationMs: Math.round(20 + Math.random() * 250), documents: 1 + Math.floor(Math.random() * 8), cost: 0.00005, agentName: p.agent, mode, runId });
        counts.retrievals++;
      }
      if (Math.random() < 0.3) {
        const drift = bad ? 0.5 : 0.08;
        vigil.recordOutcome({ runId, actualOutcome: Math.round(predicted * (1 + (Math.random() * 2 - 1) * drift)), feedbackSource: "automated" });
        counts.outcomes++;
      }
      if (Math.random() < 0.15) {
        vigil.recordFeedback({ runId, rating: bad ? 1 + Math.floor(Math.random() * 3) : 3 + Math.floor(Math.random() * 3) });
        counts.feedback++;
      }
    }
    if (Date.now() - lastPrint >= (tty ? 1000 : 5000)) {
      progress();
      lastPrint = Date.now();
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - tickStart))));
  }
  router.close();
  await vigil.shutdown();
  progress(true);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (errors.length) process.stderr.write(`vigil demo: ${errors.length} problem(s) reported, first: ${errors[0]}\n`);
  const s = vigil.stats();
  return s.sent > 0 && s.failedBatches === 0 ? 0 : 1;
}
