/**
 * The OTLP receiver's use case (docs/otlp.md): decoded spans become Vigil's events (through the one
 * ingest path: the same validation, enrichment, durability and idempotency as `POST /api/v1/ingest`)
 * and stored spans. A span that cannot be read is refused and counted; a span read but not turned
 * into an event (it misses what the event needs, or the event is refused) is kept as a span and
 * named in the answer's message. The events are stored before the spans, both keyed by the span's
 * ids, so an export retried after a failure half-way completes the first without counting twice.
 */
import type { IngestError } from "@vigil/contract";
import { joinsRun, mapSpans } from "../core/otlp/map-spans.js";
import type { Decoded, OtlpProblem, OtlpSpan, SpanRecord } from "../core/otlp/model.js";
import type { SpanStore } from "../core/ports.js";
import type { IngestOutcome } from "./ingest-service.js";

/** What the OTLP service needs. */
export interface OtlpServiceDeps {
  ingest: { ingest(raw: readonly unknown[], pointer: (index: number) => string): Promise<IngestOutcome> };
  /** Stores the spans; `trace` (when given) reads earlier ones to join calls to their agent span. */
  spans: Pick<SpanStore, "append"> & Partial<Pick<SpanStore, "trace">>;
}

/** What one export came to: every problem (refused items count in `rejected`; items kept but not counted have `rejected: 0`). */
export interface OtlpExportResult {
  problems: OtlpProblem[];
  /** Spans stored for the first time, and Vigil events stored for the first time (for operators and tests). */
  storedSpans: number;
  storedEvents: number;
}

/** Turns OTLP exports into Vigil's events and stored spans. */
export class OtlpService {
  constructor(private readonly deps: OtlpServiceDeps) {}

  /** One `/v1/traces` export, decoded: maps, ingests the events, stores the spans; throws when storage cannot take them. */
  async traces(decoded: Decoded<OtlpSpan>): Promise<OtlpExportResult> {
    const stored = await this.storedAncestors(decoded.items);
    const mapped = mapSpans(decoded.items, { storedSpan: (traceId, spanId) => stored.get(traceId + spanId) });
    const where = mapped.events.map((e) => `span ${e.id}`);
    const outcome = mapped.events.length ? await this.deps.ingest.ingest(mapped.events, (i) => where[i] ?? `events/${i}`) : null;
    const storedSpans = mapped.records.length ? await this.deps.spans.append(withCosts(mapped.records, mapped.events, outcome)) : 0;
    const kept = [...mapped.problems, ...(outcome?.errors ?? []).map(eventProblem)].map((p) => ({ ...p, rejected: 0 }));
    return { problems: [...decoded.problems, ...kept], storedSpans, storedEvents: outcome === null ? 0 : outcome.successes.filter((s) => !s.duplicate).length };
  }

  /**
   * The stored spans of the traces in which a span that joins a run (a call, tool call, retrieval or
   * evaluation) has its parent outside the export (bounded: the
   * first MAX_TRACES_LOOKED_UP such traces, MAX_SPANS_LOOKED_UP spans each), by trace id + span id.
   */
  private async storedAncestors(spans: readonly OtlpSpan[]): Promise<Map<string, SpanRecord>> {
    const out = new Map<string, SpanRecord>();
    if (!this.deps.spans.trace) return out;
    const here = new Set(spans.map((s) => s.traceId + s.spanId));
    const traces = new Set<string>();
    for (const s of spans) {
      if (traces.size >= MAX_TRACES_LOOKED_UP) break;
      if (s.parentSpanId !== null && !here.has(s.traceId + s.parentSpanId) && joinsRun(s)) traces.add(s.traceId);
    }
    for (const traceId of traces) {
      const page = await this.deps.spans.trace(traceId, MAX_SPANS_LOOKED_UP);
      for (const r of page.spans) out.set(r.traceId + r.spanId, r);
    }
    return out;
  }
}

/** Traces whose stored spans are read to join an export's calls to an agent span exported earlier, at most, per export. */
export const MAX_TRACES_LOOKED_UP = 16;
/** Spans read of each such trace, at most. */
export const MAX_SPANS_LOOKED_UP = 2000;

/** The spans with the cost the ingest gave the event each became (by event id), or null. */
function withCosts(records: SpanRecord[], events: readonly { id: string }[], outcome: IngestOutcome | null): SpanRecord[] {
  if (outcome === null || outcome.stored.size === 0) return records;
  const costs = new Map<string, number>();
  for (const [index, ev] of outcome.stored) {
    const cost = ev.body.cost;
    if (typeof cost === "number" && Number.isFinite(cost)) costs.set(events[index]!.id, cost);
  }
  return records.map((r) => (r.eventId === null ? r : { ...r, cost: costs.get(r.eventId) ?? null }));
}

/** An event the ingest path refused: its span is kept, without the event. */
function eventProblem(err: IngestError): OtlpProblem {
  return { path: err.path, message: `kept as a span but not counted: ${err.message}` };
}
