/**
 * Differential test against the real embedded store: custom metric reads answered by the rollup
 * service's in-memory index equal `aggregateCustomMetrics` of SQLite for random metric events,
 * windows and filters — after the start-up rebuild, with events stored while it ran, and after a
 * sync — and windows inside the index's horizon are answered without reading the store.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { customWindow } from "./alerting-root.js";
import type { EventStore } from "./core/ports.js";
import type { StoredEvent } from "./core/stored-event.js";
import { sliceEnd } from "./core/window-bounds.js";
import { openPostgresStorage } from "./storage/postgres/postgres-storage.js";
import { freshDatabase } from "./storage/postgres/postgres-test-db.js";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import { NOW, rng } from "./test-support/random-events.js";
import { RollupService } from "./services/rollup-service.js";

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;
const dir = mkdtempSync(join(tmpdir(), "vigil-custom-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Metric events over the last `span` ms: few names, optional component/category/unit, values in quarters (sums stay exact), times on whole seconds (ties). */
function metrics(seed: number, n: number, span: number, prefix: string): StoredEvent[] {
  const r = rng(seed);
  const pick = (k: number) => Math.floor(r() * k);
  return Array.from({ length: n }, (_, i) => {
    const ts = NOW - 2 * M - Math.floor((r() ** 2 * span) / S) * S;
    const body: Record<string, unknown> = { name: `m${pick(4)}`, value: (pick(4000) - 1000) / 4 };
    if (r() < 0.7) body.component = `c${pick(3)}`;
    if (r() < 0.5) body.category = `k${pick(2)}`;
    if (r() < 0.8) body.unit = pick(2) ? "ms" : "bytes";
    return { id: `${prefix}${i}`, type: "metric", ts, receivedAt: ts, body };
  });
}

type Kind = "SQLite" | "PostgreSQL";

async function setup(kind: Kind) {
  const storage = kind === "SQLite" ? openSqliteStorage({ dataDir: join(dir, String(Math.random()).slice(2)) }) : await openPostgresStorage({ url: await freshDatabase() });
  const follow = kind === "PostgreSQL";
  let storeReads = 0;
  const events: EventStore = {
    ...storage.events,
    aggregateCustomMetrics(from, to, f) {
      storeReads++;
      return storage.events.aggregateCustomMetrics(from, to, f);
    },
  };
  const rollups = new RollupService({ events, rollups: storage.rollups, horizons: { minuteMs: 2 * D, hourMs: 30 * D }, eventRetentionMs: 14 * D, now: () => NOW, follow, leadership: { isLeader: () => true, term: () => 1 } });
  // Stored events reach the index as they do in the server: at once, or by following the shared log.
  const stored = async (evs: StoredEvent[]) => {
    const fresh = await storage.events.append(evs);
    if (follow) await rollups.catchUp();
    else evs.forEach((ev, i) => fresh[i] && rollups.stored(ev));
  };
  /**
   * Following a shared log, the index holds what the follower has read: the log stops before any
   * transaction still running on the server (other databases' too), so wait until it has caught up.
   */
  const settled = async () => {
    if (!follow) return;
    const to = sliceEnd(NOW, H);
    const count = async (rows: Promise<{ count: number }[]>) => (await rows).reduce((n, r) => n + r.count, 0);
    for (let i = 0; i < 300; i++) {
      await rollups.catchUp();
      if ((await count(rollups.aggregateCustomMetrics(to - 7 * D, to, {}))) === (await count(storage.events.aggregateCustomMetrics(to - 7 * D, to, {})))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the log follower did not catch up within 30 s");
  };
  return { storage, rollups, stored, settled, storeReads: () => storeReads };
}

const FILTERS = [{}, { name: "m1" }, { name: "m2", component: "c1" }, { component: "c0" }, { category: "k1" }, { name: "m9" }];

for (const kind of ["SQLite", "PostgreSQL"] as Kind[]) describe(`custom metric index against ${kind}'s aggregateCustomMetrics`, () => {
  it("answers random windows and filters as the store, without reading it inside the horizon", async () => {
    const { storage, rollups, stored, settled, storeReads } = await setup(kind);
    try {
      await storage.events.append(metrics(1, 4000, 9 * D, "a"));
      await rollups.start();
      // Stored while the rebuild runs: folded live, never twice.
      await stored(metrics(2, 1500, 3 * D, "b"));
      await rollups.customReady();
      await settled();
      const r = rng(7);
      let fromIndex = 0;
      for (let i = 0; i < 300; i++) {
        const g = [10 * S, M, H][Math.floor(r() * 3)]!;
        const to = sliceEnd(NOW - Math.floor(r() * r() * 8 * D), g);
        const from = to - (1 + Math.floor(r() * 40)) * g;
        const f = FILTERS[Math.floor(r() * FILTERS.length)]!;
        const before = storeReads();
        const ours = await rollups.aggregateCustomMetrics(from, to, f);
        if (storeReads() === before) fromIndex++;
        assert.deepEqual(ours, await storage.events.aggregateCustomMetrics(from, to, f), `[${from - NOW}, ${to - NOW}) ${JSON.stringify(f)}`);
      }
      // Ten-second windows older than two hours and minute windows older than two days go to the store.
      assert.ok(fromIndex > 120, `windows answered from the index: ${fromIndex} of 300`);
      // Rule windows (30 s … 7 d, and the window before for a change rule), the metrics API's minute windows: no store read.
      const before = storeReads();
      for (const w of [30 * S, 5 * M, H, 6 * H, D, 3 * D, 7 * D]) {
        for (const win of [customWindow(NOW - w, NOW), customWindow(NOW - 2 * w, NOW - w)]) {
          if (NOW - win.from > 8 * D) continue;
          assert.deepEqual(await rollups.aggregateCustomMetrics(win.from, win.to, { name: "m0" }), await storage.events.aggregateCustomMetrics(win.from, win.to, { name: "m0" }), `rule window ${w}`);
        }
      }
      assert.equal(storeReads(), before, "inside the horizon the store is not read");
      // Unaligned or older than the horizon: the store answers.
      for (const [from, to] of [[NOW - H + 1, NOW], [NOW - 9 * D, NOW - 8.5 * D]] as const) {
        const n = storeReads();
        assert.deepEqual(await rollups.aggregateCustomMetrics(from, to, {}), await storage.events.aggregateCustomMetrics(from, to, {}));
        assert.equal(storeReads(), n + 1);
      }
      // A sync rebuilds the index's recent span from the store: still one answer.
      await rollups.sync(24);
      await settled();
      for (const g of [10 * S, M, H]) {
        const to = sliceEnd(NOW, g);
        for (const f of FILTERS) assert.deepEqual(await rollups.aggregateCustomMetrics(to - 30 * g, to, f), await storage.events.aggregateCustomMetrics(to - 30 * g, to, f), `after sync ${g} ${JSON.stringify(f)}`);
      }
      assert.equal(rollups.status().custom_metrics.overflow_series, 0);
    } finally {
      await storage.close();
    }
  });

  it("reads from the store until the rebuild has covered the window", async () => {
    const { storage, rollups, settled, storeReads } = await setup(kind);
    try {
      await storage.events.append(metrics(3, 200, 2 * D, "a"));
      await rollups.start();
      // The rebuild has not run a page yet (it steps on later turns of the event loop).
      const n = storeReads();
      const to = sliceEnd(NOW, M);
      assert.deepEqual(await rollups.aggregateCustomMetrics(to - 30 * H, to, {}), await storage.events.aggregateCustomMetrics(to - 30 * H, to, {}));
      assert.equal(storeReads(), n + 1);
      await rollups.customReady();
      await settled();
      const m = storeReads();
      assert.deepEqual(await rollups.aggregateCustomMetrics(to - 30 * H, to, {}), await storage.events.aggregateCustomMetrics(to - 30 * H, to, {}));
      assert.equal(storeReads(), m, "answered from the index once rebuilt");
    } finally {
      await storage.close();
    }
  });
});
