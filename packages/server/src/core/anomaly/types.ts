/**
 * What a streaming anomaly detector gives for each point of a series: a score in 0..1 (1: surely
 * anomalous), and the value it expected with a band (null while it has not learned enough).
 */
export interface AnomalyReading {
  /** 0..1; at or above the detector's threshold the point is a detection. */
  score: number;
  /** The value expected at this point, or null while learning. */
  expected: number | null;
  /** The band of usual values at this point (null while learning). */
  lower: number | null;
  upper: number | null;
}

/** A detector fed one series point by point, in time order, never looking ahead. */
export interface StreamingDetector {
  /** Scores the point at `at` (epoch ms) with `value`, then learns from it. */
  update(at: number, value: number): AnomalyReading;
}
