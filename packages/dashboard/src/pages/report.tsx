/** The report: the window's health, recommendations, predicted crossings, threshold breaches, open alerts, trends, metrics and agents as one printable document. */
import type { AgentMetrics, ComplianceSummary, ForecastSummary } from "@vigil/contract";
import type { BaselineReportEntry } from "@vigil/contract";
import { get } from "../api.js";
import { PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { when } from "../format.js";
import { usePoll } from "../poll.js";
import { href, useLocation } from "../router.js";
import { windowOf } from "../windows.js";
import { AGENTS, HealthBlock, toRow } from "./group-kind.js";
import { GroupTable } from "./group-list.js";
import { hasTraffic, type ReportAnswer } from "./overview.js";
import { AlertsTable, BreachesTable, MetricsTables, TrendsTable, type Breach, type OpenAlert, type TrendRow } from "./report-sections.js";
import { BaselinesSection } from "../components/baselines.js";
import { ReportForecasts } from "./forecasts.js";
import { ComplianceSection } from "./slo-compliance.js";
import "./report.css";

/** The answer of `GET /api/v1/report?include_agents=true`. */
export interface ReportDocument extends Omit<ReportAnswer, "agents" | "alerts" | "threshold_breaches" | "trends"> {
  previous_window: { start: string; end: string };
  agents: AgentMetrics[];
  threshold_breaches: Breach[];
  trends: Record<string, TrendRow>;
  alerts: OpenAlert[];
  /** Every active baseline against the window (absent from servers that predate baselines). */
  baselines?: BaselineReportEntry[];
  /** SLOs met, availability and satisfaction (absent from servers that predate SLOs). */
  compliance?: ComplianceSummary;
  /** The crossings predicted within 24 hours (absent from servers that predate forecasts). */
  forecasts?: ForecastSummary;
}

/** A report is a document: it refreshes every 30 s rather than every 5 s. */
const REPORT_POLL_MS = 30_000;

const AGENT_COLUMNS = ["name", "status", "health", "tasks", "success_rate", "error_rate", "p95_latency_ms", "cost_per_task", "avg_accuracy", "reliability"];

/** A time range as "2026-11-21 16:27:21 – 17:27:21" (the date once when both ends share it). */
function range(r: { start: string; end: string }): string {
  const a = when(r.start);
  const b = when(r.end);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)}` : `${a} – ${b}`;
}

/** The body of the report once it is loaded. */
function ReportBody({ r }: { r: ReportDocument }) {
  const critical = r.threshold_breaches.filter((b) => b.level === "critical").length;
  return (
    <>
      <HealthBlock
        score={r.health_score}
        band={r.band}
        status={
          <div class={`status status-${r.status}`} data-status={r.status}>
            {r.status}
          </div>
        }
      >
        <ul class="report-facts">
          <li>
            {r.alerts.length ? (
              <a href={href(["alerts"], { state: "open" })}>
                {r.alerts.length} alert{r.alerts.length === 1 ? "" : "s"} firing or acknowledged
              </a>
            ) : (
              "No alert firing or acknowledged"
            )}
          </li>
          <li>
            {r.threshold_breaches.length} threshold breach{r.threshold_breaches.length === 1 ? "" : "es"}
            {critical ? ` (${critical} critical)` : ""}
          </li>
          <li class="muted">Compared with {range(r.previous_window)}</li>
        </ul>
      </HealthBlock>
      <section class="card report-recs-card" aria-labelledby="report-recs">
        <h2 id="report-recs">Recommendations</h2>
        {r.recommendations.length ? (
          <ol class="recs report-recs" data-testid="report-recommendations">
            {r.recommendations.map((t, i) => (
              <li key={i}>{t}</li>
            ))}
          </ol>
        ) : (
          <p class="muted">Nothing to recommend: every figure is within its threshold in this window.</p>
        )}
      </section>
      {r.compliance ? <ComplianceSection c={r.compliance} /> : null}
      {r.forecasts ? <ReportForecasts s={r.forecasts} /> : null}
      <BreachesTable breaches={r.threshold_breaches} />
      <AlertsTable alerts={r.alerts} />
      <TrendsTable trends={r.trends} />
      {r.baselines?.length ? <BaselinesSection entries={r.baselines} /> : null}
      <MetricsTables m={r.metrics} />
      <section aria-labelledby="report-agents">
        <h2 id="report-agents">Agents</h2>
        {r.agents.length ? (
          <div class="report-agents">
            <GroupTable kind={AGENTS} rows={r.agents.map((a) => toRow(AGENTS, a))} only={AGENT_COLUMNS} />
          </div>
        ) : (
          <p class="muted">No agent ran in this window.</p>
        )}
      </section>
    </>
  );
}

/** The report page for the selected window, with a Print button. */
export function ReportPage() {
  const w = windowOf(useLocation().query.get("w"));
  const report = usePoll(() => get<ReportDocument>("report", { window: w.id, include_agents: true }), [w.id], REPORT_POLL_MS);
  const r = report.data;
  return (
    <article class="report" data-testid="report">
      <PageTitle
        title="Report"
        sub={
          r ? (
            <>
              Last {w.label}: {range(r.window)} · generated <time dateTime={r.generated_at}>{when(r.generated_at)}</time>
              <span class="no-print"> · refreshes every 30 s</span>
            </>
          ) : (
            `Last ${w.label}`
          )
        }
      >
        <button type="button" data-testid="report-print" onClick={() => window.print()} disabled={!r}>
          Print
        </button>
      </PageTitle>
      <Panel polled={report} what="the report" isEmpty={(d) => !hasTraffic(d.metrics) && d.alerts.length === 0} empty={<Empty title={`No traffic in the last ${w.label} to report on`} />}>
        {(d) => <ReportBody r={d} />}
      </Panel>
    </article>
  );
}
