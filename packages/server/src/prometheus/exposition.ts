/**
 * The `/metrics` exposition (docs/metrics.md, "Prometheus"): families fed once per newly stored
 * event, Vigil's own families read from snapshots at scrape time, and prom-client's process
 * collectors, written in Prometheus text format 0.0.4. Event-fed families are grouped by label set
 * behind a cardinality guard (series-guard.ts); recording an event costs one map lookup per group
 * and a few additions, so ingest barely notices. Counters live in memory and restart from zero
 * with the process, which `rate()` handles; each instance counts the events it ingested.
 */
import type { RollupCardinality } from "@vigil/contract";
import { Registry, collectDefaultMetrics } from "prom-client";
import { EVENT_TYPES } from "@vigil/contract";
import { LATENCY_LADDER_MS } from "../core/sli-ladder.js";
import type { StoredEvent } from "../core/stored-event.js";
import { type Family, FamilyGroup, type GroupSeries } from "./family-group.js";
import type { GuardStats } from "./series-guard.js";
import { type Sample, TEXT_CONTENT_TYPE, writeSamples } from "./text-format.js";

/**
 * Run, LLM call, tool and retrieval duration buckets in seconds: the latency ladder, 50 ms up to a
 * minute, so a `le` bucket counts what Vigil's own objectives count at that threshold.
 */
export const DURATION_BUCKETS_S: readonly number[] = Object.freeze(LATENCY_LADDER_MS.map((ms) => ms / 1000));
/** Buckets of scores in 0..1 (quality, accuracy, satisfaction). */
export const SCORE_BUCKETS: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1]);
/** Buckets of cache entry ages in seconds: a second up to a day. */
export const AGE_BUCKETS_S: readonly number[] = Object.freeze([1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400]);
/** Buckets of Vigil's own request and evaluation durations in seconds: a millisecond up to 10 s. */
export const SERVE_BUCKETS_S: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Label sets of the guarded groups, by group name (the keys of `series_limits`). */
export const GROUP_LABELS = Object.freeze({
  agents: ["agent_name", "model", "route", "mode", "query_class", "component", "service", "endpoint"],
  degradations: ["agent_name", "mode", "reason"],
  warnings: ["agent_name", "mode", "type"],
  errors: ["agent_name", "error_type"],
  llm: ["model", "provider", "route", "mode", "query_class", "component", "service", "endpoint"],
  tenants: ["tenant_id"],
  cache: ["cache", "mode"],
  caches: ["cache"],
  tools: ["tool", "agent_name", "mode"],
  retrievals: ["source", "agent_name", "mode"],
  custom: ["name"],
  http_requests: ["method", "route", "code"],
  http_durations: ["method", "route"],
} as const);
/** Name of a guarded group. */
export type GroupName = keyof typeof GROUP_LABELS;
/** Every group name. */
export const GROUP_NAMES = Object.keys(GROUP_LABELS) as GroupName[];
/**
 * Label combinations a group keeps by default before folding into `other`: at 300 the runs group,
 * whose duration histogram writes a line per step of the latency ladder (23 with +Inf), takes about
 * 0.8 MB of `/metrics`, so a scrape stays under 1 MB even when a client sends a hundred thousand names.
 */
export const DEFAULT_SERIES_LIMIT = 300;

/** Outcomes of ingesting one event, as `vigil_events_ingested_total` counts them. */
export type IngestResult = "stored" | "duplicate" | "rejected";

/** Snapshots of Vigil's own state, read at scrape time. Each is optional. */
export interface ExpositionSources {
  /** Events by type and result since the start (type `unknown` for events without a valid type). */
  ingest?(): Record<string, Record<IngestResult, number>>;
  /** Open alerts by state. */
  alerts?(): { pending: number; firing: number; acknowledged: number };
  /** Notification deliveries by channel and result since the start. */
  notifications?(): Record<string, { delivered: number; retried: number; failed: number }>;
  /** The store's connections: in use, idle, waiting for one, and the most it opens. */
  connections?(): { active: number; idle: number; waiting: number; max: number };
  /** HTTP connections open now. */
  httpConnections?(): number;
  /** Each route's state and active model, and route decisions by trigger since the start. */
  routes?(): { routes: { route: string; state: string; active: string }[]; switches: Record<string, number> };
  /** The rollups' cardinality: series and values held, limits, events folded into `other`. */
  rollups?(): RollupCardinality;
  /** The host collector: samples taken, and Vigil's share of the host's CPU and memory at the last one (percent). */
  collector?(): { samples: number; overhead: { cpu_percent: number | null; memory_percent: number | null } | null };
}

/** Exposition options. */
export interface ExpositionOptions {
  /** Also expose the Node.js process metrics of prom-client (`process_*`, `nodejs_*`); default true. */
  processMetrics?: boolean;
  /** Label combinations per group before folding (default DEFAULT_SERIES_LIMIT). */
  seriesLimit?: number;
  /** Per-group limits overriding `seriesLimit`. */
  seriesLimits?: Partial<Record<GroupName, number>>;
  /** Build information for `vigil_build_info`. */
  build?: { version: string; storage: string };
  /** Epoch ms the process started (for `vigil_start_time_seconds` and `vigil_uptime_seconds`). */
  startedAt?: number;
  /** The clock (epoch ms). */
  now?: () => number;
  sources?: ExpositionSources;
}

const RUN_STATUSES = ["success", "failure", "partial", "timeout"] as const;
const CALL_STATUSES = ["success", "failure"] as const;
const CACHE_OPS = ["hit", "miss", "write", "evict", "invalidate"] as const;
const AGE_OPS = ["hit", "evict", "invalidate"] as const;

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const idx = (values: readonly string[], v: unknown): number => values.indexOf(v as string);

/** The event-fed families by role. */
type Families = Record<"runs" | "runDuration" | "runCost" | "runTokens" | "cacheLookups" | "quality" | "degraded" | "memory" | "cpu" | "retries" | "accuracy" | "satisfaction" | "degradations" | "warnings" | "errors" | "llmCalls" | "llmDuration" | "ttft" | "llmTokens" | "llmCost" | "llmSaved" | "tenantRuns" | "tenantCost" | "tenantTokens" | "tenantLlmCalls" | "tenantLlmCost" | "cacheOps" | "cacheAge" | "cacheEntries" | "cacheCapacity" | "cacheMemory" | "tools" | "toolDuration" | "toolCost" | "retrievals" | "retrievalDuration" | "documents" | "retrievalCost" | "custom" | "customLast" | "httpRequests" | "httpDuration", Family>;

let processMetrics: Registry | null = null;

/**
 * The process metrics, one registry per process: prom-client's event-loop delay monitor cannot be
 * stopped, so it is started once however many servers a process starts and stops.
 */
function processRegistry(): Registry {
  if (processMetrics) return processMetrics;
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  // Gauges named like counters (promtool flags them); each is the sum of a family kept.
  for (const n of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) r.removeSingleMetric(n);
  return (processMetrics = r);
}

/** Vigil's Prometheus exposition. */
export class Exposition {
  /** The Content-Type of `render()`'s text. */
  readonly contentType = TEXT_CONTENT_TYPE;
  private readonly groups: FamilyGroup[] = [];
  private readonly g: Record<GroupName, FamilyGroup>;
  /** Every event-fed family, by role (an object literal, so property reads stay fast on the hot path). */
  private readonly f: Families;
  private readonly process: Registry | null;
  /** Event time of each cache gauge and custom "last" value, so a late event cannot overwrite a newer one. */
  private readonly lastTs = new WeakMap<Float64Array, Float64Array>();
  private readonly evaluation = { cycles: 0, failures: 0, rules: 0 };

  constructor(private readonly opts: ExpositionOptions = {}) {
    const limit = (g: GroupName) => opts.seriesLimits?.[g] ?? opts.seriesLimit ?? DEFAULT_SERIES_LIMIT;
    const g = {} as Record<GroupName, FamilyGroup>;
    for (const name of GROUP_NAMES) {
      g[name] = new FamilyGroup(name, GROUP_LABELS[name]);
      this.groups.push(g[name]);
    }
    this.g = g;
    const add = (group: GroupName, spec: Parameters<FamilyGroup["add"]>[0]) => g[group].add(spec);
    const status = (values: readonly string[]) => ({ name: "status", values });
    const dur = (name: string, help: string) => ({ name, help, type: "histogram" as const, buckets: DURATION_BUCKETS_S });
    const score = (name: string, help: string) => ({ name, help, type: "histogram" as const, buckets: SCORE_BUCKETS });
    const counter = (name: string, help: string) => ({ name, help, type: "counter" as const });

    this.f = {
      runs: add("agents", { ...counter("vigil_runs_total", "Agent runs by status (success, failure, partial, timeout)."), enumLabel: status(RUN_STATUSES) }),
      runDuration: add("agents", { ...dur("vigil_run_duration_seconds", "Wall time of agent runs in seconds, by cache status (hit, miss, unknown when the run did not say)."), enumLabel: { name: "cache", values: ["hit", "miss", "unknown"] } }),
      runCost: add("agents", counter("vigil_run_cost_usd_total", "Cost of agent runs in USD (client-sent or from the price table).")),
      runTokens: add("agents", { ...counter("vigil_run_tokens_total", "Tokens used by agent runs by direction; unspecified is tokens_used beyond input + output, so the sum is the total."), enumLabel: { name: "direction", values: ["input", "output", "unspecified"] } }),
      cacheLookups: add("agents", { ...counter("vigil_run_cache_lookups_total", "Agent runs that reported cache_hit, by result (hit, miss)."), enumLabel: { name: "result", values: ["hit", "miss"] } }),
      quality: add("agents", score("vigil_run_quality_score", "Quality score (0..1) reported by agent runs.")),
      degraded: add("agents", counter("vigil_run_degraded_total", "Agent runs that reported a degraded answer (degraded: true).")),
      memory: add("agents", { name: "vigil_run_memory_bytes", help: "Peak memory of agent runs in bytes (memory_mb x 1048576): sum and count.", type: "summary" }),
      cpu: add("agents", counter("vigil_run_cpu_seconds_total", "CPU time of agent runs in seconds.")),
      retries: add("agents", counter("vigil_run_retries_total", "Retries made by agent runs.")),
      accuracy: add("agents", score("vigil_outcome_accuracy", "Accuracy (0..1) of outcomes against the runs' predictions.")),
      satisfaction: add("agents", score("vigil_feedback_satisfaction", "User satisfaction (0..1) from feedback ratings and thumbs.")),
      degradations: add("degradations", counter("vigil_run_degradations_total", "Degraded agent runs by degradation_reason (unspecified when absent).")),
      warnings: add("warnings", counter("vigil_run_warnings_total", "Warnings raised by agent runs, by type (one per entry of a run's warnings).")),
      errors: add("errors", counter("vigil_run_errors_total", "Failed and timed-out agent runs by error_type (the status when no error_type was sent).")),
      llmCalls: add("llm", { ...counter("vigil_llm_calls_total", "LLM calls by status and by whether the answer came from a cache."), enumLabels: [{ status: "success", cached: "false" }, { status: "failure", cached: "false" }, { status: "success", cached: "true" }, { status: "failure", cached: "true" }] }),
      llmDuration: add("llm", dur("vigil_llm_call_duration_seconds", "Latency of LLM calls in seconds.")),
      ttft: add("llm", dur("vigil_llm_time_to_first_token_seconds", "Time to first token of LLM calls in seconds.")),
      llmTokens: add("llm", { ...counter("vigil_llm_tokens_total", "Tokens of LLM calls by direction (input, output, cached_input)."), enumLabel: { name: "direction", values: ["input", "output", "cached_input"] } }),
      llmCost: add("llm", counter("vigil_llm_cost_usd_total", "Cost of LLM calls in USD (client-sent or from the price table).")),
      llmSaved: add("llm", counter("vigil_llm_cost_saved_usd_total", "USD saved on LLM calls by caches (whole cached answers and cached input tokens), at list price.")),
      tenantRuns: add("tenants", { ...counter("vigil_tenant_runs_total", "Agent runs per tenant by status."), enumLabel: status(RUN_STATUSES) }),
      tenantCost: add("tenants", counter("vigil_tenant_cost_usd_total", "Cost of agent runs per tenant in USD.")),
      tenantTokens: add("tenants", counter("vigil_tenant_tokens_total", "Tokens used by agent runs per tenant.")),
      tenantLlmCalls: add("tenants", counter("vigil_tenant_llm_calls_total", "LLM calls per tenant.")),
      tenantLlmCost: add("tenants", counter("vigil_tenant_llm_cost_usd_total", "Cost of LLM calls per tenant in USD.")),
      cacheOps: add("cache", { ...counter("vigil_cache_operations_total", "Cache operations by kind (hit, miss, write, evict, invalidate), from cache events."), enumLabel: { name: "operation", values: CACHE_OPS } }),
      cacheAge: add("cache", { name: "vigil_cache_entry_age_seconds", help: "Age in seconds of cache entries when hit, evicted or invalidated.", type: "histogram", buckets: AGE_BUCKETS_S, enumLabel: { name: "operation", values: AGE_OPS } }),
      cacheEntries: add("caches", { name: "vigil_cache_entries", help: "Entries a cache holds, as last reported.", type: "gauge" }),
      cacheCapacity: add("caches", { name: "vigil_cache_capacity_entries", help: "Most entries a cache can hold, as last reported.", type: "gauge" }),
      cacheMemory: add("caches", { name: "vigil_cache_memory_bytes", help: "Memory a cache uses in bytes, as last reported.", type: "gauge" }),
      tools: add("tools", { ...counter("vigil_tool_calls_total", "Tool calls by status."), enumLabel: status(CALL_STATUSES) }),
      toolDuration: add("tools", dur("vigil_tool_call_duration_seconds", "Wall time of tool calls in seconds.")),
      toolCost: add("tools", counter("vigil_tool_cost_usd_total", "Cost of tool calls in USD.")),
      retrievals: add("retrievals", { ...counter("vigil_retrievals_total", "RAG retrievals by status."), enumLabel: status(CALL_STATUSES) }),
      retrievalDuration: add("retrievals", dur("vigil_retrieval_duration_seconds", "Wall time of RAG retrievals in seconds.")),
      documents: add("retrievals", counter("vigil_retrieval_documents_total", "Documents returned by RAG retrievals.")),
      retrievalCost: add("retrievals", counter("vigil_retrieval_cost_usd_total", "Cost of RAG retrievals in USD.")),
      // A summary without quantiles is Prometheus' idiom for a sum and a count that may go down
      // (custom values can be negative, which a counter must never be).
      custom: add("custom", { name: "vigil_custom_metric", help: "Custom metric events: sum and count of their values, by name.", type: "summary" }),
      customLast: add("custom", { name: "vigil_custom_metric_last", help: "The most recent value of each custom metric (by event time), by name.", type: "gauge" }),
      httpRequests: add("http_requests", counter("vigil_http_requests_total", "HTTP requests Vigil answered, by method, route pattern and status code.")),
      httpDuration: add("http_durations", { name: "vigil_http_request_duration_seconds", help: "Time Vigil took to answer HTTP requests, by method and route pattern (ingest latency is route /api/v1/ingest).", type: "histogram", buckets: SERVE_BUCKETS_S }),
    };
    for (const name of GROUP_NAMES) g[name].seal(limit(name));

    this.process = opts.processMetrics === false ? null : processRegistry();
    this.evalDuration = new FamilyGroup("alert_evaluation", []);
    this.fEval = this.evalDuration.add({ name: "vigil_alert_evaluation_duration_seconds", help: "Duration of alert evaluation cycles in seconds.", type: "histogram", buckets: SERVE_BUCKETS_S });
    this.evalDuration.seal(10);
  }

  private readonly evalDuration: FamilyGroup;
  private readonly fEval: Family;

  /** Updates the families with one newly stored event (call it once per event, duplicates excluded). */
  observe(ev: StoredEvent): void {
    const b = ev.body;
    const g = this.g;
    const f = this.f;
    switch (ev.type) {
      case "run": {
        const agent = str(b.agent_name);
        const mode = str(b.mode);
        const s = this.agentSeries(b);
        const status = idx(RUN_STATUSES, b.status);
        if (status >= 0) g.agents.inc(s, f.runs, 1, status);
        const duration = num(b.duration_ms);
        if (duration !== undefined) g.agents.observe(s, f.runDuration, duration / 1000, b.cache_hit === true ? 0 : b.cache_hit === false ? 1 : 2);
        const cost = num(b.cost);
        if (cost !== undefined) g.agents.inc(s, f.runCost, cost);
        const input = num(b.input_tokens) ?? 0;
        const output = num(b.output_tokens) ?? 0;
        if (input) g.agents.inc(s, f.runTokens, input, 0);
        if (output) g.agents.inc(s, f.runTokens, output, 1);
        const used = num(b.tokens_used);
        if (used !== undefined && used > input + output) g.agents.inc(s, f.runTokens, used - input - output, 2);
        else if (input || output) g.agents.inc(s, f.runTokens, 0, 2);
        if (typeof b.cache_hit === "boolean") g.agents.inc(s, f.cacheLookups, 1, b.cache_hit ? 0 : 1);
        const quality = num(b.quality_score);
        if (quality !== undefined) g.agents.observe(s, f.quality, quality);
        const memory = num(b.memory_mb);
        if (memory !== undefined) g.agents.observe(s, f.memory, memory * 1048576);
        const cpu = num(b.cpu_ms);
        if (cpu !== undefined) g.agents.inc(s, f.cpu, cpu / 1000);
        const retries = num(b.retries);
        if (retries !== undefined) g.agents.inc(s, f.retries, retries);
        if (b.degraded === true) {
          g.agents.inc(s, f.degraded);
          g.degradations.inc(g.degradations.series([agent, mode, str(b.degradation_reason) || "unspecified"]), f.degradations);
        } else if (b.degraded === false) g.agents.inc(s, f.degraded, 0);
        if (Array.isArray(b.warnings)) for (const w of b.warnings) g.warnings.inc(g.warnings.series([agent, mode, str(w)]), f.warnings);
        if (b.status === "failure" || b.status === "timeout") g.errors.inc(g.errors.series([agent, str(b.error_type) || (b.status as string)]), f.errors);
        const tenant = str(b.tenant_id);
        if (tenant) {
          this.k1[0] = tenant;
          const t = g.tenants.series(this.k1);
          if (status >= 0) g.tenants.inc(t, f.tenantRuns, 1, status);
          if (cost !== undefined) g.tenants.inc(t, f.tenantCost, cost);
          const tokens = used ?? input + output;
          if (tokens) g.tenants.inc(t, f.tenantTokens, tokens);
        }
        break;
      }
      case "llm_call": {
        const k = this.k8;
        k[0] = str(b.model);
        k[1] = str(b.provider);
        k[2] = str(b.route);
        k[3] = str(b.mode);
        this.laterDims(k, b);
        const s = g.llm.series(k);
        g.llm.inc(s, f.llmCalls, 1, (b.status === "failure" ? 1 : 0) + (b.cached === true ? 2 : 0));
        const latency = num(b.latency_ms);
        if (latency !== undefined) g.llm.observe(s, f.llmDuration, latency / 1000);
        const ttft = num(b.ttft_ms);
        if (ttft !== undefined) g.llm.observe(s, f.ttft, ttft / 1000);
        const input = num(b.input_tokens);
        const output = num(b.output_tokens);
        const cachedIn = num(b.cached_input_tokens);
        if (input !== undefined || output !== undefined || cachedIn !== undefined) {
          g.llm.inc(s, f.llmTokens, input ?? 0, 0);
          g.llm.inc(s, f.llmTokens, output ?? 0, 1);
          g.llm.inc(s, f.llmTokens, cachedIn ?? 0, 2);
        }
        const cost = num(b.cost);
        if (cost !== undefined) g.llm.inc(s, f.llmCost, cost);
        g.llm.inc(s, f.llmSaved, num(b.cost_saved) ?? 0);
        const tenant = str(b.tenant_id);
        if (tenant) {
          this.k1[0] = tenant;
          const t = g.tenants.series(this.k1);
          g.tenants.inc(t, f.tenantLlmCalls);
          if (cost !== undefined) g.tenants.inc(t, f.tenantLlmCost, cost);
        }
        break;
      }
      case "outcome": {
        const accuracy = num(b.accuracy);
        if (accuracy !== undefined) g.agents.observe(this.agentSeries(b), f.accuracy, accuracy);
        break;
      }
      case "feedback": {
        const satisfaction = num(b.satisfaction);
        if (satisfaction !== undefined) g.agents.observe(this.agentSeries(b), f.satisfaction, satisfaction);
        break;
      }
      case "metric": {
        const value = num(b.value);
        if (value === undefined) break;
        const s = g.custom.series([str(b.name)]);
        g.custom.observe(s, f.custom, value);
        this.setLatest(g.custom, s, f.customLast, value, ev.ts);
        break;
      }
      case "cache": {
        const cache = str(b.cache) || "default";
        const s = g.cache.series([cache, str(b.mode)]);
        const op = idx(CACHE_OPS, b.operation);
        const count = num(b.count) ?? 1;
        if (op >= 0) g.cache.inc(s, f.cacheOps, count, op);
        const age = num(b.entry_age_ms);
        const ageOp = idx(AGE_OPS, b.operation);
        if (age !== undefined && ageOp >= 0) g.cache.observe(s, f.cacheAge, age / 1000, ageOp);
        const entries = num(b.entries);
        const capacity = num(b.capacity);
        const memory = num(b.memory_bytes);
        if (entries !== undefined || capacity !== undefined || memory !== undefined) {
          const c = g.caches.series([cache]);
          if (entries !== undefined) this.setLatest(g.caches, c, f.cacheEntries, entries, ev.ts);
          if (capacity !== undefined) this.setLatest(g.caches, c, f.cacheCapacity, capacity, ev.ts);
          if (memory !== undefined) this.setLatest(g.caches, c, f.cacheMemory, memory, ev.ts);
        }
        break;
      }
      case "tool_call":
        this.observeCall(g.tools, g.tools.series([str(b.tool), str(b.agent_name), str(b.mode)]), f.tools, f.toolDuration, f.toolCost, b);
        break;
      case "retrieval": {
        const s = g.retrievals.series([str(b.source), str(b.agent_name), str(b.mode)]);
        this.observeCall(g.retrievals, s, f.retrievals, f.retrievalDuration, f.retrievalCost, b);
        g.retrievals.inc(s, f.documents, num(b.documents) ?? 0);
        break;
      }
    }
  }

  /** A tool call or retrieval: its status, duration and cost. */
  private observeCall(group: FamilyGroup, s: GroupSeries, calls: Family, duration: Family, cost: Family, b: Record<string, unknown>): void {
    const st = idx(CALL_STATUSES, b.status);
    if (st >= 0) group.inc(s, calls, 1, st);
    const d = num(b.duration_ms);
    if (d !== undefined) group.observe(s, duration, d / 1000);
    group.inc(s, cost, num(b.cost) ?? 0);
  }

  /** Records one answered HTTP request (`route` is the route pattern, or `unmatched`). */
  observeRequest(method: string, route: string, code: number, seconds: number): void {
    const g = this.g;
    g.http_requests.inc(g.http_requests.series([method, route, String(code)]), this.f.httpRequests);
    g.http_durations.observe(g.http_durations.series([method, route]), this.f.httpDuration, seconds);
  }

  /** Records one alert evaluation cycle. */
  observeEvaluation(seconds: number, ruleEvaluations: number, failures: number): void {
    this.evaluation.cycles++;
    this.evaluation.rules += ruleEvaluations;
    this.evaluation.failures += failures;
    this.evalDuration.observe(this.evalDuration.series([]), this.fEval, seconds);
  }

  /** Label combinations, limit and folded observations of every guarded group. */
  seriesStats(): GuardStats[] {
    return this.groups.map((g) => g.stats());
  }

  /** The exposition text (Prometheus text format 0.0.4) of every family. */
  async render(): Promise<string> {
    const out: string[] = [];
    for (const g of this.groups) g.render(out);
    this.renderOwn(out);
    let text = out.join("\n") + "\n";
    if (this.process) text += await this.process.metrics();
    return text;
  }

  private agentSeries(b: Record<string, unknown>) {
    const k = this.k8;
    k[0] = str(b.agent_name);
    k[1] = str(b.model);
    k[2] = str(b.route);
    k[3] = str(b.mode);
    this.laterDims(k, b);
    return this.g.agents.series(k);
  }

  /** Fills labels 4..7 with the query class, component, service and endpoint ("" when absent: no label). */
  private laterDims(k: string[], b: Record<string, unknown>): void {
    k[4] = str(b.query_class);
    k[5] = str(b.component);
    k[6] = str(b.service);
    k[7] = str(b.endpoint);
  }

  /** Scratch label arrays for the hot path (the guard copies what it keeps). */
  private readonly k1 = [""];
  private readonly k8 = ["", "", "", "", "", "", "", ""];

  /** Sets a "last value" gauge unless a newer event already set it. */
  private setLatest(group: FamilyGroup, s: { v: Float64Array }, fam: Family, value: number, ts: number): void {
    let seen = this.lastTs.get(s.v);
    if (!seen) this.lastTs.set(s.v, (seen = new Float64Array(s.v.length).fill(-Infinity)));
    if (ts < seen[fam.offset]!) return;
    seen[fam.offset] = ts;
    group.set(s as Parameters<FamilyGroup["set"]>[0], fam, value);
  }

  private renderOwn(out: string[]): void {
    const src = this.opts.sources ?? {};
    const ingest = src.ingest?.() ?? {};
    const ingested: Sample[] = [];
    for (const type of [...EVENT_TYPES, "unknown"]) {
      const c = ingest[type];
      for (const result of ["stored", "duplicate", "rejected"] as const) ingested.push({ labels: { type, result }, value: c?.[result] ?? 0 });
    }
    writeSamples(out, "vigil_events_ingested_total", "Events received by type and result (stored, duplicate, rejected).", "counter", ingested);
    writeSamples(out, "vigil_alert_evaluations_total", "Alert evaluation cycles run by this instance.", "counter", [{ value: this.evaluation.cycles }]);
    writeSamples(out, "vigil_alert_rule_evaluations_total", "Rule x group evaluations made by this instance.", "counter", [{ value: this.evaluation.rules }]);
    writeSamples(out, "vigil_alert_evaluation_failures_total", "Rules whose evaluation failed (their state was kept).", "counter", [{ value: this.evaluation.failures }]);
    this.evalDuration.render(out);
    const alerts = src.alerts?.();
    writeSamples(out, "vigil_alerts", "Open alerts by state (pending, firing, acknowledged).", "gauge", alerts ? (["pending", "firing", "acknowledged"] as const).map((state) => ({ labels: { state }, value: alerts[state] })) : []);
    const notes: Sample[] = [];
    for (const [channel, c] of Object.entries(src.notifications?.() ?? {})) for (const result of ["delivered", "retried", "failed"] as const) notes.push({ labels: { channel, result }, value: c[result] });
    writeSamples(out, "vigil_notifications_total", "Notification delivery attempts by channel and result (delivered, retried, failed).", "counter", notes);
    const conn = src.connections?.();
    writeSamples(out, "vigil_storage_pool_connections", "Connections of the store by state (active: in use, idle, waiting: requests waiting for one).", "gauge", conn ? (["active", "idle", "waiting"] as const).map((state) => ({ labels: { state }, value: conn[state] })) : []);
    writeSamples(out, "vigil_storage_pool_max_connections", "Most connections the store opens.", "gauge", conn ? [{ value: conn.max }] : []);
    const http = src.httpConnections?.();
    writeSamples(out, "vigil_http_open_connections", "HTTP connections open now.", "gauge", http === undefined ? [] : [{ value: http }]);
    const routes = src.routes?.();
    const states = ["normal", "failed_over", "degraded", "pinned"];
    writeSamples(out, "vigil_route_state", "Each route's state: 1 for the state it is in, 0 for the others.", "gauge", (routes?.routes ?? []).flatMap((r) => states.map((state) => ({ labels: { route: r.route, state }, value: r.state === state ? 1 : 0 }))));
    writeSamples(out, "vigil_route_active_model", "The model each route's traffic goes to (always 1).", "gauge", (routes?.routes ?? []).map((r) => ({ labels: { route: r.route, model: r.active }, value: 1 })));
    writeSamples(out, "vigil_route_decisions_total", "Route decisions made by this instance, by trigger (auto, manual, recovery, probe, ramp, pin_expired).", "counter", Object.entries(routes?.switches ?? {}).map(([trigger, value]) => ({ labels: { trigger }, value })));
    const build = this.opts.build;
    writeSamples(out, "vigil_build_info", "Vigil's version, Node.js version and store; always 1.", "gauge", build ? [{ labels: { version: build.version, node_version: process.version, storage: build.storage }, value: 1 }] : []);
    const started = this.opts.startedAt;
    const now = (this.opts.now ?? Date.now)();
    writeSamples(out, "vigil_start_time_seconds", "When this Vigil process started, in seconds since the epoch.", "gauge", started === undefined ? [] : [{ value: started / 1000 }]);
    writeSamples(out, "vigil_uptime_seconds", "Seconds since this Vigil process started.", "gauge", started === undefined ? [] : [{ value: Math.max(0, (now - started) / 1000) }]);
    const card = src.rollups?.();
    const dims = card ? (Object.keys(card.values) as (keyof RollupCardinality["values"])[]) : [];
    writeSamples(out, "vigil_rollup_series", "Dimension sets (agent, model, route, tenant, mode, query class, component, service, endpoint) the rollups hold.", "gauge", card ? [{ value: card.series }] : []);
    writeSamples(out, "vigil_rollup_series_limit", "Dimension sets the rollups keep before folding new ones into other (rollups.max_series).", "gauge", card ? [{ value: card.max_series }] : []);
    writeSamples(out, "vigil_rollup_dimension_values", "Distinct values of each rollup dimension held.", "gauge", card ? dims.map((d) => ({ labels: { dimension: d }, value: card.values[d] })) : []);
    writeSamples(out, "vigil_rollup_dimension_values_limit", "Distinct values a rollup dimension keeps before folding new ones into other (rollups.max_values_per_dimension).", "gauge", card ? [{ value: card.max_values_per_dimension }] : []);
    writeSamples(out, "vigil_rollup_folded_events_total", "Events whose rollups were folded into other since start, by the limit reached (a dimension, or series).", "counter", card ? Object.entries(card.folded_events).map(([cause, value]) => ({ labels: { cause }, value })) : []);
    const col = src.collector?.();
    const share = (p: number | null | undefined) => (p === null || p === undefined ? [] : [p / 100]);
    writeSamples(out, "vigil_monitoring_overhead_ratio", "Vigil's own share of the host at the collector's last sample (0..1), by resource: cpu (of all CPUs), memory (resident memory of the host's total).", "gauge", [
      ...share(col?.overhead?.cpu_percent).map((value) => ({ labels: { resource: "cpu" }, value })),
      ...share(col?.overhead?.memory_percent).map((value) => ({ labels: { resource: "memory" }, value })),
    ]);
    writeSamples(out, "vigil_collector_samples_total", "Samples of the process and host the collector recorded since start.", "counter", col ? [{ value: col.samples }] : []);
    const stats = this.seriesStats();
    writeSamples(out, "vigil_exposition_series", "Label combinations kept per family group of /metrics.", "gauge", stats.map((s) => ({ labels: { group: s.group }, value: s.series })));
    writeSamples(out, "vigil_exposition_series_limit", "Label combinations a family group keeps before folding new ones into other.", "gauge", stats.map((s) => ({ labels: { group: s.group }, value: s.limit })));
    writeSamples(out, "vigil_exposition_folded_total", "Observations recorded under an other label value because their group was at its series limit.", "counter", stats.map((s) => ({ labels: { group: s.group }, value: s.folded })));
  }
}
