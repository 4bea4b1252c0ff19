/**
 * Failover with two instances on one PostgreSQL database: one decides, both answer. A route
 * registered on the follower is evaluated by the leader from events ingested on the follower; the
 * follower's API and event stream show the switch; a manual pin on the follower is not overwritten
 * by the leader; and when the leader stops, the survivor takes over with the state intact.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { getJson, postJson, tempDir } from "./helpers.js";
import { createTestDatabase, waitFor } from "./pg-support.js";

describe("failover with two instances on PostgreSQL", () => {
  const t = tempDir();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const servers: RunningServer[] = [];
  let leader: RunningServer;
  let follower: RunningServer;

  before(async () => {
    db = await createTestDatabase("vigil_failover");
    const config = join(t.dir, "vigil.yaml");
    writeFileSync(config, "failover:\n  evaluation_interval: 1h\ncluster:\n  follow_interval: 1s\n  leader_check_interval: 1s\n");
    for (const name of ["a", "b"]) servers.push(await startServer(loadConfig({ dataDir: join(t.dir, name), port: 0, host: "127.0.0.1", databaseUrl: db.url, config }, {}), false));
    await waitFor(async () => servers.some((s) => s.leadership.isLeader()), 15_000, "a leader");
    leader = servers.find((s) => s.leadership.isLeader())!;
    follower = servers.find((s) => s !== leader)!;
  });

  after(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    await db?.drop();
    t.cleanup();
  });

  it("lets the leader decide on a route registered and fed through the follower, and both answer the same", async () => {
    const f = `${follower.url}/api/v1`;
    for (const id of ["primary-m", "backup-m"]) assert.equal((await postJson(`${f}/models`, { id })).status, 201);
    assert.equal((await postJson(`${f}/routes`, { route: "answer", primary: "primary-m", backups: ["backup-m"], thresholds: { error_rate: { trip: 0.2, min_samples: 10 } }, policy: { trip_after: 1, min_dwell_ms: 0 }, window: "1m" })).status, 201);
    const events = [...Array.from({ length: 30 }, (_, i) => ({ type: "llm_call", body: { model: "primary-m", route: "answer", latency_ms: 100, status: i % 2 ? "failure" : "success" } })), ...Array.from({ length: 30 }, () => ({ type: "llm_call", body: { model: "backup-m", route: "answer", latency_ms: 100 } }))];
    assert.equal((await postJson(`${f}/ingest`, { events })).status, 207);
    // The leader folds the follower's events from the shared log.
    await waitFor(async () => (await getJson(`${leader.url}/api/v1/metrics/system?route=answer&window=1h`)).body.metrics.llm_calls === 60, 15_000, "the leader to see the follower's events");
    assert.equal(await follower.routes.evaluate(), 0, "the follower does not decide");
    assert.equal((await getJson(`${f}/routes/answer`)).body.active_model, "primary-m");
    await leader.routes.evaluate();
    assert.equal((await getJson(`${leader.url}/api/v1/routes/answer`)).body.active_model, "backup-m");
    await follower.routes.evaluate();
    const seen = (await getJson(`${f}/routes/answer`)).body;
    assert.equal(seen.active_model, "backup-m");
    assert.equal(seen.state, "failed_over");
    const history = (await getJson(`${f}/routes/answer/history`)).body.decisions;
    assert.equal(history.length, 1, "one decision, not one per instance");
    assert.equal(history[0].trigger, "auto");
  });

  it("keeps a pin made on the follower through the leader's evaluations", async () => {
    const pinned = await postJson(`${follower.url}/api/v1/routes/answer/switch`, { to: "primary-m", ttl_s: 300, by: "ops" });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    await leader.routes.evaluate();
    await leader.routes.evaluate();
    const v = (await getJson(`${leader.url}/api/v1/routes/answer`)).body;
    assert.deepEqual({ active: v.active_model, state: v.state }, { active: "primary-m", state: "pinned" });
  });

  it("hands over to the survivor when the leader stops, with the route state intact", async () => {
    const before = (await getJson(`${follower.url}/api/v1/routes/answer`)).body;
    await leader.close();
    servers.splice(servers.indexOf(leader), 1);
    await waitFor(async () => follower.leadership.isLeader(), 20_000, "the survivor to lead");
    await follower.routes.evaluate();
    const v = (await getJson(`${follower.url}/api/v1/routes/answer`)).body;
    assert.deepEqual({ active: v.active_model, state: v.state, pin: v.pin }, { active: before.active_model, state: before.state, pin: before.pin });
    // And it decides now: unpinned, the primary answers for its calls since it was pinned (from the
    // next 10-second slice), so fresh failures trip it again.
    await fetch(`${follower.url}/api/v1/routes/answer/pin`, { method: "DELETE" });
    const pinnedAt = Date.parse(before.since);
    await new Promise((r) => setTimeout(r, Math.max(0, Math.ceil(pinnedAt / 10_000) * 10_000 + 200 - Date.now())));
    const failing = Array.from({ length: 30 }, (_, i) => ({ type: "llm_call", body: { model: "primary-m", route: "answer", latency_ms: 100, status: i % 2 ? "failure" : "success" } }));
    const failedCalls = async () => (await getJson(`${follower.url}/api/v1/metrics/models/primary-m?window=60m`)).body.metrics.llm_failed_calls as number;
    const failedBefore = await failedCalls();
    assert.equal((await postJson(`${follower.url}/api/v1/ingest`, { events: failing })).status, 207);
    // On a shared store an instance folds what it stored by following the log (within the follow
    // interval): wait until the failures are folded, so the evaluation below sees them.
    await waitFor(async () => (await follower.rollups.catchUp(), (await failedCalls()) >= failedBefore + 15), 10_000, "the follower to fold the failures");
    await follower.routes.evaluate();
    assert.equal((await getJson(`${follower.url}/api/v1/routes/answer`)).body.active_model, "backup-m");
  });
});
