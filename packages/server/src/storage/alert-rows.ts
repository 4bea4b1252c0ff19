/** What both dialects' alert stores derive from the alerting records in the same way. */
import type { AlertRecord, OutboxState } from "../core/alerting/types.js";

/**
 * The latest lifecycle time of an alert (became active, fired, acknowledged, resolved): the
 * order of `listAlerts` and the time its `since` filter compares. Evaluations that change
 * nothing (`last_evaluated_at`) do not count, or every open alert would always be the newest.
 */
export function changedAt(a: AlertRecord): number {
  return Math.max(a.active_at, a.fired_at ?? 0, a.acknowledged_at ?? 0, a.resolved_at ?? 0);
}

/** The last record of each id (one statement cannot upsert the same row twice). */
export function lastById<T extends { id: string }>(items: readonly T[]): T[] {
  const m = new Map<string, T>();
  for (const it of items) {
    m.delete(it.id);
    m.set(it.id, it);
  }
  return [...m.values()];
}

/** Outbox counts with every state present, filled from (state, n) rows. */
export function outboxCountsOf(rows: readonly { state: string; n: number }[]): Record<OutboxState, number> {
  const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0 };
  for (const r of rows) if (r.state in out) out[r.state as OutboxState] = r.n;
  return out;
}
