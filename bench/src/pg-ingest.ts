/**
 * PostgreSQL ingest bench: events/s through `POST /api/v1/ingest` into a `vigil serve` child that
 * stores in PostgreSQL (VIGIL_DATABASE_URL), beside the raw `COPY` rate of the same rows into one
 * unindexed table over as many connections, in the same run, on a throw-away database.
 */
import { batchBodies, emit, getJson, human, idMaker, log, printTable, procCpuSeconds, round, selfCpuSeconds, sleep, startChildServer, storedBody, tempDir } from "./common.js";
import { ingestSettings, type IngestSettings } from "./ingest.js";
import { startLoad } from "./load.js";
import { copyIn, copyText, createBenchDatabase, pgConnect, pgCpuBetween, pgCpuSnapshot } from "./pg-common.js";

/** Figures of the raw COPY peer. */
interface RawRun {
  rowsPerSec: number;
  copyP50Ms: number;
  pgCores: number;
  benchCores: number;
  stored: number;
  copied: number;
}

/** Figures of the server run. */
interface ServerRun {
  eventsPerSec: number;
  ackedPerSec: number;
  serverCores: number;
  pgCores: number;
  loadCores: number;
  errors: number;
  firstError: string | null;
  /** Events acknowledged over the whole run (warm-up included), the server's own count, and rows in `events`. */
  acked: number;
  accepted: number;
  stored: number;
}

/** The peer: `concurrency` connections each COPYing `batchSize` stored rows per statement (one commit each), back to back. */
async function rawCopyRate(url: string, dbName: string, s: IngestSettings): Promise<RawRun> {
  const admin = await pgConnect(url);
  await admin.query("CREATE TABLE raw (id text, type smallint, ts bigint, received_at bigint, run_id text, task_id text, body text)");
  await admin.query("CHECKPOINT");
  // The same events the server receives, in the form it stores them.
  const { bodies } = batchBodies(16, s.batchSize);
  const rows = bodies.flatMap((b) => (JSON.parse(b.toString()) as { events: { body: Record<string, unknown> }[] }).events.map((e) => copyText(JSON.stringify(storedBody(e.body)))));
  const clients = await Promise.all(Array.from({ length: s.concurrency }, () => pgConnect(url, "vigil-bench-raw")));
  let copied = 0;
  let stopping = false;
  const copyMs: number[] = [];
  const loop = async (k: number) => {
    const c = clients[k]!;
    const newId = idMaker(`r4w${k}`);
    let next = k * s.batchSize;
    while (!stopping) {
      const now = Date.now();
      let text = "";
      for (let i = 0; i < s.batchSize; i++) text += `${newId(now)}\t0\t${now}\t${now}\t\\N\t\\N\t${rows[next++ % rows.length]!}\n`;
      const t0 = performance.now();
      const n = await copyIn(c, "COPY raw (id, type, ts, received_at, run_id, task_id, body) FROM STDIN", text);
      copied += n;
      copyMs.push(performance.now() - t0);
    }
  };
  const loops = Array.from({ length: s.concurrency }, (_, k) => loop(k));
  await sleep(s.warmupSeconds * 1000);
  const a = { at: performance.now(), copied, pg: await pgCpuSnapshot(admin, dbName), self: selfCpuSeconds() };
  await sleep(s.seconds * 1000);
  const b = { at: performance.now(), copied, pg: await pgCpuSnapshot(admin, dbName), self: selfCpuSeconds() };
  stopping = true;
  await Promise.all(loops);
  await Promise.all(clients.map((c) => c.end()));
  const stored = (await admin.query<{ n: number }>("SELECT count(*) AS n FROM raw")).rows[0]!.n;
  await admin.query("DROP TABLE raw");
  await admin.query("CHECKPOINT");
  await admin.end();
  const secs = (b.at - a.at) / 1000;
  copyMs.sort((x, y) => x - y);
  return {
    rowsPerSec: (b.copied - a.copied) / secs,
    copyP50Ms: copyMs[copyMs.length >> 1] ?? NaN,
    pgCores: pgCpuBetween(a.pg, b.pg) / secs,
    benchCores: (b.self - a.self) / secs,
    stored,
    copied,
  };
}

/** Runs the HTTP load against a fresh `vigil serve` child on the database, then counts what was stored. */
async function measurePgServer(url: string, dbName: string, s: IngestSettings): Promise<ServerRun> {
  const { dir, cleanup } = tempDir("vigil-bench-pg-ingest-");
  const server = await startChildServer(dir, { env: { VIGIL_DATABASE_URL: url } });
  const c = await pgConnect(url);
  try {
    const { bodies } = batchBodies(16, s.batchSize);
    const load = startLoad({ url: server.url, bodies, concurrency: s.concurrency, client: s.client });
    await sleep(s.warmupSeconds * 1000);
    const read = async () => {
      const t0 = performance.now();
      const h = await getJson(`${server.url}/api/v1/health/detailed`);
      const t1 = performance.now();
      return { at: (t0 + t1) / 2, accepted: h.ingest.accepted as number, cpu: procCpuSeconds(server.pid), pg: await pgCpuSnapshot(c, dbName), self: selfCpuSeconds(), acked: load.stats().acked };
    };
    const a = await read();
    await sleep(s.seconds * 1000);
    const b = await read();
    const end = await load.stop();
    const accepted = (await getJson(`${server.url}/api/v1/health/detailed`)).ingest.accepted as number;
    const stored = (await c.query<{ n: number }>("SELECT count(*) AS n FROM events")).rows[0]!.n;
    const secs = (b.at - a.at) / 1000;
    return {
      eventsPerSec: (b.accepted - a.accepted) / secs,
      ackedPerSec: (b.acked - a.acked) / secs,
      serverCores: (b.cpu - a.cpu) / secs,
      pgCores: pgCpuBetween(a.pg, b.pg) / secs,
      loadCores: (b.self - a.self) / secs,
      errors: end.errors,
      firstError: end.firstError,
      acked: end.acked,
      accepted,
      stored,
    };
  } finally {
    await c.end();
    await server.stop();
    cleanup();
  }
}

/** Runs the pg-ingest bench and prints its table and BENCH line. */
export async function pgIngest(): Promise<void> {
  const s = { ...ingestSettings(), placement: "inline" as const };
  const { meanEventBytes } = batchBodies(1, s.batchSize);
  const db = await createBenchDatabase();
  log(`pg-ingest: database ${db.name}; batches of ${s.batchSize} runs (~${Math.round(meanEventBytes)} bytes each), ${s.concurrency} ${s.client} loops, ${s.warmupSeconds} s warm-up + ${s.seconds} s`);
  try {
    log(`pg-ingest: peer — raw COPY of the same rows into one unindexed table, ${s.concurrency} connections, ${s.batchSize} rows per COPY`);
    const raw = await rawCopyRate(db.url, db.name, s);
    log(`pg-ingest: peer ${human(raw.rowsPerSec)} rows/s (${raw.stored} rows in the table, ${raw.copied} reported copied); now the server`);
    const ours = await measurePgServer(db.url, db.name, s);
    if (ours.errors) log(`pg-ingest: ${ours.errors} errors, first: ${ours.firstError}`);
    log(`pg-ingest: acknowledged ${ours.acked}, server accepted ${ours.accepted}, rows in events ${ours.stored}`);
    const ratio = ours.eventsPerSec / raw.rowsPerSec;
    printTable(`pg-ingest — events/s through POST /api/v1/ingest into PostgreSQL (batches of ${s.batchSize}, ${s.concurrency} clients, ${s.seconds} s)`, [
      { figure: "events/s (server count)", ours: human(ours.eventsPerSec), peer: human(raw.rowsPerSec) + " raw COPY", ratio: round(ratio, 3).toFixed(3), goal: ">= 0.3 of raw", met: ratio >= 0.3 },
      { figure: "events/s absolute", ours: human(ours.eventsPerSec), peer: "", ratio: "", goal: ">= 30k", met: ours.eventsPerSec >= 30_000 },
      { figure: "stored = acknowledged", ours: `${ours.stored} / ${ours.acked}`, peer: `${raw.stored} / ${raw.copied}`, ratio: "", goal: "equal", met: ours.stored === ours.acked && ours.errors === 0 },
      { figure: "Vigil server CPU (cores)", ours: round(ours.serverCores, 2).toFixed(2), peer: "", ratio: "", goal: "(context)" },
      { figure: "PostgreSQL CPU (cores)", ours: round(ours.pgCores, 2).toFixed(2), peer: round(raw.pgCores, 2).toFixed(2), ratio: "", goal: "(context)" },
      { figure: "bench process CPU (cores)", ours: round(ours.loadCores, 2).toFixed(2), peer: round(raw.benchCores, 2).toFixed(2), ratio: "", goal: "(context)" },
    ]);
    emit("pg-ingest", {
      events_per_s: round(ours.eventsPerSec, 0),
      acked_per_s: round(ours.ackedPerSec, 0),
      raw_copy_rows_per_s: round(raw.rowsPerSec, 0),
      raw_copy_p50_ms: round(raw.copyP50Ms, 2),
      ratio: round(ratio, 4),
      goal_ratio: 0.3,
      goal_events_per_s: 30_000,
      acked: ours.acked,
      accepted: ours.accepted,
      stored: ours.stored,
      server_cores: round(ours.serverCores, 3),
      pg_cores: round(ours.pgCores, 3),
      load_cores: round(ours.loadCores, 3),
      raw_pg_cores: round(raw.pgCores, 3),
      raw_bench_cores: round(raw.benchCores, 3),
      errors: ours.errors,
      mean_event_bytes: Math.round(meanEventBytes),
      settings: { seconds: s.seconds, warmupSeconds: s.warmupSeconds, concurrency: s.concurrency, batchSize: s.batchSize, client: s.client },
    });
  } finally {
    await db.drop();
  }
}
