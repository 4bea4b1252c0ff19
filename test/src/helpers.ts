/** Shared helpers of the whole-system suites: temp dirs, an in-process server, child-process servers. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";

/** Path of the `vigil` executable. */
export const VIGIL_BIN = fileURLToPath(new URL("../../packages/server/bin/vigil.js", import.meta.url));

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "vigil-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts an in-process server on a random loopback port with its own data dir. */
export async function inProcessServer(env: Record<string, string> = {}): Promise<RunningServer & { dir: string; stop: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  let s: RunningServer;
  try {
    s = await startServer(loadConfig({ dataDir: dir, port: 0, host: "127.0.0.1" }, env), false);
  } catch (err) {
    // A start that fails (what some tests are about) leaves no directory behind either.
    cleanup();
    throw err;
  }
  return { ...s, dir, stop: async () => { await s.close(); cleanup(); } };
}

/** A `vigil serve` child process. */
export interface ChildServer {
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr. */
  output: () => string;
}

/** Starts `vigil serve` as a child process on a random port and waits until it serves. */
export async function childServer(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildServer> {
  const proc = spawn(process.execPath, [VIGIL_BIN, "serve", "--port", "0", "--data-dir", dataDir, ...extraArgs], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*vigil is serving/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { proc, url, output: () => out };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* non-JSON answers are returned as text so tests can assert on them */
  }
  return { status: r.status, body: parsed };
}

/** GETs JSON. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { headers });
  return { status: r.status, body: await r.json() };
}

/** Seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact figures of a generated run data set, kept while generating it. */
export interface Truth {
  n: number;
  byStatus: Record<string, number>;
  input: number;
  output: number;
  /** Cost summed as integer nano-dollars, so the sum does not depend on order. */
  nanoCost: number;
  durations: number[];
}

/** An empty tally. */
export function newTruth(): Truth {
  return { n: 0, byStatus: { success: 0, failure: 0, partial: 0, timeout: 0 }, input: 0, output: 0, nanoCost: 0, durations: [] };
}
