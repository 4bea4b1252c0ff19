/** The overview: health score beside every open alert, every route not normal and every SLO in trouble, headline figures with trend and sparkline, live charts, the crossings predicted within 24 hours and recommendations for the selected window. */
import type { HealthBand, HealthStatus, Metrics } from "@vigil/contract";
import { useEffect } from "preact/hooks";
import { get } from "../api.js";
import { Chart } from "../components/chart.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { Tile } from "../components/tile.js";
import { ms, num, pct, rating, usd } from "../format.js";
import { loadOpenAlerts } from "../open-alerts.js";
import { usePoll } from "../poll.js";
import { href, useLocation } from "../router.js";
import { fetchSeries } from "../series.js";
import { previousHasData, shownTrend, type TrendRow } from "../trends.js";
import { windowOf } from "../windows.js";
import { Attention, LISTED_ALERTS, needsAttention } from "./attention.js";
import { ForecastPanel } from "./forecasts.js";
import type { RoutesAnswer } from "./routes.js";
import { loadSlos } from "./slo-parts.js";

/** The part of `GET /api/v1/report` the overview shows. */
export interface ReportAnswer {
  generated_at: string;
  window: { start: string; end: string };
  health_score: number | null;
  status: HealthStatus;
  band: HealthBand | null;
  metrics: Metrics;
  trends: Record<string, TrendRow>;
  recommendations: string[];
  alerts: { alert_id: string; rule: string; level: string; state: string; message: string }[];
  threshold_breaches: { level: string; metric: string; message: string }[];
  agents?: unknown[];
}

/** The headline figures: metric field, label, format (the task count's trend is that of throughput, the same ratio over equal windows). */
export const TILES: [keyof Metrics, string, (v: number | null) => string][] = [
  ["success_rate", "Success rate", pct],
  ["error_rate", "Error rate", pct],
  ["p50_latency_ms", "p50 latency", ms],
  ["p95_latency_ms", "p95 latency", ms],
  ["p99_latency_ms", "p99 latency", ms],
  ["total_cost", "Cost", usd],
  ["cost_per_task", "Cost per task", usd],
  ["avg_accuracy", "Accuracy", pct],
  ["avg_satisfaction", "Satisfaction", rating],
  ["cache_hit_rate", "Cache hit rate", pct],
  ["total_tasks", "Tasks", num],
];

const CHART_METRICS = ["total_tasks", "failed_tasks", "timeout_tasks", "error_rate", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "total_cost"];

/** The performance mark set when the overview first has all its data drawn. */
export const READY_MARK = "vigil:overview-ready";

/** Whether a metrics block has anything in it. */
export function hasTraffic(m: Metrics): boolean {
  return m.total_tasks > 0 || m.llm_calls > 0 || m.accuracy_samples > 0 || m.feedback_samples > 0;
}

/** The overview page. */
export function OverviewPage() {
  const w = windowOf(useLocation().query.get("w"));
  const report = usePoll(() => get<ReportAnswer>("report", { window: w.id, include_agents: false }), [w.id]);
  const series = usePoll(() => fetchSeries([...new Set([...TILES.map((t) => t[0]), ...CHART_METRICS])], w), [w.id]);
  // Open alerts and routes are "now", whatever the window: the same question the Alerts and Routes pages ask.
  const alerts = usePoll(() => loadOpenAlerts(LISTED_ALERTS), []);
  const routes = usePoll(() => get<RoutesAnswer>("routes"), []);
  const slos = usePoll(loadSlos, []);
  const s = series.data?.series ?? {};
  const partialFrom = series.data?.partialFrom ?? null;
  const settled = (p: { data: unknown; error: Error | undefined }) => p.data !== undefined || p.error !== undefined;
  const ready = report.data !== undefined && series.data !== undefined && settled(alerts) && settled(routes);
  useEffect(() => {
    // The first moment every figure and chart of the overview is on screen (read by bench/src/dashboard.ts).
    if (ready && performance.getEntriesByName(READY_MARK).length === 0) requestAnimationFrame(() => performance.mark(READY_MARK));
  }, [ready]);
  return (
    <>
      <PageTitle title="Overview" sub={<>Last {w.label} · <Freshness at={report.updatedAt} /></>} />
      <Panel
        polled={report}
        what="traffic"
        isEmpty={(r) => !hasTraffic(r.metrics)}
        empty={
          <>
            {/* A quiet window does not hide what is still open or failed over. */}
            {needsAttention(alerts, routes, slos) ? (
              <section class="health" aria-label="Open alerts, routes and SLOs">
                <Attention alerts={alerts} routes={routes} slos={slos} />
              </section>
            ) : null}
            <Empty title="No traffic in this window yet" />
          </>
        }
      >
        {(r) => (
          <>
            <section class="health" aria-label="Health score" data-metric="health_score" data-value={r.health_score === null ? "null" : String(r.health_score)}>
              <div class={`score band-${r.band ?? "none"}`}>
                <span class="score-value">{r.health_score === null ? "—" : Math.round(r.health_score)}</span>
                <span class="score-max">/100</span>
              </div>
              <div>
                <div class="score-band" data-band={r.band ?? ""}>{r.band ?? "no data"}</div>
                <div class={`status status-${r.status}`} data-status={r.status}>
                  {r.status}
                </div>
              </div>
              <Attention alerts={alerts} routes={routes} slos={slos} />
            </section>
            <section class="tiles" aria-label="Headline figures">
              {TILES.map(([key, label, fmt]) => (
                <Tile key={key} id={key} label={label} value={r.metrics[key] as number | null} text={fmt(r.metrics[key] as number | null)} trend={shownTrend(r.trends[key === "total_tasks" ? "throughput_per_min" : key], previousHasData(r.trends))} points={s[key]} partialFrom={partialFrom} />
              ))}
            </section>
            {series.error ? <p class="error">Charts could not refresh: {series.error.message}</p> : null}
            <section class="charts" aria-label="Charts">
              <Chart title="Requests" series={[{ label: "tasks", points: s.total_tasks ?? [] }, { label: "failed", points: s.failed_tasks ?? [] }, { label: "timed out", points: s.timeout_tasks ?? [] }]} format={num} partialFrom={partialFrom} />
              <Chart title="Error rate" series={[{ label: "error rate", points: s.error_rate ?? [], color: "#dc2626" }]} format={pct} partialFrom={partialFrom} />
              <Chart title="Latency percentiles" series={[{ label: "p50", points: s.p50_latency_ms ?? [] }, { label: "p95", points: s.p95_latency_ms ?? [] }, { label: "p99", points: s.p99_latency_ms ?? [] }]} format={ms} partialFrom={partialFrom} />
              <Chart title="Cost" series={[{ label: "cost", points: s.total_cost ?? [], color: "#16a34a" }]} format={usd} partialFrom={partialFrom} />
            </section>
            <ForecastPanel />
            {r.recommendations.length ? (
              <section aria-label="Recommendations">
                <h2>Recommendations</h2>
                <ul class="recs">
                  {r.recommendations.map((t, i) => (
                    <li key={i}>{t}</li>
                  ))}
                </ul>
                <a href={href(["report"])}>Full report</a>
              </section>
            ) : null}
          </>
        )}
      </Panel>
    </>
  );
}
