/** A model's health verdict (`GET /api/v1/models/:id/health`: healthy, degraded, unhealthy or unknown, with its reasons) as the state the models pages show, and its registry entry. */
import type { HealthReason, ModelHealth, ModelHealthStatus, RouteMetric } from "@vigil/contract";
import { ApiError, get } from "../api.js";
import { usePoll, type Polled } from "../poll.js";
import { HealthBadge, metricValue } from "./route-format.js";

/** The fields of a registered model (`GET /api/v1/models`) the models pages show. */
export interface RegisteredModel {
  id: string;
  name: string;
  provider: string | null;
  version: string;
  status: "active" | "standby" | "retired";
  deployment_status: string;
  capabilities: Record<string, unknown>;
  source: "config" | "api";
  updated_at: number;
}

/** A model's verdict, or why there is none: not in the registry, or the request failed. */
export type Verdict = { health: ModelHealth } | { unregistered: true } | { error: string };

/** Health is asked for at most this many models of a list (the most active first). */
export const VERDICT_LIMIT = 100;

/** How often verdicts and the registry are read again (they follow the failover evaluation, not each event). */
const VERDICT_POLL_MS = 15_000;

/** The model registry, read every 15 s. */
export function useRegistry(): Polled<{ models: RegisteredModel[] }> {
  return usePoll(() => get<{ models: RegisteredModel[] }>("models"), [], VERDICT_POLL_MS);
}

/** The registry entry of a model seen in traffic as `name` (by id, else by name). */
export function registered(models: RegisteredModel[] | undefined, name: string): RegisteredModel | undefined {
  return models?.find((m) => m.id === name) ?? models?.find((m) => m.name === name);
}

async function verdictOf(id: string): Promise<Verdict> {
  try {
    return { health: await get<ModelHealth>(`models/${encodeURIComponent(id)}/health`) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { unregistered: true };
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The verdicts of `names` (models as seen in traffic), by name; a model not in the registry has none to ask for. */
export function useVerdicts(names: string[], registry: RegisteredModel[] | undefined): Map<string, Verdict> | undefined {
  const asked = names.slice(0, VERDICT_LIMIT);
  const key = registry ? [...asked].sort().join("\u0000") : null;
  const polled = usePoll(
    async () => {
      if (!registry) return new Map<string, Verdict>();
      const pairs = await Promise.all(asked.map(async (n): Promise<[string, Verdict]> => {
        const m = registered(registry, n);
        return [n, m ? await verdictOf(m.id) : { unregistered: true }];
      }));
      return new Map(pairs);
    },
    [key],
    VERDICT_POLL_MS,
  );
  return registry ? polled.data : undefined;
}

/** Worst first, for sorting a list by state. */
export const VERDICT_RANK: Record<ModelHealthStatus, number> = { unhealthy: 3, degraded: 2, unknown: 1, healthy: 0 };

/** The route metrics that are worse when lower (the contract's ROUTE_METRICS; the rest are worse when higher). */
const WORSE_LOWER: ReadonlySet<RouteMetric> = new Set(["accuracy", "quality", "throughput_per_min"]);

/** The route metrics' names in sentences. */
const METRIC_WORDS: Record<RouteMetric, string> = { error_rate: "error rate", p95_latency_ms: "p95 latency", ttft_ms: "time to first token", cost_per_call: "cost per call", accuracy: "accuracy", quality: "quality", throughput_per_min: "throughput" };

/** "error rate 33.0% above 20.0%": one reason a model is not healthy. */
export function reasonText(r: HealthReason): string {
  const side = WORSE_LOWER.has(r.metric) ? "below" : "above";
  return `${METRIC_WORDS[r.metric] ?? r.metric.replace(/_/g, " ")} ${metricValue(r.metric, r.value)} ${side} ${metricValue(r.metric, r.threshold)}`;
}

/** The verdict as its coloured word (healthy green, degraded amber, unhealthy red, unknown grey) and its first reason. */
export function VerdictBadge({ verdict, full = false }: { verdict: Verdict | undefined; full?: boolean }) {
  if (!verdict) return <span class="muted">…</span>;
  if ("error" in verdict) return <span class="muted" title={verdict.error}>could not be read</span>;
  if ("unregistered" in verdict)
    return (
      <span class="verdict" data-verdict="unknown">
        <HealthBadge status="unknown" />
        <span class="muted verdict-why">not in the registry</span>
      </span>
    );
  const h = verdict.health;
  const shown = full ? h.reasons : h.reasons.slice(0, 1);
  return (
    <span class="verdict" data-verdict={h.status}>
      <HealthBadge status={h.status} />
      {shown.map((r) => (
        <span key={r.metric} class="verdict-why" data-reason-metric={r.metric}>
          {reasonText(r)}
        </span>
      ))}
      {!full && h.reasons.length > 1 ? <span class="muted verdict-why">+{h.reasons.length - 1} more</span> : null}
      {h.status === "unknown" ? <span class="muted verdict-why">{h.samples ? `too few samples to judge (${h.samples})` : "no traffic on its routes to judge"}</span> : null}
    </span>
  );
}
