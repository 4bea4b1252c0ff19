/**
 * Child-process entry of the cardinality bench's pollers (forked with an IPC channel): `start` runs
 * one keep-alive loop per path, each GETting its path back to back and reading (not parsing) the
 * answer; `stop` reports the finished requests at once, without waiting for one still in flight,
 * and exits. The loops run apart from the bench process so that receiving multi-megabyte answers
 * does not delay the timing of its `/healthz` probes.
 */
import { Agent, request } from "node:http";

/** A message from the parent. */
type Command = { cmd: "start"; url: string; paths: string[] } | { cmd: "stop" };

/** What the loops did, sent to the parent on `stop`. */
export interface PollerStats {
  requests: number;
  errors: number;
  firstError: string | null;
  /** Milliseconds of each finished request, and its answer's bytes, per path. */
  byPath: Record<string, { ms: number[]; bytes: number[] }>;
  /** Requests still waiting for their answer when told to stop. */
  inFlight: number;
}

const stats: PollerStats = { requests: 0, errors: 0, firstError: null, byPath: {}, inFlight: 0 };
let stopping = false;
let agent: Agent | null = null;

function get(url: URL, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), path, agent: agent! }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function loop(url: URL, path: string): Promise<void> {
  const own = (stats.byPath[path] ??= { ms: [], bytes: [] });
  while (!stopping) {
    const t0 = performance.now();
    stats.inFlight++;
    try {
      const r = await get(url, path);
      if (stopping) return;
      stats.requests++;
      if (r.status !== 200) {
        stats.errors++;
        stats.firstError ??= `${path}: HTTP ${r.status}`;
        continue;
      }
      own.ms.push(performance.now() - t0);
      own.bytes.push(r.bytes);
    } catch (err) {
      if (stopping) return;
      stats.errors++;
      stats.firstError ??= `${path}: ${String(err)}`;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      stats.inFlight--;
    }
  }
}

process.on("message", (m: Command) => {
  if (m.cmd === "start") {
    const url = new URL(m.url);
    agent = new Agent({ keepAlive: true, maxSockets: m.paths.length });
    for (const p of m.paths) void loop(url, p);
    process.send!({ kind: "started" });
  } else if (m.cmd === "stop") {
    stopping = true;
    const report = { ...stats };
    agent?.destroy();
    process.send!({ kind: "stats", stats: report }, () => process.exit(0));
  }
});
