/** A real Prometheus (Debian's `prometheus` package) for the whole-system suites: start, query, stop. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Prometheus binary; VIGIL_TEST_PROMETHEUS points elsewhere. */
export const PROMETHEUS_BIN = process.env.VIGIL_TEST_PROMETHEUS ?? "/usr/bin/prometheus";
/** Set when Prometheus is missing outside CI (in CI a missing Prometheus fails the suite instead). */
export const prometheusSkip: string | false =
  !existsSync(PROMETHEUS_BIN) && process.env.CI !== "true" ? `Prometheus not found at ${PROMETHEUS_BIN} (apt-get install prometheus, or set VIGIL_TEST_PROMETHEUS)` : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running Prometheus. */
export interface PrometheusProcess {
  url: string;
  /** Instant query at `time` (epoch seconds; default now): the result vector or scalar, or throws with Prometheus' error. */
  query(expr: string, time?: number): Promise<{ resultType: string; result: any }>;
  /** Every metric name Prometheus holds. */
  names(): Promise<string[]>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `target` (host:port) at `/metrics` every `interval`, with an optional bearer token. */
export async function startPrometheus(target: string, opts: { interval?: string; bearer?: string } = {}): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-prom-"));
  const interval = opts.interval ?? "1s";
  const auth = opts.bearer ? `\n    authorization:\n      type: Bearer\n      credentials: ${opts.bearer}` : "";
  writeFileSync(join(dir, "prometheus.yml"), `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\nscrape_configs:\n  - job_name: vigil\n    metrics_path: /metrics\n    scrape_timeout: ${interval}${auth}\n    static_configs:\n      - targets: ["${target}"]\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(PROMETHEUS_BIN, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-100_000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Prometheus exited during start-up:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus was not ready after 60 s:\n${out.slice(-4000)}`);
    }
    const ok = await fetch(`${url}/-/ready`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await sleep(100);
  }
  return {
    url,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr });
      if (time !== undefined) params.set("time", String(time));
      const r = await fetch(`${url}/api/v1/query`, { method: "POST", body: params });
      const body = (await r.json()) as { status: string; data?: { resultType: string; result: any }; error?: string };
      if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${body.error}`);
      return body.data!;
    },
    async names() {
      const body = (await (await fetch(`${url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
      return body.data;
    },
    output: () => out,
    stop,
  };
}
