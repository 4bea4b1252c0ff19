/** The list page of agents or models: one sortable row per group with its headline figures, linking to its detail page. */
import type { Metrics } from "@vigil/contract";
import type { ComponentChildren } from "preact";
import { Freshness, PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { SortableTable, type Column } from "../components/table.js";
import { ms, num, pct, rating, score, usd } from "../format.js";
import { usePoll } from "../poll.js";
import { href, useLocation } from "../router.js";
import { windowOf } from "../windows.js";
import { ActivityBadge, HealthNumber, LastRun, loadGroups, type GroupKind, type GroupRow } from "./group-kind.js";

type NumericMetric = { [K in keyof Metrics]: Metrics[K] extends number | null ? K : never }[keyof Metrics];

/** A numeric column reading one field of the metrics block. */
function metric(key: NumericMetric, label: string, fmt: (v: number | null) => string): Column<GroupRow> {
  return { key, label, numeric: true, value: (r) => r.metrics[key], render: (r) => fmt(r.metrics[key]) };
}

/** A numeric column reading one of an agent's scores. */
function scoreCol(key: "reliability" | "efficiency" | "specialization", label: string): Column<GroupRow> {
  return { key, label, numeric: true, value: (r) => r.scores[key], render: (r) => score(r.scores[key]) };
}

/** Every column a kind's table can show, in order; `only` keeps the named ones (by key). */
export function groupColumns(kind: GroupKind, only?: string[]): Column<GroupRow>[] {
  const agents = kind.id === "agents";
  const all: (Column<GroupRow> | null)[] = [
    { key: "name", label: agents ? "Agent" : "Model", value: (r) => r.name, render: (r) => <a href={href([kind.id, r.name])}>{r.name}</a> },
    agents ? { key: "agent_type", label: "Type", value: (r) => r.agent_type } : null,
    { key: "status", label: "Status", value: (r) => r.status, render: (r) => <ActivityBadge status={r.status} /> },
    { key: "health", label: "Health", numeric: true, value: (r) => r.health_score, render: (r) => <HealthNumber score={r.health_score} /> },
    { ...metric("total_tasks", "Tasks", num), key: "tasks" },
    metric("success_rate", "Success", pct),
    metric("error_rate", "Error rate", pct),
    metric("p95_latency_ms", "p95 latency", ms),
    metric("cost_per_task", "Cost/task", usd),
    metric("total_cost", "Total cost", usd),
    metric("avg_accuracy", "Accuracy", pct),
    metric("avg_satisfaction", "Satisfaction", rating),
    ...(agents ? [scoreCol("reliability", "Reliability"), scoreCol("efficiency", "Efficiency"), scoreCol("specialization", "Special\u00adization")] : [metric("llm_calls", "LLM calls", num), metric("llm_error_rate", "LLM error rate", pct)]),
    { key: "last_run", label: "Last run", numeric: true, value: (r) => (r.last_run ? Date.parse(r.last_run) : null), render: (r) => <LastRun at={r.last_run} /> },
  ];
  const cols = all.filter((c): c is Column<GroupRow> => c !== null);
  return only ? cols.filter((c) => only.includes(c.key)) : cols;
}

/** The sortable table of a kind's groups, most tasks first; `only` picks columns, `columns` replaces them. */
export function GroupTable({ kind, rows, only, columns }: { kind: GroupKind; rows: GroupRow[]; only?: string[]; columns?: Column<GroupRow>[] }) {
  return (
    <div class={`group-table group-table-${kind.id}`}>
      <SortableTable rows={rows} columns={columns ?? groupColumns(kind, only)} rowKey={(r) => r.name} initial="tasks" caption={`${kind.title} in the selected window`} />
    </div>
  );
}

/** The list page of a kind (agents or models), refreshed every 5 s; `table` draws the rows when the kind has its own table. */
export function GroupList({ kind, table }: { kind: GroupKind; table?: (rows: GroupRow[]) => ComponentChildren }) {
  const w = windowOf(useLocation().query.get("w"));
  const polled = usePoll(() => loadGroups(kind, w), [kind.id, w.id]);
  const n = polled.data?.total;
  const shown = polled.data?.rows.length ?? 0;
  return (
    <>
      <PageTitle
        title={kind.title}
        sub={
          <>
            Last {w.label}
            {n === undefined ? null : ` · ${n.toLocaleString("en-US")} ${kind.singular}${n === 1 ? "" : "s"}${n > shown ? ` (the ${shown} most active shown)` : ""}`} · <Freshness at={polled.updatedAt} />
          </>
        }
      />
      <Panel polled={polled} what={kind.id} isEmpty={(d) => d.rows.length === 0} empty={<Empty title={`No ${kind.singular} has sent data in the last ${w.label}`} />}>
        {(d) => (
          <div data-testid={`${kind.id}-table`}>
            {table ? table(d.rows) : <GroupTable kind={kind} rows={d.rows} />}
          </div>
        )}
      </Panel>
    </>
  );
}
