/**
 * A session as `GET /api/v1/sessions/:session_id` answers it (docs/api.md "Sessions"): the runs
 * and calls its stored spans became (spans of `gen_ai.conversation.id` or `session.id`), newest
 * first, and their figures — counts, errors, tokens, cost and the latency percentiles of its LLM
 * calls — computed from those items alone.
 */
import type { SessionItem, SessionView, TraceEventType } from "@vigil/contract";
import type { SpanRecord } from "./model.js";
import { eventTotals, iso, ms, spanTokens } from "./trace-tree.js";

/** The nearest-rank `q` quantile of ascending `sorted` (at least one value): the smallest value with at least q·n values at or below it. */
export function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

/**
 * Builds the view of session `sessionId` from its spans (newest start first, as the store reads
 * them; at least one); spans that became no event are left out. `truncated` and `limit` say
 * whether the store cut the session. Null when none of the spans became an event.
 */
export function buildSessionView(sessionId: string, records: readonly SpanRecord[], opts: { truncated: boolean; limit: number }): SessionView | null {
  const made = records.filter((r): r is SpanRecord & { eventType: TraceEventType; eventId: string } => r.eventType !== null && r.eventId !== null);
  if (made.length === 0) return null;
  const items: SessionItem[] = made.map((r) => ({
    event_type: r.eventType,
    event_id: r.eventId,
    trace_id: r.traceId,
    span_id: r.spanId,
    name: r.name,
    service: r.service,
    start: iso(r.startMs),
    duration_ms: ms(Math.max(0, r.endMs - r.startMs)),
    status: r.status,
    status_message: r.statusMessage,
    tokens: r.eventType === "llm_call" ? spanTokens(r.attributes) : null,
    cost: r.cost,
  }));
  const { events, tokens, cost } = eventTotals(items);
  const latencies = items.filter((i) => i.event_type === "llm_call").map((i) => i.duration_ms).sort((a, b) => a - b);
  return {
    session_id: sessionId,
    items,
    summary: {
      start: iso(made.reduce((m, r) => Math.min(m, r.startMs), Infinity)),
      end: iso(made.reduce((m, r) => Math.max(m, r.endMs), -Infinity)),
      item_count: items.length,
      events,
      error_count: items.filter((i) => i.status === "error").length,
      trace_count: new Set(items.map((i) => i.trace_id)).size,
      tokens,
      cost,
      llm_latency_ms: latencies.length ? { p50: nearestRank(latencies, 0.5), p95: nearestRank(latencies, 0.95) } : null,
    },
    truncated: opts.truncated,
    limit: opts.limit,
  };
}
