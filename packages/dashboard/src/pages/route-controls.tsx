/** The admin controls of a route: a manual switch (which pins the route for a TTL or until unpinned) and unpin, each showing the server's answer or its error. */
import type { RouteView, SwitchRequest } from "@vigil/contract";
import { useState } from "preact/hooks";
import { send } from "../api.js";
import { ErrorBox } from "../components/states.js";
import { useCanAdmin, useSession } from "../session.js";
import { PinCountdown } from "./route-format.js";

/** The pin lengths offered, in seconds ("" pins until unpinned). */
export const TTLS: [string, string][] = [
  ["900", "15 min"],
  ["3600", "1 h"],
  ["14400", "4 h"],
  ["86400", "24 h"],
  ["", "until unpinned"],
];

/** The reason sent when the form's reason is left empty. */
export const DEFAULT_REASON = "manual switch from the dashboard";

/** What the last action gave: the new view, or the error. */
type Outcome = { ok: RouteView; what: string } | { error: Error } | null;

function useBy(): string {
  return useSession()?.key_name ?? "dashboard";
}

function Result({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  if ("error" in outcome) return <ErrorBox error={outcome.error} />;
  const v = outcome.ok;
  return (
    <p class="notice" role="status" data-testid="route-action-result">
      {outcome.what}: the route is now <strong>{v.state}</strong> on <strong>{v.active_model}</strong> (revision {v.revision}).
    </p>
  );
}

/** Runs an action, keeping the in-flight flag and the outcome, and calls `onDone` after it either way. */
function useAction(onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = (what: string, act: () => Promise<RouteView>): Promise<boolean> => {
    setBusy(true);
    setOutcome(null);
    return act()
      .then(
        (ok) => (setOutcome({ ok, what }), true),
        (e: unknown) => (setOutcome({ error: e instanceof Error ? e : new Error(String(e)) }), false),
      )
      .finally(() => {
        setBusy(false);
        onDone();
      });
  };
  return { busy, outcome, run };
}

/** The controls card: the pin with its live countdown and an unpin button, then the switch form, then the answer of the last action; disabled with a note without an admin key. */
export function RouteControls({ view, onDone }: { view: RouteView; onDone: () => void }) {
  const canAdmin = useCanAdmin();
  const by = useBy();
  const { busy, outcome, run } = useAction(onDone);
  const route = encodeURIComponent(view.route);
  const disabled = !canAdmin || busy;
  return (
    <>
      {!canAdmin ? (
        <p class="notice" data-testid="route-admin-note">
          Switching and unpinning need an admin key: the key in use does not have the <code>admin</code> scope.
        </p>
      ) : null}
      {view.pin ? (
        <div class="route-pin" data-testid="route-pin">
          <p>
            <PinCountdown pin={view.pin} />
          </p>
          <p class="route-small muted">
            Pinned by {view.pin.by ?? "unknown"}
            {view.pin.reason ? <> · reason: {view.pin.reason}</> : null}. Automation keeps judging the models but does not move the route while it is pinned.
          </p>
          <button type="button" class="secondary" data-testid="route-unpin" disabled={disabled} onClick={() => run("Unpinned", () => send<RouteView>("DELETE", `routes/${route}/pin?by=${encodeURIComponent(by)}`))}>
            {busy ? "Working…" : "Unpin: let automation decide"}
          </button>
        </div>
      ) : (
        <p class="muted route-small">Not pinned: automation moves the route. A manual switch pins it, for the time you choose or until unpinned.</p>
      )}
      <SwitchForm view={view} disabled={disabled} busy={busy} onSwitch={(body) => run(`Switched to ${body.to}`, () => send<RouteView>("POST", `routes/${route}/switch`, body))} />
      <Result outcome={outcome} />
    </>
  );
}

function SwitchForm({ view, disabled, busy, onSwitch }: { view: RouteView; disabled: boolean; busy: boolean; onSwitch: (body: SwitchRequest) => Promise<boolean> }) {
  const by = useBy();
  const candidates = [view.primary, ...view.backups];
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [ttl, setTtl] = useState("3600");
  const target = candidates.includes(to) ? to : (candidates.find((m) => m !== view.active_model) ?? view.active_model);
  return (
    <form
      class="route-switch"
      aria-label="Switch the route to another model"
      onSubmit={(e) => {
        e.preventDefault();
        if (disabled) return;
        const body: SwitchRequest = { to: target, reason: reason.trim() || DEFAULT_REASON, by };
        if (ttl) body.ttl_s = Number(ttl);
        void onSwitch(body).then((ok) => {
          // After a switch the select offers the next candidate again, and the reason is cleared for the next one.
          if (ok) {
            setTo("");
            setReason("");
          }
        });
      }}
    >
      <div class="filters">
        <label>
          Switch to
          <select data-testid="route-switch-to" value={target} disabled={disabled} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
            {candidates.map((m) => (
              <option key={m} value={m}>
                {m} ({m === view.primary ? "primary" : "backup"}
                {m === view.active_model ? ", active" : ""})
              </option>
            ))}
          </select>
        </label>
        <label>
          Pin for
          <select data-testid="route-switch-ttl" value={ttl} disabled={disabled} onChange={(e) => setTtl((e.target as HTMLSelectElement).value)}>
            {TTLS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Reason
          <input data-testid="route-switch-reason" type="text" value={reason} placeholder={DEFAULT_REASON} maxLength={500} disabled={disabled} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" data-testid="route-switch-submit" disabled={disabled}>
          {busy ? "Working…" : "Switch and pin"}
        </button>
      </div>
    </form>
  );
}
