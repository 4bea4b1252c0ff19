/**
 * Predicted crossings (docs/anomaly.md "Forecasts"): the limits the trend of the last hours is
 * predicted to cross within 24 hours, soonest first — on the overview from
 * `GET /api/v1/forecasts?within=24h`, in the report from its `forecasts` section. Each row says
 * what crosses (a rule and its group, an SLO's error budget, the daily cost), the limit, the value
 * now, when (with the band from earliest to latest) and how far the fit can be trusted.
 */
import type { Forecast, ForecastListResponse, ForecastSummary } from "@vigil/contract";
import { get } from "../api.js";
import { Panel } from "../components/states.js";
import { NONE, span, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { figure } from "./alert-parts.js";
import "./anomaly.css";

/** The horizon the overview asks for, as the report's section does. */
export const FORECAST_WITHIN = "24h";
/** Forecasts are recomputed at most every 10 s: asked again every 15 s. */
const FORECAST_POLL_MS = 15_000;

/** "14:05", or "2026-11-22 14:05" when not today. */
export function clock(iso: string, now = new Date()): string {
  const full = when(iso);
  return full.slice(0, 10) === when(now.getTime()).slice(0, 10) ? full.slice(11, 16) : full.slice(0, 16);
}

/** "agent_name=support, model=gpt-4o". */
function groupText(group: Record<string, string> | undefined): string {
  return Object.entries(group ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** What crosses: the rule and its group, the SLO's budget, or the daily cost. */
function What({ f }: { f: Forecast }) {
  if (f.kind === "slo_budget")
    return (
      <>
        SLO <a href={href(["slos", f.name])}>{f.name}</a>: error budget left
      </>
    );
  if (f.kind === "daily_cost")
    return (
      <>
        Daily cost <span class="muted">(projected, against {f.name})</span>
      </>
    );
  const g = groupText(f.group);
  return (
    <>
      {f.name}
      {g ? <span> · {g}</span> : null} <span class="muted">({f.metric})</span>
    </>
  );
}

/** When, with the band: "in 3 h 20 min · 14:05 (13:40–14:55)". */
function When({ f }: { f: Forecast }) {
  const c = f.crossing;
  if (!c || f.in_seconds === null) return <>{NONE}</>;
  return (
    <>
      <strong>in {span(f.in_seconds)}</strong> · {clock(c.at)}{" "}
      <span class="muted">
        (between {clock(c.earliest)} and {c.latest ? clock(c.latest) : "beyond 7 days"})
      </span>
    </>
  );
}

/** The table of forecasts, soonest first as given. */
export function ForecastTable({ forecasts, caption }: { forecasts: Forecast[]; caption: string }) {
  return (
    <div class="table-wrap forecasts">
      <table data-testid="forecast-table">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col" class="num">Limit</th>
            <th scope="col" class="num">Now</th>
            <th scope="col">When</th>
            <th scope="col">Confidence</th>
          </tr>
        </thead>
        <tbody>
          {forecasts.map((f) => (
            <tr
              key={`${f.kind}|${f.name}|${groupText(f.group)}`}
              data-testid="forecast-row"
              data-kind={f.kind}
              data-name={f.name}
              data-group={f.group ? JSON.stringify(f.group) : ""}
              data-forecast-metric={f.metric}
              data-limit={String(f.limit)}
              data-current={f.current === null ? "null" : String(f.current)}
              data-in-seconds={f.in_seconds === null ? "null" : String(f.in_seconds)}
              data-at={f.crossing?.at ?? ""}
              data-earliest={f.crossing?.earliest ?? ""}
              data-latest={f.crossing?.latest ?? ""}
              data-confidence={f.fit?.confidence ?? ""}
            >
              <td class="what">
                <What f={f} />
              </td>
              <td class="num">
                {f.comparator} {figure(f.metric, f.limit)}
              </td>
              <td class="num">{figure(f.metric, f.current)}</td>
              <td class="when">
                <When f={f} />
              </td>
              <td>
                <span class={`confidence-${f.fit?.confidence ?? "low"}`} title={f.fit?.r2 != null ? `r² ${f.fit.r2.toFixed(2)} over ${f.points} points` : undefined}>
                  {f.fit?.confidence ?? NONE}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The sentence when nothing is predicted to cross. */
function NothingPredicted({ within }: { within: string }) {
  return (
    <p class="muted" data-testid="forecasts-none">
      Nothing is predicted to cross its limit within {within}: no alert rule's metric, SLO error budget or the daily cost is trending toward its limit fast enough, as far as the last hours show.
    </p>
  );
}

/** The overview's panel: `GET /api/v1/forecasts?within=24h`. */
export function ForecastPanel() {
  const list = usePoll(() => get<ForecastListResponse>("forecasts", { within: FORECAST_WITHIN }), [], FORECAST_POLL_MS);
  return (
    <section class="forecast-panel" aria-labelledby="forecasts-title" data-testid="forecast-panel" data-total={list.data?.total}>
      <h2 id="forecasts-title">Predicted crossings</h2>
      <Panel polled={list} what="forecasts">
        {(d) =>
          d.forecasts.length === 0 ? (
            <NothingPredicted within="24 hours" />
          ) : (
            <>
              <p class="muted">
                Limits the trend of the last hours is predicted to cross within 24 hours, soonest first
                {d.total > d.forecasts.length ? ` (the first ${d.forecasts.length} of ${d.total})` : ""}. The band is where the crossing falls if the trend's noise and uncertainty hold.
              </p>
              <ForecastTable forecasts={d.forecasts} caption="Predicted crossings within 24 hours, soonest first" />
            </>
          )
        }
      </Panel>
    </section>
  );
}

/** The report's section: its `forecasts` (crossings within 24 hours, at most 10). */
export function ReportForecasts({ s }: { s: ForecastSummary }) {
  const within = span(s.within_seconds);
  return (
    <section aria-labelledby="report-forecasts-title" data-testid="report-forecasts" data-total={s.total}>
      <h2 id="report-forecasts-title">Predicted crossings</h2>
      {s.crossings.length === 0 ? (
        <NothingPredicted within={within} />
      ) : (
        <>
          <p class="muted">
            {s.total} limit{s.total === 1 ? "" : "s"} predicted to be crossed within {within}
            {s.total > s.crossings.length ? `; the soonest ${s.crossings.length}` : ""}.
          </p>
          <ForecastTable forecasts={s.crossings} caption={`Predicted crossings within ${within}, soonest first`} />
        </>
      )}
    </section>
  );
}
