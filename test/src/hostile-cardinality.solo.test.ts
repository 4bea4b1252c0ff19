/**
 * Whole-system suite: an ingest key that invents a hundred thousand agent names cannot stall or
 * bloat Vigil. A real `vigil serve` process (alert evaluation every 2 seconds, so the per-agent rules
 * run over every agent too) takes 100,000 runs, each from its own agent; then every read endpoint
 * must answer, paged, with no answer over 1 MB, and `/healthz` must stay quick while four clients
 * poll `/report` and `/metrics/agents`. Runs on its own (`.solo.`): it measures answer times.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { childServer, tempDir, type ChildServer } from "./helpers.js";

const AGENTS = 100_000;
const MB = 1024 * 1024;
const agentName = (i: number) => `agent-${String(i).padStart(6, "0")}`;

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request over keep-alive HTTP: status, body bytes, parsed body (unless `raw`) and time taken. */
function request(url: string, method = "GET", body?: string, raw = false): Promise<{ status: number; bytes: number; json: any; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: keepAlive, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const buf = Buffer.concat(chunks);
        let json: unknown = null;
        if (raw) return resolve({ status: res.statusCode ?? 0, bytes: buf.length, json, ms: performance.now() - started });
        try {
          json = JSON.parse(buf.toString("utf8"));
        } catch {
          json = buf.toString("utf8");
        }
        resolve({ status: res.statusCode ?? 0, bytes: buf.length, json, ms: performance.now() - started });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("a hundred thousand agent names", { timeout: 300_000 }, () => {
  const tmp = tempDir();
  let server: ChildServer;

  before(async () => {
    // Cardinality limits above the hundred thousand names: every name keeps its own rollups, so
    // the reads below work over 100,000 real groups (the limits themselves: cardinality-limits.test.ts).
    writeFileSync(join(tmp.dir, "vigil.yaml"), "alerting:\n  evaluation_interval: 2s\nrollups:\n  max_values_per_dimension: 200000\n  max_series: 200000\n");
    server = await childServer(join(tmp.dir, "data"), ["--config", join(tmp.dir, "vigil.yaml")]);
    const batch = 5_000;
    for (let start = 0; start < AGENTS; start += batch) {
      const events = [];
      for (let i = start; i < start + batch; i++) events.push({ type: "run", body: { agent_name: agentName(i), status: i % 10 === 0 ? "failure" : "success", duration_ms: 100 + (i % 1000), model: `model-${i % 7}` } });
      const r = await request(`${server.url}/api/v1/ingest`, "POST", JSON.stringify({ events }));
      assert.equal(r.status, 207);
      assert.equal(r.json.errors.length, 0);
    }
  });

  after(async () => {
    server?.proc.kill("SIGTERM");
    await new Promise((r) => server?.proc.once("exit", r));
    keepAlive.destroy();
    tmp.cleanup();
  });

  it("pages the agents: 100 by default, the total, and a cursor that walks on without repeats", async () => {
    const first = await request(`${server.url}/api/v1/metrics/agents?window=60m`);
    assert.equal(first.status, 200);
    assert.equal(first.json.agents.length, 100);
    assert.equal(first.json.total_count, AGENTS);
    assert.ok(first.bytes < MB, `first page is ${first.bytes} bytes`);
    const seen = new Set<string>(first.json.agents.map((a: { agent_name: string }) => a.agent_name));
    let cursor = first.json.next_cursor as string;
    for (let page = 0; page < 3; page++) {
      const r = await request(`${server.url}/api/v1/metrics/agents?window=60m&cursor=${encodeURIComponent(cursor)}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.agents.length, 100);
      for (const a of r.json.agents) {
        assert.ok(!seen.has(a.agent_name), `${a.agent_name} shown twice`);
        seen.add(a.agent_name);
      }
      cursor = r.json.next_cursor;
    }
    // Sorted by a figure, slowest first: each page continues where the previous stopped.
    const bySlow = await request(`${server.url}/api/v1/metrics/agents?window=60m&sort=p95_latency_ms&limit=500`);
    assert.equal(bySlow.json.agents.length, 500);
    assert.ok(bySlow.bytes < MB, `500 agents take ${bySlow.bytes} bytes`);
    const p95 = bySlow.json.agents.map((a: { metrics: { p95_latency_ms: number } }) => a.metrics.p95_latency_ms);
    for (let i = 1; i < p95.length; i++) assert.ok(p95[i - 1] >= p95[i], "sorted by p95, largest first");
    const next = await request(`${server.url}/api/v1/metrics/agents?window=60m&sort=p95_latency_ms&limit=500&cursor=${encodeURIComponent(bySlow.json.next_cursor)}`);
    assert.ok(next.json.agents[0].metrics.p95_latency_ms <= p95[p95.length - 1]);
  });

  it("answers every read endpoint within 1 MB", async () => {
    const paths = [
      "/api/v1/metrics/agents?limit=500",
      "/api/v1/metrics/models",
      "/api/v1/metrics/system",
      `/api/v1/metrics/system?agent_name=${agentName(4242)}`,
      `/api/v1/metrics/agents/${agentName(4242)}`,
      "/api/v1/metrics/timeseries?metric=p95_latency_ms,success_rate&group_by=agent_name&window=1h",
      "/api/v1/report?window=60m",
      "/api/v1/health",
      "/api/v1/health/detailed",
      "/api/v1/alerts?limit=1000",
      "/api/v1/alerts/summary",
      "/metrics",
    ];
    for (const p of paths) {
      const r = await request(server.url + p);
      assert.equal(r.status, 200, `${p}: ${JSON.stringify(r.json).slice(0, 300)}`);
      assert.ok(r.bytes < MB, `${p} answered ${r.bytes} bytes`);
    }
    const report = await request(`${server.url}/api/v1/report?window=60m`);
    assert.equal(report.json.agents.length, 100);
    assert.equal(report.json.agents_total, AGENTS);
    const ts = await request(`${server.url}/api/v1/metrics/timeseries?metric=p95_latency_ms&group_by=agent_name&window=1h`);
    assert.equal(ts.json.groups_total, AGENTS);
    assert.equal(ts.json.series.length, 20);
  });

  it("keeps /healthz quick while four clients poll /report and /metrics/agents", async () => {
    let stop = false;
    const heavy: number[] = [];
    const pollers = [0, 1, 2, 3].map(async (i) => {
      while (!stop) {
        // The body is not parsed: this process also times the probes, and parsing here would delay them.
        const r = await request(`${server.url}${i % 2 === 0 ? "/api/v1/report?window=60m" : "/api/v1/metrics/agents?window=60m&sort=error_rate"}`, "GET", undefined, true);
        assert.equal(r.status, 200);
        heavy.push(r.ms);
      }
    });
    const probes: number[] = [];
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      const r = await request(`${server.url}/healthz`);
      assert.equal(r.status, 200);
      probes.push(r.ms);
      await new Promise((res) => setTimeout(res, 20));
    }
    stop = true;
    await Promise.all(pollers);
    probes.sort((a, b) => a - b);
    const p99 = probes[Math.floor(probes.length * 0.99)]!;
    assert.ok(heavy.length >= 4, `the pollers finished ${heavy.length} requests`);
    assert.ok(p99 < 50, `/healthz p99 was ${p99.toFixed(1)} ms over ${probes.length} probes (heavy answers took ${Math.min(...heavy).toFixed(0)}–${Math.max(...heavy).toFixed(0)} ms)`);
  });

  it("refuses a misspelled parameter by name instead of answering for everything", async () => {
    for (const [path, name] of [["/api/v1/metrics/system?agent=react_agent", "agent"], ["/api/v1/metrics/system?windw=5m", "windw"], ["/api/v1/metrics/agents?limt=5", "limt"]] as const) {
      const r = await request(server.url + path);
      assert.equal(r.status, 400, path);
      assert.equal(r.json.error.code, "VALIDATION_FAILED");
      assert.equal(r.json.error.details[0].path, `/query/${name}`);
    }
  });
});
