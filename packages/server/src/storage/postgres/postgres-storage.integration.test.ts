import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type Socket } from "node:net";
import pg from "pg";
import { openPostgresStorage } from "./postgres-storage.js";
import { describeStorageContract } from "../storage-contract.js";
import { VigilError } from "../../core/errors.js";
import { admin, freshDatabase, LOCAL_ADMIN_URL, useAdminUrl } from "./postgres-test-db.js";

useAdminUrl(process.env.VIGIL_TEST_PG_URL ?? LOCAL_ADMIN_URL);

describeStorageContract("PostgreSQL", async () => {
  const url = await freshDatabase();
  return { storage: await openPostgresStorage({ url }), reopen: () => openPostgresStorage({ url }) };
});

describe("PostgreSQL storage specifics", () => {
  it("keeps raw events in one partition per day and drops whole partitions on retention", async () => {
    const url = await freshDatabase();
    const s = await openPostgresStorage({ url });
    const DAY = 86_400_000;
    const today = Math.floor(Date.now() / DAY) * DAY;
    const ev = (id: string, ts: number) => ({ id, type: "run" as const, ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 1 } });
    await s.events.append([ev("a", today - 5 * DAY + 10), ev("b", today - 5 * DAY + 20), ev("c", today + 10)]);
    const parts = async () => admin(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const r = await c.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1");
      await c.end();
      return r.rows.map((x) => x.name);
    });
    const day = (t: number) => "events_p" + new Date(t).toISOString().slice(0, 10).replaceAll("-", "");
    assert.deepEqual(await parts(), [day(today - 5 * DAY), day(today)]);
    assert.equal(await s.events.deleteBefore(today - DAY, 10_000), 2);
    assert.deepEqual(await parts(), [day(today)]);
    assert.deepEqual(await s.events.countByType(), { run: 1, llm_call: 0, outcome: 0, feedback: 0, metric: 0, cache: 0, tool_call: 0, retrieval: 0 });
    await s.close();
  });

  it("elects one leader among instances and hands over to another when it goes, with a higher term", async () => {
    const url = await freshDatabase();
    const stores = [await openPostgresStorage({ url, leaderCheckMs: 200 }), await openPostgresStorage({ url, leaderCheckMs: 200 }), await openPostgresStorage({ url, leaderCheckMs: 200 })];
    const members = stores.map((s, i) => s.leadership(`i${i}`));
    const leaders = async () => {
      for (let t = 0; t < 100; t++) {
        const l = members.filter((m) => m.isLeader());
        if (l.length === 1) return l;
        await new Promise((r) => setTimeout(r, 50));
      }
      return members.filter((m) => m.isLeader());
    };
    const first = await leaders();
    assert.equal(first.length, 1, "exactly one leader");
    const firstTerm = first[0]!.term();
    // Each instance registers at its first check, which may come after the election under load.
    let st = await first[0]!.status();
    for (let t = 0; t < 100 && st.instances.length < 3; t++) {
      await new Promise((r) => setTimeout(r, 50));
      st = await first[0]!.status();
    }
    assert.equal(st.leader_id, first[0]!.instanceId);
    assert.equal(st.instances.length, 3);
    // Stay stable: nobody else takes over while the leader lives.
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(members.filter((m) => m.isLeader()), first);
    await first[0]!.close();
    members.splice(members.indexOf(first[0]!), 1);
    const t0 = Date.now();
    const next = await leaders();
    assert.equal(next.length, 1, "a survivor takes over");
    assert.ok(next[0]!.term() > firstTerm, "with a higher term");
    assert.ok(Date.now() - t0 < 3000);
    for (const m of members) await m.close();
    for (const s of stores) await s.close();
  });

  it("refuses a schema newer than it knows, and positions restored from another server until renumbered", async () => {
    const url = await freshDatabase();
    const s = await openPostgresStorage({ url });
    await s.events.append([{ id: "e1", type: "run", ts: Date.now(), receivedAt: Date.now(), body: { agent_name: "a", status: "success", duration_ms: 1 } }]);
    await s.close();
    const sql = async (text: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(text);
      await c.end();
    };
    await sql("INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', 0)");
    await assert.rejects(openPostgresStorage({ url }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && /schema is at version 999, newer than this Vigil knows/.test(e.message));
    await sql("DELETE FROM schema_migrations WHERE version = 999");
    // As after a dump of another server: positions far beyond this server's transaction ids.
    await sql("UPDATE events SET tx = tx + 1000000000; UPDATE rollup_state SET watermark = 1000000000");
    await assert.rejects(openPostgresStorage({ url }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && /restored from a dump of another server/.test(e.message));
    // The renumbering of docs/operations.md makes it usable again, with every event readable.
    await sql("BEGIN; UPDATE events SET tx = CASE WHEN tx <= (SELECT watermark FROM rollup_state) THEN 1 ELSE 2 END; UPDATE rollup_state SET watermark = 1; COMMIT;");
    const again = await openPostgresStorage({ url });
    assert.deepEqual((await again.events.readAfter(1, 100)).events.map((e) => e.id), ["e1"]);
    await again.close();
  });

  it("answers STORAGE_UNAVAILABLE from the alert store while the database cannot be reached", async () => {
    const url = new URL(await freshDatabase());
    // A TCP relay in front of PostgreSQL that the test cuts, as a database outage would.
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = createConnection({ host: url.hostname, port: Number(url.port || 5432) });
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(a);
        a.pipe(b);
        a.on("error", () => b.destroy());
        a.on("close", () => b.destroy());
      }
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const relayed = new URL(url);
    relayed.host = `127.0.0.1:${(relay.address() as { port: number }).port}`;
    const s = await openPostgresStorage({ url: relayed.toString(), connectTimeoutMs: 1000 });
    await s.alerts.putRule({ name: "r", description: null, metric: "error_rate", aggregate: null, scope: {}, group_by: [], comparator: ">", threshold: 0.1, threshold_key: null, window_ms: 60_000, for_ms: 0, keep_firing_for_ms: 0, min_samples: 1, change: null, severity: "warning", labels: {}, annotations: {}, no_data: "ok", enabled: true, source: "api" });
    const closed = new Promise<void>((r) => relay.close(() => r()));
    for (const sock of sockets) sock.destroy();
    await closed;
    const unavailable = (e: unknown) => e instanceof VigilError && e.code === "STORAGE_UNAVAILABLE";
    await assert.rejects(s.alerts.listRules(), unavailable);
    await assert.rejects(s.alerts.saveAlerts([], [{ alert_id: "a", at: 1, event: "firing", by: null, note: null, value: null }]), unavailable);
    await assert.rejects(s.alerts.due(Date.now(), 10), unavailable);
    await assert.rejects(s.events.append([{ id: "e", type: "run", ts: Date.now(), receivedAt: Date.now(), body: {} }]), unavailable);
    assert.match(s.failure() ?? "", /is unavailable \(ECONNREFUSED/);
    await s.close();
  });

  it("refuses to start with a clear message when the database cannot be reached", async () => {
    await assert.rejects(openPostgresStorage({ url: "postgres://postgres@127.0.0.1:1/nothing", connectTimeoutMs: 1000 }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && /cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/nothing/.test(e.message));
  });
});
