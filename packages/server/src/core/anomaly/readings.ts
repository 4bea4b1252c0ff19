/**
 * The latest readings of one anomaly-watched series, step by step: what its detector was fed, what
 * it expected with its band, the score and whether the rule's condition held. A ring of at most
 * `capacity` steps in typed arrays (the step's index and four figures in 32-bit floats, 25 bytes a
 * step), grown by doubling so that a series with a short history stays small. Pure and synchronous.
 */

/** One step as read back. */
export interface Reading {
  /** Start of the step (epoch ms). */
  at: number;
  value: number;
  /** Null while the detector learns. */
  expected: number | null;
  lower: number | null;
  upper: number | null;
  score: number | null;
  anomalous: boolean;
}

/** Steps kept per series by default: a day at the default 5-minute step. */
export const READINGS_KEPT = 288;

const FIRST_SIZE = 16;

/** The ring of a series' latest readings. */
export class Readings {
  private steps: Uint32Array;
  /** value, expected, lower, upper, score per step (NaN for null). */
  private figures: Float32Array;
  private flags: Uint8Array;
  private start = 0;
  private count = 0;

  constructor(
    /** Length of a step in ms (steps are kept as their index: start / step). */
    private readonly stepMs: number,
    readonly capacity = READINGS_KEPT,
  ) {
    const size = Math.min(FIRST_SIZE, capacity);
    this.steps = new Uint32Array(size);
    this.figures = new Float32Array(size * 5);
    this.flags = new Uint8Array(size);
  }

  /** Steps held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of typed arrays held. */
  bytes(): number {
    return this.steps.byteLength + this.figures.byteLength + this.flags.byteLength;
  }

  /** Adds the reading of a step later than every step held; the oldest goes once `capacity` are held. */
  push(r: Reading): void {
    if (this.count === this.steps.length && this.count < this.capacity) this.grow();
    const len = this.steps.length;
    const i = (this.start + this.count) % len;
    if (this.count === len) this.start = (this.start + 1) % len;
    else this.count++;
    this.steps[i] = Math.round(r.at / this.stepMs);
    const f = i * 5;
    this.figures[f] = r.value;
    this.figures[f + 1] = r.expected ?? Number.NaN;
    this.figures[f + 2] = r.lower ?? Number.NaN;
    this.figures[f + 3] = r.upper ?? Number.NaN;
    this.figures[f + 4] = r.score ?? Number.NaN;
    this.flags[i] = r.anomalous ? 1 : 0;
  }

  /** The readings of steps starting in [from, to), oldest first. */
  between(from: number, to: number): Reading[] {
    const out: Reading[] = [];
    const len = this.steps.length;
    for (let k = 0; k < this.count; k++) {
      const i = (this.start + k) % len;
      const at = this.steps[i]! * this.stepMs;
      if (at < from || at >= to) continue;
      const f = i * 5;
      out.push({ at, value: this.figures[f]!, expected: orNull(this.figures[f + 1]!), lower: orNull(this.figures[f + 2]!), upper: orNull(this.figures[f + 3]!), score: orNull(this.figures[f + 4]!), anomalous: this.flags[i] === 1 });
    }
    return out;
  }

  /** Doubles the arrays (up to `capacity`), laying the ring out from its oldest step. */
  private grow(): void {
    const size = Math.min(this.capacity, this.steps.length * 2);
    const steps = new Uint32Array(size);
    const figures = new Float32Array(size * 5);
    const flags = new Uint8Array(size);
    const len = this.steps.length;
    for (let k = 0; k < this.count; k++) {
      const i = (this.start + k) % len;
      steps[k] = this.steps[i]!;
      figures.set(this.figures.subarray(i * 5, i * 5 + 5), k * 5);
      flags[k] = this.flags[i]!;
    }
    this.steps = steps;
    this.figures = figures;
    this.flags = flags;
    this.start = 0;
  }
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
