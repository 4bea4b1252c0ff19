/**
 * Acceptance: `kill -9` of the server right after a 2xx loses none of the acknowledged events,
 * and the metrics after a restart equal those before (child processes, real SQLite files).
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";

function runs(batch: number, n: number, now: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `crash-${batch}-${i}`,
    type: "run",
    timestamp: now - (i % 50) * 1000,
    body: { agent_name: `batch-${batch}`, status: i % 7 === 0 ? "failure" : "success", duration_ms: 100 + ((i * 37) % 900), input_tokens: i, output_tokens: 2 * i, cost: 0.001 * (i % 10), model: "gpt-4o-mini" },
  }));
}

async function killHard(s: ChildServer): Promise<void> {
  const exited = new Promise((r) => s.proc.once("exit", r));
  s.proc.kill("SIGKILL");
  await exited;
}

/** Drops what depends on when the answer is read: its time, its window and the rates (per the time elapsed in the window). */
function stripVolatile(body: any): any {
  const { generated_at: _g, window: _w, ...rest } = body;
  return JSON.parse(JSON.stringify(rest, (k, v) => (k === "throughput_per_min" || k === "cache_evictions_per_s" ? undefined : v)));
}

describe("crash durability", () => {
  const { dir, cleanup } = tempDir();
  let server: ChildServer | null = null;
  after(async () => {
    if (server && server.proc.exitCode === null) await killHard(server);
    cleanup();
  });

  it("keeps every acknowledged event when killed with SIGKILL right after a 2xx", async () => {
    server = await childServer(dir);
    const now = Date.now();
    const acked: number[] = [];
    let batch = 0;
    let stop = false;
    let killedAfter = -1;
    // Four concurrent writers; the first 2xx after 1 s triggers the kill, in the same tick as the answer.
    const start = Date.now();
    const writer = async () => {
      while (!stop) {
        const b = batch++;
        let res;
        try {
          res = await postJson(`${server!.url}/api/v1/ingest`, { events: runs(b, 500, now) });
        } catch {
          return; // the server is gone: this batch was never acknowledged
        }
        if (res.status !== 207 || res.body.errors.length) throw new Error(`unexpected answer ${res.status}`);
        if (stop) continue;
        acked.push(b);
        if (Date.now() - start > 1000) {
          stop = true;
          killedAfter = b;
          server!.proc.kill("SIGKILL");
        }
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    await new Promise((r) => (server!.proc.exitCode !== null || server!.proc.signalCode !== null ? r(null) : server!.proc.once("exit", r)));
    assert.ok(killedAfter >= 0 && acked.length > 4, `acknowledged ${acked.length} batches before the kill`);

    server = await childServer(dir);
    // Every agent of the listing, page by page (a batch is an agent; there may be more than a page).
    const stored = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page: { agents: any[]; next_cursor: string | null } = (await getJson(`${server.url}/api/v1/metrics/agents?window=60m&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).body;
      for (const a of page.agents) stored.set(a.agent_name, a.metrics.total_tasks);
      cursor = page.next_cursor;
    } while (cursor !== null);
    for (const b of acked) assert.equal(stored.get(`batch-${b}`), 500, `acknowledged batch ${b} lost events after kill -9`);
    // Re-sending an acknowledged batch after the restart is recognised as duplicates.
    const again = await postJson(`${server.url}/api/v1/ingest`, { events: runs(acked[0]!, 500, now) });
    assert.equal(again.body.successes.filter((s: any) => s.duplicate).length, 500);
  });

  it("answers the same metrics after kill -9 and restart as before", async () => {
    assert.ok(server);
    const now = Date.now();
    for (let b = 1000; b < 1010; b++) {
      const events = runs(b, 300, now);
      // outcomes and feedback joined to runs, and LLM calls, so every figure is exercised
      events.push({ type: "outcome", body: { run_id: `r-${b}`, predicted_outcome: 100, actual_outcome: 90 + (b % 10) } } as any);
      events.unshift({ type: "run", body: { agent_name: `batch-${b}`, status: "success", duration_ms: 5, run_id: `r-${b}` } } as any);
      events.push({ type: "feedback", body: { run_id: `r-${b}`, rating: 1 + (b % 5) } } as any);
      events.push({ type: "llm_call", body: { model: "gpt-4o", latency_ms: 300 + b, input_tokens: 1000, output_tokens: 100, cached_input_tokens: 200 } } as any);
      const res = await postJson(`${server!.url}/api/v1/ingest`, { events });
      assert.equal(res.status, 207);
      assert.equal(res.body.errors.length, 0, JSON.stringify(res.body.errors));
    }
    const paths = ["/api/v1/metrics/system?window=60m", "/api/v1/metrics/agents?window=60m", "/api/v1/metrics/models?window=60m", "/api/v1/metrics/system?window=24h"];
    const before = await Promise.all(paths.map(async (p) => stripVolatile((await getJson(server!.url + p)).body)));
    await killHard(server!);
    server = await childServer(dir);
    const afterKill = await Promise.all(paths.map(async (p) => stripVolatile((await getJson(server!.url + p)).body)));
    for (let i = 0; i < paths.length; i++) {
      assert.deepEqual(afterKill[i], before[i], `${paths[i]} differs after restart`);
    }
  });

  it("answers the same metrics after a clean stop and restart (persisted rollups, no replay)", async () => {
    const before = stripVolatile((await getJson(`${server!.url}/api/v1/metrics/system?window=60m`)).body);
    const exited = new Promise((r) => server!.proc.once("exit", r));
    server!.proc.kill("SIGTERM");
    await exited;
    server = await childServer(dir);
    assert.match(server.output(), /"replayed":0/);
    const afterStop = stripVolatile((await getJson(`${server.url}/api/v1/metrics/system?window=60m`)).body);
    assert.deepEqual(afterStop, before);
  });
});
