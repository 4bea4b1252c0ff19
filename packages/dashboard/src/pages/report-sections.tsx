/** The tables of the report: metrics of the window, trends against the previous window, threshold breaches and open alerts. */
import type { Metrics, ThresholdBreach, ThresholdScope, Trend } from "@vigil/contract";
import type { ComponentChildren } from "preact";
import { ago, ms, NONE, num, pct, rating, score, usd, when } from "../format.js";
import { href } from "../router.js";
import { previousHasData, shownTrend, type TrendRow } from "../trends.js";

type Fmt = (v: number | null) => string;

export type { TrendRow };

/** A threshold breached in the window (system-wide or by one agent), with where its limit came from and the samples judged. */
export type Breach = ThresholdBreach;

/** "global", "agent override (support-bot)": where a verdict's threshold came from. */
export function scopeLabel(s: ThresholdScope | null | undefined): string {
  if (!s) return "the rule's own";
  return s.kind === "global" ? "global" : `${s.kind} override (${s.name})`;
}

/** An alert firing or acknowledged now, as the report lists it. */
export interface OpenAlert {
  alert_id: string;
  rule: string;
  level: string;
  state: string;
  message: string;
  starts_at?: string | null;
  recommendation?: string | null;
}

const perMin: Fmt = (v) => (v === null ? NONE : `${num(Number(v.toFixed(2)))}/min`);

/** Label and format of the metrics the report shows. */
const INFO: Partial<Record<keyof Metrics, [string, Fmt]>> = {
  total_tasks: ["Tasks", num],
  successful_tasks: ["Successful", num],
  failed_tasks: ["Failed", num],
  timeout_tasks: ["Timed out", num],
  partial_tasks: ["Partial", num],
  success_rate: ["Success rate", pct],
  error_rate: ["Error rate", pct],
  throughput_per_min: ["Throughput", perMin],
  total_retries: ["Retries", num],
  degradation_rate: ["Degraded runs", pct],
  avg_latency_ms: ["Mean latency", ms],
  p50_latency_ms: ["p50 latency", ms],
  p95_latency_ms: ["p95 latency", ms],
  p99_latency_ms: ["p99 latency", ms],
  total_cost: ["Total cost", usd],
  cost_per_task: ["Cost per task", usd],
  total_tokens: ["Tokens", num],
  tokens_per_task: ["Tokens per task", num],
  cost_saved_by_cache: ["Saved by cache", usd],
  avg_quality_score: ["Quality score", score],
  avg_accuracy: ["Accuracy", pct],
  accuracy_samples: ["Outcome events", num],
  avg_satisfaction: ["Satisfaction", rating],
  feedback_samples: ["Feedback events", num],
  cache_hit_rate: ["Cache hit rate", pct],
  llm_calls: ["LLM calls", num],
  llm_error_rate: ["LLM error rate", pct],
  llm_p95_latency_ms: ["LLM p95 latency", ms],
  llm_cost: ["LLM cost", usd],
  tool_calls: ["Tool calls", num],
  tool_error_rate: ["Tool error rate", pct],
  retrievals: ["Retrievals", num],
  retrieval_error_rate: ["Retrieval error rate", pct],
};

const GROUPS: [string, (keyof Metrics)[]][] = [
  ["Runs", ["total_tasks", "successful_tasks", "failed_tasks", "timeout_tasks", "partial_tasks", "success_rate", "error_rate", "throughput_per_min", "total_retries", "degradation_rate"]],
  ["Latency", ["avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]],
  ["Cost and tokens", ["total_cost", "cost_per_task", "total_tokens", "tokens_per_task", "cost_saved_by_cache"]],
  ["Quality", ["avg_quality_score", "avg_accuracy", "accuracy_samples", "avg_satisfaction", "feedback_samples", "cache_hit_rate"]],
  ["Calls", ["llm_calls", "llm_error_rate", "llm_p95_latency_ms", "llm_cost", "tool_calls", "tool_error_rate", "retrievals", "retrieval_error_rate"]],
];

const label = (key: string) => INFO[key as keyof Metrics]?.[0] ?? key.replace(/_/g, " ");
const fmtOf = (key: string): Fmt => INFO[key as keyof Metrics]?.[1] ?? num;

/** The window's figures as small two-column tables, one per group of metrics. */
export function MetricsTables({ m }: { m: Metrics }) {
  return (
    <section aria-labelledby="report-metrics">
      <h2 id="report-metrics">Metrics</h2>
      <div class="report-metrics">
        {GROUPS.map(([title, keys]) => (
          <div class="table-wrap" key={title}>
            <table class="compact">
              <caption>{title}</caption>
              <tbody>
                {keys.map((k) => (
                  <tr key={k} data-metric={k} data-value={String(m[k])}>
                    <th scope="row">{label(k)}</th>
                    <td class="num">{fmtOf(k)(m[k] as number | null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </section>
  );
}

const TREND_BADGE: Record<Trend, string> = { improving: "badge-good", stable: "badge-muted", degrading: "badge-bad" };

/** A relative change as "+12.3%". */
function change(v: number | null): string {
  return v === null ? NONE : `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)}%`;
}

/** A headed section of the report holding one table, or a sentence when there is nothing to list; `head` names the columns (true: numeric). */
function TableSection({ id, title, caption, head, empty, note, children }: { id: string; title: string; caption: string; head: [string, boolean?][]; empty: string | null; note?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {note}
      {empty === null ? (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">{caption}</caption>
            <thead>
              <tr>
                {head.map(([h, numeric]) => (
                  <th key={h} scope="col" class={numeric ? "num" : undefined}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{empty}</p>
      )}
    </section>
  );
}

/** Each metric against the previous window: current, previous, relative change and whether that is good news (said only when both windows have the figure). */
export function TrendsTable({ trends }: { trends: Record<string, TrendRow> }) {
  const rows = Object.entries(trends).filter(([, t]) => t.current !== null || t.previous !== null);
  const hadData = previousHasData(trends);
  const noPrevious = rows.length > 0 && !hadData;
  return (
    <TableSection
      id="report-trends"
      title="Trends against the previous window"
      caption="Trends of each metric against the previous window of the same length"
      head={[["Metric"], ["This window", true], ["Previous window", true], ["Change", true], ["Trend"]]}
      empty={rows.length ? null : "Neither this window nor the previous one has data to compare."}
      note={noPrevious ? <p class="muted">The previous window has no data yet: trends show once Vigil has seen traffic in both windows.</p> : null}
    >
      {rows.map(([k, t]) => {
        const shown = shownTrend(t, hadData)?.trend ?? null;
        return (
          <tr key={k} data-trend-metric={k} data-trend={shown ?? ""}>
            <th scope="row">{label(k)}</th>
            <td class="num">{fmtOf(k)(t.current)}</td>
            <td class="num">{hadData ? fmtOf(k)(t.previous) : NONE}</td>
            <td class="num">{shown ? change(t.change) : NONE}</td>
            <td>{shown ? <span class={`badge ${TREND_BADGE[shown]}`}>{shown === "stable" ? "→" : shown === "improving" ? "▲" : "▼"} {shown}</span> : <span class="muted" title="One of the two windows has no data for this metric">{NONE}</span>}</td>
          </tr>
        );
      })}
    </TableSection>
  );
}

const THRESHOLD_FMT: Record<string, Fmt> = {
  success_rate_min: pct,
  error_rate_max: pct,
  accuracy_min: pct,
  latency_p95_max_ms: ms,
  cost_per_task_max: usd,
  memory_mb_max: (v) => (v === null ? NONE : `${num(Math.round(v))} MB`),
};

/** A level ("critical", "warning", "info") as a badge. */
function Level({ level }: { level: string }) {
  return <span class={`badge ${level === "critical" ? "badge-bad" : level === "warning" ? "badge-warn" : "badge-info"}`}>{level}</span>;
}

/** The global thresholds breached in the window, system-wide and per agent, critical first. */
export function BreachesTable({ breaches }: { breaches: Breach[] }) {
  return (
    <TableSection id="report-breaches" title="Threshold breaches" caption="Thresholds breached in the window" head={[["Level"], ["Breach"], ["Value", true], ["Threshold", true], ["Threshold from"], ["Samples", true]]} empty={breaches.length ? null : "No threshold was breached in this window."}>
      {breaches.map((b, i) => (
        <tr key={i} data-level={b.level}>
          <td>
            <Level level={b.level} />
          </td>
          <td class="wrap">{b.message}</td>
          <td class="num">{(THRESHOLD_FMT[b.metric] ?? num)(b.current_value)}</td>
          <td class="num">{(THRESHOLD_FMT[b.metric] ?? num)(b.threshold)}</td>
          <td>{scopeLabel(b.threshold_scope)}</td>
          <td class="num">{num(b.samples)}</td>
        </tr>
      ))}
    </TableSection>
  );
}

/** The alerts firing or acknowledged now (whatever the window), linking to each alert. */
export function AlertsTable({ alerts }: { alerts: OpenAlert[] }) {
  return (
    <TableSection id="report-alerts" title="Alerts firing or acknowledged" caption="Alerts firing or acknowledged now (pending ones are on the Alerts page)" head={[["Level"], ["Rule"], ["State"], ["Message"], ["Since"]]} empty={alerts.length ? null : "No alert is firing or acknowledged now."}>
      {alerts.map((a) => (
        <tr key={a.alert_id} data-state={a.state}>
          <td>
            <Level level={a.level} />
          </td>
          <td>
            <a href={href(["alerts", a.alert_id])}>{a.rule}</a>
          </td>
          <td>{a.state}</td>
          <td class="wrap">
            {a.message}
            {a.recommendation ? <div class="muted">{a.recommendation}</div> : null}
          </td>
          <td title={when(a.starts_at)}>{ago(a.starts_at)}</td>
        </tr>
      ))}
    </TableSection>
  );
}
