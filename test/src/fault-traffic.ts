/**
 * Client traffic for the storage-fault suites: ingest clients that retry a batch answered 503 with
 * the same ids, readers that poll the routes answered from the store, and a tally that holds every
 * answer to the rule "success, or 503 STORAGE_UNAVAILABLE with Retry-After".
 */

/** One HTTP answer as the tally sees it. */
export interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

/** Every answer of a run, checked as it arrives; the first broken rule is kept for the test to throw. */
export class Tally {
  /** Answers per route and status, e.g. `{"GET /api/v1/alerts": {"200": 40, "503": 3}}`. */
  readonly counts: Record<string, Record<string, number>> = {};
  /** The first answer that was neither a success nor a proper 503, or a request without an answer. */
  violation: string | null = null;

  /** Sends one request and checks the answer; returns null when there was no HTTP answer. */
  async request(method: "GET" | "POST", url: string, body?: unknown): Promise<Answer | null> {
    const route = `${method} ${new URL(url).pathname}`;
    let r: Response;
    try {
      r = await fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      this.violation ??= `${route}: no HTTP answer (${(err as Error).message}; did Vigil exit?)`;
      return null;
    }
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* kept as text for the message */
    }
    const answer: Answer = { status: r.status, retryAfter: r.headers.get("retry-after"), body: parsed };
    const byStatus = (this.counts[route] ??= {});
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.status >= 300 && !isProperUnavailable(answer)) {
      this.violation ??= `${route} answered ${r.status} (retry-after ${JSON.stringify(answer.retryAfter)}): ${text.slice(0, 400)}`;
    }
    return answer;
  }

  /** How many answers had this status, over all routes. */
  total(status: number): number {
    return Object.values(this.counts).reduce((n, s) => n + (s[status] ?? 0), 0);
  }
}

/** A 503 with code STORAGE_UNAVAILABLE and a positive whole number of seconds in Retry-After. */
export function isProperUnavailable(a: Answer): boolean {
  return a.status === 503 && a.body?.error?.code === "STORAGE_UNAVAILABLE" && /^[1-9]\d*$/.test(a.retryAfter ?? "");
}

/** What one ingest client has had acknowledged. */
export interface IngestState {
  name: string;
  acked: string[];
  ackedBatches: number;
}

/** A batch of run events and one custom metric, with ids unique to this client and batch. */
function batchOf(client: string, batch: number, size: number): { events: unknown[] } {
  const events: unknown[] = Array.from({ length: size - 1 }, (_, i) => ({
    id: `${client}-b${batch}-e${i}`,
    type: "run",
    body: { agent_name: `faults-${client}`, status: i % 7 === 0 ? "failure" : "success", duration_ms: 3 + (i % 40) },
  }));
  events.push({ id: `${client}-b${batch}-m`, type: "metric", body: { name: "queue_depth", value: batch % 17, component: client } });
  return { events };
}

/** Sends batches until `stopped()`; a batch answered 503 is sent again (same ids) after `retryMs`. */
export async function ingestLoop(tally: Tally, url: string, st: IngestState, stopped: () => boolean, opts: { size: number; retryMs: number }): Promise<void> {
  for (let b = 0; !stopped(); b++) {
    const body = batchOf(st.name, b, opts.size);
    for (;;) {
      const a = await tally.request("POST", `${url}/api/v1/ingest`, body);
      if (!a || tally.violation) return;
      if (a.status === 207 || a.status === 200) {
        const rejected = (a.body?.errors as unknown[] | undefined)?.length ?? 0;
        if (rejected) tally.violation ??= `${st.name}: batch ${b} had ${rejected} rejected events: ${JSON.stringify(a.body.errors).slice(0, 300)}`;
        for (const s of a.body.successes as { id: string }[]) st.acked.push(s.id);
        st.ackedBatches++;
        break;
      }
      if (stopped()) return; // never acknowledged: not counted
      await sleep(opts.retryMs);
    }
  }
}

/** The reads that need the store: alerts, the report (its alerts) and custom metrics past the custom metric index's horizon. */
export const STORE_READS = ["/api/v1/alerts", "/api/v1/report?window=1h", "/api/v1/metrics/custom?window=30d"];

/** Polls the store-backed reads in turn until `stopped()`. */
export async function readLoop(tally: Tally, url: string, stopped: () => boolean, pauseMs: number): Promise<void> {
  for (let i = 0; !stopped(); i++) {
    if (!(await tally.request("GET", url + STORE_READS[i % STORE_READS.length]!)) || tally.violation) return;
    await sleep(pauseMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
