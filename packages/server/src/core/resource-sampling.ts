/**
 * The collector's arithmetic (docs/resources.md): what the Linux `/proc` files and `nvidia-smi` say,
 * parsed from their text, and the shares computed from two readings (a CPU share is time used over
 * time elapsed, so it needs a reading before and after). Pure: the collector reads the files.
 */

/** The host's CPU time counters from the `cpu` line of `/proc/stat` (clock ticks), and its CPU count. */
export interface HostCpuTimes {
  /** Every tick counted: user, nice, system, idle, iowait, irq, softirq, steal (guest time is inside user). */
  total: number;
  /** Ticks spent idle or waiting for I/O. */
  idle: number;
  /** `cpuN` lines: logical CPUs. */
  cpus: number;
}

/** Parses `/proc/stat`; null when it has no `cpu` line. */
export function parseProcStat(text: string): HostCpuTimes | null {
  let times: number[] | null = null;
  let cpus = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("cpu ")) times = line.slice(4).trim().split(/\s+/).map(Number);
    else if (/^cpu\d/.test(line)) cpus++;
  }
  if (!times || times.length < 4 || times.some((t) => !Number.isFinite(t))) return null;
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const counted = times.slice(0, 8);
  const total = counted.reduce((s, t) => s + t, 0);
  return { total, idle: times[3]! + (times[4] ?? 0), cpus: Math.max(1, cpus) };
}

/** Memory of the host from `/proc/meminfo`, in MB. */
export interface HostMemory {
  totalMb: number;
  /** What can be given to new work without swapping (MemAvailable). */
  availableMb: number;
}

/** Parses `/proc/meminfo` (kB figures); MemAvailable, or on kernels without it MemFree + Buffers + Cached. */
export function parseMeminfo(text: string): HostMemory | null {
  const kb = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = kb.get("MemTotal");
  if (total === undefined || total <= 0) return null;
  const available = kb.get("MemAvailable") ?? (kb.get("MemFree") ?? 0) + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0);
  return { totalMb: total / 1024, availableMb: Math.min(total, available) / 1024 };
}

/** Parses `/proc/loadavg` into the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): [number, number, number] | null {
  const parts = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return parts.length === 3 && parts.every(Number.isFinite) ? (parts as [number, number, number]) : null;
}

/** Share of the host's CPU time that was busy between two readings, in percent; null when no tick passed. */
export function hostBusyPercent(before: HostCpuTimes, after: HostCpuTimes): number | null {
  const total = after.total - before.total;
  if (!(total > 0)) return null;
  const idle = Math.max(0, after.idle - before.idle);
  return clampPercent(100 * (1 - idle / total));
}

/**
 * A process's share of the host's CPU between two readings, in percent of all its CPUs: CPU time it
 * used over the wall time elapsed times the CPU count. Null when no time elapsed.
 */
export function processCpuPercent(cpuUsedMs: number, wallMs: number, cpus: number): number | null {
  if (!(wallMs > 0) || !(cpus > 0)) return null;
  return clampPercent((100 * Math.max(0, cpuUsedMs)) / (wallMs * cpus));
}

/** Vigil's own share of the host: CPU, memory, and the larger of the two (seed 002 wants it under 5%). */
export interface Overhead {
  cpu_percent: number | null;
  memory_percent: number | null;
  /** The larger of the two shares: the resource Vigil takes most of. */
  percent: number | null;
}

/** Vigil's overhead from its CPU share and its resident memory against the host's total memory. */
export function overheadOf(cpuPercent: number | null, rssMb: number, hostTotalMb: number | null): Overhead {
  const memory = hostTotalMb && hostTotalMb > 0 ? clampPercent((100 * rssMb) / hostTotalMb) : null;
  const shares = [cpuPercent, memory].filter((x): x is number => x !== null);
  return { cpu_percent: cpuPercent, memory_percent: memory, percent: shares.length ? Math.max(...shares) : null };
}

/** One GPU as `nvidia-smi` reports it. */
export interface GpuReading {
  /** Position in nvidia-smi's list (0, 1, ...). */
  index: number;
  utilizationPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
}

/** The query the collector runs: `nvidia-smi` prints one CSV line per GPU with these three fields. */
export const NVIDIA_SMI_ARGS: readonly string[] = Object.freeze(["--query-gpu=utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"]);

/** Parses `nvidia-smi`'s answer to NVIDIA_SMI_ARGS; a field it cannot read (`[N/A]`) is null, a malformed line skipped. */
export function parseNvidiaSmi(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== 3) continue;
    const [util, used, total] = cells.map((c) => (/^-?\d+(\.\d+)?$/.test(c) ? Number(c) : null));
    out.push({ index: out.length, utilizationPercent: util ?? null, memoryUsedMb: used ?? null, memoryTotalMb: total ?? null });
  }
  return out;
}

/** Disk of the filesystem holding a path, in MB (from statfs: blocks, free blocks, blocks available to users). */
export interface DiskUsage {
  usedMb: number;
  /** Space an ordinary user may still write (what `df` calls Avail). */
  freeMb: number;
  /** Used over used plus available, as `df` computes Use%. */
  usedPercent: number | null;
}

/** Disk usage from statfs figures. */
export function diskUsage(s: { bsize: number; blocks: number; bfree: number; bavail: number }): DiskUsage {
  const used = Math.max(0, s.blocks - s.bfree) * s.bsize;
  const free = Math.max(0, s.bavail) * s.bsize;
  const mb = (b: number) => b / 1048576;
  return { usedMb: mb(used), freeMb: mb(free), usedPercent: used + free > 0 ? clampPercent((100 * used) / (used + free)) : null };
}

const clampPercent = (p: number) => Math.min(100, Math.max(0, p));
