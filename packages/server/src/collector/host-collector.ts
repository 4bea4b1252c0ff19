/**
 * The built-in collector (docs/resources.md): every interval it samples Vigil's own process (CPU
 * share of the host, resident and heap memory, event-loop lag), the host (CPU busy, memory, load),
 * the data directory's disk and, where nvidia-smi exists, the GPUs, and records the sample as
 * `metric` events through the ordinary ingest path. It keeps Vigil's overhead (its share of the
 * host's CPU and memory) for `GET /api/v1/health/detailed` and `/metrics`. A periodic job of the
 * server's lifecycle runs it; every read is asynchronous, so a sample never holds the serving thread.
 */
import { performance } from "node:perf_hooks";
import type { CollectorSettings } from "../config/resource-limits.js";
import { sampleEvents, type ResourceSample } from "../core/resource-events.js";
import { hostBusyPercent, overheadOf, processCpuPercent, type HostCpuTimes, type Overhead } from "../core/resource-sampling.js";
import { GpuReader, type GpuState } from "./gpu-reader.js";
import { PROC, readDisk, readHostCpu, readHostMemory, readLoad, type HostPaths } from "./host-readers.js";

/** What the collector needs. */
export interface CollectorDeps {
  settings: CollectorSettings;
  /** Records the sample's events (the ingest service, as if an application had sent them); resolves how many were refused. */
  record(events: unknown[]): Promise<{ rejected: number; firstError: string | null }>;
  /** The data directory whose filesystem is sampled, or null. */
  dataDir: string | null;
  /** Labels every event carries (e.g. which instance sampled). */
  labels: Record<string, string>;
  now(): number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Where host figures are read (tests); default the Linux /proc files. */
  paths?: HostPaths;
  /** The nvidia-smi program (tests); default `nvidia-smi` found on PATH. */
  gpuCommand?: string;
}

/** The collector as `GET /api/v1/health/detailed` shows it. */
export interface CollectorStatus {
  enabled: boolean;
  interval_s: number;
  component: string;
  /** Samples recorded since start. */
  samples: number;
  last_sample_at: string | null;
  /** GPUs: present, absent (no nvidia-smi on PATH), failing, off, or unknown before the first sample. */
  gpu: GpuState;
  gpus: number;
  /** Vigil's share of the host at the last sample (before the first, since the process started). */
  overhead: Overhead | null;
  /** CPU the last sample took, ms (process CPU time from its start to its end). */
  last_sample_cpu_ms: number | null;
}

/** The status of a collector turned off (`collector.enabled: false`). */
export function disabledCollectorStatus(s: CollectorSettings): CollectorStatus {
  return { enabled: false, interval_s: s.intervalMs / 1000, component: s.component, samples: 0, last_sample_at: null, gpu: "off", gpus: 0, overhead: null, last_sample_cpu_ms: null };
}

/** A reading kept until the next one: the CPU share is the time used between two. */
interface Reading {
  wallMs: number;
  processCpuMs: number;
  host: HostCpuTimes | null;
}

/** Samples the process and the host, and records what it read. */
export class HostCollector {
  private previous: Reading | null = null;
  private samples = 0;
  private lastAt: number | null = null;
  private lastOverhead: Overhead | null = null;
  private lastCpuMs: number | null = null;
  private lastGpus = 0;
  private rejectedLogged = false;
  private readonly gpu: GpuReader;
  private readonly paths: HostPaths;

  constructor(private readonly deps: CollectorDeps) {
    this.paths = deps.paths ?? PROC;
    this.gpu = new GpuReader(deps.settings.gpu !== "off", (state, detail) => {
      if (state === "absent") deps.log.info({ detail }, "collector: nvidia-smi is not on PATH; GPUs are not sampled");
      else if (state === "failing") deps.log.warn({ detail }, "collector: nvidia-smi failed; GPUs are skipped until it answers");
      else if (state === "present") deps.log.info({ detail }, "collector: sampling GPUs through nvidia-smi");
    }, deps.gpuCommand);
  }

  /**
   * Takes the first reading, which the first sample's CPU shares are measured from; until that
   * sample, the overhead is the process's share since it started.
   */
  async prime(): Promise<void> {
    const [first, memory] = await Promise.all([this.reading(), readHostMemory(this.paths)]);
    this.previous = first;
    // performance.now() counts from the process's start, as process.cpuUsage() does.
    const cpu = processCpuPercent(first.processCpuMs, first.wallMs, first.host?.cpus ?? 1);
    this.lastOverhead = overheadOf(cpu, process.memoryUsage.rss() / 1048576, memory?.totalMb ?? null);
  }

  /** Samples once and records the sample's events; resolves the sample (null before a first reading, which it then takes). */
  async sample(): Promise<ResourceSample | null> {
    const cpuStart = process.cpuUsage();
    const s = await this.read();
    if (s === null) return null;
    const events = sampleEvents(s, this.deps.settings.component, this.deps.labels);
    const r = await this.deps.record(events);
    if (r.rejected && !this.rejectedLogged) {
      this.rejectedLogged = true;
      this.deps.log.warn({ rejected: r.rejected, error: r.firstError }, "collector: some sample events were refused");
    }
    this.samples++;
    this.lastAt = s.at;
    this.lastOverhead = s.overhead;
    this.lastGpus = s.gpus.length;
    const used = process.cpuUsage(cpuStart);
    this.lastCpuMs = (used.user + used.system) / 1000;
    return s;
  }

  /** Reads a sample without recording it (the CPU shares are over the time since the previous reading). */
  async read(): Promise<ResourceSample | null> {
    const lagStart = performance.now();
    // How long the event loop takes to come back to us: the lag every other callback waits now.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const lag = performance.now() - lagStart;
    const before = this.previous;
    const [now, memory, load, disk, gpus] = await Promise.all([this.reading(), readHostMemory(this.paths), readLoad(this.paths), readDisk(this.deps.dataDir), this.gpu.read()]);
    this.previous = now;
    if (before === null) return null;
    const wall = now.wallMs - before.wallMs;
    const cpus = now.host?.cpus ?? 1;
    const cpu = processCpuPercent(now.processCpuMs - before.processCpuMs, wall, cpus);
    const mem = process.memoryUsage();
    const rssMb = mem.rss / 1048576;
    return {
      at: this.deps.now(),
      process: { cpu_percent: cpu, memory_mb: rssMb, heap_used_mb: mem.heapUsed / 1048576, event_loop_lag_ms: lag },
      host: {
        cpu_percent: before.host && now.host ? hostBusyPercent(before.host, now.host) : null,
        memory_used_mb: memory ? memory.totalMb - memory.availableMb : null,
        memory_available_mb: memory?.availableMb ?? null,
        memory_used_percent: memory ? (100 * (memory.totalMb - memory.availableMb)) / memory.totalMb : null,
        load1: load?.[0] ?? null,
        load5: load?.[1] ?? null,
        load15: load?.[2] ?? null,
      },
      disk,
      gpus,
      overhead: overheadOf(cpu, rssMb, memory?.totalMb ?? null),
    };
  }

  private async reading(): Promise<Reading> {
    const host = await readHostCpu(this.paths);
    // Read together after the host counters so both cover the same span.
    const u = process.cpuUsage();
    return { wallMs: performance.now(), processCpuMs: (u.user + u.system) / 1000, host };
  }

  /** What the collector has done, for the detailed health report. */
  status(): CollectorStatus {
    const s = this.deps.settings;
    return {
      enabled: s.enabled,
      interval_s: s.intervalMs / 1000,
      component: s.component,
      samples: this.samples,
      last_sample_at: this.lastAt === null ? null : new Date(this.lastAt).toISOString(),
      gpu: this.gpu.status(),
      gpus: this.lastGpus,
      overhead: this.lastOverhead,
      last_sample_cpu_ms: this.lastCpuMs,
    };
  }
}
