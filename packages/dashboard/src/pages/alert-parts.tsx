/** Pieces shared by the alert list, the alert detail and the silences: an alert's badges and figures, who acts, and the acknowledge/resolve buttons (the answer types are @vigil/contract's). */
import type { AlertActionRequest, AlertRuleListResponse, AlertRuleView, AlertView } from "@vigil/contract";
import { useState } from "preact/hooks";
import { get, send } from "../api.js";
import { ErrorBox } from "../components/states.js";
import { ms, NONE, num, pct, rating, score, usd } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { useSession } from "../session.js";

/** The dimensions an alert may be grouped by, in the order they are shown and silenced. */
export const DIMENSIONS = ["agent_name", "model", "route", "tenant_id", "mode", "query_class", "component", "service", "endpoint"] as const;

const LEVEL_BADGE: Record<string, string> = { critical: "badge-bad", warning: "badge-warn", info: "badge-info" };
const STATE_BADGE: Record<string, string> = { firing: "badge-bad", acknowledged: "badge-warn", pending: "badge-info", resolved: "badge-good" };

/** The severity of an alert as a coloured badge. */
export function LevelBadge({ level }: { level: string }) {
  return <span class={`badge ${LEVEL_BADGE[level] ?? "badge-muted"}`}>{level}</span>;
}

/** The lifecycle state of an alert as a coloured badge. */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge ${STATE_BADGE[state] ?? "badge-muted"}`}>{state}</span>;
}

/** A figure of a metric in its unit (ratios as %, latencies in ms/s, costs in USD), or as a change when the rule compares windows. */
export function figure(metric: string, v: number | null, change?: string): string {
  if (v === null) return "no data";
  if (change === "ratio") return `×${num(v)}`;
  if (change === "percent") return `${num(v)}%`;
  const m = metric.startsWith("custom.") ? "" : metric;
  if (/_ms$/.test(m)) return ms(v);
  if (/cost/.test(m)) return usd(v);
  if (/_mb$/.test(m)) return `${num(v)} MB`;
  if (m === "throughput_per_min") return `${num(v)}/min`;
  if (/^(avg_quality_score|avg_confidence|warning_rate|cache_evictions_per_s)$/.test(m)) return score(v);
  if (m === "avg_satisfaction") return rating(v);
  if (/(_rate|_ratio|^avg_accuracy)$/.test(m)) return pct(v);
  return num(v);
}

/** "34.0% > 20.0%": the alert's last value against its threshold, with the rule's comparator when the rule is known. */
export function valueVsThreshold(a: AlertView, rule: AlertRuleView | undefined): string {
  const v = figure(a.metric_type, a.current_value, rule?.change);
  if (a.threshold === null) return v;
  const t = figure(a.metric_type, a.threshold, rule?.change);
  return rule ? `${v} ${rule.comparator} ${t}` : `${v} (threshold ${t})`;
}

/** The matchers that silence alerts like this one: its rule and the dimensions it was raised for. */
export function matchersOf(a: AlertView): string[] {
  const out = [`alertname=${JSON.stringify(a.labels.alertname ?? a.rule)}`];
  for (const d of DIMENSIONS) if (a.labels[d] !== undefined) out.push(`${d}=${JSON.stringify(a.labels[d])}`);
  return out;
}

const ACTOR_KEY = "vigil.actor";

/** Who acts (the "Your name" field, remembered in this browser) and the optional note sent with the next action. */
export interface Actor {
  name: string;
  setName: (v: string) => void;
  note: string;
  setNote: (v: string) => void;
  /** The name to send: the field, else the key's name, else "dashboard". */
  by: () => string;
}

/** Keeps the actor's name in local storage (`vigil.actor`), prefilled with the session's key name or "dashboard". */
export function useActor(): Actor {
  const session = useSession();
  const fallback = session?.key_name || "dashboard";
  const [name, setNameState] = useState<string>(() => {
    try {
      return localStorage.getItem(ACTOR_KEY) || fallback;
    } catch {
      return fallback;
    }
  });
  const [note, setNote] = useState("");
  const setName = (v: string) => {
    setNameState(v);
    try {
      if (v.trim()) localStorage.setItem(ACTOR_KEY, v.trim());
      else localStorage.removeItem(ACTOR_KEY);
    } catch {
      /* storage disabled: the name lives as long as the page */
    }
  };
  return { name, setName, note, setNote, by: () => name.trim() || fallback };
}

/** The "Your name" and note fields of admin actions, or a note that an admin key is needed. */
export function ActorBar({ actor, canAdmin }: { actor: Actor; canAdmin: boolean }) {
  if (!canAdmin)
    return (
      <p class="notice" data-testid="admin-needed">
        You are signed in with a read-only key: acknowledging, resolving and silencing alerts need an admin key.
      </p>
    );
  return (
    <div class="filters actor-bar card">
      <label>
        Your name
        <input data-testid="actor-name" type="text" autoComplete="name" maxLength={256} value={actor.name} placeholder="dashboard" onInput={(e) => actor.setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="actor-note">
        Note (optional)
        <input data-testid="actor-note" type="text" maxLength={4096} value={actor.note} placeholder="e.g. failing over to the backup model" onInput={(e) => actor.setNote((e.target as HTMLInputElement).value)} />
      </label>
      <span class="muted actor-hint">Recorded with each acknowledgement, resolution and silence.</span>
    </div>
  );
}

/** The result of the last action: a success sentence or the error. */
export type Outcome = { ok: true; text: string } | { ok: false; error: Error } | null;

/** Shows an action's outcome (announced to screen readers). */
export function OutcomeNote({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  if (!outcome) return null;
  if (!outcome.ok) return <ErrorBox error={outcome.error} retry={undefined} />;
  return (
    <p class="notice outcome" role="status" data-testid="action-outcome">
      {outcome.text}{" "}
      <button type="button" class="link" onClick={onClose}>
        Dismiss
      </button>
    </p>
  );
}

/** Acknowledge/resolve calls with their in-flight state and outcome; `done` runs after a success (to refresh). */
export function useAlertActions(actor: Actor, done: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const act = async (a: AlertView, action: "acknowledge" | "resolve") => {
    const by = actor.by();
    const note = actor.note.trim();
    setBusy(`${a.alert_id}:${action}`);
    setOutcome(null);
    try {
      const body: AlertActionRequest = { by, ...(note ? { note } : {}) };
      const r = await send<AlertView>("POST", `alerts/${encodeURIComponent(a.alert_id)}/${action}`, body);
      actor.setNote("");
      const what = `${a.rule}${DIMENSIONS.filter((d) => a.labels[d] !== undefined).map((d) => ` ${a.labels[d]}`).join("")}`;
      setOutcome({ ok: true, text: action === "acknowledge" ? `Acknowledged ${what} as ${by}; it is now ${r.state}.` : `Resolved ${what} as ${by}; it is now ${r.state}.` });
      done();
    } catch (e) {
      setOutcome({ ok: false, error: e instanceof Error ? e : new Error(String(e)) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, outcome, setOutcome, act };
}

/** The buttons of one alert: acknowledge (firing), resolve (firing or acknowledged), silence (open alerts); disabled without an admin key. */
export function AlertButtons({ alert, canAdmin, busy, act, onSilence }: { alert: AlertView; canAdmin: boolean; busy: string | null; act: (a: AlertView, action: "acknowledge" | "resolve") => void; onSilence?: (a: AlertView) => void }) {
  const open = alert.state === "firing" || alert.state === "acknowledged";
  const why = canAdmin ? undefined : "Needs an admin key";
  const inFlight = busy !== null && busy.startsWith(`${alert.alert_id}:`);
  return (
    <div class="alert-actions">
      {alert.state === "firing" ? (
        <button type="button" data-testid="alert-ack" disabled={!canAdmin || inFlight} title={why} onClick={() => act(alert, "acknowledge")}>
          {busy === `${alert.alert_id}:acknowledge` ? "Acknowledging…" : "Acknowledge"}
        </button>
      ) : null}
      {open ? (
        <button type="button" class="secondary" data-testid="alert-resolve" disabled={!canAdmin || inFlight} title={why} onClick={() => act(alert, "resolve")}>
          {busy === `${alert.alert_id}:resolve` ? "Resolving…" : "Resolve"}
        </button>
      ) : null}
      {onSilence && alert.state !== "resolved" ? (
        <button type="button" class="secondary" data-testid="alert-silence" disabled={!canAdmin} title={why} onClick={() => onSilence(alert)}>
          Silence…
        </button>
      ) : null}
    </div>
  );
}

/** A label value or "—". */
export function orNone(v: string | null | undefined): string {
  return v === null || v === undefined || v === "" ? NONE : v;
}

/** The rules by name, fetched once (to write each alert's comparator and unit). */
export function useRules(): Map<string, AlertRuleView> {
  const rules = usePoll(() => get<AlertRuleListResponse>("alert-rules"), [], 0);
  return new Map((rules.data?.rules ?? []).map((r) => [r.name, r]));
}

/** The "silenced" and "inhibited" markers of an alert, naming the silence or linking the inhibiting alert. */
export function MuteMarkers({ alert }: { alert: AlertView }) {
  return (
    <>
      {alert.silenced ? (
        <span class="badge badge-muted" data-testid="alert-silenced" title="Notifications of this alert are muted by a silence">
          silenced by <code>{alert.silenced_by}</code>
        </span>
      ) : null}
      {alert.inhibited && alert.inhibited_by ? (
        <span class="badge badge-muted" data-testid="alert-inhibited" title="Notifications of this alert are muted while another alert fires">
          inhibited by <a href={href(["alerts", alert.inhibited_by])}>{alert.inhibited_by}</a>
        </span>
      ) : null}
    </>
  );
}

/** The pages of an alert's dimensions: agents, models and routes have their own. */
export function dimensionHref(dim: string, value: string): string | null {
  const section = { agent_name: "agents", model: "models", route: "routes" }[dim];
  return section ? href([section, value]) : null;
}

/** Human names of the dimensions. */
export const DIMENSION_LABEL: Record<string, string> = { agent_name: "Agent", model: "Model", route: "Route", tenant_id: "Tenant", mode: "Mode", query_class: "Query class", component: "Component", service: "Service", endpoint: "Endpoint" };
