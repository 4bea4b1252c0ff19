/**
 * The `/metrics` exposition: counters and histograms updated once per newly stored event, written
 * in Prometheus text format 0.0.4. Families and labels are chosen so that Vigil's alert rules can be
 * written in PromQL over them (core/alerting/prometheus-rules.ts): runs by status, durations as
 * histograms in seconds, costs in USD, and the means Vigil reports as histogram or summary sums and
 * counts. Counters live in memory and restart from zero with the process, which `rate()` handles.
 */
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from "prom-client";
import { DIMENSIONS, type Dimension } from "../core/stored-event.js";
import type { StoredEvent } from "../core/stored-event.js";

/** Run and LLM call duration buckets in seconds: 50 ms up to a minute. */
export const DURATION_BUCKETS_S: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60]);
/** Buckets of scores in 0..1 (quality, accuracy, satisfaction). */
export const SCORE_BUCKETS: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1]);
/** Labels of the LLM call families: per model and route, where failover decisions are made. */
export const LLM_LABELS = ["model", "route"] as const;

/** Exposition options. */
export interface ExpositionOptions {
  /** Also expose the Node.js process metrics of prom-client (`process_*`, `nodejs_*`); default false. */
  processMetrics?: boolean;
}

type DimLabels = Record<Dimension, string>;
type LlmLabel = (typeof LLM_LABELS)[number];

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function dims(body: Record<string, unknown>): DimLabels {
  const out = {} as DimLabels;
  // An absent dimension is the empty label value, which Prometheus treats as no label.
  for (const d of DIMENSIONS) out[d] = str(body[d]);
  return out;
}

/** Prometheus metric families fed from stored events, in a private registry. */
export class Exposition {
  /** The registry holding every family (nothing global: two instances never share counters). */
  readonly registry = new Registry();
  private readonly runs: Counter<Dimension | "status">;
  private readonly runDuration: Histogram<Dimension>;
  private readonly runCost: Counter<Dimension>;
  private readonly runTokens: Counter<Dimension | "direction">;
  private readonly cacheLookups: Counter<Dimension | "result">;
  private readonly quality: Histogram<Dimension>;
  private readonly llmCalls: Counter<LlmLabel | "status">;
  private readonly llmDuration: Histogram<LlmLabel>;
  private readonly llmCost: Counter<LlmLabel>;
  private readonly accuracy: Histogram<Dimension>;
  private readonly satisfaction: Histogram<Dimension>;
  private readonly custom: Summary<"name">;
  private readonly customLast: Gauge<"name">;
  private readonly ingested: Counter<"type">;
  /** Timestamp of the sample behind each `vigil_custom_metric_last`, so a late event cannot overwrite a newer value. */
  private readonly customLastTs = new Map<string, number>();

  constructor(opts: ExpositionOptions = {}) {
    const registers = [this.registry];
    const dimNames = [...DIMENSIONS];
    this.runs = new Counter({ name: "vigil_runs_total", help: "Agent runs by status (success, failure, partial, timeout).", labelNames: [...dimNames, "status"], registers });
    this.runDuration = new Histogram({ name: "vigil_run_duration_seconds", help: "Wall time of agent runs (duration_ms) in seconds.", labelNames: dimNames, buckets: [...DURATION_BUCKETS_S], registers });
    this.runCost = new Counter({ name: "vigil_run_cost_usd_total", help: "Cost of agent runs in USD (client-sent or from the price table).", labelNames: dimNames, registers });
    this.runTokens = new Counter({ name: "vigil_run_tokens_total", help: "Tokens used by agent runs, by direction (input, output).", labelNames: [...dimNames, "direction"], registers });
    this.cacheLookups = new Counter({ name: "vigil_run_cache_lookups_total", help: "Agent runs that reported cache_hit, by result (hit, miss).", labelNames: [...dimNames, "result"], registers });
    this.quality = new Histogram({ name: "vigil_run_quality_score", help: "Quality score (0..1) reported by agent runs.", labelNames: dimNames, buckets: [...SCORE_BUCKETS], registers });
    this.llmCalls = new Counter({ name: "vigil_llm_calls_total", help: "LLM calls by status (a call without a status counts as success).", labelNames: [...LLM_LABELS, "status"], registers });
    this.llmDuration = new Histogram({ name: "vigil_llm_call_duration_seconds", help: "Latency of LLM calls (latency_ms) in seconds.", labelNames: [...LLM_LABELS], buckets: [...DURATION_BUCKETS_S], registers });
    this.llmCost = new Counter({ name: "vigil_llm_cost_usd_total", help: "Cost of LLM calls in USD (client-sent or from the price table).", labelNames: [...LLM_LABELS], registers });
    this.accuracy = new Histogram({ name: "vigil_outcome_accuracy", help: "Accuracy (0..1) of outcomes against the runs' predictions.", labelNames: dimNames, buckets: [...SCORE_BUCKETS], registers });
    this.satisfaction = new Histogram({ name: "vigil_feedback_satisfaction", help: "User satisfaction (0..1) from feedback ratings and thumbs.", labelNames: dimNames, buckets: [...SCORE_BUCKETS], registers });
    // A summary without quantiles is Prometheus' idiom for a sum and a count that may go down
    // (custom values can be negative, which a counter must never be).
    this.custom = new Summary({ name: "vigil_custom_metric", help: "Custom metric events: sum and count of their values, by name.", labelNames: ["name"], percentiles: [], registers });
    this.customLast = new Gauge({ name: "vigil_custom_metric_last", help: "The most recent value of each custom metric, by name.", labelNames: ["name"], registers });
    this.ingested = new Counter({ name: "vigil_events_ingested_total", help: "Events stored, by type.", labelNames: ["type"], registers });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type header of `render()`'s text (text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Updates the families with one newly stored event (call it once per event, duplicates excluded). */
  observe(ev: StoredEvent): void {
    const b = ev.body;
    this.ingested.inc({ type: ev.type });
    switch (ev.type) {
      case "run": {
        const d = dims(b);
        this.runs.inc({ ...d, status: str(b.status) });
        const duration = num(b.duration_ms);
        if (duration !== undefined) this.runDuration.observe(d, duration / 1000);
        const cost = num(b.cost);
        if (cost !== undefined) this.runCost.inc(d, cost);
        const input = num(b.input_tokens);
        if (input !== undefined) this.runTokens.inc({ ...d, direction: "input" }, input);
        const output = num(b.output_tokens);
        if (output !== undefined) this.runTokens.inc({ ...d, direction: "output" }, output);
        if (typeof b.cache_hit === "boolean") this.cacheLookups.inc({ ...d, result: b.cache_hit ? "hit" : "miss" });
        const quality = num(b.quality_score);
        if (quality !== undefined) this.quality.observe(d, quality);
        break;
      }
      case "llm_call": {
        const l = { model: str(b.model), route: str(b.route) };
        // Vigil's llm_error_rate counts only status "failure" as failed; the rest are successes.
        this.llmCalls.inc({ ...l, status: b.status === "failure" ? "failure" : "success" });
        const latency = num(b.latency_ms);
        if (latency !== undefined) this.llmDuration.observe(l, latency / 1000);
        const cost = num(b.cost);
        if (cost !== undefined) this.llmCost.inc(l, cost);
        break;
      }
      case "outcome": {
        const accuracy = num(b.accuracy);
        if (accuracy !== undefined) this.accuracy.observe(dims(b), accuracy);
        break;
      }
      case "feedback": {
        const satisfaction = num(b.satisfaction);
        if (satisfaction !== undefined) this.satisfaction.observe(dims(b), satisfaction);
        break;
      }
      case "metric": {
        const value = num(b.value);
        if (value === undefined) break;
        const name = str(b.name);
        this.custom.observe({ name }, value);
        const seen = this.customLastTs.get(name);
        if (seen === undefined || ev.ts >= seen) {
          this.customLastTs.set(name, ev.ts);
          this.customLast.set({ name }, value);
        }
        break;
      }
    }
  }

  /** The exposition text (Prometheus text format 0.0.4) of every family. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
