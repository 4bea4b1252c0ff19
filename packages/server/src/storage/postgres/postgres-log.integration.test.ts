import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Storage } from "../../core/ports.js";
import type { StoredEvent } from "../../core/stored-event.js";
import { openPostgresStorage } from "./postgres-storage.js";
import { freshDatabase, LOCAL_ADMIN_URL, useAdminUrl } from "./postgres-test-db.js";

useAdminUrl(process.env.VIGIL_TEST_PG_URL ?? LOCAL_ADMIN_URL);

const open: Storage[] = [];
after(async () => {
  for (const s of open) await s.close().catch(() => undefined);
});

const batch = (name: string, ts: number): StoredEvent[] =>
  Array.from({ length: 5 }, (_, i) => ({ id: `${name}-${i}`, type: "run", ts: ts + i, receivedAt: ts, body: { agent_name: name, status: "success", duration_ms: i } }));

/** Pages read from `position` until `want` events came, then one more read that must bring nothing. */
async function follow(s: Storage, position: number, limit: number, want: number): Promise<StoredEvent[][]> {
  const pages: StoredEvent[][] = [];
  const deadline = Date.now() + 10_000;
  while (pages.flat().length < want && Date.now() < deadline) {
    const page = await s.events.readAfter(position, limit);
    assert.ok(page.position >= position, "positions never go back");
    position = page.position;
    if (page.events.length > 0) pages.push(page.events);
    else await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await s.events.readAfter(position, limit)).events.length, 0, "nothing after the end");
  return pages;
}

describe("PostgreSQL log following", () => {
  it("hands a follower its own and another instance's events once each, whole transactions in commit order", async () => {
    const url = await freshDatabase();
    const [a, b] = [await openPostgresStorage({ url }), await openPostgresStorage({ url })];
    open.push(a, b);
    const start = await a.events.position();
    const now = Date.now();
    const names = ["a1", "b1", "a2", "b2", "a3", "a4", "b3"];
    const written: StoredEvent[][] = [];
    for (const name of names) {
      const evs = batch(name, now);
      await (name.startsWith("a") ? a : b).events.append(evs);
      written.push(evs);
    }
    const want = written.flat().length;
    for (const [who, s] of [["writer a", a], ["writer b", b]] as const) {
      // Pages smaller than a transaction: each holds one whole transaction. (A transaction
      // running anywhere on the server holds the log back a moment: empty pages until it ends.)
      const pages = await follow(s, start, 3, want);
      assert.deepEqual(pages.map((p) => p.map((e) => e.id)), written.map((evs) => evs.map((e) => e.id)), `${who} reads every transaction once, in commit order`);
      assert.deepEqual(pages.flat().map((e) => e.body), written.flat().map((e) => e.body));
      // And in pages larger than the log: the same order.
      assert.deepEqual((await follow(s, start, 1000, want)).flat().map((e) => e.id), written.flat().map((e) => e.id));
    }
  });
});
