/**
 * The interfaces (ports) through which services reach storage. Every method is async so that a
 * networked store (PostgreSQL) fits the same contract as the embedded one.
 */
import type { EventType } from "@vigil/contract";
import type { AlertStore } from "./alerting/types.js";
import type { RouteStore } from "./failover/store.js";
import type { BucketRecord, Tier } from "./rollup-index.js";
import type { PriceEntry } from "./prices.js";
import type { SpanRecord } from "./otlp/model.js";
import type { RunRef, StoredEvent } from "./stored-event.js";

/**
 * Events read from a log position onward, with the position to continue from. A position is a
 * number whose meaning belongs to the store (a row sequence in SQLite, a transaction horizon in
 * PostgreSQL); positions only grow, and everything at or before a returned position has been read.
 */
export interface LogPage {
  events: StoredEvent[];
  position: number;
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
  /**
   * Committed events after `position`, in commit order, at most about `limit` (a store may return
   * a whole transaction past the limit), and the position to read from next. Events are returned
   * only once they can no longer be joined by earlier-positioned ones, so a reader that follows
   * positions sees every event exactly once, whichever instance wrote it.
   */
  readAfter(position: number, limit: number): Promise<LogPage>;
  /** Every event whose time is in [from, to) and whose position is at or before `upto`, page by page. */
  scanTimeRange(from: number, to: number, upto: number, pageSize: number): AsyncIterable<StoredEvent[]>;
  /**
   * As `scanTimeRange`, for custom `metric` events only, through the stores' index of them: the
   * cost follows the metric events in the range, not every event stored there.
   */
  scanMetricEvents(from: number, to: number, upto: number, pageSize: number): AsyncIterable<StoredEvent[]>;
  /** Aggregates of custom `metric` events in [from, to), per name, component, category and unit. */
  aggregateCustomMetrics(from: number, to: number, filter: { name?: string; component?: string; category?: string }): Promise<CustomMetricAggregate[]>;
  /**
   * Deletes expired events: at most `limit` events whose time is before `before` (SQLite, row by
   * row), or every whole day that ends at or before `before` (PostgreSQL drops day partitions, so
   * events stay up to a day longer). Resolves the number deleted; 0 means nothing is left to do.
   */
  deleteBefore(before: number, limit: number): Promise<number>;
  /** Number of stored events per type. */
  countByType(): Promise<Record<EventType, number>>;
  /**
   * A position at or after every append answered so far on this instance (SQLite); on a shared
   * store, the horizon up to which every committed event is readable.
   */
  position(): Promise<number>;
}

/** Persisted rollup buckets. */
export interface RollupStore {
  /** Buckets of each tier starting at or after the given times, and the persisted watermark. */
  load(since: Record<Tier, number>): Promise<{ records: BucketRecord[]; watermark: number }>;
  /**
   * Upserts buckets and sets the watermark, atomically. On a shared store, `term` fences the
   * write: a save from a leadership term older than the last one saved is refused with
   * `NOT_LEADER`, so a deposed leader cannot overwrite its successor's checkpoint.
   */
  save(records: readonly BucketRecord[], watermark: number, term?: number): Promise<void>;
  /** Deletes buckets of a tier that start before `before`. */
  deleteBefore(tier: Tier, before: number): Promise<number>;
}

/** Price entries added by configuration or the API (the built-in table is not stored). */
export interface PriceStore {
  list(): Promise<PriceEntry[]>;
  add(entry: PriceEntry): Promise<void>;
}

/** Spans read back: at most the limit asked for, and whether more were there (`truncated`). */
export interface SpanPage {
  spans: SpanRecord[];
  truncated: boolean;
}

/** Stored OpenTelemetry spans (`GET /api/v1/traces/:trace_id`), kept as long as raw events. */
export interface SpanStore {
  /**
   * Stores the spans in one transaction and resolves once they are durable, with how many were
   * new: a span is keyed by (trace id, span id), so one sent again (an exporter's retry) is not
   * stored twice, and the copy already stored is kept.
   */
  append(records: readonly SpanRecord[]): Promise<number>;
  /** A trace's spans by start time (then span id): the first `limit` of them. */
  trace(traceId: string, limit: number): Promise<SpanPage>;
  /** A session's spans (`SpanRecord.sessionId`), newest start first: the latest `limit` of them. */
  session(sessionId: string, limit: number): Promise<SpanPage>;
  /** Deletes at most `limit` spans that started before `before`; resolves the number deleted (0: nothing left to do). */
  deleteBefore(before: number, limit: number): Promise<number>;
}

/** Which instance does the work that must happen once (persisting rollups, retention, later alerting). */
export interface Leadership {
  /** This instance's id, unique among running instances. */
  readonly instanceId: string;
  /** True while this instance holds leadership. */
  isLeader(): boolean;
  /** The current term: grows each time leadership changes hands (0 when not leader). */
  term(): number;
  /** Calls `listener` whenever this instance gains or loses leadership. */
  onChange(listener: (leader: boolean) => void): void;
  /** State for operators: this instance, the leader, and the instances seen recently. */
  status(): Promise<ClusterStatus>;
  close(): Promise<void>;
}

/** Cluster state for operators. */
export interface ClusterStatus {
  instance_id: string;
  leader: boolean;
  term: number;
  leader_id: string | null;
  instances: { id: string; started_at: number; seen_at: number }[];
}

/** A storage backend: the stores plus lifecycle. */
export interface Storage {
  readonly kind: "sqlite" | "postgres";
  readonly events: EventStore;
  readonly rollups: RollupStore;
  readonly prices: PriceStore;
  /** Alerting state: rules, settings, alerts and their history, silences and the notification outbox. */
  readonly alerts: AlertStore;
  /** Failover: the model and route registry, each route's runtime state and its decision history. */
  readonly routes: RouteStore;
  /** OpenTelemetry spans, by trace and by session. */
  readonly spans: SpanStore;
  /** True when several instances may share the store (each then follows the shared event log). */
  readonly shared: boolean;
  /** Starts leader election among the instances sharing the store. */
  leadership(instanceId: string): Leadership;
  /** Schema version after migrations. */
  schemaVersion(): Promise<number>;
  /** null while the store can take writes, else why it cannot (readiness turns false). */
  failure(): string | null;
  /** Where the data lives (path or redacted URL), for operators. */
  describe(): string;
  /** The store's connections now (for `/metrics`). */
  connections(): ConnectionStats;
  close(): Promise<void>;
}

/** Connections of a store: in use, idle, requests waiting for one, and the most it opens. */
export interface ConnectionStats {
  active: number;
  idle: number;
  waiting: number;
  max: number;
}
