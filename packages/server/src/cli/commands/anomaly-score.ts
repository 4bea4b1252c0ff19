/**
 * `vigil anomaly score --input FILE.csv --output FILE.csv [--threshold X]`: streams a time series
 * through Vigil's anomaly detector (the one the server runs) and writes each row's anomaly score
 * and label. Reads line by line, so memory stays flat however long the file; the output appears
 * only once the whole input has been read without a fault (written to a temporary file beside it,
 * then renamed), and a bad row stops the run naming its line.
 */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { createDetector } from "../../core/anomaly/detector.js";

/** Options of `vigil anomaly score`. */
export interface AnomalyScoreOptions {
  /** CSV file to read, or `-` for standard input. */
  input: string;
  /** CSV file to write, or `-` for standard output. */
  output: string;
  /** Score at or above which a row is labelled 1 (default: the detector's own). */
  threshold?: number;
  /** Rows between progress lines on stderr (default 1,000,000). */
  progressEvery?: number;
  /** Streams and stderr (tests supply them); default the process's. */
  io?: { stdin?: Readable; stdout?: Writable; stderr?(text: string): void };
}

/** A fault in the input, naming its line. */
export class InputError extends Error {}

/** Epoch ms of a timestamp: ISO-8601 (no zone: UTC), `YYYY-MM-DD HH:MM:SS` (UTC), or epoch seconds (below 1e11) or ms. */
export function parseTimestamp(text: string): number {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:?\d\d)?)?$/i.exec(t);
  if (!m) return NaN;
  const zone = m[3] ? m[3].toUpperCase().replace(/^([+-]\d\d)(\d\d)$/, "$1:$2") : "Z";
  const ms = Date.parse(m[2] ? `${m[1]}T${m[2]}${zone}` : `${m[1]}T00:00:00Z`);
  return ms;
}

/** Splits one CSV line into fields (double-quoted fields may hold commas and "" for a quote). */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

const count = (n: number, what: string) => `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes text with back-pressure, a buffer at a time. */
class BufferedOut {
  private buf = "";
  constructor(private readonly stream: Writable) {}
  /** Adds text; a promise to wait for when the buffer went out and the stream asks to wait. */
  push(text: string): Promise<void> | undefined {
    this.buf += text;
    return this.buf.length >= 1 << 16 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (!this.buf) return;
    const ok = this.stream.write(this.buf);
    this.buf = "";
    if (!ok) {
      await new Promise<void>((resolve) => {
        this.stream.once("drain", resolve);
        this.stream.once("error", () => resolve());
      });
    }
  }
}

/** Runs the command; resolves the exit code (0 written, 2 bad input, 1 the output could not be written). */
export async function anomalyScoreCommand(opts: AnomalyScoreOptions): Promise<number> {
  const stderr = opts.io?.stderr ?? ((t: string) => void process.stderr.write(t));
  const inName = opts.input === "-" ? "stdin" : opts.input;
  const detector = createDetector(opts.threshold === undefined ? {} : { threshold: opts.threshold });
  const threshold = detector.threshold;
  const every = opts.progressEvery ?? 1_000_000;

  let input: Readable;
  if (opts.input === "-") input = opts.io?.stdin ?? process.stdin;
  else {
    input = createReadStream(opts.input);
    const opened = await new Promise<Error | null>((resolve) => {
      input.once("open", () => resolve(null));
      input.once("error", resolve);
    });
    if (opened) {
      stderr(`vigil anomaly score: cannot read ${opts.input}: ${opened.message}\n`);
      return 2;
    }
  }

  const temp = opts.output === "-" ? null : join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.${Date.now()}.tmp`);
  let file: WriteStream | null = null;
  const sink: Writable = temp ? (file = createWriteStream(temp)) : (opts.io?.stdout ?? process.stdout);
  let writeError: Error | null = null;
  sink.on("error", (err: Error) => (writeError ??= err));
  const out = new BufferedOut(sink);

  let rows = 0;
  let detections = 0;
  let finishing = false;
  try {
    let lineNo = 0;
    let tsCol = -1;
    let valueCol = -1;
    let need = 0;
    let lastAt = -Infinity;
    let lastTs = "";
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      if (writeError) break;
      if (lineNo === 1) {
        const header = splitCsv(raw.replace(/^\uFEFF/, "")).map((h) => h.trim().toLowerCase());
        tsCol = header.indexOf("timestamp");
        valueCol = header.indexOf("value");
        const missing = [tsCol < 0 ? "timestamp" : null, valueCol < 0 ? "value" : null].filter(Boolean);
        if (missing.length) throw new InputError(`${inName}:1: header lacks column ${missing.map((c) => `"${c}"`).join(" and ")} (header: "${raw}")`);
        need = Math.max(tsCol, valueCol) + 1;
        out.push("timestamp,value,anomaly_score,label\n");
        continue;
      }
      if (raw.trim() === "") continue;
      const fields = splitCsv(raw);
      if (fields.length < need) throw new InputError(`${inName}:${lineNo}: ${fields.length} field(s), the header names ${need} ("${raw}")`);
      const ts = fields[tsCol]!.trim();
      const valueText = fields[valueCol]!.trim();
      const value = valueText === "" ? NaN : Number(valueText);
      if (!Number.isFinite(value)) throw new InputError(`${inName}:${lineNo}: value "${valueText}" is not a number`);
      const at = parseTimestamp(ts);
      if (!Number.isFinite(at)) throw new InputError(`${inName}:${lineNo}: timestamp "${ts}" is not ISO-8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds/ms`);
      if (at < lastAt) throw new InputError(`${inName}:${lineNo}: time goes backwards ("${ts}" after "${lastTs}")`);
      lastAt = at;
      lastTs = ts;
      const score = detector.update(at, value).score;
      const label = score >= threshold ? 1 : 0;
      detections += label;
      rows++;
      const wait = out.push(`${csvField(ts)},${valueText},${score},${label}\n`);
      if (wait) await wait;
      if (rows % every === 0) stderr(`vigil anomaly score: ${rows.toLocaleString("en-US")} rows, ${count(detections, "detection")} so far\n`);
    }
    if (lineNo === 0) throw new InputError(`${inName}: empty input, expected a header line with "timestamp" and "value"`);
    finishing = true;
    await out.flush();
    if (file) await new Promise<void>((resolve) => file!.end(resolve));
    if (writeError) throw writeError;
    if (temp) await rename(temp, opts.output);
  } catch (err) {
    if (file) {
      file.destroy();
      await unlink(temp!).catch(() => undefined);
    }
    if (!(input as { destroyed?: boolean }).destroyed && opts.input !== "-") input.destroy();
    if (err instanceof InputError) {
      stderr(`vigil anomaly score: ${err.message}; nothing written\n`);
      return 2;
    }
    if (err === writeError || finishing) {
      stderr(`vigil anomaly score: cannot write ${opts.output}: ${(err as Error).message}\n`);
      return 1;
    }
    stderr(`vigil anomaly score: cannot read ${inName}: ${(err as Error).message}; nothing written\n`);
    return 2;
  }
  stderr(`vigil anomaly score: ${count(rows, "row")}, ${count(detections, "detection")} (score ≥ ${threshold})${opts.output === "-" ? "" : ` written to ${opts.output}`}\n`);
  return 0;
}
