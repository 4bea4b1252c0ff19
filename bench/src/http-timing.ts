/** Timed GETs to the last byte, abandoned after a cap, and medians of a few of them within a time budget. */
import { Agent, request } from "node:http";

/** One GET's outcome: the answer, or how long it had waited when abandoned. */
export type Timed = { ok: true; status: number; ms: number; bytes: number; body: Buffer | null } | { ok: false; ms: number; error: string };

/** GETs `path`, timing it to the last byte; abandons it (destroying the socket) after `timeoutMs`. */
export function timedGet(agent: Agent, url: URL, path: string, timeoutMs: number, keepBody: boolean): Promise<Timed> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Timed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request({ host: url.hostname, port: Number(url.port), path, agent }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on("end", () => finish({ ok: true, status: res.statusCode ?? 0, ms: performance.now() - t0, bytes, body: keepBody ? Buffer.concat(chunks) : null }));
      res.on("error", (err) => finish({ ok: false, ms: performance.now() - t0, error: String(err) }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, ms: performance.now() - t0, error: "timeout" });
      req.destroy();
    }, timeoutMs);
    req.on("error", (err) => finish({ ok: false, ms: performance.now() - t0, error: String(err) }));
    req.end();
  });
}

/** Latency of one endpoint: measured times after one warm-up, answer bytes, and whether it was abandoned. */
export interface EndpointTiming {
  path: string;
  ms: number[];
  warmupMs: number;
  bytes: number | null;
  /** The warm-up did not answer within the cap. */
  capped: boolean;
}

/** Median (lower middle) of values; NaN when empty. */
export function median(v: readonly number[]): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/**
 * Times `path` on one keep-alive connection: one warm-up (abandoned after `capMs`), then up to
 * `samples` requests, stopping early once `budgetMs` is spent (at least one is measured).
 */
export async function timeEndpoint(base: string, path: string, o: { samples: number; budgetMs: number; capMs: number }): Promise<EndpointTiming> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: EndpointTiming = { path, ms: [], warmupMs: NaN, bytes: null, capped: false };
  try {
    const w = await timedGet(agent, url, path, o.capMs, false);
    out.warmupMs = w.ms;
    if (!w.ok) {
      if (w.error !== "timeout") throw new Error(`${path}: ${w.error}`);
      out.capped = true;
      return out;
    }
    if (w.status !== 200) throw new Error(`${path}: HTTP ${w.status}`);
    out.bytes = w.bytes;
    const end = performance.now() + o.budgetMs;
    for (let i = 0; i < o.samples && (i === 0 || performance.now() < end); i++) {
      const r = await timedGet(agent, url, path, o.capMs, false);
      if (!r.ok) throw new Error(`${path}: ${r.error} after ${Math.round(r.ms)} ms (the warm-up had answered)`);
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
      out.ms.push(r.ms);
    }
  } finally {
    agent.destroy();
  }
  return out;
}
