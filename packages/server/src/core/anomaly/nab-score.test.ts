import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rng } from "../seeded-random.test-support.js";
import { NAB_PROFILES, normalisedScore, probationLength, scoreCorpus, scoreFile, sweepCorpus, type NabFile, type NabProfile } from "./nab-score.js";

const std = NAB_PROFILES.standard;
const close = (actual: number, expected: number, what = "") => assert.ok(Math.abs(actual - expected) < 1e-12 || (Number.isNaN(expected) && Number.isNaN(actual)), `${what} ${actual} != ${expected}`);

/** A file of `rows` rows scored 0 except the rows listed, which score 1. */
function file(rows: number, windows: [number, number][], detections: number[]): NabFile {
  const scores = new Float64Array(rows);
  for (const i of detections) scores[i] = 1;
  return { rows, windows, scores };
}

// S(p) = 2·sigmoid(−5p) − 1 = tanh(−2.5p), so maxTP = S(−1) = tanh(2.5) = 0.98661429815143.
// The file below: 40 rows, probation ⌊0.15 × 40⌋ = 6 rows (0..5), one window rows 8..12 (w = 5).
const ROWS = 40;
const WIN: [number, number][] = [[8, 12]];

describe("NAB scoring of one file", () => {
  it("sets probation at 15% of the rows, at most 750", () => {
    assert.equal(probationLength(40), 6); // ⌊6.0⌋
    assert.equal(probationLength(101), 15); // ⌊15.15⌋
    assert.equal(probationLength(5000), 750);
    assert.equal(probationLength(22695), 750); // 0.15 × 22695 = 3404, capped
  });

  it("gives a detection at a window's left edge exactly tpWeight", () => {
    // Row 8: p = −(12 − 8 + 1)/5 = −1, S(−1) · 1 / maxTP = 1.
    const s = scoreFile(file(ROWS, WIN, [8]), 0.5, std);
    assert.equal(s.raw, 1);
    assert.deepEqual([s.windows, s.tpWindows, s.fp], [1, 1, 0]);
  });

  it("gives a detection at the right edge S(−1/w) / maxTP", () => {
    // Row 12: p = −(12 − 12 + 1)/5 = −0.2, S(−0.2) = tanh(0.5) = 0.46211715726;
    // 0.46211715726 / 0.98661429815 = 0.46838684390.
    close(scoreFile(file(ROWS, WIN, [12]), 0.5, std).raw, 0.4683868439022782);
  });

  it("costs fnWeight for a missed window, in every profile", () => {
    assert.equal(scoreFile(file(ROWS, WIN, []), 0.5, std).raw, -1);
    assert.equal(scoreFile(file(ROWS, WIN, []), 0.5, NAB_PROFILES.reward_low_FN_rate).raw, -2);
    // A detection that does not reach the threshold is no detection.
    const scores = new Float64Array(ROWS);
    scores[8] = 0.49;
    assert.equal(scoreFile({ rows: ROWS, windows: WIN, scores }, 0.5, std).raw, -1);
    assert.equal(scoreFile({ rows: ROWS, windows: WIN, scores }, 0.49, std).raw, 1);
  });

  it("costs −fpWeight for a false positive before the first window", () => {
    // Row 6 (first scored row): −1 · 0.11; the window is missed: −1. Total −1.11.
    const s = scoreFile(file(ROWS, WIN, [6]), 0.5, std);
    close(s.raw, -1.11);
    assert.equal(s.fp, 1);
    // reward_low_FP_rate: −0.22 − 1.
    close(scoreFile(file(ROWS, WIN, [7]), 0.5, NAB_PROFILES.reward_low_FP_rate).raw, -1.22);
  });

  it("costs a false positive after a window by its distance in window widths", () => {
    // Left-edge TP (+1) plus one FP. The distance is |12 − i| / (w − 1) = |12 − i| / 4.
    // Row 13: p = 0.25, S = tanh(−0.625) = −0.55459972235, × 0.11 = −0.06100596946.
    close(scoreFile(file(ROWS, WIN, [8, 13]), 0.5, std).raw, 1 - 0.06100596945843205);
    // Row 20: p = 2, S = tanh(−5) = −0.99990920426, × 0.11 = −0.10999001247.
    close(scoreFile(file(ROWS, WIN, [8, 20]), 0.5, std).raw, 1 - 0.10999001246888546);
    // Row 30: p = 4.5 > 3, S = −1 exactly, × 0.11.
    close(scoreFile(file(ROWS, WIN, [8, 30]), 0.5, std).raw, 1 - 0.11);
    const near = scoreFile(file(ROWS, WIN, [13]), 0.5, std).raw;
    const far = scoreFile(file(ROWS, WIN, [30]), 0.5, std).raw;
    assert.ok(near > far, "a false alarm right after the window costs less than a far one");
  });

  it("ignores detections in the probationary rows and windows lying wholly in them", () => {
    // 40 rows, probation rows 0..5. Window [0, 2] lies wholly in probation: not counted.
    // Window [4, 8] (w = 5) counts with rows 6..8. Detections at rows 1 and 4 are ignored;
    // row 7: p = −(8 − 7 + 1)/5 = −0.4, S = tanh(1) = 0.76159415596, / 0.98661429815 = 0.77192693982.
    const f = file(ROWS, [[0, 2], [4, 8]], [1, 4, 7]);
    const s = scoreFile(f, 0.5, std);
    close(s.raw, 0.7719269398210887);
    assert.deepEqual([s.windows, s.tpWindows, s.fp], [1, 1, 0]);
    // With only the probationary detections the counted window is missed: −1.
    assert.equal(scoreFile(file(ROWS, [[0, 2], [4, 8]], [1, 4]), 0.5, std).raw, -1);
    // A detection in probation before any window is no false positive either.
    assert.equal(scoreFile(file(ROWS, WIN, [0, 5, 8]), 0.5, std).raw, 1);
  });

  it("counts only the earliest detection in a window (its highest worth)", () => {
    // Rows 9, 10, 12 detected: row 9 has p = −4/5, S = tanh(2) = 0.96402758008,
    // / 0.98661429815 = 0.97710684092; rows 10 and 12 add nothing.
    const s = scoreFile(file(ROWS, WIN, [9, 10, 12]), 0.5, std);
    close(s.raw, 0.9771068409226047);
    assert.equal(s.tpWindows, 1);
  });

  it("refuses windows that overlap, fall outside the rows, or scores of another length", () => {
    assert.throws(() => scoreFile(file(ROWS, [[8, 12], [12, 14]], []), 0.5, std), /window 1 \[12, 14\] starts before/);
    assert.throws(() => scoreFile(file(ROWS, [[35, 40]], []), 0.5, std), /window 0 \[35, 40\] is not a row range within 0..39/);
    assert.throws(() => scoreFile({ rows: 3, windows: [], scores: [0, 0] }, 0.5, std), /2 scores for 3 rows/);
    assert.throws(() => scoreFile({ rows: 2, windows: [], scores: [0, NaN] }, 0.5, std), /score of row 1 is NaN/);
  });
});

describe("NAB scoring of a corpus", () => {
  it("normalises as 100 × (raw − null) / (perfect − null)", () => {
    // Two files, 3 counted windows. File A: left-edge TP (+1) and a missed window (−1);
    // file B: right-edge TP (+0.46838684390) and an FP before it (−0.11).
    const a = file(60, [[10, 14], [30, 34]], [10]);
    const b = file(ROWS, WIN, [6, 12]);
    const c = scoreCorpus([a, b], 0.5, std);
    const raw = 1 - 1 + 0.4683868439022782 - 0.11;
    close(c.raw, raw);
    assert.deepEqual([c.windows, c.tpWindows, c.fp], [3, 2, 1]);
    close(c.perFile[0]!, 0);
    close(c.perFile[1]!, 0.4683868439022782 - 0.11);
    // standard: null = −3, perfect = 3: 100 × (0.35838684390 + 3) / 6 = 55.97311406504.
    close(c.normalised, (100 * (raw + 3)) / 6);
    close(c.normalised, 55.97311406503797);
    // reward_low_FN_rate: the miss costs 2, null = −6, perfect = 3: 100 × (raw' + 6) / 9.
    const fn = scoreCorpus([a, b], 0.5, NAB_PROFILES.reward_low_FN_rate);
    close(fn.normalised, (100 * (1 - 2 + 0.4683868439022782 - 0.11 + 6)) / 9);
    // Detecting nothing scores 0, every window at its left edge with no false alarm 100.
    assert.equal(scoreCorpus([a, b], 2, std).normalised, 0);
    assert.equal(scoreCorpus([file(60, [[10, 14], [30, 34]], [10, 30]), file(ROWS, WIN, [8])], 0.5, std).normalised, 100);
    assert.equal(normalisedScore(0, 0, std), NaN);
  });

  it("counts a file without windows, whose detections are all false positives", () => {
    const quiet = file(100, [], [50, 60]);
    const c = scoreCorpus([file(ROWS, WIN, [8]), quiet], 0.5, std);
    close(c.raw, 1 - 0.22);
    assert.equal(c.fp, 2);
  });
});

describe("NAB threshold sweep", () => {
  /** The best threshold by trying "detect nothing" and every distinct score, highest first. */
  function bruteForce(files: NabFile[], profile: NabProfile): { threshold: number; raw: number } {
    const distinct = [...new Set(files.flatMap((f) => Array.from(f.scores)))].sort((x, y) => y - x);
    let best = { threshold: Infinity, raw: scoreCorpus(files, Infinity, profile).raw };
    for (const t of distinct) {
      const raw = scoreCorpus(files, t, profile).raw;
      if (raw > best.raw) best = { threshold: t, raw };
    }
    return best;
  }

  function randomCorpus(r: () => number): NabFile[] {
    const files: NabFile[] = [];
    const count = 1 + Math.floor(r() * 3);
    for (let f = 0; f < count; f++) {
      const rows = 10 + Math.floor(r() * 60);
      const windows: [number, number][] = [];
      for (let at = Math.floor(r() * 10); at < rows - 2 && r() < 0.7; ) {
        const end = Math.min(rows - 1, at + 1 + Math.floor(r() * 8));
        windows.push([at, end]);
        at = end + 1 + Math.floor(r() * 15);
      }
      // Few distinct values, so that ties between rows are common.
      const scores = Array.from({ length: rows }, () => Math.round(r() * r() * 10) / 10);
      files.push({ rows, windows, scores });
    }
    return files;
  }

  it("finds the threshold a brute-force loop over every distinct score finds (300 random corpora, every profile)", () => {
    const r = rng(20240417);
    for (let c = 0; c < 300; c++) {
      const files = randomCorpus(r);
      for (const [name, profile] of Object.entries(NAB_PROFILES)) {
        const want = bruteForce(files, profile);
        const got = sweepCorpus(files, profile);
        const what = `corpus ${c} ${name}: ${JSON.stringify(files.map((f) => ({ rows: f.rows, windows: f.windows, scores: f.scores })))}`;
        assert.equal(got.threshold, want.threshold, what);
        close(got.raw, want.raw, what);
        close(got.normalised, scoreCorpus(files, got.threshold, profile).normalised, what);
      }
    }
  });

  it("detects nothing when every detection costs more than it earns", () => {
    // Only false alarms score high; the window's rows score 0.2 and are caught only at a
    // threshold that also takes in 40 far false alarms (40 × −0.11 = −4.4 < +1 − (−1)).
    const scores = new Float64Array(300);
    for (let i = 100; i < 140; i++) scores[i] = 0.9;
    for (let i = 200; i < 210; i++) scores[i] = 0.2;
    const s = sweepCorpus([{ rows: 300, windows: [[200, 209]], scores }], std);
    assert.equal(s.threshold, Infinity);
    assert.equal(s.normalised, 0);
    // A lone early detection in the window is worth taking.
    scores[200] = 0.95;
    const t = sweepCorpus([{ rows: 300, windows: [[200, 209]], scores }], std);
    assert.equal(t.threshold, 0.95);
    assert.equal(t.normalised, 100);
  });
});
