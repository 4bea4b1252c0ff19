/**
 * One sample of the collector (docs/resources.md) and the `metric` events it is recorded as: the
 * same wire events an application sends, so the figures show, chart and alert like any reported
 * metric, and Vigil's own `memory_mb` and `cpu_percent` meet the limits of its component.
 */
import type { DiskUsage, GpuReading, Overhead } from "./resource-sampling.js";

/** What one sample read. A figure the host could not give is null and is not recorded. */
export interface ResourceSample {
  /** Epoch ms of the reading. */
  at: number;
  /** Vigil's own process. */
  process: {
    /** Share of the host's CPU since the previous sample, percent of all CPUs. */
    cpu_percent: number | null;
    /** Resident memory (RSS), MB. */
    memory_mb: number;
    heap_used_mb: number;
    /** Mean event-loop delay since the previous sample, ms. */
    event_loop_lag_ms: number | null;
  };
  host: {
    cpu_percent: number | null;
    memory_used_mb: number | null;
    memory_available_mb: number | null;
    memory_used_percent: number | null;
    load1: number | null;
    load5: number | null;
    load15: number | null;
  };
  /** The filesystem holding the data directory, or null (no data directory, or no statfs). */
  disk: DiskUsage | null;
  gpus: readonly GpuReading[];
  overhead: Overhead;
}

/** A metric the collector records: its name, unit and where in a sample it is read. */
interface Figure {
  name: string;
  unit: string;
  read(s: ResourceSample): number | null;
}

/** Every figure of a sample but the GPUs', in the order they are recorded. */
export const SAMPLE_FIGURES: readonly Figure[] = Object.freeze([
  { name: "cpu_percent", unit: "percent", read: (s) => s.process.cpu_percent },
  { name: "memory_mb", unit: "MB", read: (s) => s.process.memory_mb },
  { name: "heap_used_mb", unit: "MB", read: (s) => s.process.heap_used_mb },
  { name: "event_loop_lag_ms", unit: "ms", read: (s) => s.process.event_loop_lag_ms },
  { name: "memory_percent", unit: "percent", read: (s) => s.overhead.memory_percent },
  { name: "monitoring_overhead_percent", unit: "percent", read: (s) => s.overhead.percent },
  { name: "host_cpu_percent", unit: "percent", read: (s) => s.host.cpu_percent },
  { name: "host_memory_used_mb", unit: "MB", read: (s) => s.host.memory_used_mb },
  { name: "host_memory_available_mb", unit: "MB", read: (s) => s.host.memory_available_mb },
  { name: "host_memory_used_percent", unit: "percent", read: (s) => s.host.memory_used_percent },
  { name: "host_load1", unit: "load", read: (s) => s.host.load1 },
  { name: "host_load5", unit: "load", read: (s) => s.host.load5 },
  { name: "host_load15", unit: "load", read: (s) => s.host.load15 },
  { name: "disk_used_mb", unit: "MB", read: (s) => s.disk?.usedMb ?? null },
  { name: "disk_free_mb", unit: "MB", read: (s) => s.disk?.freeMb ?? null },
  { name: "disk_used_percent", unit: "percent", read: (s) => s.disk?.usedPercent ?? null },
]);

/** Category of the collector's events (seed 002's metric category for the system's own health). */
export const COLLECTOR_CATEGORY = "system_health";

/** The sample as `metric` events (wire form) of `component`, each carrying `labels`; GPUs add a `gpu` label. */
export function sampleEvents(s: ResourceSample, component: string, labels: Readonly<Record<string, string>>): { type: "metric"; timestamp: number; body: Record<string, unknown> }[] {
  const out: { type: "metric"; timestamp: number; body: Record<string, unknown> }[] = [];
  const add = (name: string, value: number | null, unit: string, extra: Record<string, string> = {}) => {
    if (value === null || !Number.isFinite(value)) return;
    out.push({ type: "metric", timestamp: s.at, body: { name, value: round(value), unit, category: COLLECTOR_CATEGORY, component, labels: { ...labels, ...extra } } });
  };
  for (const f of SAMPLE_FIGURES) add(f.name, f.read(s), f.unit);
  for (const g of s.gpus) {
    const gpu = { gpu: String(g.index) };
    add("gpu_utilization_percent", g.utilizationPercent, "percent", gpu);
    add("gpu_memory_used_mb", g.memoryUsedMb, "MB", gpu);
    add("gpu_memory_total_mb", g.memoryTotalMb, "MB", gpu);
  }
  return out;
}

/** Four decimals: enough for a percent of a share, short on the wire. */
const round = (v: number) => Math.round(v * 10_000) / 10_000;
