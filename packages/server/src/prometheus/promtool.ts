/**
 * Runs Prometheus' `promtool` (Debian package `prometheus`) on files Vigil writes: the agreement
 * tests of the alert evaluator, the rules export and the `/metrics` exposition use it to have
 * Prometheus itself judge Vigil's output rather than a copy of its rules.
 */
import { spawnSync } from "node:child_process";

/** The outcome of one promtool invocation. */
export interface PromtoolResult {
  /** Exit code (0: success). */
  status: number;
  stdout: string;
  stderr: string;
}

/** promtool's version line, or null when the binary cannot be run. */
export function promtoolVersion(bin: string): string | null {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.split("\n")[0]!.trim();
}

/**
 * Runs `bin args...` in `cwd`, feeding `input` on stdin. Throws when the binary is missing, so a
 * test that reached it fails loudly instead of passing on an empty result.
 */
export function runPromtool(bin: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): PromtoolResult {
  const r = spawnSync(bin, args, { cwd: opts.cwd, input: opts.input, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`cannot run ${bin} (install the Debian package "prometheus", or point VIGIL_PROMTOOL at promtool): ${r.error.message}`, { cause: r.error });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Whether tests needing promtool should be skipped: never in CI (a missing promtool must fail
 * there), otherwise when the binary cannot be run, with the reason as the skip message.
 */
export function promtoolSkip(bin: string, ci: boolean): string | false {
  if (ci || promtoolVersion(bin) !== null) return false;
  return `${bin} is not installed (apt-get install prometheus); set CI=true to make this a failure`;
}
