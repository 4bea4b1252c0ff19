/**
 * GPU utilisation and memory from `nvidia-smi`, where it is on PATH (docs/resources.md, GPU). The
 * program runs as a child process with a time limit, so a hung driver cannot hold a sample; when it
 * is absent the reader says so once and stops asking.
 */
import { execFile } from "node:child_process";
import { NVIDIA_SMI_ARGS, parseNvidiaSmi, type GpuReading } from "../core/resource-sampling.js";

/** How long nvidia-smi may take before the sample goes on without GPUs. */
const TIMEOUT_MS = 5000;

/** Whether GPUs are read: not asked yet, read, absent (no nvidia-smi), failing, or turned off. */
export type GpuState = "unknown" | "present" | "absent" | "failing" | "off";

/** Reads the GPUs through nvidia-smi. */
export class GpuReader {
  private state: GpuState;

  /** `command` is the program to run (found on PATH); `onFirst` hears once that GPUs are absent or failing. */
  constructor(
    enabled: boolean,
    private readonly onChange: (state: GpuState, detail: string) => void,
    private readonly command = "nvidia-smi",
  ) {
    this.state = enabled ? "unknown" : "off";
  }

  /** What the reader knows about the GPUs. */
  status(): GpuState {
    return this.state;
  }

  /** The GPUs now; none when off, absent or failing (a failure is reported once, and retried at the next sample). */
  async read(): Promise<GpuReading[]> {
    if (this.state === "off" || this.state === "absent") return [];
    const out = await new Promise<{ ok: true; text: string } | { ok: false; missing: boolean; detail: string }>((resolve) => {
      execFile(this.command, NVIDIA_SMI_ARGS, { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout) => {
        if (!err) resolve({ ok: true, text: stdout });
        else resolve({ ok: false, missing: (err as NodeJS.ErrnoException).code === "ENOENT", detail: err.message });
      });
    });
    if (out.ok) {
      const gpus = parseNvidiaSmi(out.text);
      this.set(gpus.length ? "present" : "failing", gpus.length ? `${gpus.length} GPU(s)` : "nvidia-smi listed no GPU");
      return gpus;
    }
    this.set(out.missing ? "absent" : "failing", out.detail);
    return [];
  }

  private set(state: GpuState, detail: string): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state, detail);
  }
}
