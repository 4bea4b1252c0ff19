/** One alert (`#/alerts/<id>`): every field, labels and annotations, the chart around it for an anomaly rule's alert, its lifecycle and history, and the delivery log of the notifications that carried it. */
import type { AlertDetailView, NotificationLogResponse } from "@vigil/contract";
import { Fragment, type ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { ApiError, get } from "../api.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { ErrorBox, Loading } from "../components/states.js";
import { ago, NONE, num, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { AroundTheAlert } from "./alert-anomaly.js";
import { ActorBar, AlertButtons, DIMENSION_LABEL, DIMENSIONS, dimensionHref, figure, LevelBadge, matchersOf, MuteMarkers, OutcomeNote, StateBadge, useAlertActions, useRules, valueVsThreshold, type Actor } from "./alert-parts.js";
import { SilenceForm, type SilenceDraft } from "./silences.js";
import { scopeLabel } from "./report-sections.js";

const DELIVERY_BADGE: Record<string, string> = { delivered: "badge-good", retrying: "badge-warn", failed: "badge-bad" };
const ANNOTATION_ORDER = ["recommendation", "business_impact", "description"];
const ANNOTATION_LABEL: Record<string, string> = { recommendation: "Recommendation", business_impact: "Business impact", description: "Description", runbook_url: "Runbook", runbook: "Runbook" };

function AnnotationValue({ k, v }: { k: string; v: string }) {
  if (/runbook|url|link/i.test(k) && /^https?:\/\/\S+$/.test(v.trim()))
    return (
      <a href={v.trim()} target="_blank" rel="noopener noreferrer">
        {v.trim()}
      </a>
    );
  return <>{v}</>;
}

function Lifecycle({ a }: { a: AlertDetailView }) {
  const row = (label: string, at: string | null, rest?: ComponentChildren) => (
    <>
      <dt>{label}</dt>
      <dd>
        {at ? (
          <>
            {when(at)} <span class="muted">({ago(at)})</span>
            {rest}
          </>
        ) : (
          NONE
        )}
      </dd>
    </>
  );
  return (
    <section class="card" aria-labelledby="alert-lifecycle-title">
      <h2 id="alert-lifecycle-title">Lifecycle</h2>
      <dl class="kv">
        {row("Condition held", a.starts_at)}
        {row("Fired", a.fired_at)}
        {row("Acknowledged", a.acknowledged_at, <> by <strong>{a.acknowledged_by}</strong>{a.ack_note ? <> · “{a.ack_note}”</> : null}</>)}
        {row("Resolved", a.resolved_at, <> {a.resolved_by ? <>by <strong>{a.resolved_by}</strong></> : "by itself"}{a.resolve_note ? <> · “{a.resolve_note}”</> : null}</>)}
        {row("Last evaluated", a.last_evaluated_at)}
      </dl>
      <h3>History</h3>
      {a.history.length ? (
        <div class="table-wrap">
          <table data-testid="alert-history">
            <caption class="sr-only">Events of this alert, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">By</th>
                <th scope="col">Note</th>
                <th scope="col" class="num">Value</th>
              </tr>
            </thead>
            <tbody>
              {a.history.map((h, i) => (
                <tr key={i}>
                  <td title={h.at}>{when(h.at)}</td>
                  <td>{h.event}</td>
                  <td>{h.by ?? NONE}</td>
                  <td class="wrap">{h.note ?? NONE}</td>
                  <td class="num">{h.value === null ? NONE : figure(a.metric_type, h.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No events recorded.</p>
      )}
    </section>
  );
}

function Deliveries({ log }: { log: NotificationLogResponse }) {
  return (
    <>
      {log.deliveries.length ? (
        <div class="table-wrap">
          <table data-testid="alert-deliveries">
            <caption class="sr-only">Delivery attempts of the notifications that carried this alert, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Channel</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">Attempt</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">HTTP</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {log.deliveries.map((d) => (
                <tr key={`${d.notification_id}:${d.channel}:${d.attempt}`}>
                  <td title={d.at}>
                    {when(d.at)} <span class="muted">({ago(d.at)})</span>
                  </td>
                  <td>{d.channel}</td>
                  <td>{d.kind}</td>
                  <td class="num">{num(d.attempt)}</td>
                  <td>
                    <span class={`badge ${DELIVERY_BADGE[d.status] ?? "badge-muted"}`}>{d.status}</span>
                  </td>
                  <td class="num">{d.http_status ?? NONE}</td>
                  <td class="wrap">{d.error ?? NONE}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted" data-testid="alert-deliveries-empty">
          No notification has carried this alert yet: pending, silenced and inhibited alerts notify nobody, and a group waits its <code>group_wait</code> before the first message.
        </p>
      )}
      {log.outbox ? (
        <p class="muted small">
          Outbox of the server: {num(log.outbox.pending)} pending, {num(log.outbox.delivered)} delivered, {num(log.outbox.failed)} failed.
        </p>
      ) : null}
    </>
  );
}

/** The detail of one alert, with acknowledge, resolve and silence. */
export function AlertDetail({ id, actor, canAdmin }: { id: string; actor: Actor; canAdmin: boolean }) {
  // An alert that does not exist stays missing: ask once, not every 5 s.
  const missing = useRef<{ id: string; error: Error } | null>(null);
  const alert = usePoll(async () => {
    if (missing.current?.id === id) throw missing.current.error;
    try {
      return await get<AlertDetailView>(`alerts/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) missing.current = { id, error: e };
      throw e;
    }
  }, [id]);
  const log = usePoll(() => get<NotificationLogResponse>("notifications", { alert_id: id }), [id]);
  const rules = useRules();
  const [draft, setDraft] = useState<SilenceDraft | null>(null);
  const actions = useAlertActions(actor, () => {
    alert.refresh();
    log.refresh();
  });
  const a = alert.data;
  const otherAnnotations = a ? Object.keys(a.annotations).filter((k) => k !== "summary" && !ANNOTATION_ORDER.includes(k)).sort() : [];

  return (
    <>
      <p class="back">
        <a href={href(["alerts"])}>← All alerts</a>
      </p>
      <PageTitle title={a ? a.rule : "Alert"} sub={<>{a ? <><LevelBadge level={a.level} /> <StateBadge state={a.state} /> <MuteMarkers alert={a} /> · </> : null}<Freshness at={alert.updatedAt} /></>} />
      {alert.error ? <ErrorBox error={alert.error} retry={missing.current?.id === id ? undefined : alert.refresh} stale={a !== undefined} /> : null}
      {!a ? (
        alert.loading ? <Loading what="the alert" /> : null
      ) : (
        <div data-testid="alert-detail" data-alert-id={a.alert_id} data-state={a.state} class="alert-detail">
          <p class="alert-lead">{a.message}</p>
          {a.state !== "resolved" ? <ActorBar actor={actor} canAdmin={canAdmin} /> : null}
          <AlertButtons alert={a} canAdmin={canAdmin} busy={actions.busy} act={actions.act} onSilence={(x) => setDraft({ matchers: matchersOf(x), comment: "", from: x.rule })} />
          <OutcomeNote outcome={actions.outcome} onClose={() => actions.setOutcome(null)} />
          {draft && canAdmin ? (
            <SilenceForm
              draft={draft}
              actor={actor}
              heading={2}
              onCancel={() => setDraft(null)}
              onCreated={(s) => {
                setDraft(null);
                actions.setOutcome({ ok: true, text: `Created silence ${s.id} until ${when(s.ends_at)}; this alert shows as silenced from the next evaluation. The silences are listed under All alerts.` });
              }}
            />
          ) : null}
          <AroundTheAlert alert={a} rule={rules.get(a.rule)} rulesKnown={rules.size > 0} />
          <div class="grid2 detail-grid">
            <section class="card" aria-labelledby="alert-fields-title">
              <h2 id="alert-fields-title">Alert</h2>
              <dl class="kv">
                <dt>Value</dt>
                <dd>{valueVsThreshold(a, rules.get(a.rule))}</dd>
                {a.threshold !== null ? (
                  <>
                    <dt>Threshold from</dt>
                    <dd data-field="threshold-scope">
                      {scopeLabel(a.threshold_scope)}
                      {a.samples !== undefined && a.samples !== null ? `, judged on ${num(a.samples)} samples` : ""}
                    </dd>
                  </>
                ) : null}
                <dt>Metric</dt>
                <dd>
                  <code>{a.metric_type}</code>
                </dd>
                {DIMENSIONS.filter((d) => a.labels[d] !== undefined).map((d) => {
                  const to = dimensionHref(d, a.labels[d]!);
                  return (
                    <Fragment key={d}>
                      <dt>{DIMENSION_LABEL[d]}</dt>
                      <dd>{to ? <a href={to}>{a.labels[d]}</a> : a.labels[d]}</dd>
                    </Fragment>
                  );
                })}
                <dt>Notifications</dt>
                <dd>{a.silenced || a.inhibited ? <MuteMarkers alert={a} /> : a.state === "firing" || a.state === "acknowledged" ? "sent through the matching routes" : a.state === "pending" ? "none until it fires" : "resolved"}</dd>
                <dt>Alert id</dt>
                <dd>
                  <code>{a.alert_id}</code>
                </dd>
                <dt>Fingerprint</dt>
                <dd>
                  <code>{a.fingerprint}</code>
                </dd>
              </dl>
            </section>
            <Lifecycle a={a} />
            <section class="card" aria-labelledby="alert-annotations-title">
              <h2 id="alert-annotations-title">What to do</h2>
              {ANNOTATION_ORDER.some((k) => a.annotations[k]) || otherAnnotations.length ? (
                <dl class="kv annotations">
                  {[...ANNOTATION_ORDER.filter((k) => a.annotations[k]), ...otherAnnotations].map((k) => (
                    <Fragment key={k}>
                      <dt>{ANNOTATION_LABEL[k] ?? k}</dt>
                      <dd>
                        <AnnotationValue k={k} v={a.annotations[k]!} />
                      </dd>
                    </Fragment>
                  ))}
                </dl>
              ) : (
                <p class="muted">The rule gives no recommendation for this alert.</p>
              )}
            </section>
            <section class="card" aria-labelledby="alert-labels-title">
              <h2 id="alert-labels-title">Labels</h2>
              <dl class="kv labels">
                {Object.keys(a.labels)
                  .sort()
                  .map((k) => (
                    <Fragment key={k}>
                      <dt>
                        <code>{k}</code>
                      </dt>
                      <dd>
                        <code>{a.labels[k]}</code>
                      </dd>
                    </Fragment>
                  ))}
              </dl>
            </section>
          </div>
          <section aria-labelledby="alert-deliveries-title">
            <h2 id="alert-deliveries-title">Delivery log</h2>
            {log.error ? <ErrorBox error={log.error} retry={log.refresh} stale={log.data !== undefined} /> : null}
            {log.data ? <Deliveries log={log.data} /> : log.loading ? <Loading what="the delivery log" /> : null}
          </section>
        </div>
      )}
    </>
  );
}
