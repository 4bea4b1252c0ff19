/**
 * The anomaly detector's cost (docs/anomaly.md): `BENCH_ANOMALY_SERIES` [10,000] series, each with
 * its own detector, warmed with `BENCH_ANOMALY_WARM` [2,016] points (a week of five-minute points:
 * past the warm-up, both seasonal profiles filled), then `BENCH_ANOMALY_CYCLES` [30] cycles in which
 * every series gets one new point — what an evaluation cycle of anomaly rules over 10,000 series
 * does. Reports ms per cycle (median, p95), µs per point, and bytes per series (heap and typed arrays, after GC).
 * Peer, same run: NAB's Windowed Gaussian (bench/src/anomaly-peers.ts) on `BENCH_ANOMALY_PEER_SERIES`
 * [100] series warmed past its 6,400-value window, per point and per series (its window is the
 * state). Run by name: `node --expose-gc bench/dist/run-all.js anomaly-cost`.
 */
import { createDetector } from "../../packages/server/dist/core/anomaly/detector.js";
import type { StreamingDetector } from "../../packages/server/dist/core/anomaly/types.js";
import { WindowedGaussian } from "./anomaly-peers.js";
import { emit, envInt, human, log, printTable, quantile, rng, round } from "./common.js";

const STEP_MS = 5 * 60_000;
const T0 = Date.UTC(2026, 10, 2);

/** A series' value at point `i`: a daily cycle of its own amplitude and phase, noise, and rare spikes. */
function seriesValue(k: number, i: number, noise: () => number): number {
  const amp = (k % 7) * 5;
  const base = 100 + (k % 13) * 10;
  const spike = noise() < 0.001 ? 50 : 0;
  return base + amp * Math.sin((2 * Math.PI * ((i + k) % 288)) / 288) + 3 * (noise() - 0.5) + spike;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
/** Heap plus array buffers (typed arrays keep their contents outside the heap). */
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export async function anomalyCost(): Promise<void> {
  const series = envInt("BENCH_ANOMALY_SERIES", 10_000);
  const warm = envInt("BENCH_ANOMALY_WARM", 2016);
  const cycles = envInt("BENCH_ANOMALY_CYCLES", 30);
  const peerSeries = envInt("BENCH_ANOMALY_PEER_SERIES", 100);
  if (!(globalThis as { gc?: unknown }).gc) log("anomaly-cost: run node with --expose-gc for the bytes per series");
  const noise = rng(7);

  gc();
  const heap0 = used();
  const detectors: StreamingDetector[] = Array.from({ length: series }, () => createDetector());
  log(`anomaly-cost: warming ${human(series)} detectors with ${warm} points each`);
  const w0 = performance.now();
  for (let i = 0; i < warm; i++) for (let k = 0; k < series; k++) detectors[k]!.update(T0 + i * STEP_MS, seriesValue(k, i, noise));
  const warmMs = performance.now() - w0;
  gc();
  const bytesPerSeries = (used() - heap0) / series;

  const ms: number[] = [];
  let flagged = 0;
  for (let c = 0; c < cycles; c++) {
    const i = warm + c;
    const t0 = performance.now();
    for (let k = 0; k < series; k++) if (detectors[k]!.update(T0 + i * STEP_MS, seriesValue(k, i, noise)).score >= 0.5) flagged++;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = quantile(ms, 0.5);

  // The peer: Windowed Gaussian, warmed past its window, on fewer series (its window is 6,400 values).
  log(`anomaly-cost: warming ${peerSeries} Windowed Gaussian peers with ${WindowedGaussian.WINDOW + 200} points each`);
  gc();
  const peerHeap0 = used();
  const peers = Array.from({ length: peerSeries }, () => new WindowedGaussian());
  for (let i = 0; i < WindowedGaussian.WINDOW + 200; i++) for (let k = 0; k < peerSeries; k++) peers[k]!.update(seriesValue(k, i, noise));
  gc();
  const peerBytes = (used() - peerHeap0) / peerSeries;
  const peerPoints = peerSeries * WindowedGaussian.STEP * 10;
  const p0 = performance.now();
  for (let i = 0; i < WindowedGaussian.STEP * 10; i++) for (let k = 0; k < peerSeries; k++) peers[k]!.update(seriesValue(k, i, noise));
  const peerUs = ((performance.now() - p0) * 1000) / peerPoints;
  const oursUs = (median * 1000) / series;

  printTable(`anomaly-cost — ${human(series)} series, one point each per cycle, ${cycles} cycles after ${warm} warm-up points (${round(warmMs / 1000, 1)} s)`, [
    { figure: `ms per cycle of ${human(series)} series, median`, ours: `${round(median, 2)} ms`, peer: `${round((peerUs * series) / 1000, 2)} ms (from µs per point)`, ratio: `${round(oursUs / peerUs, 2)}×`, goal: "< 50 ms", met: median < 50 },
    { figure: "ms per cycle, p95", ours: `${round(quantile(ms, 0.95), 2)} ms`, peer: "", ratio: "", goal: "(context)" },
    { figure: "µs per point", ours: `${round(oursUs, 3)} µs`, peer: `${round(peerUs, 3)} µs`, ratio: `${round(oursUs / peerUs, 2)}×`, goal: "(context)" },
    { figure: "bytes per series (heap + typed arrays, after GC)", ours: `${human(Math.round(bytesPerSeries))} B`, peer: `${human(Math.round(peerBytes))} B`, ratio: `${round(bytesPerSeries / peerBytes, 3)}×`, goal: "(context)" },
    { figure: "points flagged in the measured cycles", ours: String(flagged), peer: "", ratio: "", goal: "(context)" },
  ]);
  emit("anomaly-cost", { series, warm, cycles, median_ms: round(median, 3), p95_ms: round(quantile(ms, 0.95), 3), us_per_point: round(oursUs, 4), bytes_per_series: Math.round(bytesPerSeries), peer: "windowed-gaussian", peer_us_per_point: round(peerUs, 4), peer_bytes_per_series: Math.round(peerBytes), goal_ms: 50 });
}
