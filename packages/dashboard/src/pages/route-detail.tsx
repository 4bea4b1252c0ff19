/** One route in full (`#/routes/<route>`): where its traffic goes and why, its pin with a live countdown, each candidate's health, the switch and unpin controls, the anomaly rules watching it, and the switch history. */
import type { ModelHealth, RouteDecision, RouteView } from "@vigil/contract";
import { useState } from "preact/hooks";
import { get } from "../api.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { Panel } from "../components/states.js";
import { ago, NONE, num, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { AnomalyWatch } from "./anomaly-watch.js";
import { RouteControls } from "./route-controls.js";
import { HealthBadge, metricValue, splitText, StateBadge, TriggerBadge } from "./route-format.js";

/** The answer of `GET /api/v1/routes/:route/history`. */
export interface HistoryAnswer {
  decisions: RouteDecision[];
}

const LIMITS = [50, 200, 1000];

/** The detail page of one route. */
export function RouteDetail({ route }: { route: string }) {
  const path = `routes/${encodeURIComponent(route)}`;
  const view = usePoll(() => get<RouteView>(path), [route]);
  const [limit, setLimit] = useState(LIMITS[0]!);
  // The history is asked for once the route is known to exist, so a mistyped name gives one clear error, not two.
  const known = view.data?.route === route;
  const history = usePoll(() => (known ? get<HistoryAnswer>(`${path}/history`, { limit }) : Promise.resolve(undefined)), [route, limit, known]);
  const refreshAll = () => {
    view.refresh();
    history.refresh();
  };
  return (
    <>
      <p class="route-back">
        <a href={href(["routes"])}>← All routes</a>
      </p>
      <PageTitle title={route} sub={<>Route · <Freshness at={view.updatedAt} /></>} />
      <Panel polled={view} what="the route">
        {(v) => (
          <div data-testid="route-detail" data-route={v.route} data-state={v.state} data-active-model={v.active_model}>
            <div class="grid2">
              <section class="card route-card" aria-labelledby="route-now">
                <h2 id="route-now">Now</h2>
                <Summary v={v} />
              </section>
              <section class="card route-card" aria-labelledby="route-controls">
                <h2 id="route-controls">Pin and switch</h2>
                <RouteControls view={v} onDone={refreshAll} />
              </section>
            </div>
            <section aria-labelledby="route-health">
              <h2 id="route-health">Candidate health</h2>
              <HealthTable v={v} />
            </section>
          </div>
        )}
      </Panel>
      {known ? <AnomalyWatch dim="route" value={route} what="route" /> : null}
      {known ? (
        <section aria-labelledby="route-history-title">
          <div class="route-history-head">
            <h2 id="route-history-title">Switch history</h2>
            <label class="inline">
              Show the latest{" "}
              <select value={String(limit)} onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}>
                {LIMITS.map((n) => (
                  <option key={n} value={String(n)}>
                    {n}
                  </option>
                ))}
              </select>{" "}
              decisions
            </label>
          </div>
          <Panel polled={history} what="the switch history">
            {(h) => (h ? <HistoryTable decisions={h.decisions} /> : null)}
          </Panel>
        </section>
      ) : null}
    </>
  );
}

function Summary({ v }: { v: RouteView }) {
  return (
    <>
      <dl class="kv route-kv">
        <dt>State</dt>
        <dd>
          <StateBadge state={v.state} testid="route-state" />
        </dd>
        <dt>Active model</dt>
        <dd>
          <a href={href(["models", v.active_model])} data-testid="route-active-model">
            {v.active_model}
          </a>
        </dd>
        <dt>Pin</dt>
        <dd>{v.pin ? `${v.pin.model}, ${v.pin.until ? `until ${when(v.pin.until)}` : "until unpinned"}${v.pin.by ? ` (by ${v.pin.by})` : ""}` : "not pinned"}</dd>
        <dt>Traffic split</dt>
        <dd>{v.split ? splitText(v.split) : `none: all traffic to ${v.active_model}`}</dd>
        <dt>Primary</dt>
        <dd>{v.primary}</dd>
        <dt>Backups</dt>
        <dd>{v.backups.length ? v.backups.join(", ") : NONE}</dd>
        <dt>Since</dt>
        <dd>
          {when(v.since)} <span class="muted">({ago(v.since)})</span>
        </dd>
        <dt>Reason</dt>
        <dd>{v.reason ?? NONE}</dd>
        <dt>Switch back</dt>
        <dd>
          {v.switch_back}
          <span class="muted">
            {v.switch_back === "auto" ? " (the primary is probed, then ramped, once it recovers)" : v.switch_back === "manual" ? " (waits for a manual switch)" : " (stays on the backup)"}
          </span>
        </dd>
        <dt>Revision</dt>
        <dd>{v.revision}</dd>
      </dl>
    </>
  );
}

function role(v: RouteView, model: string): string {
  if (model === v.primary) return "primary";
  const i = v.backups.indexOf(model);
  return i >= 0 ? `backup ${i + 1}` : "other";
}

function HealthTable({ v }: { v: RouteView }) {
  const models = [...new Set([v.primary, ...v.backups, ...Object.keys(v.health)])];
  return (
    <div class="table-wrap">
      <table data-testid="route-health">
        <caption class="sr-only">Health of each candidate model at the last evaluation</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Role</th>
            <th scope="col">Health</th>
            <th scope="col">Reasons</th>
            <th scope="col" class="num">
              Samples
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const h: ModelHealth | undefined = v.health[m];
            return (
              <tr key={m} data-model={m} data-status={h?.status ?? ""}>
                <th scope="row">
                  <a href={href(["models", m])}>{m}</a>
                  {m === v.active_model ? <span class="badge badge-info route-tag">active</span> : null}
                  {v.split?.model === m ? <span class="badge badge-muted route-tag">{v.split.phase}</span> : null}
                </th>
                <td>{role(v, m)}</td>
                <td>{h ? <HealthBadge status={h.status} /> : <span class="muted">not evaluated yet</span>}</td>
                <td class="wrap">
                  {h && h.reasons.length ? (
                    <ul class="reasons">
                      {h.reasons.map((r) => (
                        <li key={r.metric}>
                          <code>{r.metric}</code> {metricValue(r.metric, r.value)} <span class="muted">(threshold {metricValue(r.metric, r.threshold)})</span>
                        </li>
                      ))}
                    </ul>
                  ) : h?.status === "unknown" ? (
                    <span class="muted">too few samples to judge</span>
                  ) : (
                    NONE
                  )}
                </td>
                <td class="num">{h ? num(h.samples) : NONE}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function HistoryTable({ decisions }: { decisions: RouteDecision[] }) {
  if (decisions.length === 0) return <p class="muted">No decisions yet: the route has served its primary since it was registered.</p>;
  const rows = [...decisions].sort((a, b) => b.revision - a.revision || Date.parse(b.at) - Date.parse(a.at));
  return (
    <div class="table-wrap">
      <table data-testid="route-history">
        <caption class="sr-only">Switch history, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">From → to</th>
            <th scope="col">Trigger</th>
            <th scope="col">Metric</th>
            <th scope="col" class="num">
              Value
            </th>
            <th scope="col" class="num">
              Threshold
            </th>
            <th scope="col">Reason</th>
            <th scope="col">State</th>
            <th scope="col" class="num">
              Revision
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d, i) => (
            <tr key={`${d.revision}-${i}`} data-testid="route-history-row" data-trigger={d.trigger} data-to={d.to}>
              <td title={ago(d.at)}>{when(d.at)}</td>
              <td>
                {d.from ?? NONE} → <strong>{d.to}</strong>
              </td>
              <td>
                <TriggerBadge trigger={d.trigger} />
              </td>
              <td>{d.metric ? <code>{d.metric}</code> : NONE}</td>
              <td class="num">{metricValue(d.metric, d.value)}</td>
              <td class="num">{metricValue(d.metric, d.threshold)}</td>
              <td class="wrap">{d.reason}</td>
              <td>
                <StateBadge state={d.state} />
              </td>
              <td class="num">{d.revision}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
