/** One SLO in full (`#/slos/<name>`): compliance against target, budget, time to exhaustion, burn rates against the alert factors, budget and burn over the period, its alerts and its definition. */
import type { SloStatus } from "@vigil/contract";
import { ApiError, get } from "../api.js";
import { Freshness } from "../components/layout.js";
import { Panel } from "../components/states.js";
import { Tile } from "../components/tile.js";
import { num, pct, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { BudgetTrack, burn, exhaustionWords, MetBadge, objective, periodWords, troubleWords } from "./slo-parts.js";
import { BurnTable, ConditionsTable, HistoryCharts, SloAlerts } from "./slo-sections.js";

/** "2026-11-01 00:00:00 – 2026-12-01 00:00:00". */
function range(a: string, b: string): string {
  return `${when(a)} – ${when(b)}`;
}

/** The headline figures: compliance against target, budget left, when it runs out, the 1-hour burn, open alerts and, for a latency maximum, events over it. */
function Figures({ s }: { s: SloStatus }) {
  const hasMax = s.definition.sli.kind === "latency" && s.definition.sli.max_ms !== undefined;
  const unit = s.budget.unit === "slices" ? "slices" : "events";
  return (
    <section class="tiles slo-tiles" aria-label="Headline figures">
      <Tile id="compliance" label={`Compliance (target ${pct(s.target)})`} value={s.compliance} text={pct(s.compliance)} hint={`${num(s.samples.good)} good of ${num(s.samples.total)} events in the period`} />
      <div class="tile" data-metric="remaining_ratio" data-value={s.budget.remaining_ratio === null ? "null" : String(s.budget.remaining_ratio)}>
        <div class="tile-head">
          <span class="tile-label">Error budget left</span>
        </div>
        <div class={`tile-value ${s.budget.remaining_ratio !== null && s.budget.remaining_ratio <= 0 ? "slo-spent" : ""}`}>{pct(s.budget.remaining_ratio)}</div>
        <BudgetTrack ratio={s.budget.remaining_ratio} />
        <div class="muted slo-budget-words" data-testid="slo-budget-counts">
          {num(s.budget.remaining)} of {num(s.budget.total)} bad {unit} left ({num(s.budget.consumed)} spent)
        </div>
      </div>
      <Tile id="exhaustion" label="Runs out in (at the 1 h burn)" value={s.exhaustion.in_seconds} text={exhaustionWords(s)} hint={s.exhaustion.at ? `At ${when(s.exhaustion.at)}` : s.exhausted_at ? `Spent since ${when(s.exhausted_at)}` : undefined} />
      <Tile id="burn_1h" label="Burn rate (1 h)" value={s.burn_rates["1h"]} text={burn(s.burn_rates["1h"])} />
      <Tile id="open_alerts" label="Open alerts" value={s.open_alerts} text={num(s.open_alerts)} />
      {hasMax ? <Tile id="max_breaches" label="Over the maximum (5 min)" value={s.max_breaches} text={num(s.max_breaches)} /> : null}
    </section>
  );
}

/** What the SLO promises and over what: objective, class, period, budgeting, where it is defined, and notes on partial data or interpolated counts. */
function Definition({ s }: { s: SloStatus }) {
  const d = s.definition;
  return (
    <section class="card slo-definition" aria-labelledby="slo-definition-title" data-testid="slo-definition">
      <h2 id="slo-definition-title">Definition</h2>
      <dl class="kv">
        <dt>Objective</dt>
        <dd data-testid="slo-objective">{objective(d)}</dd>
        <dt>Class</dt>
        <dd>
          <strong>{s.class.name}</strong>
          {s.class.description ? <span class="muted"> · {s.class.description}</span> : null}
          <div>
            {Object.entries(s.class.match).map(([k, v]) => (
              <code key={k} class="slo-match">
                {k}={v}
              </code>
            ))}
          </div>
        </dd>
        <dt>Period</dt>
        <dd>
          {periodWords(d)} <span class="muted">({range(s.period.start, s.period.end)})</span>
          {s.data_from ? <div class="muted">Data held from {when(s.data_from)} only: the figures cover that part of the period.</div> : null}
        </dd>
        <dt>Budgeting</dt>
        <dd>{d.budgeting === "timeslices" ? `time slices of ${d.timeslice?.window ?? "5m"} (a slice without events counts as good)` : "events"}</dd>
        <dt>Defined in</dt>
        <dd>{s.source === "file" ? "the config file (read-only here)" : "the API"}</dd>
      </dl>
      {s.exact ? null : <p class="muted">The latency threshold is off the rollups&apos; latency ladder: counts near it are interpolated.</p>}
      <details>
        <summary>As written</summary>
        <pre>{JSON.stringify(d, null, 2)}</pre>
      </details>
    </section>
  );
}

/** The SLO's page. */
export function SloDetail({ name }: { name: string }) {
  const polled = usePoll(() => get<SloStatus>(`slos/${encodeURIComponent(name)}`), [name]);
  const missing = polled.error instanceof ApiError && polled.error.status === 404 ? polled.error : null;
  const s = polled.data;
  const trouble = s ? troubleWords(s) : null;
  return (
    <div data-testid="slo-detail" data-slo={name}>
      <p class="back">
        <a href={href(["slos"])}>
          <span aria-hidden="true">← </span>All SLOs
        </a>
      </p>
      <div class="page-title">
        <div>
          <h1 data-testid="detail-name">{name}</h1>
          <p class="muted">
            {s?.definition.description ? `${s.definition.description} · ` : ""}
            <Freshness at={polled.updatedAt} />
          </p>
        </div>
        {s ? (
          <div class="page-actions slo-state">
            <MetBadge met={s.met} />
          </div>
        ) : null}
      </div>
      {missing ? (
        <div class="notice" role="status" data-testid="not-found">
          The server answered: <q>{missing.message}</q>. <a href={href(["slos"])}>Back to all SLOs</a>.
        </div>
      ) : (
        <Panel polled={polled} what="this SLO">
          {(d) => (
            <>
              {trouble ? (
                <p class="error slo-trouble" data-testid="slo-trouble">
                  Needs attention: {trouble}.
                </p>
              ) : null}
              <Figures s={d} />
              <HistoryCharts s={d} />
              <div class="grid2 slo-panels">
                <BurnTable s={d} />
                <ConditionsTable s={d} />
                <SloAlerts name={d.name} />
                <Definition s={d} />
              </div>
            </>
          )}
        </Panel>
      )}
    </div>
  );
}
