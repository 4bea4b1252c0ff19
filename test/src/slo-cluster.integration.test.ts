/**
 * SLOs with two instances on one PostgreSQL database: a class and an SLO made through one instance
 * are answered by the other once it re-reads them (every evaluation interval), with the same
 * figures from the shared event log; a change refused on one leaves both as they were.
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";
import { until } from "./alert-receiver.js";
import { createTestDatabase } from "./pg-support.js";

const tmp = tempDir("vigil-slo-cluster-");
const servers: ChildServer[] = [];
let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
after(async () => {
  for (const s of servers) s.proc.kill("SIGKILL");
  await db?.drop();
  tmp.cleanup();
});

it("an SLO made through one instance is answered by another with the same figures", async () => {
  db = await createTestDatabase("vigil_slo_cluster");
  const cfg = join(tmp.dir, "vigil.yaml");
  writeFileSync(cfg, "cluster: { follow_interval: 1s, leader_check_interval: 1s }\nalerting: { default_rules: false, evaluation_interval: 1s }\n");
  for (let i = 0; i < 2; i++) servers.push(await childServer(join(tmp.dir, `data-${i}`), ["--config", cfg, "--database-url", db.url]));
  const [a, b] = servers as [ChildServer, ChildServer];
  assert.equal((await postJson(`${a.url}/api/v1/service-classes`, { name: "simple_queries", match: { query_class: "simple" } })).status, 201);
  const slo = { name: "simple_availability", class: "simple_queries", sli: { kind: "availability" }, target: 0.9, period: "7d" };
  assert.equal((await postJson(`${a.url}/api/v1/slos`, slo)).status, 201);
  const runs = Array.from({ length: 20 }, (_, i) => ({ type: "run", body: { agent_name: "qa", query_class: "simple", status: i < 3 ? "failure" : "success", duration_ms: 500 } }));
  assert.equal((await postJson(`${b.url}/api/v1/ingest`, { events: runs })).status, 207);
  let seen: { samples: { good: number; total: number }; compliance: number } | null = null;
  await until(
    async () => {
      const r = await getJson(`${b.url}/api/v1/slos/simple_availability`);
      if (r.status === 200 && r.body.samples.total === 20) seen = r.body;
      return seen !== null;
    },
    20_000,
    "the other instance answering the SLO over the 20 runs",
  );
  assert.deepEqual(seen!.samples, { good: 17, total: 20 });
  await until(async () => (await getJson(`${a.url}/api/v1/slos/simple_availability`)).body.samples?.total === 20, 20_000, "the first instance folding the runs from the shared log");
  const fromA = (await getJson(`${a.url}/api/v1/slos/simple_availability`)).body;
  assert.equal(fromA.compliance, seen!.compliance);
  // A refused change, made on the second instance, changes nothing on either.
  const bad = await postJson(`${b.url}/api/v1/slos`, { ...slo, name: "bad", target: 2 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.details[0].path, "/target");
  for (const s of [a, b]) assert.deepEqual((await getJson(`${s.url}/api/v1/slos`)).body.slos.map((x: { name: string }) => x.name), ["simple_availability"]);
  // A deletion through the second instance reaches the first.
  const del = await fetch(`${b.url}/api/v1/slos/simple_availability`, { method: "DELETE" });
  assert.equal(del.status, 204);
  await until(async () => (await getJson(`${a.url}/api/v1/slos/simple_availability`)).status === 404, 20_000, "the deletion reaching the first instance");
});
