/**
 * Baselines on a shared PostgreSQL store: what one instance sets, captures or deletes, every other
 * instance lists, compares and lets a rule name at once (they re-read the stored baselines), and the
 * config file's baselines stay read-only on each.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getJson, inProcessServer, postJson, tempDir } from "./helpers.js";
import { createTestDatabase } from "./pg-support.js";

type Server = Awaited<ReturnType<typeof inProcessServer>>;

async function send(url: string, method: "PUT" | "DELETE", body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

describe("baselines on a shared store", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const cfgDir = tempDir("vigil-baselines-cfg-");
  const servers: Server[] = [];
  before(async () => {
    db = await createTestDatabase("vigil_baselines");
    const cfg = join(cfgDir.dir, "vigil.yaml");
    writeFileSync(cfg, "baselines:\n  - {name: terminal_load, metric: p95_latency_ms, value: 280, scope: {endpoint: matrix_terminal}}\n");
    for (let i = 0; i < 2; i++) servers.push(await inProcessServer({ VIGIL_DATABASE_URL: db.url, VIGIL_CONFIG: cfg }));
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await db?.drop();
    cfgDir.cleanup();
  });

  it("a baseline set on one instance is listed, compared and usable by a rule on the other, and its deletion reaches both", async () => {
    const [a, b] = servers as [Server, Server];
    const made = await postJson(`${a.url}/api/v1/baselines`, { name: "search.p95", metric: "p95_latency_ms", value: 900, scope: { agent_name: "search" } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const listed = await getJson(`${b.url}/api/v1/baselines`);
    assert.deepEqual(listed.body.baselines.map((x: { name: string; source: string }) => `${x.name}:${x.source}`), ["terminal_load:config", "search.p95:api"]);
    assert.equal((await getJson(`${b.url}/api/v1/baselines/compare?window=15m&agent_name=search`)).body.baselines[0].name, "search.p95");
    const rule = await send(`${b.url}/api/v1/alert-rules/SearchSlow`, "PUT", { metric: "p95_latency_ms", comparator: ">", baseline: "search.p95", factor: 1.5 });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.equal((await send(`${b.url}/api/v1/baselines/terminal_load`, "DELETE")).status, 409, "config baselines are read-only on every instance");
    assert.equal((await send(`${b.url}/api/v1/baselines/search.p95`, "DELETE")).status, 204);
    assert.equal((await getJson(`${a.url}/api/v1/baselines/search.p95`)).status, 404);
  });
});
