/**
 * Service level indicators counted from the rollups: the good and total events of an SLI in a
 * bucket, read from the bucket's fields, never from events. Latency thresholds on the ladder
 * (sli-ladder.ts), ratings, and accuracy thresholds on a 0.05 step are exact; a latency threshold
 * off the ladder is counted from the latency sketch (only its bins wholly at or below the
 * threshold are good), an accuracy threshold off a step from the next step up.
 *
 * Buckets written before the per-bin counts existed hold none: their latency counts come from the
 * sketch as off the ladder, and their ratings and accuracies count as no events (their totals
 * come from the same counts, so such a bucket neither meets nor misses an objective).
 *
 * Counting per bucket is exact; on a bucket merged from several (a window's total) it is exact
 * when all of them were written with the per-bin counts.
 */
import { Bucket } from "./bucket.js";
import { F } from "./bucket-fields.js";
import type { DDSketch } from "./ddsketch.js";
import { ACCURACY_BINS, LADDER_BINS, LATENCY_LADDER_MS, accuracyFrom, ladderIndex, latencyBin, onAccuracyStep } from "./sli-ladder.js";
import { LLM_SKETCH, RUN_SKETCH } from "./window-need.js";

/** Which events a latency or availability SLI counts. */
export type SliEvents = "runs" | "llm_calls";

/** What an SLI counts as a good event, and among which. */
export type Sli =
  | { kind: "latency"; events: SliEvents; threshold_ms: number }
  | { kind: "availability"; events: SliEvents }
  /** Good: a rating ≥ min_rating, or thumbs up; total: ratings and thumbs. */
  | { kind: "satisfaction"; min_rating: number }
  /** Good: an outcome with accuracy ≥ min_score; total: scored outcomes. */
  | { kind: "accuracy"; min_score: number };

/** Good and total events. */
export interface SliCounts {
  good: number;
  total: number;
}

/**
 * What counting reads: a bucket (compact or full) or anything answering alike — its fields by
 * index (F) and its two latency sketches (read only when a latency threshold is off the ladder).
 */
export interface SliSource {
  field(i: number): number;
  readonly runLatency: DDSketch;
  readonly llmLatency: DDSketch;
}

/**
 * Good and total events of an SLI in a bucket (compact or full). Pass `out` to have the counts
 * written there instead of into a new object (the SLO engine counts many SLIs per cycle).
 */
export function sliCounts(b: Bucket | SliSource, sli: Sli, out: SliCounts = { good: 0, total: 0 }): SliCounts {
  switch (sli.kind) {
    case "latency": {
      const total = b.field(sli.events === "runs" ? F.runs : F.llm);
      out.total = total;
      out.good = total === 0 ? 0 : latencyGood(b, sli.events, sli.threshold_ms, total);
      return out;
    }
    case "availability":
      if (sli.events === "runs") {
        const total = b.field(F.runs);
        out.total = total;
        out.good = total === 0 ? 0 : total - b.field(F.failure) - b.field(F.timeout);
      } else {
        const total = b.field(F.llm);
        out.total = total;
        out.good = total === 0 ? 0 : total - b.field(F.llmFail);
      }
      return out;
    case "satisfaction":
      return satisfaction(b, sli.min_rating, out);
    case "accuracy":
      return accuracy(b, sli.min_score, out);
  }
}

/** Events with latency above `ms` (for an SLO's hard maximum): exact when `ms` is on the ladder. */
export function countAbove(b: Bucket | SliSource, events: SliEvents, ms: number): number {
  const total = b.field(events === "runs" ? F.runs : F.llm);
  return total === 0 ? 0 : total - latencyGood(b, events, ms, total);
}

/** Whether an SLI is counted exactly: latency thresholds on the ladder, accuracy on a 0.05 step; ratings always. */
export function sliExact(sli: Sli): boolean {
  switch (sli.kind) {
    case "latency":
      return ladderIndex(sli.threshold_ms) >= 0;
    case "availability":
    case "satisfaction":
      return true;
    case "accuracy":
      return onAccuracyStep(sli.min_score);
  }
}

/** Bucket fields an SLI reads (for a window read's need: `need(sliFields(s), sliSketches(s))`). */
export function sliFields(sli: Sli): number[] {
  switch (sli.kind) {
    case "latency":
      return sli.events === "runs" ? [F.runs, ...range(F.runLe0, LADDER_BINS)] : [F.llm, ...range(F.llmLe0, LADDER_BINS)];
    case "availability":
      return sli.events === "runs" ? [F.runs, F.failure, F.timeout] : [F.llm, F.llmFail];
    case "satisfaction":
      return [...range(F.rating1, 5), F.thumbsUp, F.thumbsDown];
    case "accuracy":
      return [F.accN, ...range(F.acc0, ACCURACY_BINS)];
  }
}

/** Latency sketches an SLI may read (RUN_SKETCH / LLM_SKETCH flags of window-need.ts). */
export function sliSketches(sli: Sli): number {
  return sli.kind === "latency" ? (sli.events === "runs" ? RUN_SKETCH : LLM_SKETCH) : 0;
}

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => from + k);
}

/**
 * Events of `total` with latency ≤ `ms`: the ladder bins up to `ms` when it is on the ladder; off
 * it, the sketch's count kept within what the bins allow; the sketch's count for a bucket without
 * per-bin counts.
 */
function latencyGood(b: Bucket | SliSource, events: SliEvents, ms: number, total: number): number {
  const first = events === "runs" ? F.runLe0 : F.llmLe0;
  const bin = latencyBin(ms);
  const on = bin >= 0 && LATENCY_LADDER_MS[bin] === ms;
  // The bins wholly at or below ms.
  const last = bin < 0 ? LADDER_BINS - 1 : on ? bin : bin - 1;
  const below = sum(b, first, first + last + 1);
  if (on && below > 0) return below;
  const binned = below + sum(b, first + last + 1, first + LADDER_BINS);
  // No per-bin counts: written before they existed, or every event above the ladder (the sketch is exact for those).
  if (binned === 0) return Math.min(total, sketchOf(b, events).countAtMost(ms));
  if (on) return below;
  const upper = bin < 0 ? total : below + b.field(first + bin);
  const est = sketchOf(b, events).countAtMost(ms);
  return est < below ? below : est > upper ? upper : est;
}

/** The sum of fields `from` to `to` − 1 (a bucket answers without a look-up per field). */
function sum(b: Bucket | SliSource, from: number, to: number): number {
  if (b instanceof Bucket) return b.sumFields(from, to);
  let n = 0;
  for (let i = from; i < to; i++) n += b.field(i);
  return n;
}

function sketchOf(b: Bucket | SliSource, events: SliEvents): DDSketch {
  return events === "runs" ? b.runLatency : b.llmLatency;
}

/** Good: ratings ≥ min_rating and thumbs up; total: every rating and thumb. */
function satisfaction(b: Bucket | SliSource, min: number, out: SliCounts): SliCounts {
  // Ratings are whole: those ≥ min are from ⌈min⌉ up (none for a min past 5, or NaN).
  const from = min <= 1 ? 1 : Math.ceil(min);
  out.good = (from <= 5 ? sum(b, F.rating1 + from - 1, F.rating1 + 5) : 0) + b.field(F.thumbsUp);
  out.total = sum(b, F.rating1, F.thumbsDown + 1);
  return out;
}

/** Good: scores ≥ min (from the bin of the step at or above it); total: scored outcomes, or none for a bucket without bins. */
function accuracy(b: Bucket | SliSource, min: number, out: SliCounts): SliCounts {
  const total = b.field(F.accN);
  let good = 0;
  if (total > 0) {
    good = sum(b, F.acc0 + accuracyFrom(min), F.acc0 + ACCURACY_BINS);
    if (good === 0) {
      if (sum(b, F.acc0, F.acc0 + ACCURACY_BINS) === 0) {
        out.good = out.total = 0;
        return out;
      }
    }
  }
  out.good = good;
  out.total = total;
  return out;
}
