/**
 * The collector against the real machine: its figures for Vigil's own process agree with what the
 * kernel says in /proc, and GPUs are read through nvidia-smi when it is on PATH (a stand-in script
 * speaking nvidia-smi's documented CSV, since this machine has no GPU) and skipped quietly when not.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_COLLECTOR } from "../config/resource-limits.js";
import { HostCollector } from "./host-collector.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-collector-"));
after(() => rmSync(dir, { recursive: true, force: true }));

type Log = { info(o: object, m: string): void; warn(o: object, m: string): void };
const quiet: Log = { info: () => undefined, warn: () => undefined };

function collector(recorded: unknown[][] = [], log: Log = quiet) {
  return new HostCollector({
    settings: { ...DEFAULT_COLLECTOR },
    record: async (events) => {
      recorded.push(events);
      return { rejected: 0, firstError: null };
    },
    dataDir: dir,
    labels: { instance: "test" },
    now: Date.now,
    log,
  });
}

/** utime + stime of this process from /proc/self/stat, in ms. */
function procCpuMs(tick: number): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / tick;
}

const vmRssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
const within = (actual: number, expected: number, share: number) => Math.abs(actual - expected) <= share * Math.abs(expected);

describe("the collector on this machine", () => {
  it("reports this process's resident memory and CPU share as /proc does, within 5%", async () => {
    const tick = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    const cpus = (readFileSync("/proc/stat", "utf8").match(/^cpu\d+ /gm) ?? []).length;
    const c = collector();
    const wall0 = performance.now();
    const cpu0 = procCpuMs(tick);
    await c.prime();
    // Burn a known second of CPU time.
    const start = process.cpuUsage();
    let x = 0;
    while (true) {
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(i);
      const u = process.cpuUsage(start);
      if (u.user + u.system >= 1_000_000) break;
    }
    assert.ok(x > 0);
    const s = (await c.read())!;
    const cpu1 = procCpuMs(tick);
    const wall1 = performance.now();
    const rss = vmRssMb();
    const kernelShare = (100 * (cpu1 - cpu0)) / ((wall1 - wall0) * cpus);
    assert.ok(s.process.cpu_percent !== null);
    assert.ok(within(s.process.cpu_percent, kernelShare, 0.05), `CPU share ${s.process.cpu_percent}% against /proc's ${kernelShare}% (${cpu1 - cpu0} ms of CPU over ${wall1 - wall0} ms on ${cpus} CPUs)`);
    assert.ok(within(s.process.memory_mb, rss, 0.05), `RSS ${s.process.memory_mb} MB against VmRSS ${rss} MB`);
    assert.ok(s.overhead.percent !== null && s.overhead.percent >= s.process.cpu_percent);
    assert.ok(s.host.cpu_percent !== null && s.host.cpu_percent >= 0 && s.host.cpu_percent <= 100);
    assert.ok(s.host.memory_available_mb! > 0 && s.host.load1! >= 0);
    assert.ok(s.disk !== null && s.disk.freeMb > 0, "the data directory's filesystem is read");
  });

  it("records each sample as metric events of its component through the given sink", async () => {
    const recorded: unknown[][] = [];
    const c = collector(recorded);
    await c.prime();
    await new Promise((r) => setTimeout(r, 50));
    await c.sample();
    assert.equal(recorded.length, 1);
    const names = (recorded[0] as { body: { name: string; component: string } }[]).map((e) => e.body.name);
    for (const n of ["cpu_percent", "memory_mb", "heap_used_mb", "event_loop_lag_ms", "monitoring_overhead_percent", "host_cpu_percent", "host_memory_used_percent", "host_load1", "disk_free_mb"]) assert.ok(names.includes(n), `${n} recorded`);
    assert.equal(c.status().samples, 1);
    assert.ok(c.status().last_sample_cpu_ms! >= 0);
  });
});

describe("GPUs", () => {
  const path = process.env.PATH;
  after(() => {
    process.env.PATH = path;
  });

  it("records each GPU nvidia-smi lists when it is on PATH", async () => {
    const bin = join(dir, "bin");
    execFileSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\n[ "$1" = "--query-gpu=utilization.gpu,memory.used,memory.total" ] && [ "$2" = "--format=csv,noheader,nounits" ] || exit 9\necho "37, 1024, 16384"\necho "[N/A], 512, 81920"\n`);
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    process.env.PATH = `${bin}:${path}`;
    const recorded: unknown[][] = [];
    const c = collector(recorded);
    await c.prime();
    await c.sample();
    const gpu = (recorded.at(-1) as { body: { name: string; value: number; labels: Record<string, string> } }[]).filter((e) => e.body.name.startsWith("gpu_")).map((e) => `${e.body.name}{gpu=${e.body.labels.gpu}}=${e.body.value}`);
    assert.deepEqual(gpu.sort(), ["gpu_memory_total_mb{gpu=0}=16384", "gpu_memory_total_mb{gpu=1}=81920", "gpu_memory_used_mb{gpu=0}=1024", "gpu_memory_used_mb{gpu=1}=512", "gpu_utilization_percent{gpu=0}=37"]);
    assert.equal(c.status().gpu, "present");
    assert.equal(c.status().gpus, 2);
  });

  it("records no GPU figure and no error without nvidia-smi, saying so once", async () => {
    const empty = join(dir, "empty");
    execFileSync("mkdir", ["-p", empty]);
    process.env.PATH = empty;
    const said: string[] = [];
    const recorded: unknown[][] = [];
    const c = collector(recorded, { info: (_o, m) => void said.push(m), warn: (_o, m) => void said.push(m) });
    await c.prime();
    await c.sample();
    await c.sample();
    process.env.PATH = path;
    assert.equal(recorded.length, 2);
    for (const batch of recorded) assert.ok(!(batch as { body: { name: string } }[]).some((e) => e.body.name.startsWith("gpu_")));
    assert.equal(c.status().gpu, "absent");
    assert.deepEqual(said, ["collector: nvidia-smi is not on PATH; GPUs are not sampled"]);
  });
});
