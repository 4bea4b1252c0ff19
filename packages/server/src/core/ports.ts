/**
 * The interfaces (ports) through which services reach storage. Every method is async so that a
 * networked store (PostgreSQL) fits the same contract as the embedded one.
 */
import type { EventType } from "@vigil/contract";
import type { BucketRecord, Tier } from "./rollup-index.js";
import type { PriceEntry } from "./prices.js";
import type { RunRef, StoredEvent } from "./stored-event.js";

/** A stored event with its storage sequence number. */
export interface SequencedEvent extends StoredEvent {
  seq: number;
}

/** Summary of one custom metric over a window. */
export interface CustomMetricAggregate {
  name: string;
  component: string | null;
  category: string | null;
  unit: string | null;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Value and time of the latest sample. */
  last: number;
  last_at: number;
}

/** Raw events: append (idempotent on id), join lookups, scans for rebuilds, retention. */
export interface EventStore {
  /**
   * Appends the events in one transaction and resolves once they are durable. Resolves, per
   * event, true when newly stored and false when an event with that id already existed.
   */
  append(events: readonly StoredEvent[]): Promise<boolean[]>;
  /** The latest run recorded with this run id (or, failing that, task id). */
  findRun(ref: { runId?: string; taskId?: string }): Promise<RunRef | null>;
  /** Events with seq greater than `afterSeq`, in seq order, at most `limit`. */
  readAfter(afterSeq: number, limit: number): Promise<SequencedEvent[]>;
  /** Events whose time is in [from, to) with seq in (afterSeq, uptoSeq], in seq order, at most `limit`. */
  readTimeRange(from: number, to: number, afterSeq: number, uptoSeq: number, limit: number): Promise<SequencedEvent[]>;
  /** Aggregates of custom `metric` events in [from, to), per name, component, category and unit. */
  aggregateCustomMetrics(from: number, to: number, filter: { name?: string; component?: string; category?: string }): Promise<CustomMetricAggregate[]>;
  /** Deletes at most `limit` events whose time is before `before`; resolves the number deleted. */
  deleteBefore(before: number, limit: number): Promise<number>;
  /** Number of stored events per type. */
  countByType(): Promise<Record<EventType, number>>;
  /** Highest sequence number stored (0 when empty). */
  maxSeq(): Promise<number>;
}

/** Persisted rollup buckets. */
export interface RollupStore {
  /** Buckets of each tier starting at or after the given times, and the persisted watermark. */
  load(since: Record<Tier, number>): Promise<{ records: BucketRecord[]; watermark: number }>;
  /** Upserts buckets and sets the watermark, atomically. */
  save(records: readonly BucketRecord[], watermark: number): Promise<void>;
  /** Deletes buckets of a tier that start before `before`. */
  deleteBefore(tier: Tier, before: number): Promise<number>;
}

/** Price entries added by configuration or the API (the built-in table is not stored). */
export interface PriceStore {
  list(): Promise<PriceEntry[]>;
  add(entry: PriceEntry): Promise<void>;
}

/** A storage backend: the stores plus lifecycle. */
export interface Storage {
  readonly kind: "sqlite" | "postgres";
  readonly events: EventStore;
  readonly rollups: RollupStore;
  readonly prices: PriceStore;
  /** Schema version after migrations. */
  schemaVersion(): Promise<number>;
  /** null while the store can take writes, else why it cannot (readiness turns false). */
  failure(): string | null;
  /** Where the data lives (path or redacted URL), for operators. */
  describe(): string;
  close(): Promise<void>;
}
