/**
 * The ingest use case: validate each event, enrich it (cost, joins, accuracy), append the
 * accepted ones in one durable transaction, then fold the newly stored ones into the rollups.
 * One bad event never sinks the others; nothing is folded that was not stored.
 */
import { EVENT_TYPES, type EventType, type IngestError, type IngestSuccess } from "@vigil/contract";
import { completeReference, enrichUsage, prepareEvent, type EventValidator, type FieldProblem } from "../core/normalize.js";
import type { EventStore } from "../core/ports.js";
import type { PriceTable } from "../core/prices.js";
import { runRefOf, type RunRef, type StoredEvent } from "../core/stored-event.js";

/** What the ingest service needs. */
export interface IngestDeps {
  validate: EventValidator;
  events: EventStore;
  prices: () => PriceTable;
  /** Folds a newly stored event into the live rollups. */
  onStored: (ev: StoredEvent) => void;
  now: () => number;
  newId: () => string;
}

/** Result of ingesting a batch. */
export interface IngestOutcome {
  successes: IngestSuccess[];
  errors: IngestError[];
  /** Per accepted event, the enriched stored form (e.g. to answer with an outcome's accuracy). */
  stored: Map<number, StoredEvent>;
}

/** Ingests batches of events. */
export class IngestService {
  /** Recently seen runs, so outcomes and feedback join without a storage round trip. */
  private readonly recentRuns = new Map<string, RunRef>();
  private static readonly RECENT_RUNS = 50_000;
  private stats = { accepted: 0, duplicates: 0, rejected: 0 };
  private readonly byType: Record<string, { stored: number; duplicate: number; rejected: number }> = {};

  constructor(private readonly deps: IngestDeps) {}

  /**
   * Ingests events; `pointer(i)` gives the JSON pointer of event i in the request (so errors
   * name `/events/3/body/duration_ms` in a batch and `/duration_ms` for a single event).
   */
  async ingest(raw: readonly unknown[], pointer: (index: number) => string, only?: EventType): Promise<IngestOutcome> {
    const { deps } = this;
    const now = deps.now();
    const errors: IngestError[] = [];
    const accepted: { index: number; event: StoredEvent }[] = [];
    const batchRuns = new Map<string, RunRef>();
    const reject = (index: number, id: string | undefined, problems: FieldProblem[], status = 400) => {
      const first = problems[0]!;
      const err: IngestError = { index, status, code: problems.length > 1 ? "VALIDATION_FAILED" : first.code, message: problems.map((p) => `${pointer(index) + p.path}: ${p.message}`).join("; "), path: pointer(index) + first.path };
      if (id !== undefined) err.id = id;
      if (problems.length > 1) err.details = problems.map((p) => ({ path: pointer(index) + p.path, message: p.message }));
      errors.push(err);
      this.count(only ?? typeOf(raw[index]), "rejected");
    };
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i];
      const rawId = typeof item === "object" && item !== null && typeof (item as { id?: unknown }).id === "string" ? ((item as { id: string }).id as string) : undefined;
      const v = deps.validate(item, only);
      if (!v.ok) {
        reject(i, rawId, v.problems);
        continue;
      }
      const prepared = prepareEvent(v.event, now, deps.newId);
      if ("problems" in prepared) {
        reject(i, rawId, prepared.problems);
        continue;
      }
      const ev = prepared.event;
      if (ev.type === "run" || ev.type === "llm_call") enrichUsage(ev, deps.prices());
      if (ev.type === "run") {
        if (ev.runId !== undefined || ev.taskId !== undefined) {
          const ref = runRefOf(ev);
          if (ev.runId) batchRuns.set("r:" + ev.runId, ref);
          if (ev.taskId) batchRuns.set("t:" + ev.taskId, ref);
        }
      } else if (ev.type === "outcome" || ev.type === "feedback") {
        const run = await this.findRun(ev, batchRuns);
        const problem = completeReference(ev, run);
        if (problem) {
          reject(i, rawId, [problem], 422);
          continue;
        }
      }
      accepted.push({ index: i, event: ev });
    }
    const successes: IngestSuccess[] = [];
    const stored = new Map<number, StoredEvent>();
    if (accepted.length) {
      const fresh = await deps.events.append(accepted.map((a) => a.event));
      for (let k = 0; k < accepted.length; k++) {
        const { index, event } = accepted[k]!;
        stored.set(index, event);
        this.count(event.type, fresh[k] ? "stored" : "duplicate");
        if (fresh[k]) {
          successes.push({ index, id: event.id });
          deps.onStored(event);
          if (event.type === "run" && (event.runId !== undefined || event.taskId !== undefined)) this.rememberRun(event);
        } else successes.push({ index, id: event.id, duplicate: true });
      }
    }
    this.stats.accepted += successes.length;
    for (const s of successes) if (s.duplicate) this.stats.duplicates++;
    this.stats.rejected += errors.length;
    errors.sort((a, b) => a.index - b.index);
    return { successes, errors, stored };
  }

  /** Events since start by type and result (`unknown` for rejected events without a valid type). */
  countsByType(): Record<string, { stored: number; duplicate: number; rejected: number }> {
    return structuredClone(this.byType);
  }

  private count(type: string, result: "stored" | "duplicate" | "rejected"): void {
    (this.byType[type] ??= { stored: 0, duplicate: 0, rejected: 0 })[result]++;
  }

  /** Counts since start: accepted (including duplicates), duplicates, rejected. */
  counters(): { accepted: number; duplicates: number; rejected: number } {
    return { ...this.stats };
  }

  private rememberRun(ev: StoredEvent): void {
    const ref = runRefOf(ev);
    if (this.recentRuns.size >= IngestService.RECENT_RUNS) {
      // Drop the oldest quarter: Map keeps insertion order.
      let n = IngestService.RECENT_RUNS / 4;
      for (const k of this.recentRuns.keys()) {
        this.recentRuns.delete(k);
        if (--n <= 0) break;
      }
    }
    if (ev.runId) this.recentRuns.set("r:" + ev.runId, ref);
    if (ev.taskId) this.recentRuns.set("t:" + ev.taskId, ref);
  }

  private async findRun(ev: StoredEvent, batchRuns: Map<string, RunRef>): Promise<RunRef | null> {
    const runId = typeof ev.body.run_id === "string" ? ev.body.run_id : undefined;
    const taskId = typeof ev.body.task_id === "string" ? ev.body.task_id : undefined;
    for (const key of [runId && "r:" + runId, taskId && "t:" + taskId]) {
      if (!key) continue;
      const hit = batchRuns.get(key) ?? this.recentRuns.get(key);
      if (hit) return hit;
    }
    const ref: { runId?: string; taskId?: string } = {};
    if (runId) ref.runId = runId;
    if (taskId) ref.taskId = taskId;
    return this.deps.events.findRun(ref);
  }
}

/** The event type a raw item claims, when it is one; `unknown` otherwise. */
function typeOf(item: unknown): string {
  const t = typeof item === "object" && item !== null ? (item as { type?: unknown }).type : undefined;
  return typeof t === "string" && (EVENT_TYPES as readonly string[]).includes(t) ? t : "unknown";
}
