/**
 * Resource limits and the collector in a running server (docs/resources.md): a component's memory
 * reported over HTTP past its limit fires the generated rule, another component's does not, and the
 * alert resolves once the high value leaves the window; the collector's own samples arrive as metric
 * events and its overhead figure shows in the detailed health report and /metrics.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { getJson, postJson, tempDir } from "./helpers.js";
import { until } from "./alert-receiver.js";

const RULE = "resource_limit:cognitive_core:memory_mb";
const tmp = tempDir("vigil-resources-");
let server: RunningServer;
before(async () => {
  const config = join(tmp.dir, "vigil.yaml");
  writeFileSync(config, `alerting:\n  evaluation_interval: 1s\nresource_limits:\n  cognitive_core: { max_memory_mb: { max: 4096, window: 30s } }\ncollector: { interval: 1s }\n`);
  server = await startServer(loadConfig({ dataDir: join(tmp.dir, "data"), port: 0, host: "127.0.0.1", config }, {}), false);
});
after(async () => {
  await server?.close();
  tmp.cleanup();
});

const memory = (component: string, value: number, at: number) => ({ type: "metric", timestamp: at, body: { name: "memory_mb", value, unit: "MB", category: "system_health", component } });
const alerts = async (state: string) => ((await getJson(`${server.url}/api/v1/alerts?rule=${encodeURIComponent(RULE)}&state=${state}`)).body.alerts as { state: string; current_value: number; threshold: number; labels: Record<string, string> }[]);

describe("resource limits", () => {
  it("lists the limit's rule among the shipped rules, scoped to its component", async () => {
    const rule = (await getJson(`${server.url}/api/v1/alert-rules/${encodeURIComponent(RULE)}`)).body;
    assert.equal(rule.metric, "custom.memory_mb");
    assert.equal(rule.aggregate, "max");
    assert.deepEqual(rule.scope, { component: "cognitive_core" });
    assert.equal(rule.threshold, 4096);
    assert.equal(rule.source, "default");
  });

  it("fires when the component's reported memory crosses its limit, and resolves when it goes back", async () => {
    const now = Date.now();
    // Another component over the same figure is not this limit's business.
    let r = await postJson(`${server.url}/api/v1/ingest`, { events: [memory("cognitive_core", 3000, now - 1000), memory("user_interface", 9000, now - 1000)] });
    assert.equal(r.status, 207);
    assert.equal(r.body.errors.length, 0);
    await new Promise((res) => setTimeout(res, 2500));
    assert.deepEqual(await alerts("firing"), [], "under the limit: nothing fires");

    // Over the limit, 12 s ago: it fires at the next evaluation and leaves the 30 s window about
    // 18 s from now (room for a busy machine's slow evaluations before it is gone).
    const overAt = Date.now() - 12_000;
    r = await postJson(`${server.url}/api/v1/ingest`, { events: [memory("cognitive_core", 5000, overAt)] });
    assert.equal(r.body.errors.length, 0);
    await until(async () => (await alerts("firing")).length === 1, overAt + 30_000 - Date.now() - 1_000, "the memory limit alert to fire while the sample is in the window");
    const [firing] = await alerts("firing");
    assert.equal(firing!.current_value, 5000);
    assert.equal(firing!.threshold, 4096);
    assert.equal(firing!.labels.component, "cognitive_core");

    await postJson(`${server.url}/api/v1/ingest`, { events: [memory("cognitive_core", 2000, Date.now())] });
    await until(async () => (await alerts("resolved")).length === 1, overAt + 30_000 - Date.now() + 20_000, "the memory limit alert to resolve once the sample leaves the window");
    assert.deepEqual(await alerts("firing"), []);
  });
});

describe("the collector", () => {
  it("records Vigil's own process and host as metric events of component vigil, and reports its overhead", async () => {
    await until(async () => (await getJson(`${server.url}/api/v1/health/detailed`)).body.collector.samples >= 2, 10_000, "two collector samples");
    const c = (await getJson(`${server.url}/api/v1/health/detailed`)).body.collector;
    assert.equal(c.enabled, true);
    assert.equal(c.component, "vigil");
    assert.ok(c.overhead.cpu_percent >= 0 && c.overhead.cpu_percent <= 100);
    assert.ok(c.overhead.memory_percent > 0 && c.overhead.memory_percent < 100);
    assert.equal(c.overhead.percent, Math.max(c.overhead.cpu_percent, c.overhead.memory_percent));
    const stored = (await getJson(`${server.url}/api/v1/metrics/custom?window=5m&component=vigil&name=memory_mb`)).body.metrics as { name: string; component: string; unit: string; count: number; max: number }[];
    assert.equal(stored.length, 1, "the samples are stored metric events");
    assert.deepEqual([stored[0]!.component, stored[0]!.unit], ["vigil", "MB"]);
    assert.ok(stored[0]!.count >= 2 && stored[0]!.max > 10, `a sample a second of Vigil's resident memory (${stored[0]!.count} samples, max ${stored[0]!.max} MB)`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^vigil_monitoring_overhead_ratio\{resource="cpu"\} [0-9.e-]+$/m);
    assert.match(text, /^vigil_monitoring_overhead_ratio\{resource="memory"\} 0\.[0-9e-]+$/m);
    assert.match(text, /^vigil_collector_samples_total [1-9]\d*$/m);
  });
});
