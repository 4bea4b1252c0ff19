/**
 * PostgreSQL query bench: latency of `GET /api/v1/metrics/system?window=24h` with 10,000,000 runs
 * stored in the last 24 h of a PostgreSQL database, with one `vigil serve` instance and then with
 * three instances sharing the database, beside a naive SQL scan of the same window (what a
 * scan-based monitor would run), all in one run on a throw-away database.
 *
 * The events are written straight into Vigil's tables (COPY over several connections, one
 * PostgreSQL transaction per chunk with the transaction's own id in `tx`, as Vigil's ingest
 * writes them); the first instance's start-up replay folds them into its rollups, and the
 * instances started later restore the rollups it persisted.
 */
import { AGENTS, HttpClient, MODELS, ROUTES, emit, envInt, getJson, human, idMaker, log, printTable, rng, round, runBody, sleep, startChildServer, storedBody, summary, tempDir, type ChildServer, type RunShape } from "./common.js";
import { copyIn, copyText, createBenchDatabase, pgConnect } from "./pg-common.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const PATH = "/api/v1/metrics/system?window=24h";
/** Distinct bodies generated; rows cycle through them (their dimensions cycle with the row index). */
const POOL = 30 * 2048;

/** Partition name of a day number, as Vigil names them (`events_pYYYYMMDD`). */
function partitionName(day: number): string {
  return "events_p" + new Date(day * DAY).toISOString().slice(0, 10).replaceAll("-", "");
}

/** Settings of the bench (BENCH_PG_QUERY_*, BENCH_PG_LOAD_*). */
interface Settings {
  events: number;
  samples: number;
  instances: number;
  loadConnections: number;
  txRows: number;
}

function settings(): Settings {
  return {
    events: envInt("BENCH_PG_QUERY_EVENTS", 10_000_000),
    samples: envInt("BENCH_PG_QUERY_SAMPLES", 200),
    instances: envInt("BENCH_PG_QUERY_INSTANCES", 3),
    loadConnections: envInt("BENCH_PG_LOAD_CONNECTIONS", 2),
    txRows: envInt("BENCH_PG_LOAD_TX_ROWS", 5000),
  };
}

/** What the load took. */
interface LoadResult {
  copyMs: number;
  analyzeMs: number;
  transactions: number;
  dbBytes: number;
}

/**
 * Writes `n` run events with timestamps spread evenly over [from, to), in transactions of
 * `txRows` over `connections` connections: each transaction takes its own id for `tx`, COPYs its
 * events and their idempotency keys and appends its per-day counts, as Vigil's ingest does.
 */
export async function loadEvents(url: string, n: number, from: number, to: number, shape: RunShape, connections: number, txRows: number): Promise<LoadResult> {
  const t0 = performance.now();
  const admin = await pgConnect(url);
  // Vigil would create the partitions on demand; the loader pre-creates them with Vigil's names and ranges.
  for (let day = Math.floor(from / DAY); day <= Math.floor((to - 1) / DAY); day++) {
    await admin.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF events FOR VALUES FROM (${day * DAY}) TO (${(day + 1) * DAY})`);
  }
  const r = rng(42);
  const bodies: string[] = [];
  for (let i = 0; i < POOL; i++) bodies.push(copyText(JSON.stringify(storedBody(runBody(r, i, shape)))));
  const step = (to - from) / n;
  const chunks = Math.ceil(n / txRows);
  let nextChunk = 0;
  let done = 0;
  let reported = 0;
  const worker = async (k: number) => {
    const c = await pgConnect(url, "vigil-bench-load");
    const newId = idMaker(`l0ad${k}`);
    try {
      for (;;) {
        const chunk = nextChunk++;
        if (chunk >= chunks) return;
        const start = chunk * txRows;
        const end = Math.min(n, start + txRows);
        await c.query("BEGIN");
        const tx = (await c.query<{ tx: number }>("SELECT pg_current_xact_id()::text::int8 AS tx")).rows[0]!.tx;
        let events = "";
        let ids = "";
        const perDay = new Map<number, number>();
        for (let i = start; i < end; i++) {
          const ts = Math.floor(from + i * step);
          const id = newId(ts);
          const day = Math.floor(ts / DAY);
          events += `${tx}\t${id}\t0\t${ts}\t${ts}\t${bodies[i % POOL]!}\n`;
          ids += `${id}\t${day}\n`;
          perDay.set(day, (perDay.get(day) ?? 0) + 1);
        }
        await copyIn(c, "COPY events (tx, id, type, ts, received_at, body) FROM STDIN", events);
        await copyIn(c, "COPY event_ids (id, day) FROM STDIN", ids);
        await c.query("INSERT INTO event_counts (day, type, n) SELECT d, 0, k FROM unnest($1::int[], $2::int8[]) AS x(d, k)", [[...perDay.keys()], [...perDay.values()]]);
        await c.query("COMMIT");
        done += end - start;
        if (done - reported >= 1_000_000) {
          reported = done;
          log(`pg-query: ${human(done)} written (${human(done / ((performance.now() - t0) / 1000))} events/s)`);
        }
      }
    } finally {
      await c.end();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, k) => worker(k)));
  const copyMs = performance.now() - t0;
  // Planner statistics, as autovacuum would have gathered them for a table that grew over a day.
  const a0 = performance.now();
  await admin.query("ANALYZE");
  const analyzeMs = performance.now() - a0;
  const dbBytes = (await admin.query<{ b: number }>("SELECT pg_database_size(current_database()) AS b")).rows[0]!.b;
  await admin.end();
  return { copyMs, analyzeMs, transactions: chunks, dbBytes };
}

/** A started instance and how long it took to be ready with every event folded. */
interface Instance {
  server: ChildServer;
  client: HttpClient;
  cleanup: () => void;
  /** Spawn → /readyz answers 200. */
  readyMs: number;
  /** Spawn → /metrics/system answers total_tasks = n. */
  startMs: number;
  totalTasks: number;
}

async function startInstance(url: string, n: number, k: number): Promise<Instance> {
  const { dir, cleanup } = tempDir(`vigil-bench-pg-query-${k}-`);
  const t0 = performance.now();
  const server = await startChildServer(dir, { env: { VIGIL_DATABASE_URL: url } });
  const client = new HttpClient(server.url, 1);
  let totalTasks = -1;
  // Start-up replay happens before the server listens, so the count should be complete at once;
  // if it is not (the instance catches up in the background), wait for it up to 5 minutes.
  const deadline = Date.now() + 5 * 60_000;
  let said = Date.now();
  for (;;) {
    const r = await client.send("GET", PATH);
    if (r.status === 200) totalTasks = JSON.parse(r.text).metrics.total_tasks as number;
    if (totalTasks === n) break;
    if (Date.now() > deadline) {
      log(`pg-query: instance ${k} still answers total_tasks ${totalTasks}, not ${n}, 5 min after it was ready; going on`);
      break;
    }
    if (Date.now() - said > 10_000) {
      said = Date.now();
      log(`pg-query: instance ${k} ready but total_tasks ${totalTasks} of ${n} so far`);
    }
    await sleep(50);
  }
  return { server, client, cleanup, readyMs: server.startMs, startMs: performance.now() - t0, totalTasks };
}

async function stopInstance(i: Instance): Promise<void> {
  i.client.close();
  await i.server.stop();
  i.cleanup();
}

/** Sequential requests, round robin over the instances (`samples` each, after `warmup` each); latencies per instance. */
async function measure(instances: readonly Instance[], samples: number, warmup: number): Promise<number[][]> {
  for (let i = 0; i < warmup * instances.length; i++) await instances[i % instances.length]!.client.send("GET", PATH);
  const lat: number[][] = instances.map(() => []);
  for (let i = 0; i < samples * instances.length; i++) {
    const k = i % instances.length;
    const t0 = performance.now();
    const r = await instances[k]!.client.send("GET", PATH);
    lat[k]!.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`instance ${k + 1} answered ${r.status}: ${r.text}`);
  }
  return lat;
}

/**
 * The scan-based monitor's query over the window: counts, sums and averages from the JSON bodies,
 * and exact percentiles. `json` re-parses the body text for every `->>`; `jsonb` parses it once
 * per row (the subquery is fenced with OFFSET 0 so the cast is not inlined into each use).
 */
async function naiveScan(url: string, from: number, to: number, cast: "json" | "jsonb"): Promise<{ ms: number; n: number; p95: number }> {
  const c = await pgConnect(url, "vigil-bench-scan");
  try {
    const t0 = performance.now();
    const r = await c.query<{ n: number; p: number[] }>(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE b->>'status' = 'success') AS ok,
              avg((b->>'duration_ms')::float8) AS avg_ms,
              sum((b->>'tokens_used')::float8) AS tokens,
              sum((b->>'cost')::float8) AS cost,
              avg((b->>'quality_score')::float8) AS quality,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (b->>'duration_ms')::float8) AS p
         FROM (SELECT body::${cast} AS b FROM events WHERE type = 0 AND ts >= $1 AND ts < $2${cast === "jsonb" ? " OFFSET 0" : ""}) e`,
      [from, to],
    );
    const ms = performance.now() - t0;
    return { ms, n: r.rows[0]!.n, p95: r.rows[0]!.p[1]! };
  } finally {
    await c.end();
  }
}

/**
 * Waits until the leader has persisted its rollups once (instances started later restore them
 * and replay only what follows the checkpoint), or reports why it did not.
 */
async function firstFlush(server: ChildServer): Promise<{ ms: number; error: string | null }> {
  const t0 = performance.now();
  let h: any = null;
  for (let i = 0; i < 600; i++) {
    h = await getJson(`${server.url}/api/v1/health/detailed`);
    if (h.rollups.last_flush_at) return { ms: performance.now() - t0, error: null };
    if (h.rollups.last_flush_error) {
      log(`pg-query: the leader's rollup flush failed: ${h.rollups.last_flush_error} (later instances will replay the whole log)`);
      return { ms: performance.now() - t0, error: String(h.rollups.last_flush_error) };
    }
    await sleep(200);
  }
  log(`pg-query: no rollup flush after 120 s; going on. rollups: ${JSON.stringify(h?.rollups)}; cluster: ${JSON.stringify(h?.cluster)}`);
  return { ms: performance.now() - t0, error: "no flush within 120 s" };
}

/** Runs the pg-query bench and prints its table and BENCH line. */
export async function pgQuery(): Promise<void> {
  const s = settings();
  const n = s.events;
  const db = await createBenchDatabase();
  const running: Instance[] = [];
  try {
    log(`pg-query: database ${db.name}; creating Vigil's schema (one start and stop of vigil serve)`);
    {
      const { dir, cleanup } = tempDir("vigil-bench-pg-schema-");
      const schema = await startChildServer(dir, { env: { VIGIL_DATABASE_URL: db.url } });
      await schema.stop();
      cleanup();
    }
    const now = Date.now();
    // Leave margin at the old end so a long load does not push events out of the 24 h window.
    const from = now - 24 * HOUR + 60 * 60_000;
    const to = now - 1000;
    log(`pg-query: writing ${human(n)} events (${s.loadConnections} connections, ${s.txRows} rows per transaction)`);
    const load = await loadEvents(db.url, n, from, to, { agents: AGENTS, models: MODELS, routes: ROUTES, tenants: ["acme"] }, s.loadConnections, s.txRows);
    log(`pg-query: wrote ${human(n)} in ${round(load.copyMs / 1000, 1)} s + ANALYZE ${round(load.analyzeMs / 1000, 1)} s; database ${round(load.dbBytes / 2 ** 30, 2)} GiB; starting instance 1 (its start-up replays them)`);

    const first = await startInstance(db.url, n, 1);
    running.push(first);
    log(`pg-query: instance 1 ready after ${round(first.readyMs / 1000, 1)} s, total_tasks ${first.totalTasks} after ${round(first.startMs / 1000, 1)} s; waiting for its first rollup flush`);
    const flush = await firstFlush(first.server);
    const one = (await measure([first], s.samples, 20))[0]!;
    const oneSum = summary(one);
    log(`pg-query: 1 instance: median ${round(oneSum.median, 2)} ms, p95 ${round(oneSum.p95, 2)} ms`);

    for (let k = 2; k <= s.instances; k++) {
      const inst = await startInstance(db.url, n, k);
      running.push(inst);
      log(`pg-query: instance ${k} ready after ${round(inst.readyMs / 1000, 1)} s, total_tasks ${inst.totalTasks} after ${round(inst.startMs / 1000, 1)} s`);
    }
    // Let the newcomers settle (leader check, first log follow) before measuring.
    await sleep(3000);
    const many = await measure(running, s.samples, 20);
    const manySums = many.map((l) => summary(l));
    const manyAll = summary(many.flat());
    log(`pg-query: ${running.length} instances: medians ${manySums.map((m) => round(m.median, 2)).join(" / ")} ms, overall median ${round(manyAll.median, 2)} ms, p95 ${round(manyAll.p95, 2)} ms`);
    const instanceFigures = running.map((i, k) => ({ instance: k + 1, ready_s: round(i.readyMs / 1000, 2), start_s: round(i.startMs / 1000, 2), total_tasks: i.totalTasks, median_ms: round(manySums[k]!.median, 3), p95_ms: round(manySums[k]!.p95, 3) }));
    const totals = running.map((i) => i.totalTasks);
    while (running.length) await stopInstance(running.pop()!);

    log("pg-query: peer — naive SQL scan of the 24 h window with body::json (once)");
    const qto = Date.now();
    const scan = await naiveScan(db.url, qto - 24 * HOUR, qto, "json");
    log(`pg-query: scan ${round(scan.ms / 1000, 1)} s over ${human(scan.n)} events; now with body::jsonb (parsed once per row)`);
    const scanB = await naiveScan(db.url, qto - 24 * HOUR, qto, "jsonb");
    log(`pg-query: jsonb scan ${round(scanB.ms / 1000, 1)} s`);

    const ms = (v: number) => `${round(v, v < 10 ? 2 : 0)} ms`;
    const sec = (v: number) => `${round(v / 1000, 1)} s`;
    printTable(`pg-query — GET ${PATH} with ${human(n)} runs in PostgreSQL, ${s.samples} sequential requests per instance after warm-up`, [
      { figure: "median, 1 instance", ours: ms(oneSum.median), peer: ms(scan.ms) + " scan", ratio: round(oneSum.median / scan.ms, 6).toString(), goal: "< 5 ms", met: oneSum.median < 5 },
      { figure: "p95, 1 instance", ours: ms(oneSum.p95), peer: "", ratio: "", goal: "< 5 ms", met: oneSum.p95 < 5 },
      ...manySums.map((m, k) => ({ figure: `median, instance ${k + 1} of ${manySums.length}`, ours: ms(m.median), peer: "", ratio: "", goal: "< 5 ms", met: m.median < 5 })),
      { figure: `median, ${manySums.length} instances overall`, ours: ms(manyAll.median), peer: ms(scan.ms) + " scan", ratio: round(manyAll.median / scan.ms, 6).toString(), goal: "< 5 ms", met: manyAll.median < 5 },
      { figure: `p95, ${manySums.length} instances overall`, ours: ms(manyAll.p95), peer: "", ratio: "", goal: "< 5 ms", met: manyAll.p95 < 5 },
      { figure: "(context) scan with body::jsonb", ours: "", peer: ms(scanB.ms) + " scan", ratio: round(manyAll.median / scanB.ms, 6).toString(), goal: "" },
      { figure: `load ${human(n)} (COPY + ANALYZE)`, ours: sec(load.copyMs + load.analyzeMs), peer: "", ratio: "", goal: "(context)" },
      { figure: "rollup checkpoint by the leader", ours: flush.error ? "failed" : `after ${sec(flush.ms)}`, peer: "", ratio: "", goal: "(context)" },
      ...instanceFigures.map((f) => ({ figure: `start-up instance ${f.instance} (to total_tasks = ${human(n)})`, ours: `${f.start_s} s`, peer: "", ratio: "", goal: "(context)" })),
    ]);
    if (totals.some((t) => t !== n) || scan.n !== n) log(`pg-query: note: total_tasks answered ${totals.join(", ")}, the scan counted ${scan.n}, for ${n} stored`);
    emit("pg-query", {
      events: n,
      load_copy_s: round(load.copyMs / 1000, 1),
      load_analyze_s: round(load.analyzeMs / 1000, 1),
      load_transactions: load.transactions,
      db_gib: round(load.dbBytes / 2 ** 30, 2),
      first_flush_wait_s: round(flush.ms / 1000, 1),
      first_flush_error: flush.error,
      one: { median_ms: round(oneSum.median, 3), p95_ms: round(oneSum.p95, 3), max_ms: round(Math.max(...one), 3) },
      many: { median_ms: round(manyAll.median, 3), p95_ms: round(manyAll.p95, 3), instances: instanceFigures },
      scan_ms: round(scan.ms, 0),
      scan_jsonb_ms: round(scanB.ms, 0),
      scan_events: scan.n,
      scan_p95_duration_ms: round(scan.p95, 1),
      goal_ms: 5,
      settings: s,
    });
  } finally {
    while (running.length) await stopInstance(running.pop()!).catch(() => undefined);
    await db.drop();
  }
}
