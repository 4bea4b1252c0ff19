/** What agents and models have in common on the dashboard: how to load them, one row shape for both, and the small pieces their pages share. */
import type { GroupMetrics, HealthBand } from "@vigil/contract";
import type { ComponentChildren } from "preact";
import { get } from "../api.js";
import { ago, NONE, when } from "../format.js";
import type { WindowChoice } from "../windows.js";
import "./groups.css";

/** A kind of group the dashboard lists: agents (by `agent_name`) or models (by `model`). */
export interface GroupKind {
  /** The hash path and the API's list key: `agents` or `models`. */
  id: "agents" | "models";
  /** The timeseries filter and the name field of the API's answers. */
  dim: "agent_name" | "model";
  /** "agent" or "model", for sentences. */
  singular: string;
  /** "Agents" or "Models", for titles. */
  title: string;
}

/** The agents. */
export const AGENTS: GroupKind = { id: "agents", dim: "agent_name", singular: "agent", title: "Agents" };

/** The models. */
export const MODELS: GroupKind = { id: "models", dim: "model", singular: "model", title: "Models" };

/** One agent or model with its metrics, under a common `name`. */
export interface GroupRow extends GroupMetrics {
  name: string;
  agent_type: string | null;
}

/** An agent or model as the API answers it. */
export type Answer = GroupMetrics & { agent_name?: string; model?: string; agent_type?: string | null };

/** Turns an API answer (agent or model) into a row. */
export function toRow(kind: GroupKind, a: Answer): GroupRow {
  return { ...a, name: String(a[kind.dim] ?? ""), agent_type: a.agent_type ?? null };
}

/** Most groups a list page shows (the most active; the API pages the rest). */
export const LIST_LIMIT = 500;

/** The most active agents or models with data in the window (`GET /metrics/agents|models`), and how many there are in all. */
export async function loadGroups(kind: GroupKind, w: WindowChoice): Promise<{ rows: GroupRow[]; total: number }> {
  const r = await get<Record<string, unknown>>(`metrics/${kind.id}`, { window: w.id, limit: LIST_LIMIT });
  const rows = ((r[kind.id] as Answer[] | undefined) ?? []).map((a) => toRow(kind, a));
  return { rows, total: typeof r.total_count === "number" ? r.total_count : rows.length };
}

/** One agent or model (`GET /metrics/agents|models/:name`); a 404 ApiError when it has no data in the window. */
export async function loadGroup(kind: GroupKind, name: string, w: WindowChoice): Promise<GroupRow> {
  return toRow(kind, await get<Answer>(`metrics/${kind.id}/${encodeURIComponent(name)}`, { window: w.id }));
}

/** The band of a 0..100 health score (the server's cut-offs: 90, 70, 50). */
export function bandOf(score: number | null): HealthBand | null {
  if (score === null) return null;
  return score >= 90 ? "excellent" : score >= 70 ? "good" : score >= 50 ? "fair" : "poor";
}

/** A health score as a number coloured by its band. */
export function HealthNumber({ score }: { score: number | null }) {
  return <span class={`health-num band-${bandOf(score) ?? "none"}`}>{score === null ? NONE : score.toFixed(1)}</span>;
}

/** "active" (ran in the last 15 minutes) or "idle", as a badge. */
export function ActivityBadge({ status }: { status: "active" | "idle" }) {
  return <span class={`badge ${status === "active" ? "badge-good" : "badge-muted"}`}>{status}</span>;
}

/** The last run as "12 s ago", with the exact time on hover. */
export function LastRun({ at }: { at: string | null }) {
  return at ? <time dateTime={at} title={when(at)}>{ago(at)}</time> : <>{NONE}</>;
}

/** The big health score with its band and a status word, as on the overview; `children` go on the right. */
export function HealthBlock({ score, band, status, children }: { score: number | null; band: HealthBand | null; status: ComponentChildren; children?: ComponentChildren }) {
  return (
    <section class="health" aria-label="Health score" data-metric="health_score" data-value={score === null ? "null" : String(score)}>
      <div class={`score band-${band ?? "none"}`}>
        <span class="score-value">{score === null ? NONE : Math.round(score)}</span>
        <span class="score-max">/100</span>
      </div>
      <div>
        <div class="score-band" data-band={band ?? ""}>
          {band ?? "no data"}
        </div>
        {status}
      </div>
      {children ? <div class="health-side">{children}</div> : null}
    </section>
  );
}
