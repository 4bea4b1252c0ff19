/**
 * Keeps the live rollups: restores them at start (persisted buckets, then a replay of the events
 * stored after the persisted watermark), folds new events, persists changed buckets periodically,
 * enforces retention, and rebuilds a span from raw events on request (`sync`).
 */
import type { EventStore, RollupStore } from "../core/ports.js";
import { HOUR, MINUTE, RollupIndex, type RollupHorizons } from "../core/rollup-index.js";
import type { SequencedEvent } from "../core/ports.js";
import type { StoredEvent } from "../core/stored-event.js";

/** What the rollup service needs. */
export interface RollupDeps {
  events: EventStore;
  rollups: RollupStore;
  horizons: RollupHorizons;
  /** How long raw events are kept, in ms. */
  eventRetentionMs: number;
  now: () => number;
  /** Progress of long work (start-up replay, sync), for the log. */
  progress?: (msg: string, fields: Record<string, unknown>) => void;
}

const PAGE = 5000;

/** Owner of the in-memory rollup index. */
export class RollupService {
  readonly index: RollupIndex;
  private flushing: Promise<void> | null = null;
  private lastFlush = { at: 0, buckets: 0, error: null as string | null };

  constructor(private readonly deps: RollupDeps) {
    this.index = new RollupIndex(deps.horizons);
  }

  /** Restores persisted buckets and replays events stored after the watermark. */
  async start(): Promise<{ restored: number; replayed: number }> {
    const now = this.deps.now();
    const { records, watermark } = await this.deps.rollups.load({ m: now - this.deps.horizons.minuteMs - MINUTE, h: now - this.deps.horizons.hourMs - HOUR });
    for (const r of records) this.index.restore(r);
    this.index.watermark = watermark;
    let replayed = 0;
    for (;;) {
      const page = await this.deps.events.readAfter(this.index.watermark, PAGE);
      if (page.length === 0) break;
      for (const ev of page) this.foldSequenced(ev);
      replayed += page.length;
      if (replayed % 100_000 < PAGE) this.deps.progress?.("replaying events stored after the last rollup checkpoint", { replayed });
    }
    this.index.prune(now);
    return { restored: records.length, replayed };
  }

  private foldSequenced(ev: SequencedEvent): void {
    this.index.fold(ev);
    if (ev.seq > this.index.watermark) this.index.watermark = ev.seq;
  }

  /** Folds a newly stored event (the watermark advances at the next flush from storage's max seq). */
  fold(ev: StoredEvent): void {
    this.index.fold(ev);
  }

  /** Persists changed buckets with the current watermark; concurrent calls share one flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      // Everything stored so far has been folded (append and fold happen in the same turn), so the
      // highest stored seq is a correct watermark for the buckets taken now.
      const watermark = await this.deps.events.maxSeq();
      const dirty = this.index.takeDirty();
      try {
        await this.deps.rollups.save(dirty, Math.max(watermark, this.index.watermark));
        this.index.watermark = Math.max(watermark, this.index.watermark);
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

  /** Drops expired raw events and buckets. */
  async enforceRetention(): Promise<{ events: number }> {
    const now = this.deps.now();
    let events = 0;
    for (;;) {
      const n = await this.deps.events.deleteBefore(now - this.deps.eventRetentionMs, 10_000);
      events += n;
      if (n < 10_000) break;
    }
    this.index.prune(now);
    await this.deps.rollups.deleteBefore("m", now - this.deps.horizons.minuteMs - MINUTE);
    await this.deps.rollups.deleteBefore("h", now - this.deps.horizons.hourMs - HOUR);
    return { events };
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
    // The fence: events up to the highest answered append are folded already; later ones (committed
    // by the writer but not yet answered) will be folded when their answer arrives, so they are
    // left out of the rebuild. Reading and swapping must not interleave with answers being folded:
    // the embedded store reads synchronously, so no answer is handled until the swap is done.
    const fence = await this.deps.events.maxSeq();
    const rebuilt = new RollupIndex(this.deps.horizons);
    let afterSeq = 0;
    let n = 0;
    for (;;) {
      const page = await this.deps.events.readTimeRange(from, to, afterSeq, fence, PAGE);
      if (page.length === 0) break;
      for (const ev of page) rebuilt.fold(ev);
      afterSeq = page[page.length - 1]!.seq;
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
    await this.flush();
    return { events: n, from, to };
  }

  /** State for operators. */
  status(): { buckets: { minute: number; hour: number }; watermark: number; last_flush_at: number | null; last_flush_buckets: number; last_flush_error: string | null } {
    return { buckets: this.index.size(), watermark: this.index.watermark, last_flush_at: this.lastFlush.at || null, last_flush_buckets: this.lastFlush.buckets, last_flush_error: this.lastFlush.error };
  }
}
