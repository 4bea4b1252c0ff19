/** The detail page of one agent or model: health, headline figures with sparklines, charts over the window, accuracy against outcomes, the anomaly rules watching it and failures by error type. */
import type { Metrics } from "@vigil/contract";
import type { ComponentChildren } from "preact";
import { ApiError } from "../api.js";
import { BaselineStrip } from "../components/baselines.js";
import { Chart } from "../components/chart.js";
import { Freshness } from "../components/layout.js";
import { Panel } from "../components/states.js";
import { Tile } from "../components/tile.js";
import { ms, num, pct, usd, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href, useLocation } from "../router.js";
import { fetchSeries, type SeriesByMetric } from "../series.js";
import { windowOf, type WindowChoice } from "../windows.js";
import { Failures } from "./group-failures.js";
import { AnomalyWatch } from "./anomaly-watch.js";
import { ActivityBadge, bandOf, HealthBlock, LastRun, loadGroup, type GroupKind, type GroupRow } from "./group-kind.js";
import { TILES } from "./overview.js";

/** A headline figure of a detail page: metric field, label, format. */
export type TileSpec = [keyof Metrics, string, (v: number | null) => string];

const CHART_METRICS: (keyof Metrics)[] = ["failed_tasks", "timeout_tasks", "partial_tasks", "accuracy_samples"];

/** The link back to the list. */
function BackLink({ kind }: { kind: GroupKind }) {
  return (
    <p class="back">
      <a href={href([kind.id])}>
        <span aria-hidden="true">← </span>All {kind.id}
      </a>
    </p>
  );
}

/** What a 404 of the group means: it has no data in the window (it may have earlier). */
function NotFound({ kind, w, error }: { kind: GroupKind; w: WindowChoice; error: Error }) {
  return (
    <div class="notice not-found" role="status" data-testid="not-found">
      <p>
        Vigil has no data for this {kind.singular} in the last {w.label}. The server answered: <q>{error.message}</q>.
      </p>
      <p>
        It may have run earlier (choose a longer window above), or the name may be misspelt. <a href={href([kind.id])}>Back to all {kind.id}</a>.
      </p>
    </div>
  );
}

/** Average accuracy over time against the outcome events it comes from, or a plain sentence when there are none. */
function AccuracyChart({ kind, g, s, w, partialFrom }: { kind: GroupKind; g: GroupRow; s: SeriesByMetric; w: WindowChoice; partialFrom: number | null }) {
  const n = g.metrics.accuracy_samples;
  return (
    <div class="accuracy" data-testid="accuracy-chart" data-samples={n}>
      {n > 0 ? (
        <>
          <Chart title="Accuracy against outcomes" series={[{ label: "accuracy", points: s.avg_accuracy ?? [], color: "#9333ea" }]} format={pct} partialFrom={partialFrom} />
          <p class="muted chart-note">
            Mean accuracy {pct(g.metrics.avg_accuracy)} over <strong data-metric="accuracy_samples" data-value={n}>{num(n)}</strong> outcome event{n === 1 ? "" : "s"} in the last {w.label}.
          </p>
        </>
      ) : (
        <figure class="chart">
          <figcaption>Accuracy against outcomes</figcaption>
          <p class="no-outcomes">
            No outcome events for this {kind.singular} in the last {w.label}, so there is no accuracy to show. Accuracy is learned from <code>outcome</code> events that compare the predicted with the actual outcome of a run.
          </p>
        </figure>
      )}
    </div>
  );
}

/** The charts of a group over the window. */
function Charts({ kind, g, s, w, partialFrom }: { kind: GroupKind; g: GroupRow; s: SeriesByMetric; w: WindowChoice; partialFrom: number | null }) {
  return (
    <section class="charts" aria-label="Charts">
      <Chart title="Tasks and failures" series={[{ label: "tasks", points: s.total_tasks ?? [] }, { label: "failed", points: s.failed_tasks ?? [] }, { label: "timed out", points: s.timeout_tasks ?? [] }, { label: "partial", points: s.partial_tasks ?? [] }]} format={num} partialFrom={partialFrom} />
      <Chart title="Latency percentiles" series={[{ label: "p50", points: s.p50_latency_ms ?? [] }, { label: "p95", points: s.p95_latency_ms ?? [] }, { label: "p99", points: s.p99_latency_ms ?? [] }]} format={ms} partialFrom={partialFrom} />
      <Chart title="Cost" series={[{ label: "cost", points: s.total_cost ?? [], color: "#16a34a" }]} format={usd} partialFrom={partialFrom} />
      <AccuracyChart kind={kind} g={g} s={s} w={w} partialFrom={partialFrom} />
    </section>
  );
}

/** The detail page of one agent or model; `tiles` adds kind-specific figures, `side` a kind-specific panel beside the failures, `status` replaces the activity badge under the score. */
export function GroupDetail({ kind, name, tiles = [], side, status }: { kind: GroupKind; name: string; tiles?: TileSpec[]; side?: (g: GroupRow) => ComponentChildren; status?: (g: GroupRow) => ComponentChildren }) {
  const w = windowOf(useLocation().query.get("w"));
  const group = usePoll(() => loadGroup(kind, name, w), [kind.id, name, w.id]);
  const specs = [...TILES, ...tiles];
  const series = usePoll(() => fetchSeries([...new Set([...specs.map((t) => t[0]), ...CHART_METRICS])], w, { [kind.dim]: name }), [kind.id, name, w.id]);
  const missing = group.error instanceof ApiError && group.error.status === 404 ? group.error : null;
  const s = series.data?.series ?? {};
  const partialFrom = series.data?.partialFrom ?? null;
  const g = group.data;
  return (
    <>
      <BackLink kind={kind} />
      <div class="page-title">
        <div>
          <h1 data-testid="detail-name">{name}</h1>
          <p class="muted">
            {kind.title.slice(0, -1)}
            {kind.id === "agents" && g?.agent_type ? ` of type ${g.agent_type}` : ""} · last {w.label} · <Freshness at={group.updatedAt} />
          </p>
        </div>
      </div>
      {missing ? (
        <NotFound kind={kind} w={w} error={missing} />
      ) : (
        <Panel polled={group} what={`this ${kind.singular}`}>
          {(d) => (
            <>
              <HealthBlock score={d.health_score} band={bandOf(d.health_score)} status={status ? status(d) : <ActivityBadge status={d.status} />}>
                <span class="muted">
                  Last run <LastRun at={d.last_run} />
                  {d.last_run ? <span class="sr-only"> ({when(d.last_run)})</span> : null}
                </span>
              </HealthBlock>
              <section class="tiles" aria-label="Headline figures">
                {specs.map(([key, label, fmt]) => (
                  <Tile key={key} id={key} label={label} value={d.metrics[key] as number | null} text={fmt(d.metrics[key] as number | null)} points={s[key]} partialFrom={partialFrom} />
                ))}
              </section>
              <BaselineStrip w={w} filter={{ [kind.dim]: name }} />
              {series.error ? <p class="error">Charts could not refresh: {series.error.message}</p> : null}
              <Charts kind={kind} g={d} s={s} w={w} partialFrom={partialFrom} />
              <AnomalyWatch dim={kind.dim} value={name} what={kind.singular} />
              <div class="grid2 detail-panels">
                <Failures kind={kind} g={d} w={w} />
                {side?.(d)}
              </div>
            </>
          )}
        </Panel>
      )}
    </>
  );
}
