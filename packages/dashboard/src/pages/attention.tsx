/** Beside the overview's health score: every open alert, every route not served as configured and every SLO whose budget is spent or burning too fast, so that a good score never hides them. */
import type { AlertListResponse, AlertView, RouteView, SloListResponse, SloStatus } from "@vigil/contract";
import type { Polled } from "../poll.js";
import { ago, when } from "../format.js";
import { href } from "../router.js";
import { DIMENSION_LABEL, DIMENSIONS, LevelBadge, StateBadge as AlertStateBadge } from "./alert-parts.js";
import { StateBadge } from "./route-format.js";
import type { RoutesAnswer } from "./routes.js";
import { MetBadge, sloNeedsAttention, troubleWords } from "./slo-parts.js";

/** Most open alerts listed by name; the rest are counted with a link to the Alerts page. */
export const LISTED_ALERTS = 8;

/** What an alert is about: "model gpt-4o", "route summarize", or the whole system when its rule groups by nothing. */
function subject(a: AlertView): string {
  const parts = DIMENSIONS.filter((d) => a.labels[d] !== undefined).map((d) => `${DIMENSION_LABEL[d]!.toLowerCase()} ${a.labels[d]}`);
  return parts.length ? parts.join(", ") : "whole system";
}

/** "failed over", "pinned"… */
const stateWords = (s: string) => s.replace(/_/g, " ");

function OpenAlerts({ list }: { list: AlertListResponse }) {
  const n = list.total_count;
  const more = n - Math.min(list.alerts.length, LISTED_ALERTS);
  return (
    <div class="attention-block" data-testid="overview-alerts" data-open-count={n}>
      <h2 class="attention-title">
        {n ? (
          <a href={href(["alerts"], { state: "open" })} class="open-alerts">
            {n} open alert{n === 1 ? "" : "s"}
          </a>
        ) : (
          <span class="all-clear">No open alerts</span>
        )}
      </h2>
      {n ? (
        <ul class="attention-list">
          {list.alerts.slice(0, LISTED_ALERTS).map((a) => (
            <li key={a.alert_id} data-testid="overview-alert" data-alert-id={a.alert_id} data-state={a.state} data-level={a.level}>
              <LevelBadge level={a.level} /> <a href={href(["alerts", a.alert_id])}>{a.rule}</a> <span class="muted">on {subject(a)}</span> <AlertStateBadge state={a.state} />{" "}
              <span class="muted" title={when(a.fired_at ?? a.starts_at)}>
                {ago(a.fired_at ?? a.starts_at)}
              </span>
            </li>
          ))}
          {more > 0 ? (
            <li>
              <a href={href(["alerts"], { state: "open" })}>
                {more} more open alert{more === 1 ? "" : "s"}
              </a>
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}

function RoutesOff({ routes }: { routes: RouteView[] }) {
  const off = routes.filter((r) => r.state !== "normal");
  return (
    <div class="attention-block" data-testid="overview-routes" data-off-count={off.length}>
      <h2 class="attention-title">
        {off.length ? (
          <a href={href(["routes"])} class="routes-off">
            {off.length} route{off.length === 1 ? "" : "s"} not normal
          </a>
        ) : (
          <span class="all-clear">{routes.length ? `${routes.length === 1 ? "The route is" : `All ${routes.length} routes are`} normal` : "No routes registered"}</span>
        )}
      </h2>
      {off.length ? (
        <ul class="attention-list">
          {off.map((r) => (
            <li key={r.route} data-testid="overview-route" data-route={r.route} data-state={r.state} data-active-model={r.active_model}>
              <a href={href(["routes", r.route])}>{r.route}</a> <StateBadge state={r.state} />{" "}
              <span>
                served by <strong>{r.active_model}</strong>
                {r.active_model !== r.primary ? <span class="muted"> (primary {r.primary})</span> : null}
              </span>{" "}
              <span class="muted" title={when(r.since)}>
                {stateWords(r.state)} {ago(r.since)}
              </span>
              {r.reason ? <div class="attention-reason">{r.reason}</div> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The SLOs whose error budget is spent or whose burn-rate alert fires; nothing at all on a server without SLOs. */
function SlosOff({ slos }: { slos: SloStatus[] }) {
  const off = slos.filter(sloNeedsAttention);
  if (!slos.length) return null;
  return (
    <div class="attention-block" data-testid="overview-slos" data-off-count={off.length}>
      <h2 class="attention-title">
        {off.length ? (
          <a href={href(["slos"])} class="slos-off">
            {off.length} SLO{off.length === 1 ? " needs" : "s need"} attention
          </a>
        ) : (
          <span class="all-clear">{slos.length === 1 ? "The SLO is" : `All ${slos.length} SLOs are`} within budget</span>
        )}
      </h2>
      {off.length ? (
        <ul class="attention-list">
          {off.map((s) => (
            <li key={s.name} data-testid="overview-slo" data-slo={s.name}>
              <a href={href(["slos", s.name])}>{s.name}</a> <MetBadge met={s.met} />
              <div class="attention-reason">{troubleWords(s)}</div>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Whether anything needs attention: an open alert, a route not `normal`, or an SLO whose budget is spent or burning (sloNeedsAttention). */
export function needsAttention(alerts: Polled<AlertListResponse>, routes: Polled<RoutesAnswer>, slos: Polled<SloListResponse>): boolean {
  return (alerts.data?.total_count ?? 0) > 0 || (routes.data?.routes.some((r) => r.state !== "normal") ?? false) || (slos.data?.slos.some(sloNeedsAttention) ?? false);
}

/** The open alerts, the routes not `normal` and the SLOs in trouble; each part says when it could not be read. */
export function Attention({ alerts, routes, slos }: { alerts: Polled<AlertListResponse>; routes: Polled<RoutesAnswer>; slos: Polled<SloListResponse> }) {
  return (
    <div class="attention" aria-label="Needs attention" data-testid="attention">
      {alerts.data ? <OpenAlerts list={alerts.data} /> : <p class="muted">{alerts.error ? `Open alerts could not be read: ${alerts.error.message}` : "Loading open alerts…"}</p>}
      {routes.data ? <RoutesOff routes={routes.data.routes} /> : <p class="muted">{routes.error ? `Routes could not be read: ${routes.error.message}` : "Loading routes…"}</p>}
      {slos.data ? <SlosOff slos={slos.data.slos} /> : slos.error ? <p class="muted">SLOs could not be read: {slos.error.message}</p> : null}
    </div>
  );
}
