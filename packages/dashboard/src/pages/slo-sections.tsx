/** The sections of an SLO's detail page: burn rates per window against the alert factors, the budget and burn charts over the period, and the SLO's alerts. */
import type { AlertListResponse, AlertRuleListResponse, AlertView, SloAlertCondition, SloHistory, SloStatus } from "@vigil/contract";
import { get } from "../api.js";
import { Chart, type ChartSeries } from "../components/chart.js";
import { ago, pct, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { LevelBadge, StateBadge } from "./alert-parts.js";
import { burn, BURN_WINDOWS } from "./slo-parts.js";

/** The history changes by the minute at most: it is asked again every 30 s, not every 5 s. */
const HISTORY_POLL_MS = 30_000;

/** Most alerts listed per generated rule of the SLO (the latest first). */
const ALERTS_PER_RULE = 10;

/** "page ×14.4" for a condition this window takes part in, marked when the window's burn is over it. */
function FactorMark({ c, rate, role }: { c: SloAlertCondition; rate: number | null; role: "long" | "short" }) {
  const over = rate !== null && rate > c.factor;
  return (
    <span class={`badge ${over ? (c.kind === "page" ? "badge-bad" : "badge-warn") : "badge-muted"}`} data-kind={c.kind} data-factor={c.factor} data-over={String(over)} title={`${c.kind === "page" ? "Pages" : "Opens a ticket"} (${c.severity}) when the ${c.long_window} burn and the ${c.short_window} burn are both over ${burn(c.factor)}; this is the ${role} window`}>
      {c.kind} {burn(c.factor)}
    </span>
  );
}

/** Every burn-rate window with its rate, and the page and ticket factors it is checked against. */
export function BurnTable({ s }: { s: SloStatus }) {
  return (
    <section class="card slo-burn" aria-labelledby="slo-burn-title">
      <h2 id="slo-burn-title">Burn rates</h2>
      <p class="muted slo-note">How many times faster than the target allows the budget burns over each window (×1 spends it exactly over the period). An alert fires when both of its windows burn faster than its factor.</p>
      <div class="table-wrap">
        <table class="compact" data-testid="slo-burn-rates">
          <caption class="sr-only">Burn rate per window and the alert factors each window is checked against</caption>
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col" class="num">
                Burn rate
              </th>
              <th scope="col">Checked against</th>
            </tr>
          </thead>
          <tbody>
            {BURN_WINDOWS.map((w) => {
              const rate = s.burn_rates[w];
              const roles = s.alerts.flatMap((c): { c: SloAlertCondition; role: "long" | "short" }[] => (c.long_window === w ? [{ c, role: "long" }] : c.short_window === w ? [{ c, role: "short" }] : []));
              return (
                <tr key={w} data-window={w} data-value={rate === null ? "null" : String(rate)}>
                  <th scope="row">{w}</th>
                  <td class="num">{burn(rate)}</td>
                  <td class="slo-factors">{roles.length ? roles.map(({ c, role }) => <FactorMark key={`${c.kind}-${c.long_window}`} c={c} rate={rate} role={role} />) : <span class="muted">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The multi-window conditions: each alert's two windows against its factor, and whether it holds now. */
export function ConditionsTable({ s }: { s: SloStatus }) {
  return (
    <section class="card slo-conditions" aria-labelledby="slo-conditions-title">
      <h2 id="slo-conditions-title">Burn-rate alerts</h2>
      <p class="muted slo-note">Page when 2% of the budget burns in 1 h or 5% in 6 h; open a ticket when 10% burns in 1 d or in 3 d. The short window confirms the burn is still going on.</p>
      <div class="table-wrap">
        <table class="compact" data-testid="slo-conditions">
          <caption class="sr-only">The SLO's burn-rate alert conditions</caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col" class="num">
                Factor
              </th>
              <th scope="col" class="num">
                Long window
              </th>
              <th scope="col" class="num">
                Short window
              </th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {s.alerts.map((c) => (
              <tr key={`${c.kind}-${c.long_window}`} data-kind={c.kind} data-long={c.long_window} data-firing={String(c.firing)}>
                <th scope="row">
                  {c.kind} <LevelBadge level={c.severity} />
                </th>
                <td class="num">{burn(c.factor)}</td>
                <td class="num">
                  {burn(c.long_burn)} <span class="muted">({c.long_window})</span>
                </td>
                <td class="num">
                  {burn(c.short_burn)} <span class="muted">({c.short_window})</span>
                </td>
                <td>{c.firing ? <span class="badge badge-bad">holds</span> : <span class="badge badge-good">clear</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The history from the first data held (`data_from`) on: before it the period has no figures to draw, and a new server's hour would be a dot at the end of a month. */
function held(h: SloHistory, dataFrom: string | null): SloHistory["points"] {
  const from = dataFrom === null ? -Infinity : Date.parse(dataFrom);
  return h.points.filter((p) => Date.parse(p.t) >= from);
}

/** Epoch-ms points of one field of the history. */
function points(h: SloHistory["points"], pick: (p: SloHistory["points"][number]) => number | null): [number, number | null][] {
  return h.map((p) => [Date.parse(p.t), pick(p)]);
}

/** The budget left, compliance against the target and the 1-hour burn rate over the period so far (`GET /api/v1/slos/:name/history`), with the 1-hour page factor drawn as a line. */
export function HistoryCharts({ s }: { s: SloStatus }) {
  const history = usePoll(() => get<SloHistory>(`slos/${encodeURIComponent(s.name)}/history`), [s.name], HISTORY_POLL_MS);
  const h = history.data ? held(history.data, s.data_from) : undefined;
  const page1h = s.alerts.find((c) => c.kind === "page" && c.long_window === "1h");
  const burnSeries: ChartSeries[] = h ? [{ label: "burn rate (1 h)", points: points(h, (p) => p.burn_1h), color: "#ea580c" }] : [];
  if (h && page1h) burnSeries.push({ label: `page at ${burn(page1h.factor)}`, points: points(h, () => page1h.factor), color: "#dc2626" });
  return (
    <section class="charts slo-charts" aria-label="Budget and burn over the period" data-testid="slo-history" data-points={h?.length ?? 0}>
      {history.error ? <p class="error">The history could not be read: {history.error.message}</p> : null}
      {h ? (
        <>
          <Chart title="Error budget left" series={[{ label: "budget left", points: points(h, (p) => p.remaining_ratio), color: "#2563eb" }]} format={pct} />
          <Chart title="Compliance against the target" series={[{ label: "compliance", points: points(h, (p) => p.compliance), color: "#16a34a" }, { label: `target ${pct(s.target)}`, points: points(h, () => s.target), color: "#6b7280" }]} format={pct} />
          <Chart title="Burn rate over the last hour" series={burnSeries} format={burn} />
        </>
      ) : history.error ? null : (
        <p class="muted">Loading the history…</p>
      )}
    </section>
  );
}

/** The SLO's generated rules (`GET /api/v1/alert-rules`, source `slo`) and their latest alerts, open first then newest. */
async function loadSloAlerts(name: string): Promise<AlertView[]> {
  const { rules } = await get<AlertRuleListResponse>("alert-rules");
  const mine = rules.filter((r) => r.source === "slo" && r.labels.slo === name);
  const lists = await Promise.all(mine.map((r) => get<AlertListResponse>("alerts", { rule: r.name, limit: ALERTS_PER_RULE })));
  const open = (a: AlertView) => (a.state === "resolved" ? 1 : 0);
  return lists.flatMap((l) => l.alerts).sort((a, b) => open(a) - open(b) || Date.parse(b.starts_at) - Date.parse(a.starts_at));
}

/** The alerts raised by this SLO's burn-rate and maximum rules, each linking to its alert page. */
export function SloAlerts({ name }: { name: string }) {
  const polled = usePoll(() => loadSloAlerts(name), [name]);
  const alerts = polled.data;
  return (
    <section class="card" aria-labelledby="slo-alerts-title" data-testid="slo-alerts" data-count={alerts?.length ?? ""}>
      <h2 id="slo-alerts-title">Alerts</h2>
      {polled.error ? <p class="error">The SLO&apos;s alerts could not be read: {polled.error.message}</p> : null}
      {!alerts ? (
        polled.error ? null : <p class="muted">Loading alerts…</p>
      ) : alerts.length ? (
        <div class="table-wrap">
          <table class="compact">
            <caption class="sr-only">Alerts raised by this SLO, open ones first</caption>
            <thead>
              <tr>
                <th scope="col">Level</th>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.alert_id} data-testid="slo-alert" data-alert-id={a.alert_id} data-state={a.state}>
                  <td>
                    <LevelBadge level={a.level} />
                  </td>
                  <td>
                    <a href={href(["alerts", a.alert_id])}>{a.rule}</a>
                  </td>
                  <td>
                    <StateBadge state={a.state} />
                  </td>
                  <td title={when(a.starts_at)}>{ago(a.starts_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">This SLO has raised no alert.</p>
      )}
    </section>
  );
}
