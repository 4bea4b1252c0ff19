/**
 * The ingest bench's main measurement: one `vigil serve` child and the raw better-sqlite3 peer take
 * turns in short slices of the same run (which goes first alternates by round), so that whatever
 * else loads the machine hits both alike. Each round gives one ratio; the headline is their median.
 * A slice of the raw peer with Vigil's indexes follows each round, for context.
 */
import { batchBodies, getJson, human, log, procCpuSeconds, round, sleep, startChildServer, summary, tempDir } from "./common.js";
import type { IngestSettings } from "./ingest.js";
import { startLoad } from "./load.js";
import { openRawWriter } from "./raw-sqlite.js";

/** One round: Vigil's and the peer's rates in their slices. */
export interface Round {
  first: "vigil" | "raw";
  vigil: number;
  raw: number;
  rawIndexed: number;
  ratio: number;
  serverCores: number;
  loadCores: number;
  ackedPerSec: number;
}

/** The rounds and their medians. */
export interface Interleaved {
  rounds: Round[];
  vigil: number;
  raw: number;
  rawIndexed: number;
  ratio: number;
  serverCores: number;
  loadCores: number;
  ackedPerSec: number;
  errors: number;
  firstError: string | null;
  rawTxP50Ms: number;
}

/** Runs `rounds` rounds of `sliceSeconds` per side after a warm-up of each. */
export async function interleaved(s: IngestSettings, rounds: number, sliceSeconds: number): Promise<Interleaved> {
  const { dir, cleanup } = tempDir("vigil-bench-ingest-");
  const server = await startChildServer(dir);
  const raw = openRawWriter(s.batchSize, false);
  const rawIdx = openRawWriter(s.batchSize, true);
  const { bodies } = batchBodies(16, s.batchSize);
  let errors = 0;
  let firstError: string | null = null;
  const txMs: number[] = [];
  try {
    const vigilSlice = async (seconds: number) => {
      const load = startLoad({ url: server.url, bodies, concurrency: s.concurrency, client: s.client });
      // Let the loops reach a steady state before the first reading.
      await sleep(300);
      const read = async () => {
        const t0 = performance.now();
        const h = await getJson(`${server.url}/api/v1/health/detailed`);
        const t1 = performance.now();
        return { at: (t0 + t1) / 2, accepted: h.ingest.accepted as number, cpu: procCpuSeconds(server.pid), load: load.stats() };
      };
      const a = await read();
      await sleep(seconds * 1000);
      const b = await read();
      const end = await load.stop();
      errors += end.errors;
      firstError ??= end.firstError;
      const secs = (b.at - a.at) / 1000;
      return { rate: (b.accepted - a.accepted) / secs, acked: (b.load.acked - a.load.acked) / secs, serverCores: (b.cpu - a.cpu) / secs, loadCores: (b.load.cpu - a.load.cpu) / secs };
    };
    log(`ingest: warm-up, ${s.warmupSeconds} s of each`);
    await vigilSlice(s.warmupSeconds);
    raw.run(s.warmupSeconds);
    rawIdx.run(1);
    const out: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 === 0 ? "vigil" : "raw";
      let v: Awaited<ReturnType<typeof vigilSlice>> | null = null;
      let r: ReturnType<typeof raw.run> | null = null;
      for (const side of first === "vigil" ? ["vigil", "raw"] : ["raw", "vigil"]) {
        if (side === "vigil") v = await vigilSlice(sliceSeconds);
        else r = raw.run(sliceSeconds);
      }
      const ri = rawIdx.run(Math.max(1, sliceSeconds / 2));
      txMs.push(...r!.txMs);
      out.push({ first, vigil: v!.rate, raw: r!.rowsPerSec, rawIndexed: ri.rowsPerSec, ratio: v!.rate / r!.rowsPerSec, serverCores: v!.serverCores, loadCores: v!.loadCores, ackedPerSec: v!.acked });
      log(`ingest: round ${i + 1}/${rounds} (${first} first): Vigil ${human(v!.rate)} events/s, raw ${human(r!.rowsPerSec)} rows/s, ratio ${round(v!.rate / r!.rowsPerSec, 3)}`);
    }
    const med = (f: (r: Round) => number) => summary(out.map(f)).median;
    txMs.sort((x, y) => x - y);
    return { rounds: out, vigil: med((r) => r.vigil), raw: med((r) => r.raw), rawIndexed: med((r) => r.rawIndexed), ratio: med((r) => r.ratio), serverCores: med((r) => r.serverCores), loadCores: med((r) => r.loadCores), ackedPerSec: med((r) => r.ackedPerSec), errors, firstError, rawTxP50Ms: txMs[txMs.length >> 1] ?? NaN };
  } finally {
    raw.close();
    rawIdx.close();
    await server.stop();
    cleanup();
  }
}
