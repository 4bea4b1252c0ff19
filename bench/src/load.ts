/**
 * The ingest load generator: `concurrency` loops, each posting pre-serialised batch bodies back to
 * back over keep-alive connections, with node:http (lighter) or fetch (undici). Runs in the bench
 * process or in a child (`load-child.ts`), so the two placements can be compared.
 */
import { HttpClient, selfCpuSeconds } from "./common.js";

/** Which HTTP client the loops use. */
export type ClientKind = "http" | "fetch";

/** Counters of a load run. */
export interface LoadStats {
  requests: number;
  /** Events the server acknowledged as stored (207 successes). */
  acked: number;
  /** Per-event errors and failed requests. */
  errors: number;
  firstError: string | null;
  /** CPU seconds of the process running the loops. */
  cpu: number;
}

/** A running load. */
export interface Load {
  stats(): LoadStats;
  stop(): Promise<LoadStats>;
}

/** Starts the loops; each sends the bodies in turn, starting at a different one. */
export function startLoad(opts: { url: string; bodies: readonly Buffer[]; concurrency: number; client: ClientKind }): Load {
  const { url, bodies, concurrency, client } = opts;
  const stats: LoadStats = { requests: 0, acked: 0, errors: 0, firstError: null, cpu: 0 };
  let stopping = false;
  const http = client === "http" ? new HttpClient(url, concurrency) : null;
  const target = `${url}/api/v1/ingest`;
  const post = async (body: Buffer): Promise<{ status: number; text: string }> => {
    if (http) return http.send("POST", "/api/v1/ingest", body);
    const r = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: r.status, text: await r.text() };
  };
  const loop = async (k: number) => {
    let i = k;
    while (!stopping) {
      const body = bodies[i++ % bodies.length]!;
      try {
        const r = await post(body);
        stats.requests++;
        if (r.status !== 207) {
          stats.errors++;
          stats.firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 300)}`;
          continue;
        }
        const answer = JSON.parse(r.text) as { successes: unknown[]; errors: { message: string }[] };
        stats.acked += answer.successes.length;
        if (answer.errors.length) {
          stats.errors += answer.errors.length;
          stats.firstError ??= answer.errors[0]!.message;
        }
      } catch (err) {
        stats.errors++;
        stats.firstError ??= String(err);
        if (!stopping) await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, k) => loop(k));
  const snapshot = () => ({ ...stats, cpu: selfCpuSeconds() });
  return {
    stats: snapshot,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      http?.close();
      return snapshot();
    },
  };
}
