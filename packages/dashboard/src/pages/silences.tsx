/** Silences: the list (`GET /api/v1/silences`) with an Expire button per active silence, and the form that creates one, empty or prefilled from an alert. */
import type { AlertMatcher, SilenceListResponse, SilenceRequest, SilenceView } from "@vigil/contract";
import { useEffect, useRef, useState } from "preact/hooks";
import { get, send } from "../api.js";
import { ErrorBox, Panel } from "../components/states.js";
import { ago, span, when } from "../format.js";
import { usePoll } from "../poll.js";
import { OutcomeNote, type Actor, type Outcome } from "./alert-parts.js";

/** What the create form starts with: matcher lines and a comment. */
export interface SilenceDraft {
  matchers: string[];
  comment: string;
  /** The alert the silence was started from, if any (for the heading). */
  from?: string;
}

const DURATIONS: [string, string][] = [
  ["15m", "15 minutes"],
  ["1h", "1 hour"],
  ["4h", "4 hours"],
  ["24h", "24 hours"],
];

/** A matcher written back as text: `model="gpt-4o"`. */
export function matcherText(m: AlertMatcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

/** The form creating a silence (admin only): matchers one per line, a duration (1 h by default) and a comment; created by the actor. */
export function SilenceForm({ draft, actor, onCreated, onCancel, heading = 3 }: { draft: SilenceDraft; actor: Actor; onCreated: (s: SilenceView) => void; onCancel: () => void; heading?: 2 | 3 }) {
  const H = heading === 2 ? "h2" : "h3";
  const [matchers, setMatchers] = useState(draft.matchers.join("\n"));
  const [duration, setDuration] = useState("1h");
  const [comment, setComment] = useState(draft.comment);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const first = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setMatchers(draft.matchers.join("\n"));
    setComment(draft.comment);
    setError(null);
    first.current?.scrollIntoView({ block: "center" });
    first.current?.focus();
  }, [draft]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const lines = matchers
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    if (!lines.length) {
      setError(new Error("Give at least one matcher, such as alertname=\"HighErrorRate\"."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: SilenceRequest = { matchers: lines, duration, created_by: actor.by(), ...(comment.trim() ? { comment: comment.trim() } : {}) };
      const s = await send<SilenceView>("POST", "silences", body);
      onCreated(s);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card silence-form" data-testid="silence-form" aria-labelledby="silence-form-title" onSubmit={submit}>
      <H id="silence-form-title">{draft.from ? `Silence alerts like ${draft.from}` : "New silence"}</H>
      <p class="muted">Matching alerts are still evaluated and listed, but notify nobody until the silence ends.</p>
      <label class="silence-matchers">
        Matchers, one per line (all must match)
        <textarea ref={first} rows={Math.max(3, matchers.split("\n").length + 1)} required value={matchers} spellcheck={false} aria-describedby="silence-matchers-help" onInput={(e) => setMatchers((e.target as HTMLTextAreaElement).value)} />
      </label>
      <p id="silence-matchers-help" class="muted small">
        <code>label="value"</code>, <code>label!="value"</code>, <code>label=~"regex"</code> or <code>label!~"regex"</code>; labels are <code>alertname</code>, <code>severity</code>, <code>agent_name</code>, <code>model</code>, <code>route</code> and the rule's own.
      </p>
      <div class="filters">
        <label>
          Duration
          <select value={duration} onChange={(e) => setDuration((e.target as HTMLSelectElement).value)}>
            {DURATIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Comment
          <input type="text" value={comment} placeholder="why, e.g. provider incident, fix deploying" onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <p class="muted small">Created by {actor.by()} (the "Your name" field above).</p>
      {error ? <ErrorBox error={error} /> : null}
      <div class="form-buttons">
        <button type="submit" data-testid="silence-submit" disabled={busy}>
          {busy ? "Creating…" : "Create silence"}
        </button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The silences section: the create form (opened by "New silence" or by an alert's "Silence…"), and every silence with Expire on the active ones. */
export function SilencesSection({ actor, canAdmin, draft, setDraft }: { actor: Actor; canAdmin: boolean; draft: SilenceDraft | null; setDraft: (d: SilenceDraft | null) => void }) {
  const polled = usePoll(() => get<SilenceListResponse>("silences"), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  const expire = async (s: SilenceView) => {
    setBusy(s.id);
    setOutcome(null);
    try {
      await send<SilenceView>("DELETE", `silences/${encodeURIComponent(s.id)}`);
      setOutcome({ ok: true, text: `Expired silence ${s.id}: matching alerts notify again.` });
      polled.refresh();
    } catch (e) {
      setOutcome({ ok: false, error: e instanceof Error ? e : new Error(String(e)) });
    } finally {
      setBusy(null);
    }
  };

  const order = { active: 0, pending: 1, expired: 2 };
  return (
    <section class="silences" aria-labelledby="silences-title">
      <div class="section-head">
        <h2 id="silences-title">Silences</h2>
        <button type="button" data-testid="silence-new" disabled={!canAdmin} title={canAdmin ? undefined : "Needs an admin key"} onClick={() => setDraft({ matchers: [], comment: "" })}>
          New silence
        </button>
      </div>
      {!canAdmin ? <p class="muted">Creating and expiring silences needs an admin key.</p> : null}
      {draft !== null && canAdmin ? (
        <SilenceForm
          draft={draft}
          actor={actor}
          onCancel={() => setDraft(null)}
          onCreated={(s) => {
            setDraft(null);
            setOutcome({ ok: true, text: `Created silence ${s.id} until ${when(s.ends_at)}; matching alerts show as silenced from the next evaluation.` });
            polled.refresh();
          }}
        />
      ) : null}
      <OutcomeNote outcome={outcome} onClose={() => setOutcome(null)} />
      <Panel polled={polled} what="silences" isEmpty={(d) => d.silences.length === 0} empty={<p class="muted">No silences: every firing alert notifies its channels.</p>}>
        {(d) => (
          <div class="table-wrap">
            <table data-testid="silences-table">
              <caption class="sr-only">Silences, active first</caption>
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Matchers</th>
                  <th scope="col">Starts</th>
                  <th scope="col">Ends</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Comment</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...d.silences]
                  .sort((a, b) => order[a.state] - order[b.state] || Date.parse(b.ends_at) - Date.parse(a.ends_at))
                  .map((s) => (
                    <tr key={s.id} data-testid="silence-row" data-silence-id={s.id} data-state={s.state} class={s.state === "expired" ? "expired" : undefined}>
                      <td>
                        <span class={`badge ${s.state === "active" ? "badge-warn" : s.state === "pending" ? "badge-info" : "badge-muted"}`}>{s.state}</span>
                      </td>
                      <td class="matchers">
                        {s.matchers.map((m, i) => (
                          <code key={i}>{matcherText(m)}</code>
                        ))}
                      </td>
                      <td title={s.starts_at}>{when(s.starts_at)}</td>
                      <td title={s.ends_at}>
                        {when(s.ends_at)}
                        <span class="muted"> ({s.state === "expired" ? ago(s.ends_at) : `in ${span((Date.parse(s.ends_at) - Date.now()) / 1000)}`})</span>
                      </td>
                      <td>{s.created_by}</td>
                      <td class="wrap">{s.comment || <span class="muted">—</span>}</td>
                      <td>
                        {s.state !== "expired" ? (
                          <button type="button" class="danger" data-testid="silence-expire" disabled={!canAdmin || busy === s.id} title={canAdmin ? undefined : "Needs an admin key"} onClick={() => expire(s)}>
                            {busy === s.id ? "Expiring…" : "Expire"}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </section>
  );
}
