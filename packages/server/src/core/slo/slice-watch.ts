/**
 * Which rollup slices changed between two evaluation cycles, found once for every SLO: each cycle
 * `poll` walks the minute and hour slices the index holds and compares each with the slice object
 * and version seen last time (a slice's version is bumped by every event folded into it, late ones
 * included; a rebuilt span brings new slice objects). The changes are logged by cycle (epoch), so
 * an SLO ledger re-reads only the slices changed since the epoch it last read — typically the
 * current minute and hour — instead of every slice of its period.
 */
import { HOUR, MINUTE, type Tier } from "../rollup-plan.js";
import type { Slice } from "../rollup-slice.js";
import { floorHour, floorMinute } from "./spans.js";

/** What the watch reads of the rollups. */
export interface WatchSource {
  sliceAt(tier: Tier, start: number): Slice | undefined;
}

/** Epochs of changes kept: a ledger not refreshed for longer reads its slices afresh. */
export const WATCH_EPOCHS = 64;

/**
 * How long a poll that may look at recent slices only (`poll(now, true)`: an answer to a request
 * between two evaluation cycles) relies on the last full one: it looks at the last RECENT_MINUTES
 * minutes and the last two hours only, where nearly every change lands, so a late event in an
 * older slice is seen by the next full poll, at most this much later.
 */
export const FULL_POLL_MS = 10_000;
/** Minutes a poll between full ones looks at. */
export const RECENT_MINUTES = 5;

/** The slices of one tier seen at the last poll, in a ring keyed by slice number. */
class Seen {
  readonly keys: Float64Array;
  readonly slices: (Slice | undefined)[];
  readonly versions: Float64Array;

  constructor(readonly size: number, readonly width: number) {
    this.keys = new Float64Array(size).fill(NaN);
    this.slices = new Array<Slice | undefined>(size).fill(undefined);
    this.versions = new Float64Array(size);
  }

  /** Records the slice at `start`; true when it differs from what was seen there. */
  see(start: number, s: Slice | undefined): boolean {
    const k = start / this.width;
    const i = k % this.size;
    const v = s ? s.version : -1;
    const changed = this.keys[i] !== k ? s !== undefined : this.slices[i] !== s || this.versions[i] !== v;
    this.keys[i] = k;
    this.slices[i] = s;
    this.versions[i] = v;
    return changed;
  }
}

/** The rollup slices changed per evaluation cycle, shared by the ledgers of every SLO over one index. */
export class SliceWatch {
  /** The number of the last poll (0 before the first). */
  epoch = 0;
  /** Start of the earliest hour slice the index held at the last poll, or null when it held none. */
  firstData: number | null = null;
  private readonly minutes: Seen;
  private readonly hours: Seen;
  /** Changes, oldest first: the epoch that saw each, its tier and start. */
  private readonly logEpochs: number[] = [];
  private readonly logTiers: Tier[] = [];
  private readonly logStarts: number[] = [];
  /** When the last full poll ran. */
  private lastFull = -Infinity;

  /** `spans`: how far back each tier is watched (the rollups' horizons). */
  constructor(
    private readonly src: WatchSource,
    spans: { minuteMs: number; hourMs: number },
  ) {
    this.minutes = new Seen(Math.max(2, Math.ceil(spans.minuteMs / MINUTE) + 2), MINUTE);
    this.hours = new Seen(Math.max(2, Math.ceil(spans.hourMs / HOUR) + 2), HOUR);
  }

  /**
   * Notes the slices changed since the last poll (one epoch more): every slice watched (one lookup
   * each), or with `recentOnly`, while the last full poll is less than FULL_POLL_MS old, the recent ones.
   */
  poll(now: number, recentOnly = false): void {
    const epoch = ++this.epoch;
    const full = !recentOnly || now - this.lastFull >= FULL_POLL_MS || now < this.lastFull;
    if (full) this.lastFull = now;
    const note = (tier: Tier, start: number) => {
      this.logEpochs.push(epoch);
      this.logTiers.push(tier);
      this.logStarts.push(start);
    };
    const lastM = floorMinute(now);
    const minutesBack = full ? this.minutes.size - 1 : Math.min(this.minutes.size - 1, RECENT_MINUTES);
    for (let m = lastM - minutesBack * MINUTE; m <= lastM; m += MINUTE) if (this.minutes.see(m, this.src.sliceAt("m", m))) note("m", m);
    const lastH = floorHour(now);
    const hoursBack = full ? this.hours.size - 1 : Math.min(this.hours.size - 1, 1);
    let first: number | null = null;
    for (let h = lastH - hoursBack * HOUR; h <= lastH; h += HOUR) {
      const s = this.src.sliceAt("h", h);
      if (s !== undefined && first === null) first = h;
      if (this.hours.see(h, s)) note("h", h);
    }
    if (full) this.firstData = first;
    let drop = 0;
    while (drop < this.logEpochs.length && this.logEpochs[drop]! <= epoch - WATCH_EPOCHS) drop++;
    if (drop > 0) {
      this.logEpochs.splice(0, drop);
      this.logTiers.splice(0, drop);
      this.logStarts.splice(0, drop);
    }
  }

  /**
   * Calls `each` for every slice changed after epoch `since` (a slice may come more than once), or
   * returns false without calling it when those epochs are no longer known (read everything afresh).
   */
  changedSince(since: number, each: (tier: Tier, start: number) => void): boolean {
    if (since < this.epoch - WATCH_EPOCHS || since > this.epoch) return false;
    let i = this.logEpochs.length;
    while (i > 0 && this.logEpochs[i - 1]! > since) i--;
    for (; i < this.logEpochs.length; i++) each(this.logTiers[i]!, this.logStarts[i]!);
    return true;
  }
}
