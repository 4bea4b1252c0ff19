/** `POST /sync` rebuilds rollups from raw events without losing or double-counting events ingested meanwhile. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getJson, inProcessServer, postJson } from "./helpers.js";

describe("sync under concurrent ingest", () => {
  it("counts every acknowledged run exactly once while syncs run in between", async () => {
    const s = await inProcessServer();
    try {
      let acked = 0;
      let stop = false;
      let batch = 0;
      const writer = async () => {
        while (!stop) {
          const b = batch++;
          const events = Array.from({ length: 200 }, (_, i) => ({ id: `sync-${b}-${i}`, type: "run", body: { agent_name: `w${b % 3}`, status: "success", duration_ms: 10 + i } }));
          const r = await postJson(`${s.url}/api/v1/ingest`, { events });
          assert.equal(r.status, 207);
          acked += r.body.successes.length;
        }
      };
      const writers = [writer(), writer(), writer()];
      let syncs = 0;
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 60));
        const r = await postJson(`${s.url}/api/v1/sync?lookback_hours=1`, "");
        assert.equal(r.status, 200);
        syncs++;
      }
      stop = true;
      await Promise.all(writers);
      assert.equal(syncs, 8);
      assert.ok(acked > 1000, `only ${acked} runs were acknowledged`);
      const m = (await getJson(`${s.url}/api/v1/metrics/system?window=60m`)).body.metrics;
      assert.equal(m.total_tasks, acked);
      const final = await postJson(`${s.url}/api/v1/sync?lookback_hours=1`, "");
      assert.equal(final.body.events_replayed, acked);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/system?window=60m`)).body.metrics.total_tasks, acked);
    } finally {
      await s.stop();
    }
  });
});
