/**
 * An in-memory index of custom `metric` events: per series (name, component, category, unit) and
 * per time slice, the count, sum, min, max and latest value. Reading a window merges the slices
 * that tile it, so its cost follows the window's length, not the number of events in it; a window
 * the slices cannot tile exactly (unaligned, older than a tier's horizon, not yet rebuilt, or
 * touching a series past the cardinality cap) is not answered here and the caller asks the store.
 *
 * Three tiers of ring buffers per series: 10-second slices for the last two hours, minutes for the
 * minute-rollup horizon, hours for eight days (a 7-day rule window). Merging is commutative (latest
 * by event time, at equal times the greater value, like bucket-fields' LATEST_PAIRS), so events may
 * be folded in any order: live events and a rebuild's scan fold into the same index.
 */
import type { CustomMetricAggregate } from "./ports.js";
import type { StoredEvent } from "./stored-event.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Fields per slot: count, sum, min, max, time of the latest value, latest value. */
const W = 6;
/** Slots kept past now: events may be up to five minutes ahead of the clock (MAX_FUTURE_SKEW_MS), plus slack. */
const AHEAD_MS = 6 * MINUTE;
/** Most rows one answer holds, as the stores' query. */
export const CUSTOM_METRIC_ROWS = 1000;
/** Most slices one answer merges per series; a window needing more is left to the store. */
const MAX_SLICES = 2000;

/** How much the index keeps. */
export interface CustomIndexLimits {
  /** Horizon of the 10-second slices, ms. */
  fineMs: number;
  /** Horizon of the minute slices, ms (the minute rollups'). */
  minuteMs: number;
  /** Horizon of the hour slices, ms. */
  hourMs: number;
  /** Raw-event retention, ms: slices older than it are not answered, since the store may have dropped their events. */
  retentionMs: number;
  /** Most series indexed; the series past it are answered from the store. */
  maxSeries: number;
}

/** Default horizons and cap (docs/operations.md, Sizing). */
export const CUSTOM_INDEX_DEFAULTS = { fineMs: 2 * HOUR, hourMs: 8 * 24 * HOUR, maxSeries: 500 } as const;

class Ring {
  readonly starts: Float64Array;
  readonly data: Float64Array;
  constructor(readonly size: number, readonly cap: number) {
    this.starts = new Float64Array(cap).fill(-1);
    this.data = new Float64Array(cap * W);
  }

  fold(ts: number, value: number): void {
    const s = ts - mod(ts, this.size);
    const i = mod(s / this.size, this.cap);
    const cur = this.starts[i]!;
    if (cur > s) return; // older than the ring: past every horizon
    const o = i * W;
    const d = this.data;
    if (cur < s) {
      this.starts[i] = s;
      d[o] = 1;
      d[o + 1] = value;
      d[o + 2] = value;
      d[o + 3] = value;
      d[o + 4] = ts;
      d[o + 5] = value;
      return;
    }
    d[o]! += 1;
    d[o + 1]! += value;
    if (value < d[o + 2]!) d[o + 2] = value;
    if (value > d[o + 3]!) d[o + 3] = value;
    if (ts > d[o + 4]! || (ts === d[o + 4]! && value > d[o + 5]!)) {
      d[o + 4] = ts;
      d[o + 5] = value;
    }
  }

  /** Offset of slice `s` in `data`, or -1 when the ring holds nothing for it. */
  at(s: number): number {
    const i = mod(s / this.size, this.cap);
    return this.starts[i] === s ? i * W : -1;
  }

  clearFrom(from: number): void {
    for (let i = 0; i < this.cap; i++) if (this.starts[i]! >= from) this.starts[i] = -1;
  }
}

interface Series {
  name: string;
  component: string | null;
  category: string | null;
  unit: string | null;
  rings: Ring[];
  lastTs: number;
}

/** State for operators (health/detailed). */
export interface CustomIndexStats {
  series: number;
  max_series: number;
  /** Series not indexed because the cap was reached (their names are then read from the store). */
  overflow_series: number;
  /** Events of such series seen since start. */
  overflow_events: number;
  /** Start of the span the index holds completely, or null before its rebuild has begun. */
  covered_from: number | null;
}

/** The index. `coverFrom` is moved back by the owner as its rebuild completes older spans. */
export class CustomMetricIndex {
  private readonly series = new Map<string, Series>();
  private readonly byName = new Map<string, Series[]>();
  private readonly overflowKeys = new Set<string>();
  private readonly overflowNames = new Set<string>();
  private overflowAll = false;
  private overflowEvents = 0;
  private coveredFrom = Infinity;
  private readonly tiers: { size: number; cap: number; horizon: number }[];

  constructor(private readonly limits: CustomIndexLimits) {
    // Coarsest first: a window is tiled greedily with the largest slice that fits.
    this.tiers = [
      { size: HOUR, horizon: limits.hourMs },
      { size: MINUTE, horizon: limits.minuteMs },
      { size: 10 * SECOND, horizon: limits.fineMs },
    ].map((t) => ({ ...t, cap: Math.ceil((t.horizon + AHEAD_MS) / t.size) + 2 }));
  }

  /** Declares every event with a time at or after `from` folded (the rebuild reached it). */
  coverFrom(from: number): void {
    this.coveredFrom = Math.min(this.coveredFrom, from);
  }

  /** Folds one stored event (other types are ignored). */
  fold(ev: StoredEvent): void {
    if (ev.type !== "metric") return;
    const b = ev.body;
    const value = b.value;
    if (typeof b.name !== "string" || typeof value !== "number") return;
    const component = str(b.component);
    const category = str(b.category);
    const unit = str(b.unit);
    const key = JSON.stringify([b.name, component, category, unit]);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.limits.maxSeries || this.overflowKeys.has(key)) {
        this.overflow(key, b.name);
        return;
      }
      s = { name: b.name, component, category, unit, rings: this.tiers.map((t) => new Ring(t.size, t.cap)), lastTs: -Infinity };
      this.series.set(key, s);
      const list = this.byName.get(b.name);
      if (list) list.push(s);
      else this.byName.set(b.name, [s]);
    }
    for (const r of s.rings) r.fold(ev.ts, value);
    if (ev.ts > s.lastTs) s.lastTs = ev.ts;
  }

  private overflow(key: string, name: string): void {
    this.overflowEvents++;
    if (this.overflowAll) return;
    // The overflow sets are capped like the index: past that, every read goes to the store.
    if (this.overflowKeys.size >= this.limits.maxSeries) {
      this.overflowAll = true;
      this.overflowKeys.clear();
      this.overflowNames.clear();
      return;
    }
    this.overflowKeys.add(key);
    this.overflowNames.add(name);
  }

  /**
   * The aggregates of the metric events in [from, to) matching `filter`, as
   * `EventStore.aggregateCustomMetrics` answers them, or null when the index cannot answer exactly.
   */
  answer(from: number, to: number, filter: { name?: string; component?: string; category?: string }, now: number): CustomMetricAggregate[] | null {
    if (from >= to) return [];
    if (this.overflowAll || (filter.name === undefined ? this.overflowNames.size > 0 : this.overflowNames.has(filter.name))) return null;
    const slices = this.tile(from, to, now);
    if (!slices) return null;
    const candidates = filter.name === undefined ? [...this.series.values()] : (this.byName.get(filter.name) ?? []);
    const rows: CustomMetricAggregate[] = [];
    for (const s of candidates) {
      if (filter.component !== undefined && s.component !== filter.component) continue;
      if (filter.category !== undefined && s.category !== filter.category) continue;
      let count = 0, sum = 0, min = Infinity, max = -Infinity, lastAt = -Infinity, last = 0;
      for (const [t, start] of slices) {
        const ring = s.rings[t]!;
        const o = ring.at(start);
        if (o < 0) continue;
        const d = ring.data;
        count += d[o]!;
        sum += d[o + 1]!;
        if (d[o + 2]! < min) min = d[o + 2]!;
        if (d[o + 3]! > max) max = d[o + 3]!;
        if (d[o + 4]! > lastAt || (d[o + 4]! === lastAt && d[o + 5]! > last)) {
          lastAt = d[o + 4]!;
          last = d[o + 5]!;
        }
      }
      if (count > 0) rows.push({ name: s.name, component: s.component, category: s.category, unit: s.unit, count, sum, min, max, last, last_at: lastAt });
    }
    rows.sort(compareRows);
    return rows.length > CUSTOM_METRIC_ROWS ? rows.slice(0, CUSTOM_METRIC_ROWS) : rows;
  }

  /** Slices `[tier, start]` tiling [from, to) exactly, each inside its tier's complete span; null when there are none. */
  private tile(from: number, to: number, now: number): [number, number][] | null {
    const floors = this.tiers.map((t) => Math.max(this.coveredFrom, ceilTo(now - t.horizon, t.size), ceilTo(now - this.limits.retentionMs, t.size)));
    const out: [number, number][] = [];
    for (let p = from; p < to; ) {
      let took = false;
      for (let t = 0; t < this.tiers.length; t++) {
        const size = this.tiers[t]!.size;
        if (mod(p, size) === 0 && p + size <= to && p >= floors[t]!) {
          out.push([t, p]);
          p += size;
          took = true;
          break;
        }
      }
      if (!took || out.length > MAX_SLICES) return null;
    }
    return out;
  }

  /** Forgets series without an event inside any horizon. */
  prune(now: number): void {
    const oldest = now - Math.max(...this.tiers.map((t) => t.horizon)) - HOUR;
    for (const [key, s] of this.series) {
      if (s.lastTs >= oldest) continue;
      this.series.delete(key);
      const list = this.byName.get(s.name)!.filter((x) => x !== s);
      if (list.length) this.byName.set(s.name, list);
      else this.byName.delete(s.name);
    }
  }

  /** Replaces every slice starting at or after `from` with `other`'s (a rebuild of that span from the store). */
  replaceFrom(from: number, other: CustomMetricIndex): void {
    for (const s of this.series.values()) for (const r of s.rings) r.clearFrom(from);
    for (const [key, o] of other.series) {
      let s = this.series.get(key);
      if (!s) {
        if (this.series.size >= this.limits.maxSeries) {
          this.overflow(key, o.name);
          continue;
        }
        s = { name: o.name, component: o.component, category: o.category, unit: o.unit, rings: this.tiers.map((t) => new Ring(t.size, t.cap)), lastTs: -Infinity };
        this.series.set(key, s);
        const list = this.byName.get(o.name);
        if (list) list.push(s);
        else this.byName.set(o.name, [s]);
      }
      o.rings.forEach((r, t) => {
        const into = s.rings[t]!;
        for (let i = 0; i < r.cap; i++) {
          if (r.starts[i]! < from) continue;
          into.starts[i] = r.starts[i]!;
          into.data.set(r.data.subarray(i * W, i * W + W), i * W);
        }
      });
      s.lastTs = Math.max(s.lastTs, o.lastTs);
    }
    if (other.overflowAll) this.overflowAll = true;
    for (const k of other.overflowKeys) this.overflow(k, JSON.parse(k)[0] as string);
  }

  /** Counts for operators. */
  stats(): CustomIndexStats {
    return {
      series: this.series.size,
      max_series: this.limits.maxSeries,
      overflow_series: this.overflowAll ? this.limits.maxSeries : this.overflowKeys.size,
      overflow_events: this.overflowEvents,
      covered_from: Number.isFinite(this.coveredFrom) ? this.coveredFrom : null,
    };
  }

  /** The longest tier's horizon, ms: how far back a rebuild must read. */
  horizonMs(): number {
    return Math.max(...this.tiers.map((t) => t.horizon));
  }

  /** Bytes held per indexed series (every slot allocated). */
  bytesPerSeries(): number {
    return this.tiers.reduce((n, t) => n + t.cap * (W + 1) * 8, 0);
  }
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function ceilTo(t: number, size: number): number {
  const r = mod(t, size);
  return r === 0 ? t : t - r + size;
}

/** Compares by code point, as SQLite's BINARY collation orders UTF-8 text. */
function cmpText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function compareRows(a: CustomMetricAggregate, b: CustomMetricAggregate): number {
  return cmpText(a.name, b.name) || cmpText(a.component, b.component) || cmpText(a.category, b.category) || cmpText(a.unit, b.unit);
}
