/**
 * The OTLP receiver's use case (docs/otlp.md): decoded spans become Vigil's events (through the one
 * ingest path: the same validation, enrichment, durability and idempotency as `POST /api/v1/ingest`)
 * and stored spans. A span that cannot be read is refused and counted; a span read but not turned
 * into an event (it misses what the event needs, or the event is refused) is kept as a span and
 * named in the answer's message. The events are stored before the spans, both keyed by the span's
 * ids, so an export retried after a failure half-way completes the first without counting twice.
 */
import type { IngestError } from "@vigil/contract";
import { mapSpans } from "../core/otlp/map-spans.js";
import type { Decoded, OtlpProblem, OtlpSpan } from "../core/otlp/model.js";
import type { SpanStore } from "../core/ports.js";
import type { IngestOutcome } from "./ingest-service.js";

/** What the OTLP service needs. */
export interface OtlpServiceDeps {
  ingest: { ingest(raw: readonly unknown[], pointer: (index: number) => string): Promise<IngestOutcome> };
  spans: Pick<SpanStore, "append">;
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
    const mapped = mapSpans(decoded.items);
    const where = mapped.events.map((e) => `span ${e.id}`);
    const outcome = mapped.events.length ? await this.deps.ingest.ingest(mapped.events, (i) => where[i] ?? `events/${i}`) : null;
    const storedSpans = mapped.records.length ? await this.deps.spans.append(mapped.records) : 0;
    const kept = [...mapped.problems, ...(outcome?.errors ?? []).map(eventProblem)].map((p) => ({ ...p, rejected: 0 }));
    return { problems: [...decoded.problems, ...kept], storedSpans, storedEvents: outcome === null ? 0 : outcome.successes.filter((s) => !s.duplicate).length };
  }
}

/** An event the ingest path refused: its span is kept, without the event. */
function eventProblem(err: IngestError): OtlpProblem {
  return { path: err.path, message: `kept as a span but not counted: ${err.message}` };
}
