/** The Alerts section: counts, the alerts by state with filters and acknowledge/resolve/silence (an anomaly rule's alert also links to its chart), the silences; `#/alerts/<id>` shows one alert. */
import type { AlertListResponse, AlertRuleView, AlertSummaryResponse, AlertView } from "@vigil/contract";
import { useState } from "preact/hooks";
import { get } from "../api.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { ago, NONE, num, span, when } from "../format.js";
import { OPEN_STATE_PARAM } from "../open-alerts.js";
import { usePoll } from "../poll.js";
import { href, navigate, useLocation } from "../router.js";
import { useCanAdmin } from "../session.js";
import { isAnomalyAlert } from "./alert-anomaly.js";
import { AlertDetail } from "./alert-detail.js";
import { ActorBar, AlertButtons, DIMENSION_LABEL, DIMENSIONS, dimensionHref, LevelBadge, matchersOf, MuteMarkers, OutcomeNote, StateBadge, useActor, useAlertActions, useRules, valueVsThreshold, type Actor } from "./alert-parts.js";
import { SilencesSection, type SilenceDraft } from "./silences.js";
import "./alerts.css";

// "Open" asks what the overview asks (open-alerts.ts): pending, firing and acknowledged.
const TABS = ["open", "firing", "acknowledged", "resolved", "pending", "all"] as const;
type Tab = (typeof TABS)[number];
const FILTERS = ["level", "rule", "agent_name", "model", "route", "query_class"] as const;
const PAGE = 100;

/** The Alerts section: one alert when `selected` is an alert id, else the lists and the silences. */
export function AlertsPage({ selected }: { selected?: string }) {
  const actor = useActor();
  const canAdmin = useCanAdmin();
  return selected ? <AlertDetail id={selected} actor={actor} canAdmin={canAdmin} /> : <AlertLists actor={actor} canAdmin={canAdmin} />;
}

function Summary({ s }: { s: AlertSummaryResponse }) {
  const item = (label: string, value: string, cls = "") => (
    <div class={`stat ${cls}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <section class="card alert-summary" aria-labelledby="alert-summary-title" data-testid="alerts-summary">
      <h2 id="alert-summary-title">
        Last 7 days <span class="muted">(alerts whose latest change falls in it)</span>
      </h2>
      <dl class="stats">
        {item("open", num(s.open), "stat-open")}
        {item("firing", num(s.by_state.firing ?? 0), "stat-bad")}
        {item("acknowledged", num(s.by_state.acknowledged ?? 0), "stat-warn")}
        {item("pending", num(s.by_state.pending ?? 0))}
        {item("resolved", num(s.by_state.resolved ?? 0))}
      </dl>
      <dl class="stats">
        {item("critical", num(s.by_level.critical ?? 0), "stat-bad")}
        {item("warning", num(s.by_level.warning ?? 0), "stat-warn")}
        {item("info", num(s.by_level.info ?? 0))}
        {item("mean time to acknowledge", s.mean_time_to_acknowledge_s === null ? NONE : span(s.mean_time_to_acknowledge_s))}
        {item("mean time to resolve", s.mean_time_to_resolve_s === null ? NONE : span(s.mean_time_to_resolve_s))}
      </dl>
    </section>
  );
}

function AlertRow({ a, rule, canAdmin, busy, act, onSilence }: { a: AlertView; rule: AlertRuleView | undefined; canAdmin: boolean; busy: string | null; act: (a: AlertView, action: "acknowledge" | "resolve") => void; onSilence: (a: AlertView) => void }) {
  const since = a.fired_at ?? a.starts_at;
  return (
    <li class={`alert-card level-${a.level}`} data-testid="alert-row" data-alert-id={a.alert_id} data-state={a.state}>
      <div class="alert-head">
        <LevelBadge level={a.level} />
        <h3>
          <a href={href(["alerts", a.alert_id])}>{a.rule}</a>
        </h3>
        <StateBadge state={a.state} />
        <MuteMarkers alert={a} />
      </div>
      <p class="alert-msg">{a.message}</p>
      <dl class="alert-meta">
        {DIMENSIONS.filter((d) => a.labels[d] !== undefined).map((d) => {
          const to = dimensionHref(d, a.labels[d]!);
          return (
            <div key={d}>
              <dt>{DIMENSION_LABEL[d]}</dt>
              <dd>{to ? <a href={to}>{a.labels[d]}</a> : a.labels[d]}</dd>
            </div>
          );
        })}
        <div>
          <dt>Value</dt>
          <dd>{valueVsThreshold(a, rule)}</dd>
        </div>
        <div>
          <dt>{a.fired_at ? "Fired" : "Pending since"}</dt>
          <dd title={when(since)}>{ago(since)}</dd>
        </div>
        {a.acknowledged_at ? (
          <div>
            <dt>Acknowledged</dt>
            <dd title={when(a.acknowledged_at)}>
              by <strong>{a.acknowledged_by}</strong> {ago(a.acknowledged_at)}
              {a.ack_note ? <span class="muted"> · “{a.ack_note}”</span> : null}
            </dd>
          </div>
        ) : null}
        {a.resolved_at ? (
          <div>
            <dt>Resolved</dt>
            <dd title={when(a.resolved_at)}>
              {a.resolved_by ? (
                <>
                  by <strong>{a.resolved_by}</strong>{" "}
                </>
              ) : (
                "by itself "
              )}
              {ago(a.resolved_at)}
              {a.resolve_note ? <span class="muted"> · “{a.resolve_note}”</span> : null}
            </dd>
          </div>
        ) : null}
      </dl>
      <div class="alert-foot">
        <AlertButtons alert={a} canAdmin={canAdmin} busy={busy} act={act} onSilence={onSilence} />
        <span class="details-link">
          {isAnomalyAlert(a, rule) ? (
            <>
              <a href={href(["alerts", a.alert_id], { view: "chart" })} data-testid="alert-chart-link">
                Chart<span class="sr-only"> of the readings around {a.rule} {a.alert_id}</span>
              </a>
              {" · "}
            </>
          ) : null}
          <a href={href(["alerts", a.alert_id])}>
            Details<span class="sr-only"> of {a.rule} {a.alert_id}</span>
          </a>
        </span>
      </div>
    </li>
  );
}

function AlertLists({ actor, canAdmin }: { actor: Actor; canAdmin: boolean }) {
  const loc = useLocation();
  const q = loc.query;
  const tab: Tab = (TABS as readonly string[]).includes(q.get("state") ?? "") ? (q.get("state") as Tab) : "open";
  const filters = Object.fromEntries(FILTERS.map((f) => [f, q.get(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const filtered = FILTERS.some((f) => filters[f] !== "");
  const key = `${tab}|${FILTERS.map((f) => filters[f]).join("|")}`;
  const [more, setMore] = useState<{ key: string; limit: number }>({ key, limit: PAGE });
  const limit = more.key === key ? more.limit : PAGE;

  const list = usePoll(() => get<AlertListResponse>("alerts", { state: tab === "all" ? undefined : tab === "open" ? OPEN_STATE_PARAM : tab, ...filters, limit }), [key, limit]);
  const seen = usePoll(() => get<AlertListResponse>("alerts", { limit: 1000 }), [], 30_000);
  const summary = usePoll(() => get<AlertSummaryResponse>("alerts/summary"), []);
  const rules = useRules();
  const [draft, setDraft] = useState<SilenceDraft | null>(null);
  const actions = useAlertActions(actor, () => {
    list.refresh();
    summary.refresh();
  });

  const setQuery = (patch: Record<string, string>) => {
    const next: Record<string, string> = Object.fromEntries(q.entries());
    navigate(href(["alerts"], { ...next, ...patch }));
  };
  const options = (f: (typeof FILTERS)[number]): string[] => {
    const vals = new Set<string>();
    for (const a of seen.data?.alerts ?? []) {
      const v = f === "rule" ? a.rule : f === "level" ? a.level : a.labels[f];
      if (v) vals.add(v);
    }
    if (filters[f]) vals.add(filters[f]);
    return [...vals].sort();
  };
  const neverAny = seen.data !== undefined && seen.data.total_count === 0;
  const label = (t: Tab) => t[0]!.toUpperCase() + t.slice(1);

  return (
    <>
      <PageTitle title="Alerts" sub={<Freshness at={list.updatedAt} />} />
      {summary.data ? <Summary s={summary.data} /> : null}
      <ActorBar actor={actor} canAdmin={canAdmin} />
      <section aria-labelledby="alerts-list-title">
        <h2 id="alerts-list-title">Alerts</h2>
        <div class="tabs" role="group" aria-label="Alert state">
          {TABS.map((t) => (
            <button key={t} type="button" class="tab" aria-pressed={t === tab} data-testid={`alerts-tab-${t}`} onClick={() => setQuery({ state: t })}>
              {label(t)}
            </button>
          ))}
        </div>
        <form class="filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
          {FILTERS.map((f) => (
            <label key={f}>
              {f === "level" ? "Level" : f === "rule" ? "Rule" : DIMENSION_LABEL[f]}
              <select data-testid={`alerts-filter-${f}`} value={filters[f]} onChange={(e) => setQuery({ [f]: (e.target as HTMLSelectElement).value })}>
                <option value="">any</option>
                {(f === "level" ? ["critical", "warning", "info"] : options(f)).map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          ))}
          {filtered ? (
            <button type="button" class="secondary" onClick={() => setQuery(Object.fromEntries(FILTERS.map((f) => [f, ""])))}>
              Clear filters
            </button>
          ) : null}
        </form>
        <OutcomeNote outcome={actions.outcome} onClose={() => actions.setOutcome(null)} />
        <Panel
          polled={list}
          what="alerts"
          isEmpty={(d) => d.alerts.length === 0}
          empty={
            neverAny && !filtered ? (
              <Empty title="No alerts yet">
                <p>No alert has been raised on this server. Alerts fire when a rule's condition holds (an error rate above its threshold, a slow p95…). To watch some fire, send the demo's traffic: its degradation after about 40 seconds trips alerts.</p>
                <pre>
                  <code>npx vigil demo --target {window.location.origin}</code>
                </pre>
              </Empty>
            ) : (
              <p class="empty-line" data-testid="alerts-empty">
                {tab === "all" ? "No alerts" : `No ${tab} alerts`}
                {filtered ? " match these filters." : "."}
              </p>
            )
          }
        >
          {(d) => (
            <>
              <p class="muted list-count" aria-live="polite">
                {d.total_count > d.alerts.length ? `Showing the latest ${num(d.alerts.length)} of ${num(d.total_count)}` : num(d.total_count)} {tab === "all" ? "" : `${tab} `}alert{d.total_count === 1 ? "" : "s"}
                {filtered ? " matching the filters" : ""}, latest change first.
              </p>
              <ul class="alert-list">
                {d.alerts.map((a) => (
                  <AlertRow key={a.alert_id} a={a} rule={rules.get(a.rule)} canAdmin={canAdmin} busy={actions.busy} act={actions.act} onSilence={(x) => setDraft({ matchers: matchersOf(x), comment: "", from: x.rule })} />
                ))}
              </ul>
              {d.total_count > d.alerts.length && limit < 1000 ? (
                <button type="button" class="secondary" onClick={() => setMore({ key, limit: Math.min(1000, limit + PAGE) })}>
                  Show {PAGE} more
                </button>
              ) : null}
            </>
          )}
        </Panel>
      </section>
      <SilencesSection actor={actor} canAdmin={canAdmin} draft={draft} setDraft={setDraft} />
    </>
  );
}
