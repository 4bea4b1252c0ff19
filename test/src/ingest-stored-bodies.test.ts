/**
 * What the embedded store keeps of each event's body: the body as the server completed it (cost
 * from the price table, an outcome's joined dimensions and accuracy), and a body the server left
 * alone exactly as it was sent, whatever its spacing. Rebuilding the rollups from the stored
 * events (sync) answers the same figures as ingest did.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { getJson, postJson, tempDir } from "./helpers.js";

describe("stored event bodies", () => {
  it("keeps what the server added and the client's text of a body it left alone, and sync answers the same figures", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const s = await startServer(loadConfig({ dataDir: dir, port: 0, host: "127.0.0.1" }, {}), false);
      // Spacing, escapes and key order as a client may send them; a batch parsed event by event.
      const batch = `{ "events" : [
        {"body": {"agent_name":"planner","status":"success","duration_ms":120,"model":"gpt-4o-mini","input_tokens":1000000,"output_tokens":1000000,"run_id":"r-1","metadata":{"prediction":"yes"}}, "type":"run"},
        { "type" : "run" , "body" : { "agent_name" : "planner" , "status" : "failure" , "duration_ms" : 80 , "cost" : 0.5 , "note_free" : 1 } },
        {"type":"run","body":{"agent_name":"pl\\u0061nner","status":"success","duration_ms":40,"cost":0.25,"metadata":{"q":"a \\"quoted\\", [bracketed] {text}"}}},
        {"type":"outcome","body":{"run_id":"r-1","actual_outcome":"yes"}}
      ] }`;
      const r = await postJson(`${s.url}/api/v1/ingest`, batch);
      assert.equal(r.status, 207);
      assert.deepEqual(r.body.errors.map((e: { index: number; path: string }) => [e.index, e.path]), [[1, "/events/1/body/note_free"]]);
      assert.equal(r.body.successes.length, 3);
      const before = (await getJson(`${s.url}/api/v1/metrics/system?window=60m`)).body.metrics;
      assert.equal(before.total_cost, 0.75 + 0.25);
      assert.equal(before.accuracy_samples, 1);
      const synced = await postJson(`${s.url}/api/v1/sync`, {});
      assert.equal(synced.status, 200);
      const after = (await getJson(`${s.url}/api/v1/metrics/system?window=60m`)).body.metrics;
      assert.deepEqual({ ...after, throughput_per_min: 0 }, { ...before, throughput_per_min: 0 });
      await s.close();

      const db = new Database(join(dir, "vigil.db"), { readonly: true });
      const rows = db.prepare("SELECT body FROM events ORDER BY seq").all() as { body: string }[];
      db.close();
      const bodies = rows.map((row) => JSON.parse(row.body) as Record<string, unknown>);
      assert.equal(bodies[0]!.cost, 0.75, "the cost computed from the price table is stored");
      assert.equal(bodies[0]!.cost_source, "price_table");
      assert.equal(rows[1]!.body, '{"agent_name":"pl\\u0061nner","status":"success","duration_ms":40,"cost":0.25,"metadata":{"q":"a \\"quoted\\", [bracketed] {text}"}}', "a body the server left alone is stored as sent");
      assert.equal(bodies[1]!.agent_name, "planner");
      assert.equal(bodies[2]!.agent_name, "planner", "the outcome is stored with the run's dimensions");
      assert.equal(bodies[2]!.accuracy, 1);
    } finally {
      cleanup();
    }
  });
});
