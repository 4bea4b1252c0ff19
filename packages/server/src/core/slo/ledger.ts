/**
 * An SLO's ledger: good and total events of its class per minute and per hour, read from the
 * rollups through its class filter with the SLI's counting (core/sli.ts) — plus, where the SLO
 * needs them, the events over its latency maximum per minute and the ratings' sum and count
 * (a mean-rating time slice). The budget and burn-rate math (budget.ts, burn.ts) sums these.
 *
 * Each tier is a ring of typed arrays keyed by slice number, so a ledger's size is fixed by its
 * spans whatever the traffic: an event-budgeted SLO keeps the minutes of the last 25 hours (the
 * burn windows up to a day are read to the minute) and the hours of its period (at least the 3-day
 * window); a time-slice SLO keeps the tier its slices are cut from. A refresh re-reads only the
 * slices a SliceWatch saw change since the ledger last read; the first fill reads every slice, as
 * steps (about 3,600 slices for a 30-day period).
 */
import { F } from "../bucket-fields.js";
import { HOUR, MINUTE, minuteFloorOf, type Tier } from "../rollup-plan.js";
import type { Slice } from "../rollup-slice.js";
import type { SeriesRegistry } from "../series-registry.js";
import { countAbove, sliCounts, type SliCounts, type SliEvents } from "../sli.js";
import type { Stepped } from "../stepped.js";
import { GroupTable, type Contributions } from "../window-groups.js";
import { contributionsFor } from "../window-reads.js";
import { BURN_WINDOW_MS, floorHour, floorMinute, MINUTE_WINDOW_REACH } from "./spans.js";
import { spanSums, TierCounts, VerdictCache, type SpanSums } from "./ledger-rings.js";
import type { SloSpec } from "./spec.js";
import type { SliceWatch, WatchSource } from "./slice-watch.js";

export { spanSums, TierCounts, VerdictCache, type SpanSums } from "./ledger-rings.js";

/** What a ledger reads of the rollups (a RollupIndex). */
export interface LedgerSource extends WatchSource {
  readonly series: SeriesRegistry;
}

/** How long the rollups keep each tier (`retention.minute_rollups`, `retention.hour_rollups`). */
export interface LedgerHorizons {
  minuteMs: number;
  hourMs: number;
}

/** Most series a class may match for its slices to be read bucket by bucket rather than merged. */
const FEW_SERIES = 256;

/** Slices read between two yields of a fill. */
const FILL_STEP = 8;

/** The per-minute and per-hour counts of one SLO. */
export class SloLedger {
  /** Minute counts (null when the SLO reads hours only and has no maximum). */
  readonly minutes: TierCounts | null;
  /** Hour counts (null for a time-slice SLO cut from minutes). */
  readonly hours: TierCounts | null;
  /** Time slices: their verdicts, cached until one of their slots is read again. */
  readonly verdicts: VerdictCache | null;
  /** Which tiers spans are summed from: both (event budgeting), or the one time slices are cut from. */
  readonly mode: "mixed" | "minutes" | "hours";
  /** The epoch of the watch the ledger last read up to; null before its first fill. */
  private synced: number | null = null;
  private writes = 0;
  /** Reads a slice's matching buckets one by one (through the posting lists) or merged by one dimension's values. */
  private readonly rows: Contributions;
  private readonly merged: Contributions;
  private readonly counts: SliCounts = { good: 0, total: 0 };
  private readonly slot = spanSums();
  private readonly latencyEvents: SliEvents;

  constructor(
    readonly spec: SloSpec,
    private readonly src: LedgerSource,
    readonly horizons: LedgerHorizons,
  ) {
    const table = new GroupTable();
    this.rows = contributionsFor(src.series, spec.filter, [], table, false);
    this.merged = contributionsFor(src.series, spec.filter, [], table, true);
    this.latencyEvents = spec.sli.kind === "latency" ? spec.sli.events : "runs";
    const b = spec.budgeting;
    const ratings = b.kind === "timeslices" && b.meanRatingAtLeast !== null;
    const above = spec.maxMs !== null;
    const heldMinutes = Math.max(1, Math.floor(horizons.minuteMs / MINUTE));
    const heldHours = Math.max(1, Math.floor(horizons.hourMs / HOUR) + 1);
    const periodMs = spec.period.kind === "calendar_month" ? 31 * 24 * HOUR : spec.period.ms;
    const longest = Math.max(periodMs, BURN_WINDOW_MS["3d"]);
    if (b.kind === "timeslices" && b.sliceMs < HOUR) {
      this.minutes = new TierCounts(Math.min(heldMinutes, Math.ceil((longest + b.sliceMs) / MINUTE) + 1), MINUTE, above, ratings);
      this.hours = null;
      this.mode = "minutes";
      this.verdicts = new VerdictCache(Math.ceil((this.minutes.size * MINUTE) / b.sliceMs) + 2, b.sliceMs);
    } else if (b.kind === "timeslices") {
      this.minutes = above ? new TierCounts(6, MINUTE, true, false) : null;
      this.hours = new TierCounts(Math.min(heldHours, Math.ceil((longest + b.sliceMs) / HOUR) + 1), HOUR, false, ratings);
      this.mode = "hours";
      this.verdicts = new VerdictCache(Math.ceil((this.hours.size * HOUR) / b.sliceMs) + 2, b.sliceMs);
    } else {
      this.minutes = new TierCounts(Math.max(61, Math.min(heldMinutes, MINUTE_WINDOW_REACH / MINUTE + 1)), MINUTE, above, false);
      this.hours = new TierCounts(Math.min(heldHours, Math.ceil(longest / HOUR) + 2), HOUR, false, false);
      this.mode = "mixed";
      this.verdicts = null;
    }
  }

  /** Counts of slices written so far: the same version, the same counts. */
  get version(): number {
    return this.writes;
  }

  /** True once the ledger has read every slice of its spans. */
  get filled(): boolean {
    return this.synced !== null;
  }

  /**
   * Brings the ledger up to date at `now` (after `watch.poll(now)`): the slices the watch saw
   * change since the last refresh, or every slice when the ledger is new or fell behind the watch.
   */
  *refresh(now: number, watch: SliceWatch): Stepped<void> {
    const epoch = watch.epoch;
    const known = this.synced !== null && watch.changedSince(this.synced, (tier, start) => this.read(tier, start, now));
    if (!known) yield* this.fill(now);
    this.synced = epoch;
  }

  /** Reads every slice of the ledger's spans at `now`, yielding every few slices. */
  *fill(now: number): Stepped<void> {
    let n = 0;
    if (this.minutes) {
      const last = floorMinute(now);
      for (let m = this.minuteReach(now); m <= last; m += MINUTE) {
        this.read("m", m, now);
        if (++n % FILL_STEP === 0) yield;
      }
    }
    if (this.hours) {
      const last = floorHour(now);
      for (let h = this.hourReach(now); h <= last; h += HOUR) {
        this.read("h", h, now);
        if (++n % FILL_STEP === 0) yield;
      }
    }
  }

  /** The earliest minute read to the minute at `now` (held by the ring and by the minute rollups). */
  minuteReach(now: number): number {
    if (!this.minutes) return Infinity;
    return Math.max(floorMinute(now) - (this.minutes.size - 1) * MINUTE, minuteFloorOf(now, this.horizons.minuteMs));
  }

  /** The earliest hour held at `now` (by the ring and by the hour rollups). */
  hourReach(now: number): number {
    if (!this.hours) return Infinity;
    return Math.max(floorHour(now) - (this.hours.size - 1) * HOUR, floorHour(now - this.horizons.hourMs));
  }

  /** Re-reads one slice when it lies in the ledger's spans at `now`. */
  private read(tier: Tier, start: number, now: number): void {
    const ring = tier === "m" ? this.minutes : this.hours;
    if (!ring) return;
    const last = tier === "m" ? floorMinute(now) : floorHour(now);
    if (start > last || start < last - (ring.size - 1) * ring.width) return;
    this.count(this.src.sliceAt(tier, start), this.slot);
    ring.write(start, this.slot);
    this.writes++;
    if (this.verdicts && (this.mode === "minutes") === (tier === "m")) this.verdicts.forget(start);
  }

  /** The ledger's counts of one slice: the SLI over its buckets of the class. */
  private count(s: Slice | undefined, out: SpanSums): void {
    out.good = out.total = out.above = out.ratingSum = out.ratingN = 0;
    if (!s) return;
    const spec = this.spec;
    const c = this.counts;
    // A class of few series reads their buckets (no merge, nothing cached); a broad one the slice's
    // buckets merged by the filter's dimension, made once per slice version for every reader.
    const read = this.src.series.estimate(spec.filter) <= FEW_SERIES ? this.rows : this.merged;
    read(s, (_g, b) => {
      sliCounts(b, spec.sli, c);
      out.good += c.good;
      out.total += c.total;
      if (spec.maxMs !== null) out.above += countAbove(b, this.latencyEvents, spec.maxMs);
      if (this.minutes?.ratingSum || this.hours?.ratingSum) {
        out.ratingSum += b.field(F.ratingSum);
        out.ratingN += b.field(F.ratingN);
      }
    });
  }

  /**
   * Adds the counts of [a, b) to `out`: minutes up to the first hour boundary, whole hours, then
   * minutes — or only minutes, or only whole hours, for a time-slice ledger cut from one tier. `a`
   * is on a minute boundary inside the minute reach or on an hour boundary; slices outside the
   * reach add nothing.
   */
  addSpan(a: number, b: number, out: SpanSums): SpanSums {
    const m = this.minutes;
    const h = this.hours;
    let t = a;
    if (this.mode === "hours") {
      for (; t < b; t += HOUR) h!.addTo(t, out);
      return out;
    }
    if (this.mode === "mixed") {
      for (; t < b && t % HOUR !== 0; t += MINUTE) m!.addTo(t, out);
      for (; t + HOUR <= b; t += HOUR) h!.addTo(t, out);
    }
    for (; t < b; t += MINUTE) m!.addTo(t, out);
    return out;
  }

  /** Adds the events over the maximum in [a, b) (whole minutes inside the minute ring). */
  addAbove(a: number, b: number, out: SpanSums): SpanSums {
    for (let t = a; this.minutes && t < b; t += MINUTE) this.minutes.addTo(t, out);
    return out;
  }

  /** Bytes of typed arrays the ledger holds. */
  bytes(): number {
    return (this.minutes?.bytes() ?? 0) + (this.hours?.bytes() ?? 0) + (this.verdicts?.bytes() ?? 0);
  }
}
