import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { diskUsage, hostBusyPercent, overheadOf, parseLoadavg, parseMeminfo, parseNvidiaSmi, parseProcStat, processCpuPercent } from "./resource-sampling.js";
import { sampleEvents, type ResourceSample } from "./resource-events.js";

const stat = (user: number, idle: number, iowait: number, guest = 0) => `cpu  ${user} 0 100 ${idle} ${iowait} 0 0 0 ${guest} 0\ncpu0 1 0 0 0 0 0 0 0 0 0\ncpu1 1 0 0 0 0 0 0 0 0 0\nintr 1 2 3\n`;

describe("collector arithmetic", () => {
  it("reads /proc/stat's total, idle (with iowait) and CPU count, leaving guest time inside user", () => {
    assert.deepEqual(parseProcStat(stat(1000, 5000, 200, 400)), { total: 1000 + 100 + 5000 + 200, idle: 5200, cpus: 2 });
    assert.equal(parseProcStat("intr 1\n"), null);
  });

  it("computes the host's busy share from two readings", () => {
    const a = parseProcStat(stat(1000, 5000, 0))!;
    const b = parseProcStat(stat(1300, 5700, 0))!;
    // 300 busy ticks and 700 idle ones: 30% busy.
    assert.ok(Math.abs(hostBusyPercent(a, b)! - 30) < 1e-9);
    assert.equal(hostBusyPercent(a, a), null, "no tick passed: no figure, not NaN");
  });

  it("computes a process's CPU share of all the host's CPUs", () => {
    assert.equal(processCpuPercent(500, 1000, 2), 25, "half a CPU second per second on two CPUs is a quarter of the host");
    assert.equal(processCpuPercent(500, 0, 2), null);
    assert.equal(processCpuPercent(5000, 1000, 2), 100, "clamped");
  });

  it("reads MemAvailable, or MemFree + Buffers + Cached on old kernels", () => {
    assert.deepEqual(parseMeminfo("MemTotal:  2048000 kB\nMemFree: 100 kB\nMemAvailable:  1024000 kB\n"), { totalMb: 2000, availableMb: 1000 });
    assert.deepEqual(parseMeminfo("MemTotal: 1024 kB\nMemFree: 256 kB\nBuffers: 256 kB\nCached: 0 kB\n"), { totalMb: 1, availableMb: 0.5 });
    assert.equal(parseMeminfo("nothing"), null);
  });

  it("reads the load averages", () => {
    assert.deepEqual(parseLoadavg("0.52 1.07 2.00 3/456 7890\n"), [0.52, 1.07, 2]);
    assert.equal(parseLoadavg("x"), null);
  });

  it("takes the larger of the CPU and memory shares as the overhead", () => {
    assert.deepEqual(overheadOf(1.5, 400, 8000), { cpu_percent: 1.5, memory_percent: 5, percent: 5 });
    assert.deepEqual(overheadOf(null, 400, null), { cpu_percent: null, memory_percent: null, percent: null });
  });

  it("parses nvidia-smi's CSV, one GPU per line, N/A as null", () => {
    assert.deepEqual(parseNvidiaSmi("37, 1024, 16384\n[N/A], 2, 81920\n\ngarbage\n"), [
      { index: 0, utilizationPercent: 37, memoryUsedMb: 1024, memoryTotalMb: 16384 },
      { index: 1, utilizationPercent: null, memoryUsedMb: 2, memoryTotalMb: 81920 },
    ]);
  });

  it("computes disk use as df does (reserved blocks are neither used nor free)", () => {
    const d = diskUsage({ bsize: 1048576, blocks: 100, bfree: 30, bavail: 20 });
    assert.deepEqual({ used: d.usedMb, free: d.freeMb }, { used: 70, free: 20 });
    assert.ok(Math.abs(d.usedPercent! - (100 * 70) / 90) < 1e-9);
  });

  it("records a sample as metric events, skipping figures the host could not give", () => {
    const s: ResourceSample = {
      at: 1_000,
      process: { cpu_percent: null, memory_mb: 100, heap_used_mb: 50, event_loop_lag_ms: 1.5 },
      host: { cpu_percent: 12, memory_used_mb: 1000, memory_available_mb: 3000, memory_used_percent: 25, load1: 1, load5: 2, load15: 3 },
      disk: null,
      gpus: [{ index: 0, utilizationPercent: 50, memoryUsedMb: null, memoryTotalMb: 100 }],
      overhead: { cpu_percent: null, memory_percent: 2.5, percent: 2.5 },
    };
    const evs = sampleEvents(s, "vigil", { instance: "a" });
    const names = evs.map((e) => e.body.name);
    assert.ok(!names.includes("cpu_percent") && !names.includes("disk_used_mb") && !names.includes("gpu_memory_used_mb"));
    const mem = evs.find((e) => e.body.name === "memory_mb")!;
    assert.deepEqual(mem, { type: "metric", timestamp: 1000, body: { name: "memory_mb", value: 100, unit: "MB", category: "system_health", component: "vigil", labels: { instance: "a" } } });
    assert.deepEqual(evs.find((e) => e.body.name === "gpu_utilization_percent")!.body.labels, { instance: "a", gpu: "0" });
  });
});
