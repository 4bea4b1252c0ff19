/**
 * The numeric fields of a rollup bucket: their indices, how each merges (summed, maximum, or
 * latest-value pairs), and the latest-pair merge. Fields are only ever appended: a bucket persisted
 * with fewer fields reads the missing ones as zeros, which every new field must read as "no samples".
 */
/** Indices of the numeric fields of a bucket. */
export const F = {
  runs: 0,
  success: 1,
  failure: 2,
  partial: 3,
  timeout: 4,
  durSum: 5,
  durSumSq: 6,
  tokSum: 7,
  tokN: 8,
  inSum: 9,
  inN: 10,
  outSum: 11,
  outN: 12,
  costSum: 13,
  costN: 14,
  qualSum: 15,
  qualN: 16,
  confSum: 17,
  confN: 18,
  memSum: 19,
  memN: 20,
  memMax: 21,
  cpuSum: 22,
  cpuN: 23,
  cacheHit: 24,
  cacheN: 25,
  retries: 26,
  lastRun: 27,
  llm: 28,
  llmFail: 29,
  llmLatSum: 30,
  ttftSum: 31,
  ttftN: 32,
  llmInSum: 33,
  llmInN: 34,
  llmOutSum: 35,
  llmOutN: 36,
  llmCachedInSum: 37,
  llmCachedInN: 38,
  llmCostSum: 39,
  llmCostN: 40,
  llmCached: 41,
  llmCachedN: 42,
  savedSum: 43,
  savedN: 44,
  accSum: 45,
  accN: 46,
  satSum: 47,
  satN: 48,
  ratingSum: 49,
  ratingN: 50,
  lastSeen: 51,
  // Appended with the cache, tool_call and retrieval events and the run's degradation fields.
  /** Runs counted as degraded: `degraded: true` or status `partial`. */
  degraded: 52,
  /** Runs that sent `degraded: true` (whatever their status). */
  degradedFlag: 53,
  /** Entries of the runs' `warnings` lists. */
  warnings: 54,
  tool: 55,
  toolFail: 56,
  toolDurSum: 57,
  toolDurN: 58,
  toolCostSum: 59,
  toolCostN: 60,
  retrieval: 61,
  retrievalFail: 62,
  retrievalDurSum: 63,
  retrievalDurN: 64,
  retrievalCostSum: 65,
  retrievalCostN: 66,
  /** Cache operations by kind, each adding the event's `count`. */
  cacheHits: 67,
  cacheMisses: 68,
  cacheWrites: 69,
  cacheEvictions: 70,
  cacheInvalidations: 71,
  /** Latest `entries` reported by a cache event: its event time, the value, and how many events reported it. */
  cacheEntriesTs: 72,
  cacheEntries: 73,
  cacheEntriesN: 74,
  /** Latest `capacity` reported by a cache event, as for entries. */
  cacheCapacityTs: 75,
  cacheCapacity: 76,
  cacheCapacityN: 77,
  // Appended with the exact SLI counts (sli-ladder.ts): counts per bin, not cumulative, so an
  // event adds to one field per ladder; a bucket that saw a few latencies holds a few bins.
  /** First of LADDER_BINS run counts: runs whose duration is in (ladder[i-1], ladder[i]] add to runLe0 + i (the first bin from 0). */
  runLe0: 78,
  /** First of LADDER_BINS LLM call counts by `latency_ms`, as for runs. */
  llmLe0: 100,
  /** First of five feedback counts by rating: a rating r in 1..5 adds to rating1 + r - 1. */
  rating1: 122,
  /** Feedback with thumbs up and no rating (a rating, when sent, is what the feedback counts as). */
  thumbsUp: 127,
  /** Feedback with thumbs down and no rating. */
  thumbsDown: 128,
  /** First of ACCURACY_BINS outcome counts by accuracy: [0, 0.05) at acc0, …, [0.95, 1), and exactly 1 last. */
  acc0: 129,
} as const;

/** Number of numeric fields. */
export const FIELD_COUNT = 150;

/** How a field merges: summed. */
export const MERGE_SUM = 0;
/** How a field merges: the maximum is kept. */
export const MERGE_MAX = 1;
/** How a field merges: part of a latest-value pair (see LATEST_PAIRS), merged by `mergeLatest`. */
export const MERGE_LATEST = 2;
/** Fields merged by taking the maximum rather than the sum. */
export const MAX_FIELDS: readonly number[] = [F.memMax, F.lastRun, F.lastSeen];
/**
 * Latest-value pairs `[time field, value field]`: the pair with the greater time wins, and at
 * equal times the greater value, so merging is a lexicographic maximum — commutative and
 * associative, hence independent of the order buckets and events are merged in. An empty pair
 * (0, 0) never displaces a reported one; the companion count field tells "no report" apart.
 */
export const LATEST_PAIRS: readonly (readonly [number, number])[] = [
  [F.cacheEntriesTs, F.cacheEntries],
  [F.cacheCapacityTs, F.cacheCapacity],
];
/** Per field, how it merges: MERGE_SUM, MERGE_MAX or MERGE_LATEST. */
export const FIELD_MERGE = new Uint8Array(FIELD_COUNT);
for (const i of MAX_FIELDS) FIELD_MERGE[i] = MERGE_MAX;
for (const [t, v] of LATEST_PAIRS) FIELD_MERGE[t] = FIELD_MERGE[v] = MERGE_LATEST;

/**
 * The runs of consecutive summed fields, as [first, end) pairs: a full merge adds each run in a tight
 * loop and handles the few max and latest-value fields apart (the per-bin counts, more than half of
 * the fields, are one run).
 */
export const SUM_RUNS: readonly (readonly [number, number])[] = (() => {
  const runs: [number, number][] = [];
  for (let i = 0; i < FIELD_COUNT; i++) {
    if (FIELD_MERGE[i] !== MERGE_SUM) continue;
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
})();

/** Merges the latest-value pairs of `from` into `into` (both indexed by F). */
export function mergeLatest(into: Float64Array, from: Float64Array): void {
  for (const [t, v] of LATEST_PAIRS) {
    const ft = from[t]!;
    const it = into[t]!;
    if (ft > it || (ft === it && from[v]! > into[v]!)) {
      into[t] = ft;
      into[v] = from[v]!;
    }
  }
}
