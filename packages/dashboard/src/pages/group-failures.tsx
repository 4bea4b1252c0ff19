/** Failures of one agent or model in the window: failed, timed-out and partial runs, and the failures by error type. */
import { SortableTable } from "../components/table.js";
import { num, pct } from "../format.js";
import type { WindowChoice } from "../windows.js";
import type { GroupKind, GroupRow } from "./group-kind.js";

interface ErrorTypeRow {
  type: string;
  count: number;
  share: number | null;
}

/** Failures by error type (failed and timed-out runs; a run without an `error_type` counts under its status). */
export function Failures({ kind, g, w }: { kind: GroupKind; g: GroupRow; w: WindowChoice }) {
  const m = g.metrics;
  const entries = Object.entries(m.error_types);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const rows: ErrorTypeRow[] = entries.map(([type, count]) => ({ type, count, share: total > 0 ? count / total : null }));
  return (
    <section class="card failures" aria-labelledby="failures-title" data-testid="error-types" data-total={total}>
      <h2 id="failures-title">Failures by error type</h2>
      <dl class="kv failure-counts">
        <dt>Failed runs</dt>
        <dd data-metric="failed_tasks" data-value={m.failed_tasks}>{num(m.failed_tasks)}</dd>
        <dt>Timed out</dt>
        <dd data-metric="timeout_tasks" data-value={m.timeout_tasks}>{num(m.timeout_tasks)}</dd>
        <dt>Partial</dt>
        <dd data-metric="partial_tasks" data-value={m.partial_tasks}>{num(m.partial_tasks)}</dd>
        <dt>Of all runs</dt>
        <dd>
          {num(m.total_tasks)} (error rate {pct(m.error_rate)})
        </dd>
      </dl>
      {rows.length ? (
        <SortableTable
          rows={rows}
          rowKey={(r) => r.type}
          initial="count"
          caption={`Failed and timed-out runs of this ${kind.singular} by error type`}
          columns={[
            { key: "type", label: "Error type", value: (r) => r.type, render: (r) => <code>{r.type}</code> },
            { key: "count", label: "Count", numeric: true, value: (r) => r.count, render: (r) => num(r.count) },
            { key: "share", label: "Share of failures", numeric: true, value: (r) => r.share, render: (r) => <ShareBar share={r.share} /> },
          ]}
        />
      ) : (
        <p class="muted">No failed or timed-out runs for this {kind.singular} in the last {w.label}.</p>
      )}
    </section>
  );
}

/** A share as a percentage with a small bar behind it (decorative). */
function ShareBar({ share }: { share: number | null }) {
  return (
    <span class="share">
      <span class="share-track" aria-hidden="true">
        <span class="share-bar" style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
      </span>
      <span class="share-text">{pct(share)}</span>
    </span>
  );
}
