/**
 * "Anomaly watch" on an agent's, model's or route's page: one chart per enabled anomaly rule
 * grouped by exactly that page's dimension (docs/anomaly.md "Anomaly rules"), from
 * `GET /api/v1/anomalies`, with a sentence saying whether the rule judges this group yet: not
 * followed, still learning (how much history against what it needs), or judged.
 */
import type { AlertRuleListResponse, AlertRuleView, AnomalySeriesResponse } from "@vigil/contract";
import { get } from "../api.js";
import { AnomalyChart } from "../components/anomaly-chart.js";
import { Panel } from "../components/states.js";
import { span } from "../format.js";
import { usePoll } from "../poll.js";
import { figure } from "./alert-parts.js";
import "./anomaly.css";

/** The longest window the API takes: the charts ask for every reading the server keeps of a group (its latest `kept_steps`). */
export const ALL_KEPT = "90d";
/** The detector's warm-up: it predicts nothing for its first 300 steps (docs/anomaly.md "What it does"). */
export const WARM_UP_STEPS = 300;
/** Readings change once a step (a minute at least): asked again every 15 s. */
export const ANOMALY_POLL_MS = 15_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A rule duration (`5m`, `1d`, `1h30m`, `0s`) in milliseconds, or null when it is not one. */
export function durationMs(text: string): number | null {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

/** The enabled anomaly rules grouped by exactly `dim`, by name. */
export function watchingRules(rules: readonly AlertRuleView[], dim: string): AlertRuleView[] {
  return rules.filter((r) => r.enabled && r.anomaly && r.group_by?.length === 1 && r.group_by[0] === dim).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a rule makes of a group, from its readings. */
export type WatchStatus = "not-followed" | "no-readings" | "learning" | "judged";

/** Whether the rule judges the group's steps yet, and why not: the detector's warm-up (no expected value) or less history than `min_history`. */
export function watchStatus(d: AnomalySeriesResponse, minHistoryMs: number): { status: WatchStatus; historyMs: number; atLeast: boolean } {
  if (!d.followed) return { status: "not-followed", historyMs: 0, atLeast: false };
  const last = d.points.at(-1);
  if (!last) return { status: "no-readings", historyMs: 0, atLeast: false };
  const stepMs = d.step_seconds * 1000;
  // Fewer steps than the server keeps: the first one held is the group's first. Else the history is at least what is kept.
  const atLeast = d.points.length >= d.kept_steps;
  const historyMs = atLeast ? d.kept_steps * stepMs : Date.parse(last.at) + stepMs - Date.parse(d.points[0]!.at);
  const learning = last.expected === null || (!atLeast && historyMs < minHistoryMs);
  return { status: learning ? "learning" : "judged", historyMs, atLeast };
}

/** The sentence under a rule's chart. */
function StatusLine({ rule, d, what }: { rule: AlertRuleView; d: AnomalySeriesResponse; what: string }) {
  const a = rule.anomaly!;
  const minHistory = durationMs(a.min_history) ?? 0;
  const { status, historyMs, atLeast } = watchStatus(d, minHistory);
  const stepMs = d.step_seconds * 1000;
  const anomalies = d.points.filter((p) => p.anomalous).length;
  const text =
    status === "not-followed"
      ? `${rule.name} does not follow this ${what}: it has had no ${d.metric} in the history Vigil holds (or fewer samples per step than the rule asks), the rule follows only its busiest groups, or it has not been evaluated yet.`
      : status === "no-readings"
        ? `${rule.name} follows this ${what} but has read no step of it yet.`
        : status === "learning"
          ? `${rule.name} is still learning this ${what}: ${atLeast ? "at least " : ""}${span(historyMs / 1000)} of history. It expects values after ${WARM_UP_STEPS} steps (${span((WARM_UP_STEPS * stepMs) / 1000)} of ${a.step} steps) and judges them once it has seen ${a.min_history} (min_history).`
          : `${rule.name} judges each ${a.step} step of this ${what}: a score of ${d.threshold} or more is an anomaly. ${anomalies === 0 ? "No" : anomalies} anomalous step${anomalies === 1 ? "" : "s"} in this chart.`;
  return (
    <p class="muted chart-note" data-testid="anomaly-status" data-status={status} data-history-seconds={Math.round(historyMs / 1000)}>
      {text}
    </p>
  );
}

/** The scope of a rule in words (` (agent_name=support only)`), or "". */
function scopeText(rule: AlertRuleView): string {
  const s = Object.entries(rule.scope ?? {});
  return s.length ? ` (${s.map(([k, v]) => `${k}=${v}`).join(", ")} only)` : "";
}

/** One rule's chart of this group. */
function RuleWatch({ rule, dim, value, what }: { rule: AlertRuleView; dim: string; value: string; what: string }) {
  const readings = usePoll(() => get<AnomalySeriesResponse>("anomalies", { rule: rule.name, [dim]: value, window: ALL_KEPT }), [rule.name, rule.anomaly!.step, dim, value], ANOMALY_POLL_MS);
  return (
    <div class="anomaly-watch-item" data-testid="anomaly-watch-rule" data-rule={rule.name}>
      <Panel polled={readings} what={`the readings of ${rule.name}`}>
        {(d) =>
          d.followed ? (
            <>
              <AnomalyChart title={`${rule.name}: ${d.metric} per ${rule.anomaly!.step}${scopeText(rule)}`} data={d} format={(v) => figure(d.metric, v)} />
              <StatusLine rule={rule} d={d} what={what} />
            </>
          ) : (
            <div class="chart anomaly-unfollowed">
              <p class="chart-title">
                {rule.name}: {d.metric} per {rule.anomaly!.step}
                {scopeText(rule)}
              </p>
              <StatusLine rule={rule} d={d} what={what} />
            </div>
          )
        }
      </Panel>
    </div>
  );
}

/** The "Anomaly watch" section of the page of `value` of `dim` (`what` names it: agent, model, route). */
export function AnomalyWatch({ dim, value, what }: { dim: string; value: string; what: string }) {
  const rules = usePoll(() => get<AlertRuleListResponse>("alert-rules"), [], 60_000);
  const watching = rules.data ? watchingRules(rules.data.rules, dim) : [];
  return (
    <section class="anomaly-watch" aria-labelledby="anomaly-watch-title" data-testid="anomaly-watch" data-rules={rules.data ? watching.length : undefined}>
      <h2 id="anomaly-watch-title">Anomaly watch</h2>
      <Panel polled={rules} what="the alert rules">
        {() =>
          watching.length === 0 ? (
            <p class="muted" data-testid="anomaly-watch-none">
              No enabled anomaly rule is grouped by <code>{dim}</code>, so nothing watches this {what} for unusual values. An alert rule with an <code>anomaly</code> block and <code>group_by: [{dim}]</code> would be drawn here.
            </p>
          ) : (
            <>
              <p class="muted anomaly-watch-lead">
                Each chart shows what an anomaly rule's detector read at each step: the value, the value it expected (dashed) within its usual band (shaded), and the steps it found anomalous (red dots). Hover a chart for the figures and the score.
              </p>
              <div class="charts anomaly-charts">
                {watching.map((r) => (
                  <RuleWatch key={r.name} rule={r} dim={dim} value={value} what={what} />
                ))}
              </div>
            </>
          )
        }
      </Panel>
    </section>
  );
}
