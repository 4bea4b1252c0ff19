/**
 * A trace as `GET /api/v1/traces/:trace_id` answers it (docs/api.md "Traces"): from its stored
 * spans, the tree — roots, children by start time, each span's depth, offset from the trace start
 * and duration — and a summary: when, how long, how many spans and errors, which services, and the
 * Vigil events, tokens and cost its spans made.
 */
import type { TraceEventType, TraceSpan, TraceTokens, TraceView } from "@vigil/contract";
import { CACHE_CREATION_INPUT_TOKENS, CACHE_READ_INPUT_TOKENS, INPUT_TOKENS, OUTPUT_TOKENS, REASONING_OUTPUT_TOKENS } from "./genai.js";
import type { Attributes, SpanRecord } from "./model.js";

/** Milliseconds kept to the microsecond: enough for any waterfall, and no float noise in answers. */
export const ms = (x: number): number => Math.round(x * 1000) / 1000;
/** Epoch ms as ISO-8601 text. */
export const iso = (t: number): string => new Date(t).toISOString();

/** The first of `names` the attributes hold as a whole number ≥ 0 (a decimal string counts), else 0. */
function count(attributes: Attributes, names: readonly string[]): number {
  for (const name of names) {
    const v = attributes[name];
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return 0;
}

/** A model call's tokens as its span's attributes give them, by the GenAI names old and new (genai.ts). */
export function spanTokens(attributes: Attributes): TraceTokens {
  return {
    input: count(attributes, INPUT_TOKENS),
    output: count(attributes, OUTPUT_TOKENS),
    cache_read_input: count(attributes, CACHE_READ_INPUT_TOKENS),
    cache_creation_input: count(attributes, CACHE_CREATION_INPUT_TOKENS),
    reasoning_output: count(attributes, REASONING_OUTPUT_TOKENS),
  };
}

const noTokens = (): TraceTokens => ({ input: 0, output: 0, cache_read_input: 0, cache_creation_input: 0, reasoning_output: 0 });
const byStart = (a: SpanRecord, b: SpanRecord) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

/**
 * Builds the view of one trace from its spans (at least one, all of trace `traceId`, in any order;
 * `truncated` and `spanLimit` say whether the store cut it). A span whose parent is not among them
 * is a root flagged `orphan`; so is the earliest span of a loop of parent links, which real traces
 * never hold, so that every span given appears exactly once.
 */
export function buildTraceView(traceId: string, records: readonly SpanRecord[], opts: { truncated: boolean; spanLimit: number }): TraceView {
  const sorted = [...records].sort(byStart);
  const byId = new Map(sorted.map((r) => [r.spanId, r]));
  const kids = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const r of sorted) {
    const p = r.parentSpanId;
    if (p !== null && p !== r.spanId && byId.has(p)) {
      const list = kids.get(p);
      if (list) list.push(r);
      else kids.set(p, [r]);
    } else roots.push(r);
  }
  const start = sorted.reduce((m, r) => Math.min(m, r.startMs), Infinity);
  const end = sorted.reduce((m, r) => Math.max(m, r.endMs), -Infinity);
  const spans: TraceSpan[] = [];
  const seen = new Set<string>();
  // Depth first without recursion (a chain of 10,000 spans is 10,000 levels).
  const walk = (root: SpanRecord) => {
    const stack: [SpanRecord, number][] = [[root, 0]];
    while (stack.length) {
      const [r, depth] = stack.pop()!;
      if (seen.has(r.spanId)) continue;
      seen.add(r.spanId);
      const children = (kids.get(r.spanId) ?? []).filter((c) => !seen.has(c.spanId));
      spans.push(viewOf(r, depth, start, r.parentSpanId !== null && depth === 0, children.length));
      for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth + 1]);
    }
  };
  for (const r of roots) walk(r);
  // Spans left are in loops of parent links: each loop is entered at its earliest span.
  for (const r of sorted) if (!seen.has(r.spanId)) walk(r);

  const { events, tokens, cost } = eventTotals(spans);
  return {
    trace_id: traceId,
    summary: {
      start: iso(start),
      end: iso(end),
      duration_ms: ms(end - start),
      span_count: spans.length,
      error_count: spans.filter((s) => s.status === "error").length,
      services: [...new Set(sorted.flatMap((r) => (r.service === null ? [] : [r.service])))].sort(),
      events,
      tokens,
      cost,
    },
    spans,
    truncated: opts.truncated,
    span_limit: opts.spanLimit,
  };
}

/**
 * What a trace's or a session's items made: how many of each Vigil event, and the tokens and cost of
 * the LLM calls only (an agent span's own usage and cost count the same calls again). The cost is
 * null when no call had one.
 */
export function eventTotals(items: readonly { event_type: TraceEventType | null; tokens: TraceTokens | null; cost: number | null }[]): { events: Record<TraceEventType, number>; tokens: TraceTokens; cost: number | null } {
  const events: Record<TraceEventType, number> = { run: 0, llm_call: 0, tool_call: 0, retrieval: 0 };
  const tokens = noTokens();
  let cost: number | null = null;
  for (const it of items) {
    if (it.event_type === null) continue;
    events[it.event_type]++;
    if (it.event_type !== "llm_call") continue;
    if (it.cost !== null) cost = (cost ?? 0) + it.cost;
    if (it.tokens) for (const k of Object.keys(tokens) as (keyof TraceTokens)[]) tokens[k] += it.tokens[k];
  }
  return { events, tokens, cost };
}

function viewOf(r: SpanRecord, depth: number, traceStart: number, orphan: boolean, children: number): TraceSpan {
  return {
    span_id: r.spanId,
    parent_span_id: r.parentSpanId,
    name: r.name,
    kind: r.kind,
    service: r.service,
    depth,
    orphan,
    children,
    start: iso(r.startMs),
    end: iso(r.endMs),
    offset_ms: ms(r.startMs - traceStart),
    // A span that ends before it starts (a sender's clock) lasts 0 rather than less.
    duration_ms: ms(Math.max(0, r.endMs - r.startMs)),
    status: r.status,
    status_message: r.statusMessage,
    event_type: r.eventType,
    event_id: r.eventId,
    session_id: r.sessionId,
    tokens: r.eventType === "llm_call" ? spanTokens(r.attributes) : null,
    cost: r.cost,
    attributes: r.attributes,
    events: r.events.map((e) => ({ name: e.name, at: iso(e.timeMs), offset_ms: ms(e.timeMs - traceStart), attributes: e.attributes })),
  };
}
