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
    for (const [who, s] of [["writer a", a], ["writer b", b]] as const) {
      // Pages smaller than a transaction: each holds one whole transaction.
      const pages: StoredEvent[][] = [];
      let position = start;
      for (;;) {
        const page = await s.events.readAfter(position, 3);
        assert.ok(page.position >= position, "positions never go back");
        position = page.position;
        if (page.events.length === 0) break;
        pages.push(page.events);
      }
      assert.deepEqual(pages.map((p) => p.map((e) => e.id)), written.map((evs) => evs.map((e) => e.id)), `${who} reads every transaction once, in commit order`);
      assert.deepEqual(pages.flat().map((e) => e.body), written.flat().map((e) => e.body));
      // And in pages larger than the log: one page, the same order.
      const all = await s.events.readAfter(start, 1000);
      assert.deepEqual(all.events.map((e) => e.id), written.flat().map((e) => e.id));
      assert.equal((await s.events.readAfter(all.position, 1000)).events.length, 0);
    }
  });
});
