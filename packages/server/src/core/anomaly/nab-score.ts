/**
 * The Numenta Anomaly Benchmark's scoring (NAB, numenta/NAB `nab/sweeper.py`), reproduced
 * exactly: per-row worths from the labelled windows, the raw and normalised score of a corpus at
 * one threshold, and NAB's sweep for the corpus-wide threshold that scores best. Pure: rows,
 * windows and scores in, figures out.
 */

/** Weights of one NAB scoring profile. */
export interface NabProfile {
  /** Worth of a detection at a window's left edge. */
  readonly tpWeight: number;
  /** Cost scale of a detection outside every window. */
  readonly fpWeight: number;
  /** Cost of a window with no detection. */
  readonly fnWeight: number;
}

/** NAB's three application profiles (its `profiles.json`). */
export const NAB_PROFILES = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
} as const satisfies Record<string, NabProfile>;

/** Name of one of NAB's profiles. */
export type NabProfileName = keyof typeof NAB_PROFILES;

/** One scored series: its row count, its anomaly windows and the detector's score of each row. */
export interface NabFile {
  /** Number of rows of the series. */
  readonly rows: number;
  /** Anomaly windows as inclusive `[startRow, endRow]` ranges, in order, not overlapping. */
  readonly windows: readonly (readonly [number, number])[];
  /** Anomaly score of each row (0..1), `rows` of them. */
  readonly scores: ArrayLike<number>;
}

/** A file's score at one threshold. */
export interface NabFileScore {
  /** Sum of the counted windows' parts and the false positives' costs. */
  raw: number;
  /** Windows that count (those with at least one row after probation). */
  windows: number;
  /** Counted windows with at least one detection. */
  tpWindows: number;
  /** Detections outside every window (after probation). */
  fp: number;
}

/** A corpus's score at one threshold. */
export interface NabCorpusScore extends NabFileScore {
  /** 100 × (raw − null) / (perfect − null): 0 detects nothing, 100 every window at its left edge. */
  normalised: number;
  /** Raw score of each file, in the order given. */
  perFile: number[];
}

/** The sweep's answer: the best corpus-wide threshold and its score. */
export interface NabSweep extends NabCorpusScore {
  /** Lowest score that is a detection; Infinity when detecting nothing scores best. */
  threshold: number;
}

/** Rows of a series that NAB leaves unscored at its start: min(⌊0.15 × rows⌋, 750). */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** NAB's scaled sigmoid S(p): 2·sigmoid(−5p) − 1, and −1 past p = 3. */
export function scaledSigmoid(p: number): number {
  if (p > 3) return -1;
  return 2 * sigmoid(-5 * p) - 1;
}

/** Per-row worth of a detection and the window (file-local index, or −1 outside) of each scored row. */
export interface RowWorths {
  /** First scored row (the probation length). */
  first: number;
  /** What a detection at row i would be worth (meaningful for i ≥ first). */
  worth: Float64Array;
  /** Index into the file's windows of the window holding row i, −1 outside windows. */
  window: Int32Array;
  /** Windows with at least one scored row. */
  counted: boolean[];
}

function checkWindows(file: NabFile): void {
  let prevEnd = -1;
  file.windows.forEach(([s, e], k) => {
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s || e >= file.rows) throw new RangeError(`window ${k} [${s}, ${e}] is not a row range within 0..${file.rows - 1}`);
    if (s <= prevEnd) throw new RangeError(`window ${k} [${s}, ${e}] starts before the previous window ends (row ${prevEnd})`);
    prevEnd = e;
  });
  if (file.scores.length !== file.rows) throw new RangeError(`${file.scores.length} scores for ${file.rows} rows`);
  for (let i = 0; i < file.rows; i++) if (!Number.isFinite(file.scores[i])) throw new RangeError(`score of row ${i} is ${file.scores[i]}, not a number`);
}

/**
 * What a detection at each row is worth under `profile`, walking the rows as NAB does: inside a
 * window of width w ending at row r, S(−(r − i + 1)/w) · tpWeight / S(−1); before any window
 * −fpWeight; after a window ending at r of width w, S(|r − i| / (w − 1)) · fpWeight.
 */
export function rowWorths(file: NabFile, profile: NabProfile): RowWorths {
  checkWindows(file);
  const maxTP = scaledSigmoid(-1);
  const first = probationLength(file.rows);
  const worth = new Float64Array(file.rows);
  const window = new Int32Array(file.rows).fill(-1);
  const counted = file.windows.map(([, e]) => e >= first);
  let next = 0;
  let cur = -1;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < file.rows; i++) {
    if (cur < 0 && next < file.windows.length && file.windows[next]![0] === i) cur = next++;
    if (cur >= 0) {
      const [s, e] = file.windows[cur]!;
      const w = e - s + 1;
      worth[i] = (scaledSigmoid(-(e - i + 1) / w) * profile.tpWeight) / maxTP;
      window[i] = cur;
      if (i === e) {
        prevEnd = e;
        prevWidth = w;
        cur = -1;
      }
    } else if (prevEnd < 0) {
      worth[i] = -1 * profile.fpWeight;
    } else {
      // A window one row wide gives p = Infinity (NAB divides by zero there): the full −fpWeight.
      worth[i] = scaledSigmoid(Math.abs(prevEnd - i) / (prevWidth - 1)) * profile.fpWeight;
    }
  }
  return { first, worth, window, counted };
}

/** One file's raw score at `threshold` (a row is a detection when its score ≥ threshold). */
export function scoreFile(file: NabFile, threshold: number, profile: NabProfile): NabFileScore {
  const { first, worth, window, counted } = rowWorths(file, profile);
  const best: (number | null)[] = file.windows.map(() => null);
  let fpSum = 0;
  let fp = 0;
  for (let i = first; i < file.rows; i++) {
    if (!(file.scores[i]! >= threshold)) continue;
    const k = window[i]!;
    if (k < 0) {
      fpSum += worth[i]!;
      fp++;
    } else if (best[k] === null || worth[i]! > best[k]!) best[k] = worth[i]!;
  }
  let raw = fpSum;
  let windows = 0;
  let tpWindows = 0;
  for (let k = 0; k < file.windows.length; k++) {
    if (!counted[k]) continue;
    windows++;
    if (best[k] === null) raw += -profile.fnWeight;
    else {
      raw += best[k]!;
      tpWindows++;
    }
  }
  return { raw, windows, tpWindows, fp };
}

/** NAB's normalised score of a raw score over `windows` counted windows (NaN with no window). */
export function normalisedScore(raw: number, windows: number, profile: NabProfile): number {
  const nullScore = -profile.fnWeight * windows;
  const perfect = profile.tpWeight * windows;
  return windows > 0 ? (100 * (raw - nullScore)) / (perfect - nullScore) : NaN;
}

/** A corpus's score at one threshold: the files' raw scores summed, then normalised. */
export function scoreCorpus(files: readonly NabFile[], threshold: number, profile: NabProfile): NabCorpusScore {
  const perFile: number[] = [];
  let raw = 0;
  let windows = 0;
  let tpWindows = 0;
  let fp = 0;
  for (const f of files) {
    const s = scoreFile(f, threshold, profile);
    perFile.push(s.raw);
    raw += s.raw;
    windows += s.windows;
    tpWindows += s.tpWindows;
    fp += s.fp;
  }
  return { raw, windows, tpWindows, fp, perFile, normalised: normalisedScore(raw, windows, profile) };
}

/**
 * NAB's threshold optimisation: the one corpus-wide threshold with the highest raw score, trying
 * "detect nothing" and every distinct score of a scored row (rows sorted by score, highest first,
 * the score kept up to date as each row becomes a detection). Ties go to the higher threshold, as
 * NAB's stable sort of its candidates does.
 */
export function sweepCorpus(files: readonly NabFile[], profile: NabProfile): NabSweep {
  const worths = files.map((f) => rowWorths(f, profile));
  let n = 0;
  let windows = 0;
  for (const [j, w] of worths.entries()) {
    n += files[j]!.rows - w.first;
    windows += w.counted.filter(Boolean).length;
  }
  const score = new Float64Array(n);
  const worth = new Float64Array(n);
  const win = new Int32Array(n);
  let base = 0;
  let at = 0;
  for (const [j, w] of worths.entries()) {
    const f = files[j]!;
    for (let i = w.first; i < f.rows; i++, at++) {
      score[at] = f.scores[i]!;
      worth[at] = w.worth[i]!;
      win[at] = w.window[i]! < 0 ? -1 : base + w.window[i]!;
    }
    base += f.windows.length;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]!);

  const best = new Float64Array(base).fill(-profile.fnWeight);
  let raw = -profile.fnWeight * windows;
  let bestRaw = raw;
  let bestThreshold = Infinity;
  for (let k = 0; k < n; ) {
    const t = score[order[k]!]!;
    for (; k < n && score[order[k]!] === t; k++) {
      const i = order[k]!;
      const w = win[i]!;
      if (w < 0) raw += worth[i]!;
      else if (worth[i]! > best[w]!) {
        raw += worth[i]! - best[w]!;
        best[w] = worth[i]!;
      }
    }
    if (raw > bestRaw) {
      bestRaw = raw;
      bestThreshold = t;
    }
  }
  // The figures at the chosen threshold, summed as scoreCorpus sums them.
  return { threshold: bestThreshold, ...scoreCorpus(files, bestThreshold, profile) };
}
