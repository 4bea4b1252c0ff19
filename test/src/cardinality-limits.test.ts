/**
 * Whole-system suite: the rollups' cardinality ceiling. A real `vigil serve` with small limits
 * (`rollups.max_values_per_dimension: 5`, `rollups.max_series: 16`) takes runs from 20 agents on 3
 * models: every event is stored, totals count every run, the agents past the limit are listed as
 * one group `other` marked as such, the listing says its dimension overflowed, and the folds are
 * counted in `/api/v1/health/detailed` and `/metrics` — also after a restart.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, postJson, tempDir, type ChildServer } from "./helpers.js";

const AGENTS = 20;
const MODELS = 3;
const RUNS_PER_PAIR = 4;

describe("cardinality limits", { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const config = join(tmp.dir, "vigil.yaml");
  let server: ChildServer;
  const start = () => childServer(join(tmp.dir, "data"), ["--config", config]);
  const stop = async (s: ChildServer) => {
    if (s.proc.exitCode !== null) return;
    const exited = new Promise((r) => s.proc.once("exit", r));
    s.proc.kill("SIGTERM");
    await exited;
  };

  before(async () => {
    writeFileSync(config, "rollups:\n  max_values_per_dimension: 5\n  max_series: 16\n  flush_interval: 1s\n");
    server = await start();
    const events = [];
    for (let a = 0; a < AGENTS; a++) {
      for (let m = 0; m < MODELS; m++) {
        for (let k = 0; k < RUNS_PER_PAIR; k++) events.push({ type: "run", body: { agent_name: `agent-${String(a).padStart(2, "0")}`, model: `model-${m}`, status: k === 0 ? "failure" : "success", duration_ms: 100 + a * 10 + k } });
      }
    }
    const r = await postJson(`${server.url}/api/v1/ingest`, { events });
    assert.equal(r.status, 207);
    assert.equal(r.body.successes.length, AGENTS * MODELS * RUNS_PER_PAIR);
    assert.equal(r.body.errors.length, 0);
  });
  after(async () => {
    if (server) await stop(server);
    tmp.cleanup();
  });

  const total = AGENTS * MODELS * RUNS_PER_PAIR;

  async function checkAnswers(label: string) {
    const sys = await getJson(`${server.url}/api/v1/metrics/system?window=60m`);
    assert.equal(sys.body.metrics.total_tasks, total, `${label}: the total counts every run`);
    assert.equal(sys.body.metrics.failed_tasks, AGENTS * MODELS, `${label}: and every failure`);

    const agents = await getJson(`${server.url}/api/v1/metrics/agents?window=60m&limit=500`);
    assert.equal(agents.status, 200);
    const names = agents.body.agents.map((a: { agent_name: string }) => a.agent_name);
    assert.ok(names.includes("other"), `${label}: agents past the limit are listed as other: ${names.join(", ")}`);
    assert.ok(names.length <= 7, `${label}: at most the limit plus other, got ${names.length}`);
    const other = agents.body.agents.find((a: { agent_name: string }) => a.agent_name === "other");
    assert.equal(other.other, true, `${label}: the other group is marked`);
    const listed = agents.body.agents.reduce((n: number, a: { metrics: { total_tasks: number } }) => n + a.metrics.total_tasks, 0);
    assert.equal(listed, total, `${label}: the listed groups, other included, add up to every run`);
    assert.equal(agents.body.overflow.dimension, "agent_name");
    assert.equal(agents.body.overflow.value, "other");
    assert.equal(agents.body.overflow.max_values_per_dimension, 5);

    // Models stay within their limit: exact, and no overflow note.
    const models = await getJson(`${server.url}/api/v1/metrics/models?window=60m`);
    const byModel = Object.fromEntries(models.body.models.map((m: { model: string; metrics: { total_tasks: number } }) => [m.model, m.metrics.total_tasks]));
    for (let m = 0; m < MODELS; m++) assert.equal(byModel[`model-${m}`], AGENTS * RUNS_PER_PAIR, `${label}: model-${m} is exact`);
  }

  it("stores every event, counts every run, and lists the folded agents as other", async () => {
    await checkAnswers("live");
    const detailed = await getJson(`${server.url}/api/v1/health/detailed`);
    const card = detailed.body.rollups.cardinality;
    assert.equal(card.max_values_per_dimension, 5);
    assert.equal(card.max_series, 16);
    assert.ok(card.series <= 16 + 2 + 1, `series held ${card.series}: at most the limit, its reserve and one`);
    assert.ok(card.folded_events.agent_name + card.folded_events.series > 0);
    assert.equal(detailed.body.storage.events.run, total, "every event is stored whole");
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const folded = [...text.matchAll(/^vigil_rollup_folded_events_total\{cause="([a-z_]+)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    assert.equal(folded, card.folded_events.agent_name + card.folded_events.model + card.folded_events.route + card.folded_events.tenant_id + card.folded_events.mode + card.folded_events.series);
    assert.match(text, /^vigil_rollup_series_limit 16$/m);
    assert.match(text, /^vigil_rollup_dimension_values\{dimension="model"\} 3$/m);
  });

  it("answers the same after a restart (the folded rollups are persisted)", async () => {
    await new Promise((r) => setTimeout(r, 1500));
    await stop(server);
    server = await start();
    await checkAnswers("restarted");
  });
});
