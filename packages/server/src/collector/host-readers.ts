/**
 * Reads what the collector samples from the machine: the Linux `/proc` files (host CPU, memory, load)
 * parsed by core/resource-sampling.ts, with Node's `os` module where there is no `/proc` (macOS), and
 * statfs of the data directory's filesystem. Every read is asynchronous and small (a few hundred bytes).
 */
import { readFile, statfs } from "node:fs/promises";
import { cpus, loadavg, freemem, totalmem } from "node:os";
import { diskUsage, parseLoadavg, parseMeminfo, parseProcStat, type DiskUsage, type HostCpuTimes, type HostMemory } from "../core/resource-sampling.js";

/** Where the host's figures are read from; tests point it at files of their own. */
export interface HostPaths {
  stat: string;
  meminfo: string;
  loadavg: string;
}

/** The Linux files. */
export const PROC: Readonly<HostPaths> = Object.freeze({ stat: "/proc/stat", meminfo: "/proc/meminfo", loadavg: "/proc/loadavg" });

const text = (path: string) => readFile(path, "utf8").catch(() => null);

/** The host's CPU counters, from /proc/stat or else from os.cpus() (milliseconds instead of ticks: shares come out the same). */
export async function readHostCpu(paths: HostPaths = PROC): Promise<HostCpuTimes | null> {
  const t = await text(paths.stat);
  const parsed = t === null ? null : parseProcStat(t);
  if (parsed) return parsed;
  const list = cpus();
  if (!list.length) return null;
  let total = 0;
  let idle = 0;
  for (const c of list) {
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
    idle += c.times.idle;
  }
  return { total, idle, cpus: list.length };
}

/** The host's memory, from /proc/meminfo or else from os.totalmem() / os.freemem(). */
export async function readHostMemory(paths: HostPaths = PROC): Promise<HostMemory | null> {
  const t = await text(paths.meminfo);
  const parsed = t === null ? null : parseMeminfo(t);
  if (parsed) return parsed;
  const total = totalmem();
  return total > 0 ? { totalMb: total / 1048576, availableMb: freemem() / 1048576 } : null;
}

/** The 1, 5 and 15 minute load averages, from /proc/loadavg or else os.loadavg(). */
export async function readLoad(paths: HostPaths = PROC): Promise<[number, number, number] | null> {
  const t = await text(paths.loadavg);
  const parsed = t === null ? null : parseLoadavg(t);
  if (parsed) return parsed;
  const l = loadavg();
  return l.length === 3 ? [l[0]!, l[1]!, l[2]!] : null;
}

/** Usage of the filesystem holding `path`, or null when the path does not exist (e.g. no data directory with PostgreSQL). */
export async function readDisk(path: string | null): Promise<DiskUsage | null> {
  if (path === null) return null;
  try {
    return diskUsage(await statfs(path));
  } catch {
    return null;
  }
}
