/**
 * The server the dashboard suites look at: `vigil serve` with an alert rule, fast failover and five SLOs,
 * fed 30 s of `vigil demo` (healthy, then gpt-4o slows and fails, an alert fires and the summarize
 * route fails over), plus runs of its own spread over the last 12 minutes (so that 15-minute
 * sparklines have a dozen steps) and a few 75 minutes ago (so that the hour has a previous window
 * with data, and the quarter-hour has none), and an agent watched by an anomaly rule whose latency
 * jumps in the current minute, with a cost per run rising toward its rule's limit (see
 * sendAnomalyTraffic), and an OpenTelemetry trace sent to /v1/traces (sendTrace). Chromium signs in
 * with an admin key.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, watchedPage, type WatchedPage } from "./browser.js";
import { childServer, postJson, rng, tempDir, VIGIL_BIN, type ChildServer } from "./helpers.js";
import { waitFor } from "./pg-support.js";

export const ADMIN = "admin-key-browser-0123456789";
export const READ = "read-key-browser-0123456789";

/** The agent whose runs the fixture spreads over the last 12 minutes (and 75 minutes ago). */
export const HISTORY_AGENT = "history_agent";

/** The agent the fixture's anomaly rule watches (its runs: sendAnomalyTraffic). */
export const ANOMALY_AGENT = "anomaly_agent";
/** The fixture's anomaly rule: p95 latency per agent, 1-minute steps. */
export const ANOMALY_RULE = "AgentLatencyAnomaly";
/** The fixture's threshold rule on ANOMALY_AGENT's cost per task, whose rising trend is forecast to cross $0.02. */
export const COST_RULE = "AnomalyAgentCostPerTask";

/** The fixture's OpenTelemetry trace (sendTrace): an agent span with two model calls, one failed, and a tool call. */
export const TRACE_ID = "5b8efff798038103d269b633813fc60c";
/** The agent and model of that trace. */
export const TRACE_AGENT = "trace_agent";
// A model the built-in price table prices (gpt-4o-mini*), so the trace's calls have a cost; not the demo's model.
export const TRACE_MODEL = "gpt-4o-mini-2024-07-18";

/**
 * The fixture's SLOs: react_agent's availability (broken by the demo's degradation: budget spent,
 * burn-rate alerts), history_agent's latency (met with budget to spare), react_agent's satisfaction,
 * planner's latency budgeted by one-minute time slices, and one over a class no event belongs to.
 */
export const SLO_NAMES = ["react_agent_availability", "history_latency", "react_agent_satisfaction", "planner_latency_slices", "idle_availability"] as const;

/** A script run before each page of a context: signs in with `key` as the key form would. */
export function signIn(key: string): string {
  return `localStorage.setItem("vigil.apiKey", ${JSON.stringify(key)})`;
}

/** The running server, the browser and the pages opened so far (their problems are checked at the end). */
export interface Fixture {
  tmp: ReturnType<typeof tempDir>;
  server: ChildServer;
  browser: Browser;
  /** A 1280x800 context signed in as admin. */
  admin: BrowserContext;
  watched: WatchedPage[];
}

let fx: Fixture | undefined;

/** The fixture; only inside tests, after `startFixture`. */
export function fixture(): Fixture {
  assert.ok(fx, "the dashboard fixture is started in before()");
  return fx;
}

/** GET (or send to) an API path as admin; the answer must be 2xx. */
export async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const r = await fetch(`${fixture().server.url}/api/v1/${path}`, { method: init.method ?? "GET", headers: { authorization: `Bearer ${ADMIN}`, ...(init.body ? { "content-type": "application/json" } : {}) }, body: init.body ? JSON.stringify(init.body) : undefined });
  const body = await r.json();
  assert.ok(r.ok, `${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** Opens a watched page of `context` (the admin one by default) at `hash` and waits for `ready`. */
export async function open(hash: string, ready: string, context?: BrowserContext): Promise<Page> {
  const f = fixture();
  const w = await watchedPage(context ?? f.admin);
  f.watched.push(w);
  await w.page.goto(`${f.server.url}/${hash}`);
  await w.page.waitForSelector(ready, { timeout: 15_000 });
  return w.page;
}

/** Sends `n` successful runs of HISTORY_AGENT at `at(i)` (epoch ms). */
export async function sendRuns(n: number, at: (i: number) => number): Promise<void> {
  await ingest(Array.from({ length: n }, (_, i) => ({ type: "run", timestamp: at(i), body: { agent_name: HISTORY_AGENT, agent_type: "batch", model: "history-model", status: i % 9 === 0 ? "failure" : "success", duration_ms: 300 + (i % 7) * 40, cost: 0.001 } })));
}

/** Sends runs as admin; every one must be accepted. */
async function ingest(events: unknown[]): Promise<void> {
  const r = await postJson(`${fixture().server.url}/api/v1/ingest`, { events }, { authorization: `Bearer ${ADMIN}` });
  assert.equal(r.status, 207, `ingest answered ${r.status}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body.errors, [], "every run is accepted");
}

/** A run of ANOMALY_AGENT. */
const anomalyRun = (timestamp: number, duration_ms: number, cost: number) => ({ type: "run", timestamp, body: { agent_name: ANOMALY_AGENT, agent_type: "watched", model: "watched-model", status: "success", duration_ms: Math.round(duration_ms), cost } });

/**
 * ANOMALY_AGENT's traffic: three runs a minute from 10½ hours ago to 33 minutes ago, of 320 to
 * 480 ms, their cost rising steadily from $0.008 to $0.016 (COST_RULE's $0.02 is then predicted
 * to be crossed in a few hours); nothing in the last half hour, so that the quarter-hour's previous
 * window stays empty. Then ANOMALY_RULE through the API, so that its first evaluation replays that
 * history (past the rule's 5 h min_history, and past the detector's 300-step warm-up by more than
 * the 288 steps the server keeps, so that every step kept has its band), and three runs of about
 * 1.5 s in the current minute: once that minute has ended (and 10 s more), its step is an anomaly
 * and the rule fires.
 */
async function sendAnomalyTraffic(): Promise<void> {
  const MINUTE = 60_000;
  const now = Date.now();
  const minute = now - (now % MINUTE);
  const first = minute - 630 * MINUTE;
  const last = minute - 33 * MINUTE;
  const noise = rng(20_261_121);
  const history = [];
  for (let m = first; m <= last; m += MINUTE) {
    const cost = 0.008 + (0.008 * (m - first)) / (last - first);
    for (let i = 0; i < 3; i++) history.push(anomalyRun(m + 5000 + i * 20_000, 400 * (0.8 + 0.4 * noise()), cost * (0.97 + 0.06 * noise())));
  }
  await ingest(history);
  await api("alert-rules", {
    method: "POST",
    body: {
      name: ANOMALY_RULE,
      description: "An agent's p95 latency per minute is unusual for it",
      metric: "p95_latency_ms",
      group_by: ["agent_name"],
      anomaly: { sensitivity: "medium", min_history: "5h", step: "1m" },
      for: "0s",
      keep_firing_for: "2h",
      severity: "warning",
      annotations: { recommendation: "Compare the agent's slow runs with the hours before: a tool, a model or a longer prompt." },
    },
  });
  await ingest([1, 2, 3].map((k) => anomalyRun(minute + Math.floor(((now - minute) * k) / 4), 1500 * (0.95 + 0.1 * noise()), 0.0165)));
}

/** An OTLP/JSON span of TRACE_ID starting `from` ms after `t0` for `ms` ms (ids in hex, times in nanoseconds as strings). */
function otlpSpan(t0: number, spanId: string, parent: string | null, name: string, from: number, ms: number, attrs: Record<string, string | number>, error?: string) {
  const nanos = (t: number) => (BigInt(Math.round(t * 1000)) * 1000n).toString();
  const attributes = Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));
  return { traceId: TRACE_ID, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: parent ? 3 : 1, startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + from + ms), attributes, status: error ? { code: 2, message: error } : { code: 0 } };
}

/**
 * Sends TRACE_ID to `/v1/traces` as an OTLP/JSON export, as an OpenTelemetry SDK would, started 3
 * minutes ago: an `invoke_agent` span of TRACE_AGENT (service support-bot) with two `chat` calls of
 * TRACE_MODEL (the second failed: rate limited) and an `execute_tool` call from another service.
 */
async function sendTrace(): Promise<void> {
  const t0 = Date.now() - 3 * 60_000;
  const agent = "a1b2c3d4e5f60718";
  const genai = { "gen_ai.request.model": TRACE_MODEL, "gen_ai.provider.name": "openai" };
  const bot = [
    otlpSpan(t0, agent, null, `invoke_agent ${TRACE_AGENT}`, 0, 2400.5, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": TRACE_AGENT, "gen_ai.conversation.id": "conv-trace-1" }),
    otlpSpan(t0, "0000000000000c01", agent, `chat ${TRACE_MODEL}`, 100.25, 1200, { "gen_ai.operation.name": "chat", ...genai, "gen_ai.usage.input_tokens": 1500, "gen_ai.usage.output_tokens": 220, "gen_ai.usage.cache_read.input_tokens": 1024 }),
    otlpSpan(t0, "0000000000000c02", agent, `chat ${TRACE_MODEL}`, 1550, 750.75, { "gen_ai.operation.name": "chat", ...genai, "gen_ai.usage.input_tokens": 800, "gen_ai.usage.output_tokens": 0, "error.type": "429" }, "rate limited by the provider"),
  ];
  const tool = [otlpSpan(t0, "00000000000007a1", agent, "execute_tool search_docs", 1340, 160, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search_docs" })];
  const resource = (service: string, spans: unknown[]) => ({ resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: "vigil-dashboard-fixture" }, spans }] });
  const r = await fetch(`${fixture().server.url}/v1/traces`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ resourceSpans: [resource("support-bot", bot), resource("tool-runner", tool)] }) });
  const body = await r.text();
  assert.equal(r.status, 200, `/v1/traces answered ${r.status}: ${body}`);
  assert.deepEqual(JSON.parse(body), {}, "no partial success: every span is stored and becomes its event");
}

/** Starts the server, the demo and Chromium, and waits for the alert and the failover. */
export async function startFixture(): Promise<void> {
  const tmp = tempDir("vigil-browser-");
  writeFileSync(
    join(tmp.dir, "vigil.yaml"),
    `alerting:
  evaluation_interval: 1s
  channels:
    - { name: ops-console, type: console }
  default_route: { channels: [ops-console], group_by: [alertname, model], group_wait: 0s, group_interval: 5s, repeat_interval: 1h }
failover:
  evaluation_interval: 1s
service_classes:
  react_agent: { description: "The demo's ReAct agent on the summarize route", match: { agent_name: react_agent } }
  history: { match: { agent_name: ${HISTORY_AGENT} } }
  planner: { match: { agent_name: planner } }
  idle: { match: { agent_name: idle_agent } }
slos:
  - { name: react_agent_availability, description: "99% of react_agent's runs succeed", class: react_agent, sli: { kind: availability, events: runs }, target: 0.99, period: 30d }
  - { name: history_latency, class: history, sli: { kind: latency, events: runs, threshold_ms: 500 }, target: 0.8, period: 30d }
  - { name: react_agent_satisfaction, class: react_agent, sli: { kind: satisfaction, min_rating: 4 }, target: 0.5, period: 7d }
  - { name: planner_latency_slices, class: planner, sli: { kind: latency, events: runs, threshold_ms: 1000, max_ms: 8000 }, target: 0.9, period: 2d, budgeting: timeslices, timeslice: { window: 1m, target: 0.8 } }
  - { name: idle_availability, class: idle, sli: { kind: availability, events: llm_calls }, target: 0.999, period: 28d }
`,
  );
  writeFileSync(
    join(tmp.dir, "rules.yml"),
    `rules:
  - name: ModelErrorRateHigh
    description: A model fails more than one call in five
    metric: error_rate
    group_by: [model]
    comparator: ">"
    threshold: 0.2
    window: 1m
    for: 0s
    keep_firing_for: 30m
    min_samples: 5
    severity: critical
    annotations:
      summary: "{{ $labels.model }} fails {{ $value }} of runs"
      recommendation: Fail the routes that use it over to a backup model.
  - name: ${COST_RULE}
    description: ${ANOMALY_AGENT}'s cost per task, its rising trend forecast against the limit
    metric: cost_per_task
    scope: { agent_name: ${ANOMALY_AGENT} }
    comparator: ">"
    threshold: 0.02
    window: 5m
    for: 0s
    severity: info
`,
  );
  const server = await childServer(join(tmp.dir, "data"), ["--config", join(tmp.dir, "vigil.yaml"), "--rules", join(tmp.dir, "rules.yml")], { VIGIL_API_KEYS: `${ADMIN}:admin,${READ}:read` });
  // 30 s of demo traffic: healthy for 12 s, then gpt-4o slows and fails; the summarize route fails over and the rule fires.
  const demo = spawn(process.execPath, [VIGIL_BIN, "demo", "--target", server.url, "--duration", "30", "--rate", "30", "--api-key", ADMIN], { stdio: ["ignore", "pipe", "pipe"] });
  let demoOut = "";
  demo.stdout.on("data", (d: Buffer) => (demoOut += d));
  demo.stderr.on("data", (d: Buffer) => (demoOut += d));
  const browser = await launchChromium();
  const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await admin.addInitScript(signIn(ADMIN));
  fx = { tmp, server, browser, admin, watched: [] };
  const now = Date.now();
  await sendRuns(144, (i) => now - 12 * 60_000 + i * 5000);
  await sendRuns(20, (i) => now - 75 * 60_000 + i * 3000);
  await sendAnomalyTraffic();
  await sendTrace();
  const code = await new Promise<number | null>((resolve) => demo.once("exit", resolve));
  assert.equal(code, 0, `vigil demo failed:\n${demoOut}`);
  await waitFor(async () => (await api("alerts?state=firing")).alerts.length > 0, 20_000, "the demo's degradation fires ModelErrorRateHigh");
  await waitFor(async () => (await api("routes/summarize")).state !== "normal", 20_000, "the demo's degradation fails the summarize route over");
}

/** Closes Chromium, stops the server and removes its files. */
export async function stopFixture(): Promise<void> {
  if (!fx) return;
  const { browser, server, tmp } = fx;
  await browser.close();
  server.proc.kill("SIGTERM");
  await new Promise((r) => server.proc.once("exit", r));
  tmp.cleanup();
  fx = undefined;
}
