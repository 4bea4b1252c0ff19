import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Storage } from "../../core/ports.js";
import type { StoredEvent } from "../../core/stored-event.js";
import { openPostgresStorage, type PostgresOptions } from "./postgres-storage.js";
import { freshDatabase, LOCAL_ADMIN_URL, onDatabase, useAdminUrl } from "./postgres-test-db.js";

useAdminUrl(process.env.VIGIL_TEST_PG_URL ?? LOCAL_ADMIN_URL);

const DAY = 86_400_000;
const run = (id: string, ts: number, body: Record<string, unknown> = { agent_name: "a", status: "success", duration_ms: 1 }): StoredEvent => ({ id, type: "run", ts, receivedAt: ts, body });

const open: Storage[] = [];
async function store(url: string, opts: Partial<PostgresOptions> = {}): Promise<Storage> {
  const s = await openPostgresStorage({ url, ...opts });
  open.push(s);
  return s;
}
after(async () => {
  for (const s of open) await s.close().catch(() => undefined);
});

/** What another instance reads from the log (bodies parsed from the database, not this one's memory). */
async function readAll(s: Storage, want: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let position = 0;
  for (let t = 0; t < 200 && out.length < want; t++) {
    const page = await s.events.readAfter(position, 1000);
    position = page.position;
    out.push(...page.events);
    if (page.events.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

const sql = <R extends Record<string, unknown>>(url: string, text: string) => onDatabase(url, async (c) => (await c.query<R>(text)).rows);

describe("PostgreSQL append", () => {
  it("stores each id once across concurrent batches from two instances that share ids in opposite orders", async () => {
    const url = await freshDatabase();
    const [a, b] = [await store(url), await store(url)];
    const now = Date.now();
    const ids = Array.from({ length: 300 }, (_, i) => `e${i}`);
    const fresh = new Map<string, number>();
    const count = (batch: StoredEvent[], flags: boolean[]) => batch.forEach((e, i) => flags[i] && fresh.set(e.id, (fresh.get(e.id) ?? 0) + 1));
    for (let round = 0; round < 5; round++) {
      const slice = ids.slice(round * 60, round * 60 + 120);
      const forward = slice.map((id) => run(id, now));
      const backward = [...forward].reverse();
      const [fa, fb] = await Promise.all([a.events.append(forward), b.events.append(backward)]);
      count(forward, fa);
      count(backward, fb);
    }
    assert.equal(fresh.size, 300, "every id stored");
    assert.ok([...fresh.values()].every((n) => n === 1), "and reported new exactly once");
    assert.equal((await sql<{ n: string }>(url, "SELECT count(*) AS n FROM events"))[0]!.n, "300");
    assert.equal((await a.events.countByType()).run, 300);
    // A batch of ids all stored before stores nothing and counts nothing; repeats within a batch keep the first.
    assert.deepEqual(await a.events.append([run("e1", now), run("e2", now)]), [false, false]);
    assert.deepEqual(await a.events.append([run("n1", now), run("e3", now), run("n1", now + 1)]), [true, false, false]);
    assert.equal((await a.events.countByType()).run, 301);
    // A lone surrogate has no UTF-8 form: stored as U+FFFD, so these two ids are one, and the partial duplicate is told apart.
    assert.deepEqual(await a.events.append([run("s\ud800", now)]), [true]);
    assert.deepEqual(await a.events.append([run("s\udc00", now), run("s2", now), run("s\ufffd", now)]), [false, true, false]);
    assert.deepEqual((await sql<{ id: string }>(url, "SELECT id FROM events WHERE id LIKE 's%' ORDER BY id")).map((r) => r.id), ["s2", "s\ufffd"]);
    assert.equal((await a.events.countByType()).run, 303);
  });

  it("answers each of many concurrent batches for its own events when they are written together", async () => {
    const url = await freshDatabase();
    // A pool of 3 leaves one transaction of appends in flight: the batches arriving meanwhile go together.
    const [s, reader] = [await store(url, { poolMax: 3 }), await store(url)];
    const now = Date.now();
    assert.deepEqual(await s.events.append([run("old", now)]), [true]);
    const batches = Array.from({ length: 8 }, (_, b) => [run(`b${b}-x`, now), run(`b${b === 0 ? 0 : b - 1}-x`, now), run("old", now), run(`b${b}-y`, now)]);
    const answers = await Promise.all(batches.map((evs) => s.events.append(evs)));
    // Each batch's first event is new; its second repeats the previous batch's first (new only in
    // batch 0, where it repeats its own); "old" was stored before.
    assert.deepEqual(answers, batches.map(() => [true, false, false, true]));
    assert.equal((await sql<{ n: string }>(url, "SELECT count(*) AS n FROM events"))[0]!.n, String(1 + 8 * 2));
    assert.equal((await s.events.countByType()).run, 17);
    const read = await readAll(reader, 17);
    assert.deepEqual(read.map((e) => e.id).sort(), ["old", ...batches.flatMap((evs) => [evs[0]!.id, evs[3]!.id])].sort());
  });

  it("keeps bodies and keys exactly, whatever characters they hold, as another instance reads them", async () => {
    const url = await freshDatabase();
    const [writer, reader] = [await store(url), await store(url)];
    const now = Date.now();
    const strange = [
      "back\\slash \\N \\. \\\\",
      "tab\there, newline\nthere, carriage\rreturn",
      "\\.\n\\.",
      'quote " and \\" and \\u0041',
      "unicode: é 漢字 🙂 \u2028",
      "nul: a\u0000b",
      "lone surrogate: \ud800 end",
    ];
    const evs: StoredEvent[] = strange.map((text, i) => ({
      id: `id\\${i} "é" 'q' $1`,
      type: "llm_call",
      ts: now + i,
      receivedAt: now + i,
      runId: i === 0 ? "\\N" : `run\\${i}`,
      ...(i === 1 ? { taskId: "task\\t" } : {}),
      body: { model: "m", latency_ms: 1, prompt: text, nested: { list: [text, 1, null] } },
    }));
    assert.deepEqual(await writer.events.append(evs), evs.map(() => true));
    // Keys with control characters (the API refuses them, the store does not) take another way to the database.
    const controlled = { ...evs[1]!, id: "new\nline\ttab" };
    assert.deepEqual(await writer.events.append([controlled, evs[0]!]), [true, false]);
    evs.push(controlled);
    const read = await readAll(reader, evs.length);
    assert.deepEqual(read.map((e) => e.id), evs.map((e) => e.id));
    for (const [i, e] of read.entries()) {
      assert.deepEqual(e.body, evs[i]!.body, `body ${i}`);
      assert.equal(e.runId, evs[i]!.runId, "a run id spelled \\N is that text, not NULL");
      assert.equal(e.taskId, evs[i]!.taskId);
    }
    // The stored text is the body's JSON: a NUL stays the escape \u0000 (PostgreSQL text cannot hold NUL).
    const rows = await sql<{ id: string; body: string }>(url, "SELECT id, body FROM events ORDER BY seq");
    assert.deepEqual(rows.map((r) => r.body), evs.map((e) => JSON.stringify(e.body)));
    assert.ok(rows[5]!.body.includes("a\\u0000b"));
    // Scans read the same from the database.
    const scanned: StoredEvent[] = [];
    for await (const page of reader.events.scanTimeRange(now, now + 100, Number.MAX_SAFE_INTEGER, 3)) scanned.push(...page);
    assert.deepEqual(scanned.map((e) => [e.id, e.body]), evs.map((e) => [e.id, e.body]));
  });

  it("stores a body the server left unchanged as the client's own text, whatever its spacing", async () => {
    const url = await freshDatabase();
    const [writer, reader] = [await store(url), await store(url)];
    const now = Date.now();
    const text = '{\n\t"agent_name" : "a\\tb",\r\n "status": "success", "duration_ms": 1.50}';
    const ev: StoredEvent = { ...run("own-text", now), body: JSON.parse(text) as Record<string, unknown>, bodyJson: text };
    assert.deepEqual(await writer.events.append([ev]), [true]);
    assert.equal((await sql<{ body: string }>(url, "SELECT body FROM events"))[0]!.body, text);
    assert.deepEqual((await readAll(reader, 1))[0]!.body, { agent_name: "a\tb", status: "success", duration_ms: 1.5 });
  });

  it("stores a batch spanning two days in both day partitions, in one transaction, counted per day", async () => {
    const url = await freshDatabase();
    const [writer, reader] = [await store(url), await store(url)];
    const midnight = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
    const evs = [run("late", midnight - 1), run("early", midnight), run("later", midnight - 2), run("next", midnight + 5)];
    assert.deepEqual(await writer.events.append(evs), [true, true, true, true]);
    const rows = await sql<{ part: string; txs: string; n: string }>(url, "SELECT tableoid::regclass::text AS part, count(DISTINCT tx) AS txs, count(*) AS n FROM events GROUP BY 1 ORDER BY 1");
    const name = (t: number) => "events_p" + new Date(t).toISOString().slice(0, 10).replaceAll("-", "");
    assert.deepEqual(rows, [{ part: name(midnight - 1), txs: "1", n: "2" }, { part: name(midnight), txs: "1", n: "2" }]);
    assert.equal((await sql<{ n: string }>(url, "SELECT count(DISTINCT tx) AS n FROM events"))[0]!.n, "1");
    const counts = await sql<{ day: number; n: string }>(url, "SELECT day, sum(n)::text AS n FROM event_counts GROUP BY day ORDER BY day");
    assert.deepEqual(counts, [{ day: midnight / DAY - 1, n: "2" }, { day: midnight / DAY, n: "2" }]);
    assert.deepEqual((await readAll(reader, 4)).map((e) => e.id), ["late", "early", "later", "next"]);
  });

  it("leaves nothing of a batch that fails, at any step, and the connection appends again afterwards", async () => {
    const url = await freshDatabase();
    // One connection, so the appends after a failure run on the connection that failed.
    const s = await store(url, { poolMax: 1 });
    const now = Date.now();
    await s.events.append([run("before", now)]);
    const state = async () => (await sql<{ ids: string; events: string; counts: string }>(url, "SELECT (SELECT count(*) FROM event_ids) AS ids, (SELECT count(*) FROM events) AS events, (SELECT sum(n) FROM event_counts) AS counts"))[0];
    const was = await state();
    assert.deepEqual(was, { ids: "1", events: "1", counts: "1" });
    await sql(url, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused: %', TG_TABLE_NAME; END $$");
    const batch = [run("x1", now), run("x2", now), run("before", now), run("x3", now)];
    // While the keys are claimed, all new (one COPY) or some already stored (claimed one by one)...
    await sql(url, "CREATE TRIGGER refuse BEFORE INSERT ON event_ids FOR EACH ROW WHEN (NEW.id = 'x2') EXECUTE FUNCTION refuse()");
    await assert.rejects(s.events.append(batch.filter((e) => e.id !== "before")), /refused: event_ids/);
    assert.deepEqual(await state(), was);
    await assert.rejects(s.events.append(batch), /refused: event_ids/);
    assert.deepEqual(await state(), was);
    await sql(url, "DROP TRIGGER refuse ON event_ids");
    // ...while the events are copied (after the keys were claimed)...
    await sql(url, "CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.id = 'x2') EXECUTE FUNCTION refuse()");
    await assert.rejects(s.events.append(batch), /refused: events/);
    assert.deepEqual(await state(), was);
    await sql(url, "DROP TRIGGER refuse ON events");
    // ...and at the last step, the counts.
    await sql(url, "CREATE TRIGGER refuse BEFORE INSERT ON event_counts FOR EACH ROW EXECUTE FUNCTION refuse()");
    await assert.rejects(s.events.append(batch), /refused: event_counts/);
    assert.deepEqual(await state(), was);
    await sql(url, "DROP TRIGGER refuse ON event_counts");
    assert.deepEqual(await s.events.append(batch), [true, true, false, true]);
    assert.deepEqual(await state(), { ids: "4", events: "4", counts: "4" });
    const stored: string[] = [];
    for await (const page of s.events.scanTimeRange(now, now + 1, Number.MAX_SAFE_INTEGER, 10)) stored.push(...page.map((e) => e.id));
    assert.deepEqual(stored.sort(), ["before", "x1", "x2", "x3"]);
  });

  it("appends again into a day whose partition another instance dropped", async () => {
    const url = await freshDatabase();
    const [a, b] = [await store(url), await store(url)];
    const old = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
    await a.events.append([run("old1", old + 1)]);
    assert.equal(await b.events.deleteBefore(old + DAY, 10_000), 1);
    // a still believes the partition exists: the copy is refused, a learns and retries.
    assert.deepEqual(await a.events.append([run("old2", old + 2), run("new", Date.now())]), [true, true]);
    assert.deepEqual((await sql<{ id: string }>(url, "SELECT id FROM events ORDER BY id")).map((r) => r.id), ["new", "old2"]);
  });
});
