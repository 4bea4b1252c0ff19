/**
 * The Numenta Anomaly Benchmark corpus as the `anomaly` bench reads it: every
 * `data/<category>/<file>.csv` with its labelled windows (`labels/combined_windows.json`) mapped
 * to row indices. The corpus lives at `BENCH_NAB_DIR`, by default `shared/nab` beside the checkout.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** One series of the corpus. */
export interface NabSeries {
  /** `<category>/<file>.csv`, as the labels name it. */
  name: string;
  /** The category folder, e.g. `realKnownCause`. */
  category: string;
  /** Timestamps as written in the CSV. */
  timestamps: string[];
  /** The timestamps as epoch ms (read as UTC). */
  at: Float64Array;
  /** The values. */
  values: Float64Array;
  /** Anomaly windows as inclusive `[startRow, endRow]`. */
  windows: [number, number][];
}

/** Directory of the corpus: `BENCH_NAB_DIR`, or `../shared/nab` from the repository root. */
export function nabDir(): string {
  return process.env.BENCH_NAB_DIR ?? fileURLToPath(new URL("../../../shared/nab", import.meta.url));
}

/** Epoch ms of a corpus timestamp (`2014-04-01 00:00:00`, UTC), or NaN. */
export function nabTime(ts: string): number {
  return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(ts) ? Date.parse(`${ts.replace(" ", "T")}Z`) : NaN;
}

function readSeries(path: string, name: string): Omit<NabSeries, "windows"> {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  if (lines[0]?.trim() !== "timestamp,value") throw new Error(`${path}: header is "${lines[0]}", expected "timestamp,value"`);
  const timestamps: string[] = [];
  const values: number[] = [];
  const at: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const comma = line.indexOf(",");
    const ts = line.slice(0, comma);
    const v = Number(line.slice(comma + 1));
    const t = nabTime(ts);
    if (comma < 0 || !Number.isFinite(v) || !Number.isFinite(t)) throw new Error(`${path}:${i + 1}: cannot read "${line}" as timestamp,value`);
    if (at.length && t < at[at.length - 1]!) throw new Error(`${path}:${i + 1}: time goes backwards (${ts} after ${timestamps[timestamps.length - 1]})`);
    timestamps.push(ts);
    values.push(v);
    at.push(t);
  }
  return { name, category: name.split("/")[0]!, timestamps, at: Float64Array.from(at), values: Float64Array.from(values) };
}

/**
 * Reads the whole corpus, files in name order. Fails naming the file when a data file has no
 * labels entry (or the reverse), or a window's timestamp is not one of its file's rows.
 */
export function loadNabCorpus(dir = nabDir()): NabSeries[] {
  const labelsPath = join(dir, "labels", "combined_windows.json");
  if (!existsSync(labelsPath)) throw new Error(`NAB corpus not found: ${labelsPath} is missing (set BENCH_NAB_DIR to the corpus directory)`);
  const labels = JSON.parse(readFileSync(labelsPath, "utf8")) as Record<string, [string, string][]>;
  const names: string[] = [];
  for (const category of readdirSync(join(dir, "data")).sort()) {
    for (const f of readdirSync(join(dir, "data", category)).sort()) if (f.endsWith(".csv")) names.push(`${category}/${f}`);
  }
  const unlabelled = names.filter((n) => !(n in labels));
  if (unlabelled.length) throw new Error(`${labelsPath} has no entry for ${unlabelled.join(", ")}`);
  const missing = Object.keys(labels).filter((n) => !names.includes(n));
  if (missing.length) throw new Error(`${labelsPath} labels files missing under ${join(dir, "data")}: ${missing.join(", ")}`);
  return names.map((name) => {
    const s = readSeries(join(dir, "data", name), name);
    const row = new Map(s.timestamps.map((ts, i) => [ts, i]));
    const index = (ts: string) => {
      const i = row.get(ts.replace(/\.0+$/, ""));
      if (i === undefined) throw new Error(`${labelsPath}: window edge "${ts}" of ${name} is not a timestamp of that file`);
      return i;
    };
    const windows = labels[name]!.map(([a, b]): [number, number] => [index(a), index(b)]);
    return { ...s, windows };
  });
}
