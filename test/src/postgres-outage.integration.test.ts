/**
 * Acceptance: stopping PostgreSQL during ingest. Clients get 503 with Retry-After, no acknowledged
 * event is lost, and ingest resumes on its own when PostgreSQL is back (one `vigil serve` child on
 * a private cluster that the test crashes with `pg_ctl stop -m immediate` and starts again).
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "pg";
import { childServer, getJson, tempDir, type ChildServer } from "./helpers.js";
import { PrivateCluster, waitFor } from "./pg-support.js";

const CLIENTS = 3;
const BATCH = 200;
const RETRY_CAP_MS = 2_000;
const REQUEST_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What one ingest client has seen so far. */
interface ClientState {
  name: string;
  /** Ids of every event in a batch answered 207. */
  acked: string[];
  ackedBatches: number;
  unavailable: number;
  /** Events a 207 called duplicates: committed by an attempt that was answered 503. */
  duplicates: number;
}

/** One batch of run events with ids unique to this client and batch. */
function batchOf(client: string, batch: number): { events: unknown[] } {
  return {
    events: Array.from({ length: BATCH }, (_, i) => ({
      id: `${client}-b${batch}-e${i}`,
      type: "run",
      body: { agent_name: `outage-${client}`, status: i % 9 === 0 ? "failure" : "success", duration_ms: 5 + (i % 50) },
    })),
  };
}

/** POSTs one batch; a connection error or timeout from Vigil is a failure of the test. */
async function post(url: string, body: unknown): Promise<{ status: number; retryAfter: string | null; body: any }> {
  let r: Response;
  try {
    r = await fetch(`${url}/api/v1/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`ingest request to Vigil failed without an HTTP answer: ${(err as Error).message}`, { cause: err });
  }
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* kept as text for the failure message */
  }
  return { status: r.status, retryAfter: r.headers.get("retry-after"), body: parsed };
}

/** Sends batches until `stopped()`, retrying a batch answered 503 (after Retry-After, at most 2 s) with the same ids. */
async function ingestClient(url: string, st: ClientState, stopped: () => boolean): Promise<void> {
  for (let b = 0; !stopped(); b++) {
    const body = batchOf(st.name, b);
    for (;;) {
      const res = await post(url, body);
      if (res.status === 207) {
        assert.equal(res.body.errors.length, 0, `${st.name}: batch ${b} had rejected events: ${JSON.stringify(res.body.errors).slice(0, 500)}`);
        assert.equal(res.body.successes.length, BATCH, `${st.name}: batch ${b} answered ${res.body.successes.length} successes`);
        for (const s of res.body.successes) {
          st.acked.push(s.id as string);
          if (s.duplicate) st.duplicates++;
        }
        st.ackedBatches++;
        break;
      }
      assert.equal(res.status, 503, `${st.name}: batch ${b} answered ${res.status} (only 207 and 503 are acceptable): ${JSON.stringify(res.body).slice(0, 500)}`);
      assert.equal(res.body?.error?.code, "STORAGE_UNAVAILABLE", `${st.name}: 503 with body ${JSON.stringify(res.body).slice(0, 500)}`);
      assert.match(res.retryAfter ?? "", /^[1-9]\d*$/, `${st.name}: 503 without a positive integer Retry-After (got ${JSON.stringify(res.retryAfter)})`);
      st.unavailable++;
      if (stopped()) return; // never acknowledged: not counted
      await sleep(Math.min(Number(res.retryAfter) * 1000, RETRY_CAP_MS));
    }
  }
}

/** Every stored event id (with repetitions, if any). */
async function storedIds(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on("error", () => {});
  await c.connect();
  try {
    return (await c.query<{ id: string }>("SELECT id FROM events")).rows.map((r) => r.id);
  } finally {
    await c.end().catch(() => {});
  }
}

async function readyStatus(url: string): Promise<number> {
  const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  await r.arrayBuffer();
  return r.status;
}

/** One OTLP/JSON export of a plain span (stored as a span, no event) to `/v1/traces`: its status, Retry-After and parsed answer. */
async function postOtlp(url: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const start = BigInt(Date.now() - 5_000) * 1_000_000n;
  const span = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    name: "GET /health",
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 300_000_000n),
    attributes: [{ key: "http.request.method", value: { stringValue: "GET" } }],
  };
  const r = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "t" }, spans: [span] }] }] }), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: r.status, retryAfter: r.headers.get("retry-after"), body: await r.json() };
}

describe("PostgreSQL outage during ingest", () => {
  const { dir, cleanup } = tempDir();
  let cluster: PrivateCluster | undefined;
  let server: ChildServer | undefined;
  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) {
      const exited = new Promise((r) => server!.proc.once("exit", r));
      server.proc.kill("SIGTERM");
      const timer = setTimeout(() => server!.proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await cluster?.destroy();
    cleanup();
  });

  it("answers 503 with Retry-After, loses no acknowledged event, and resumes on its own", { timeout: 90_000 }, async () => {
    const began = Date.now();
    cluster = await PrivateCluster.create();
    const dbUrl = await cluster.createDatabase("vigil_outage");
    server = await childServer(dir, [], { VIGIL_DATABASE_URL: dbUrl });
    const url = server.url;
    const proc = server.proc;
    const exitedEarly = new Promise<never>((_, reject) => proc.once("exit", (code, signal) => reject(new Error(`Vigil exited (code ${code}, signal ${signal}) during the test:\n${server!.output().slice(-4000)}`))));
    exitedEarly.catch(() => {});

    const states: ClientState[] = Array.from({ length: CLIENTS }, (_, i) => ({ name: `c${i}`, acked: [], ackedBatches: 0, unavailable: 0, duplicates: 0 }));
    let stop = false;
    const running = states.map((st) =>
      ingestClient(url, st, () => stop).catch((err) => {
        stop = true;
        throw err;
      }),
    );
    const clients = Promise.all(running);
    // Any client failure or a crash of Vigil ends the current phase at once.
    const failed = Promise.race([clients.then(() => new Promise<never>(() => {})), exitedEarly]);
    failed.catch(() => {});
    const phase = <T>(p: Promise<T>) => Promise.race([p, failed]);

    try {
      // Phase 1: ingest against a healthy database for ~2 s.
      await phase(sleep(2_000));
      await phase(waitFor(async () => states.every((s) => s.ackedBatches > 0), 10_000, "every client's first acknowledged batch"));
      const ackedBefore = states.reduce((n, s) => n + s.acked.length, 0);

      // Phase 2: crash-like stop; every client must see 503 and /readyz must say not ready.
      const stoppedAt = Date.now();
      await phase(cluster.stop("immediate"));
      await phase(waitFor(async () => states.every((s) => s.unavailable > 0) && (await readyStatus(url)) === 503, 15_000, "a 503 at every client and /readyz answering 503"));
      const outageSeenAfter = Date.now() - stoppedAt;
      // The OTLP receiver says the same, in OTLP's terms: 503, Retry-After, a google.rpc.Status UNAVAILABLE.
      const down = await phase(postOtlp(url));
      assert.equal(down.status, 503, JSON.stringify(down.body));
      assert.equal(down.retryAfter, "2");
      assert.equal(down.body.code, 14, JSON.stringify(down.body));
      await phase(sleep(2_000));

      // Phase 3: PostgreSQL is back; Vigil (not restarted) must take batches again by itself.
      const atRestart = states.map((s) => s.ackedBatches);
      const restartAt = Date.now();
      await phase(cluster.start());
      await phase(waitFor(async () => states.every((s, i) => s.ackedBatches >= atRestart[i]! + 3), 20_000, "3 more acknowledged batches at every client after PostgreSQL restarted"));
      const resumedAfter = Date.now() - restartAt;

      // The exporter's retry of that export is taken once PostgreSQL is back.
      const up = await phase(postOtlp(url));
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.deepEqual(up.body, {});

      stop = true;
      await phase(clients);

      // No acknowledged event lost, none stored twice.
      const acked = new Set(states.flatMap((s) => s.acked));
      const ackedTotal = states.reduce((n, s) => n + s.acked.length, 0);
      assert.equal(acked.size, ackedTotal, "an id was acknowledged twice");
      const rows = await storedIds(dbUrl);
      const stored = new Set(rows);
      assert.equal(rows.length, stored.size, `${rows.length - stored.size} event ids are stored more than once`);
      const missing = [...acked].filter((id) => !stored.has(id));
      const unacked = [...stored].filter((id) => !acked.has(id)).length;
      const unavailable = states.map((s) => s.unavailable);
      console.log(
        JSON.stringify({
          acked: ackedTotal,
          acked_before_stop: ackedBefore,
          stored: stored.size,
          stored_unacked: unacked,
          missing: missing.length,
          status_503_per_client: unavailable,
          acked_as_duplicate: states.reduce((n, s) => n + s.duplicates, 0),
          outage_seen_after_ms: outageSeenAfter,
          resumed_after_ms: resumedAfter,
        }),
      );
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${acked.size} acknowledged events are missing from PostgreSQL`);

      // Ready again, and the live rollups (log follower) count exactly what is stored.
      assert.equal(await readyStatus(url), 200, "/readyz after PostgreSQL came back");
      let lastTotal: unknown;
      await waitFor(
        async () => {
          const r = await getJson(`${url}/api/v1/metrics/system?window=60m`);
          lastTotal = r.body?.metrics?.total_tasks;
          return r.status === 200 && lastTotal === stored.size;
        },
        10_000,
        `total_tasks to equal the ${stored.size} stored events`,
      ).catch((err: Error) => {
        throw new Error(`${err.message} (last total_tasks: ${String(lastTotal)})`, { cause: err });
      });

      assert.equal(proc.exitCode, null, "Vigil exited");
      assert.equal(proc.signalCode, null, "Vigil was killed");
      console.log(`postgres outage test took ${Date.now() - began} ms`);
    } catch (err) {
      stop = true;
      await Promise.allSettled(running);
      if (server) (err as Error).message += `\n--- Vigil output (tail) ---\n${server.output().slice(-4000)}`;
      throw err;
    }
  });
});
