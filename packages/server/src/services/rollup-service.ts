/**
 * Keeps the live rollups: restores them at start (persisted buckets, then a replay of the events
 * stored after the persisted watermark), folds new events, persists changed buckets periodically,
 * enforces retention, and rebuilds a span from raw events on request (`sync`).
 *
 * Two ways of folding: on a store only this process writes (SQLite) the ingest path folds what it
 * stored at once; on a shared store (PostgreSQL) every instance folds by following the shared
 * event log, its own events and the other instances' alike, so all instances hold the same
 * rollups and answer the same figures. Only the leader persists rollups and enforces retention.
 */
import type { RollupCardinality } from "@vigil/contract";
import { CUSTOM_INDEX_DEFAULTS, CustomMetricIndex, type CustomIndexStats } from "../core/custom-metric-index.js";
import type { CustomMetricAggregate, EventStore, Leadership, RollupStore, SpanStore } from "../core/ports.js";
import { HOUR, MINUTE, RollupIndex, type RollupHorizons } from "../core/rollup-index.js";
import type { StoredEvent } from "../core/stored-event.js";
import { SerialQueue } from "./serial-queue.js";

/** What the rollup service needs. */
export interface RollupDeps {
  events: EventStore;
  rollups: RollupStore;
  horizons: RollupHorizons;
  /** How long raw events are kept, in ms (stored spans too). */
  eventRetentionMs: number;
  /** Stored spans, deleted by the same retention as raw events (absent: none kept). */
  spans?: Pick<SpanStore, "deleteBefore">;
  now: () => number;
  /** True on a shared store: fold by following the event log rather than on each append. */
  follow: boolean;
  /** Whether this instance persists and enforces retention, and under which term (always, term 1, on an unshared store). */
  leadership: Pick<Leadership, "isLeader" | "term">;
  /** Progress of long work (start-up replay, sync), for the log. */
  progress?: (msg: string, fields: Record<string, unknown>) => void;
}

const PAGE = 5000;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Owner of the in-memory rollup index. */
export class RollupService {
  readonly index: RollupIndex;
  private flushing: Promise<void> | null = null;
  private lastFlush = { at: 0, buckets: 0, error: null as string | null };
  /** Serialises log following and sync's rebuild, which must not fold the same events twice. */
  private readonly lock = new SerialQueue();
  private catchUpState: { running: Promise<void> | null; again: boolean } = { running: null, again: false };
  private followState = { at: 0, error: null as string | null };
  /** Custom metric events, indexed as they are folded (see core/custom-metric-index.ts). */
  readonly custom: CustomMetricIndex;
  /** Whether folded events also go to the custom index: from the rebuild's fence on, never before. */
  private customLive = false;
  private customRebuild: Promise<void> | null = null;
  private customReads = { index: 0, store: 0, rebuilt_at: 0 };

  constructor(private readonly deps: RollupDeps) {
    this.index = new RollupIndex(deps.horizons, deps.now);
    this.custom = newCustomIndex(deps);
  }

  /** Restores persisted buckets and replays events stored after the watermark. */
  async start(): Promise<{ restored: number; replayed: number }> {
    const now = this.deps.now();
    const { records, watermark } = await this.deps.rollups.load({ m: now - this.deps.horizons.minuteMs - MINUTE, h: now - this.deps.horizons.hourMs - HOUR });
    for (const r of records) this.index.restore(r);
    this.index.watermark = watermark;
    const replayed = await this.readLog(true);
    this.index.prune(now);
    this.index.startFine(this.deps.now());
    // The custom index is not persisted: events after the fence are folded live from now on, those
    // at or before it by a rebuild stepped over the event loop, newest hour first.
    const fence = this.deps.follow ? this.index.watermark : await this.deps.events.position();
    this.customLive = true;
    this.customRebuild = this.rebuildCustom(fence).catch((err) => this.deps.progress?.("custom metric index rebuild failed; custom metrics are read from the store", { error: String(err) }));
    return { restored: records.length, replayed };
  }

  /** Resolves once the start-up rebuild of the custom metric index has finished. */
  customReady(): Promise<void> {
    return this.customRebuild ?? Promise.resolve();
  }

  private async rebuildCustom(fence: number): Promise<void> {
    const now = this.deps.now();
    const oldest = now - Math.min(this.deps.eventRetentionMs, this.custom.horizonMs()) - HOUR;
    let n = 0;
    for (let hi = Number.MAX_SAFE_INTEGER, lo = now - (now % HOUR); hi > oldest; hi = lo, lo -= HOUR) {
      for await (const page of this.deps.events.scanMetricEvents(lo, hi, fence, PAGE)) {
        for (const ev of page) this.custom.fold(ev);
        n += page.length;
        // One page per turn of the event loop: requests are answered between pages.
        await turn();
      }
      this.custom.coverFrom(lo);
      // And one hour per turn, however empty: days of retention without a metric do not add up to a stall.
      await turn();
    }
    this.customReads.rebuilt_at = this.deps.now();
    this.deps.progress?.("custom metric index rebuilt; custom metrics are answered from it", { metric_events_scanned: n, took_ms: this.deps.now() - now, ...this.custom.stats() });
  }

  /**
   * Aggregates of custom metric events in [from, to), as `EventStore.aggregateCustomMetrics`:
   * from the index when its slices tile the window, from the store otherwise.
   */
  async aggregateCustomMetrics(from: number, to: number, filter: { name?: string; component?: string; category?: string }): Promise<CustomMetricAggregate[]> {
    const rows = this.custom.answer(from, to, filter, this.deps.now());
    if (rows) {
      this.customReads.index++;
      return rows;
    }
    this.customReads.store++;
    return this.deps.events.aggregateCustomMetrics(from, to, filter);
  }

  /** Folds every event after the watermark, page by page; resolves how many were folded. */
  private async readLog(report: boolean): Promise<number> {
    let n = 0;
    for (;;) {
      const page = await this.deps.events.readAfter(this.index.watermark, PAGE);
      // Folding a page and moving the watermark happen in one synchronous step, so a flush never
      // sees buckets and watermark out of step.
      for (const ev of page.events) {
        this.index.fold(ev);
        if (this.customLive) this.custom.fold(ev);
      }
      this.index.watermark = Math.max(this.index.watermark, page.position);
      n += page.events.length;
      if (report && n % 100_000 < PAGE && page.events.length) this.deps.progress?.("replaying events stored after the last rollup checkpoint", { replayed: n });
      // A page may stop short of the limit without being the end (a store never splits one
      // transaction across pages), so only an empty page means caught up.
      if (page.events.length === 0) return n;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }

  /** Called for each newly stored event: folds it now, or (following a shared log) soon. */
  stored(ev: StoredEvent): void {
    if (!this.deps.follow) {
      this.index.fold(ev);
      if (this.customLive) this.custom.fold(ev);
    }
    // catchUp coalesces: while one runs, this only asks it for one more round.
    else void this.catchUp().catch(() => undefined);
  }

  /** Follows the shared event log up to its current end; concurrent calls share the work. */
  catchUp(): Promise<void> {
    // Unshared store: the ingest path folds; reading the log here would count events twice.
    if (!this.deps.follow) return Promise.resolve();
    const st = this.catchUpState;
    if (st.running) {
      st.again = true;
      return st.running;
    }
    st.running = (async () => {
      do {
        st.again = false;
        try {
          await this.exclusive(() => this.readLog(false));
          this.followState = { at: this.deps.now(), error: null };
        } catch (err) {
          this.followState = { ...this.followState, error: String(err) };
          throw err;
        }
      } while (st.again);
    })().finally(() => {
      st.running = null;
    });
    return st.running;
  }

  /**
   * Takes over the leader's work: catches up with the log (so the watermark is at or past the
   * last checkpoint any leader saved), then persists every bucket under the new term.
   */
  async becameLeader(): Promise<void> {
    if (this.deps.follow) await this.catchUp();
    this.index.markSpanDirty(0, Number.MAX_SAFE_INTEGER);
    await this.flush();
  }

  /** Persists changed buckets with the current watermark (leader only); concurrent calls share one flush. */
  flush(): Promise<void> {
    if (!this.deps.leadership.isLeader()) {
      // Only the leader writes the checkpoint; a follower forgets what changed (a new leader
      // saves every bucket anyway), so its dirty list does not grow without bound.
      this.index.takeDirty();
      return Promise.resolve();
    }
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      // Unshared store: everything stored so far has been folded (append and fold happen in the
      // same turn), so the highest stored position is a correct watermark for the buckets taken
      // now. Shared store: only the log follower folds, and it moves the watermark with each page.
      const stored = this.deps.follow ? this.index.watermark : await this.deps.events.position();
      const watermark = Math.max(stored, this.index.watermark);
      const dirty = this.index.takeDirty();
      try {
        await this.deps.rollups.save(dirty, watermark, this.deps.leadership.term());
        // Never back: the log follower may have moved on while the save was in flight.
        this.index.watermark = Math.max(this.index.watermark, watermark);
        this.lastFlush = { at: this.deps.now(), buckets: dirty.length, error: null };
      } catch (err) {
        this.index.returnDirty(dirty);
        this.lastFlush = { ...this.lastFlush, error: String(err) };
        throw err;
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Drops expired buckets from memory and, on the leader, expired events, spans and buckets from the store. */
  async enforceRetention(): Promise<{ events: number; spans: number }> {
    const now = this.deps.now();
    this.index.prune(now);
    this.custom.prune(now);
    if (!this.deps.leadership.isLeader()) return { events: 0, spans: 0 };
    let events = 0;
    for (;;) {
      const n = await this.deps.events.deleteBefore(now - this.deps.eventRetentionMs, 10_000);
      events += n;
      if (n < 10_000) break;
    }
    let spans = 0;
    while (this.deps.spans) {
      const n = await this.deps.spans.deleteBefore(now - this.deps.eventRetentionMs, 10_000);
      spans += n;
      if (n < 10_000) break;
    }
    await this.deps.rollups.deleteBefore("m", now - this.deps.horizons.minuteMs - MINUTE);
    await this.deps.rollups.deleteBefore("h", now - this.deps.horizons.hourMs - HOUR);
    return { events, spans };
  }

  /**
   * Rebuilds the rollups of the last `lookbackHours` from raw events (seed 003's database sync).
   * Spans older than the raw-event retention keep their rollups, since no events remain to rebuild them.
   */
  async sync(lookbackHours: number): Promise<{ events: number; from: number; to: number }> {
    const now = this.deps.now();
    let from = now - lookbackHours * HOUR;
    from = Math.max(from - (from % HOUR), now - this.deps.eventRetentionMs + HOUR - ((now - this.deps.eventRetentionMs) % HOUR));
    const to = now + 5 * MINUTE + MINUTE;
    // The start-up rebuild folds into the same slices: it must be done before they are replaced.
    await this.customReady();
    const result = await this.exclusive(async () => {
      // The fence. Following a shared log: exactly the events at or before the watermark are
      // folded, and the follower is paused by the lock until the swap. Unshared store: events up
      // to the highest answered append are folded already; later ones (committed by the writer but
      // not yet answered) will be folded when their answer arrives, so they are left out. There,
      // reading and swapping must not interleave with answers being folded: the embedded store
      // reads synchronously, so no answer is handled until the swap is done.
      const fence = this.deps.follow ? this.index.watermark : await this.deps.events.position();
      const rebuilt = new RollupIndex(this.deps.horizons, this.deps.now);
      const rebuiltCustom = newCustomIndex(this.deps);
      let n = 0;
      for await (const page of this.deps.events.scanTimeRange(from, to, fence, PAGE)) {
        for (const ev of page) {
          rebuilt.fold(ev);
          rebuiltCustom.fold(ev);
        }
        n += page.length;
        if (n % 100_000 < PAGE) this.deps.progress?.("sync: rebuilding rollups from raw events", { events: n });
      }
      // Swap in the rebuilt span in one synchronous step so no query sees a half-built window.
      this.index.clearSpan(from, to);
      for (const r of rebuilt.takeDirty()) {
        r.bucket.dirty = false;
        this.index.restore(r);
      }
      this.index.markSpanDirty(from, to);
      this.custom.replaceFrom(from, rebuiltCustom);
      // The rebuilt span has no fine slices: short alert windows read minutes until they refill.
      this.index.startFine(this.deps.now());
      return { events: n, from, to };
    });
    await this.flush();
    return result;
  }

  /** State for operators. */
  status(): { buckets: { minute: number; hour: number }; cardinality: RollupCardinality; watermark: number; last_flush_at: number | null; last_flush_buckets: number; last_flush_error: string | null; following: { caught_up_at: number | null; error: string | null } | null; custom_metrics: CustomIndexStats & { rebuilt_at: number | null; reads_from_index: number; reads_from_store: number } } {
    return {
      buckets: this.index.size(),
      cardinality: this.index.cardinality(),
      watermark: this.index.watermark,
      last_flush_at: this.lastFlush.at || null,
      last_flush_buckets: this.lastFlush.buckets,
      last_flush_error: this.lastFlush.error,
      following: this.deps.follow ? { caught_up_at: this.followState.at || null, error: this.followState.error } : null,
      custom_metrics: { ...this.custom.stats(), rebuilt_at: this.customReads.rebuilt_at || null, reads_from_index: this.customReads.index, reads_from_store: this.customReads.store },
    };
  }
}

function newCustomIndex(deps: RollupDeps): CustomMetricIndex {
  return new CustomMetricIndex({ ...CUSTOM_INDEX_DEFAULTS, minuteMs: deps.horizons.minuteMs, hourMs: Math.min(CUSTOM_INDEX_DEFAULTS.hourMs, Math.max(deps.horizons.hourMs, deps.horizons.minuteMs)), retentionMs: deps.eventRetentionMs });
}
