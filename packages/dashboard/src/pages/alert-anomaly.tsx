/**
 * "Around the alert" on the page of an anomaly rule's alert: the readings of the alert's group
 * (`GET /api/v1/anomalies`) from a few hours before the alert to its resolution (or now), the
 * alert's step shaded, and beside the chart what the alert says was expected, its score and value.
 */
import type { AlertRuleView, AlertView, AnomalySeriesResponse } from "@vigil/contract";
import { useEffect, useRef } from "preact/hooks";
import { get } from "../api.js";
import { AnomalyChart } from "../components/anomaly-chart.js";
import { Panel } from "../components/states.js";
import { NONE, when } from "../format.js";
import { usePoll } from "../poll.js";
import { useLocation } from "../router.js";
import { figure } from "./alert-parts.js";
import { ANOMALY_POLL_MS, durationMs } from "./anomaly-watch.js";
import "./anomaly.css";

/** How far before the alert the chart starts: 3 hours, and at least 24 steps. */
const BEFORE_MS = 3 * 3_600_000;
const BEFORE_STEPS = 24;
/** How far past a resolved alert it goes: 30 minutes, and at least 6 steps. */
const AFTER_MS = 30 * 60_000;
const AFTER_STEPS = 6;

/** Whether an alert is an anomaly rule's: its rule has an anomaly block, or (the rule gone) the alert carries an anomaly score. */
export function isAnomalyAlert(a: AlertView, rule: AlertRuleView | undefined): boolean {
  return rule ? rule.anomaly !== undefined : a.annotations.anomaly_score !== undefined;
}

/** The range the chart asks for: `window` back from `to` (null: now). */
export function rangeAround(a: AlertView, stepMs: number, now: number): { windowMinutes: number; to: number | null } {
  const from = Date.parse(a.starts_at) - Math.max(BEFORE_MS, BEFORE_STEPS * stepMs);
  const end = a.resolved_at ? Date.parse(a.resolved_at) + Math.max(AFTER_MS, AFTER_STEPS * stepMs) : null;
  const to = end !== null && end < now ? end : null;
  return { windowMinutes: Math.max(1, Math.ceil(((to ?? now) - from) / 60_000)), to };
}

/** The alert's step: the latest anomalous step at or before the alert began, else the latest step before it. */
export function alertStep(d: AnomalySeriesResponse, startsAt: string): string | null {
  const t = Date.parse(startsAt);
  const before = d.points.filter((p) => Date.parse(p.at) <= t);
  return (before.filter((p) => p.anomalous).at(-1) ?? before.at(-1))?.at ?? null;
}

/** The card, for an alert of an anomaly rule (nothing for other alerts, nor before the rules are known: `rulesKnown`). */
export function AroundTheAlert({ alert, rule, rulesKnown }: { alert: AlertView; rule: AlertRuleView | undefined; rulesKnown: boolean }) {
  if (!rulesKnown || !isAnomalyAlert(alert, rule)) return null;
  const missing = (rule?.group_by ?? []).filter((d) => alert.labels[d] === undefined);
  return (
    <section class="card around-alert" id="around-the-alert" aria-labelledby="around-alert-title" data-testid="around-alert">
      <h2 id="around-alert-title">Around the alert</h2>
      {!rule?.anomaly ? (
        <p class="muted">The rule {alert.rule} is no longer an anomaly rule in force, so its readings cannot be drawn.</p>
      ) : missing.length ? (
        <p class="muted">The alert has no {missing.join(", ")} label, so its group's readings cannot be asked for.</p>
      ) : (
        <Readings alert={alert} rule={rule} />
      )}
    </section>
  );
}

function Readings({ alert, rule }: { alert: AlertView; rule: AlertRuleView }) {
  const stepMs = durationMs(rule.anomaly!.step) ?? 300_000;
  const group = Object.fromEntries((rule.group_by ?? []).map((d) => [d, alert.labels[d]!]));
  const readings = usePoll(
    () => {
      const { windowMinutes, to } = rangeAround(alert, stepMs, Date.now());
      return get<AnomalySeriesResponse>("anomalies", { rule: rule.name, ...group, window: `${windowMinutes}m`, to: to === null ? undefined : new Date(to).toISOString() });
    },
    [alert.alert_id, alert.resolved_at, rule.name, stepMs],
    ANOMALY_POLL_MS,
  );
  const card = useRef<HTMLDivElement>(null);
  const wanted = useLocation().query.get("view") === "chart";
  const loaded = readings.data !== undefined;
  useEffect(() => {
    // Opened from the alert list's "chart" link: bring the chart into view once it is drawn.
    if (wanted && loaded) card.current?.closest(".around-alert")?.scrollIntoView({ block: "start" });
  }, [wanted, loaded]);
  return (
    <div ref={card}>
      <Panel polled={readings} what="the readings around the alert">
        {(d) => {
          const step = alertStep(d, alert.starts_at);
          const at = d.points.find((p) => p.at === step);
          return (
            <div class="grid-side">
              <AnomalyChart title={`${d.metric} per ${rule.anomaly!.step} around the alert`} data={d} format={(v) => figure(d.metric, v)} highlight={step} />
              <dl class="kv" data-testid="alert-expected" data-step={step ?? ""}>
                <dt>The alert's step</dt>
                <dd>{step ? `${when(step)} (shaded)` : "not among the readings kept"}</dd>
                <dt>Value</dt>
                <dd>{figure(alert.metric_type, at?.value ?? alert.current_value)}</dd>
                <dt>Expected</dt>
                <dd data-field="expected">{alert.annotations.expected ?? NONE}</dd>
                <dt>Score</dt>
                <dd data-field="anomaly_score">{alert.annotations.anomaly_score ?? (at?.score != null ? at.score.toFixed(2) : NONE)}</dd>
                <dt>Range</dt>
                <dd>
                  {when(d.from)} – {alert.resolved_at ? when(d.to) : "now"}
                </dd>
              </dl>
            </div>
          );
        }}
      </Panel>
      {readings.data && !readings.data.followed ? <p class="muted">The rule does not follow this group now (it may have been changed, disabled, or the server restarted since), so no readings are kept for it.</p> : null}
    </div>
  );
}
