/** The dashboard's files at `/`, the session endpoint it asks for its scopes, and the multi-metric timeseries it charts from. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { startServer } from "@vigil/server/main";
import { loadConfig } from "@vigil/server/config";
import { getJson, inProcessServer, postJson, tempDir } from "./helpers.js";

const BUILD = join(dirname(createRequire(import.meta.url).resolve("@vigil/dashboard/package.json")), "build");
const KEYS = "ingest-key-0123456789:ingest,read-key-0123456789abc:read,admin-key-0123456789abc:admin";

async function withConfig(yaml: string, fn: (url: string) => Promise<void>) {
  const { dir, cleanup } = tempDir();
  const file = join(dir, "vigil.yaml");
  writeFileSync(file, yaml);
  const s = await startServer(loadConfig({ dataDir: dir, port: 0, host: "127.0.0.1", config: file }, {}), false);
  try {
    await fn(s.url);
  } finally {
    await s.close();
    cleanup();
  }
}

describe("dashboard files", () => {
  it("serves the built index and hashed assets, compressed, with validators and a content security policy", async () => {
    const s = await inProcessServer();
    try {
      const index = await fetch(`${s.url}/`, { headers: { "accept-encoding": "identity" } });
      assert.equal(index.status, 200);
      assert.match(index.headers.get("content-type")!, /^text\/html/);
      assert.equal(index.headers.get("cache-control"), "no-cache", "the index is revalidated so a new build shows at once");
      assert.match(index.headers.get("content-security-policy")!, /script-src 'self'/);
      const html = await index.text();
      assert.equal(html, readFileSync(join(BUILD, "index.html"), "utf8"));
      const etag = index.headers.get("etag")!;
      assert.equal((await fetch(`${s.url}/`, { headers: { "if-none-match": etag } })).status, 304);

      const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, "the index loads a hashed script");
      const plain = readFileSync(join(BUILD, script));
      const gz = await fetch(`${s.url}/${script}`, { headers: { "accept-encoding": "gzip" } });
      assert.equal(gz.status, 200);
      assert.equal(gz.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.match(gz.headers.get("content-type")!, /^text\/javascript/);
      // fetch() decodes transparently; the bytes on the wire are checked through node's decoders below.
      assert.deepEqual(Buffer.from(await gz.arrayBuffer()), plain);
      const raw = await import("node:http").then(
        (http) =>
          new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
            http.get(`${s.url}/${script}`, { headers: { "accept-encoding": "br, gzip" } }, (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve({ enc: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
            }).on("error", reject);
          }),
      );
      assert.equal(raw.enc, "br");
      assert.ok(raw.body.length < plain.length / 2, `brotli shrinks the bundle (${raw.body.length} of ${plain.length} bytes)`);
      assert.deepEqual(brotliDecompressSync(raw.body), plain);

      const missing = await getJson(`${s.url}/assets/nope.js`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "NOT_FOUND");
    } finally {
      await s.stop();
    }
  });

  it("is served without a key when keys are configured (the API calls it makes still need one)", async () => {
    const s = await inProcessServer({ VIGIL_API_KEYS: KEYS });
    try {
      assert.equal((await fetch(`${s.url}/`)).status, 200);
      assert.equal((await getJson(`${s.url}/api/v1/metrics/system`)).status, 401);
    } finally {
      await s.stop();
    }
  });

  it("can be turned off, and says how to build it when the build is missing", async () => {
    await withConfig("dashboard:\n  enabled: false\n", async (url) => {
      const r = await getJson(`${url}/`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "NOT_FOUND");
    });
    const { dir: empty, cleanup } = tempDir();
    mkdirSync(join(empty, "nothing-here"));
    try {
      await withConfig(`dashboard:\n  dir: ${JSON.stringify(join(empty, "nothing-here"))}\n`, async (url) => {
        const r = await fetch(`${url}/`);
        assert.equal(r.status, 503);
        assert.match(await r.text(), /dashboard is not built[^]*npm run build/);
        assert.equal((await getJson(`${url}/api/v1/health`)).status, 200, "the API is unaffected");
      });
    } finally {
      cleanup();
    }
  });
});

describe("GET /api/v1/session", () => {
  it("gives every scope when the server has no keys", async () => {
    const s = await inProcessServer();
    try {
      const r = await getJson(`${s.url}/api/v1/session`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { auth: "none", key_name: null, scopes: ["ingest", "read", "admin"] });
    } finally {
      await s.stop();
    }
  });

  it("names the presented key and its scopes, and refuses a missing or unknown key", async () => {
    const s = await inProcessServer({ VIGIL_API_KEYS: KEYS });
    try {
      assert.equal((await getJson(`${s.url}/api/v1/session`)).status, 401);
      assert.equal((await getJson(`${s.url}/api/v1/session`, { authorization: "Bearer not-a-key-000000000" })).status, 401);
      const read = await getJson(`${s.url}/api/v1/session`, { authorization: "Bearer read-key-0123456789abc" });
      assert.equal(read.status, 200);
      assert.equal(read.body.auth, "key");
      assert.deepEqual(read.body.scopes, ["read"]);
      const ingest = await getJson(`${s.url}/api/v1/session`, { "x-api-key": "ingest-key-0123456789" });
      assert.equal(ingest.status, 200, "any valid key may ask who it is, even one that cannot read");
      assert.deepEqual(ingest.body.scopes, ["ingest"]);
    } finally {
      await s.stop();
    }
  });
});

describe("timeseries of several metrics", () => {
  it("answers one series per metric, labelled, equal to asking for each alone", async () => {
    const s = await inProcessServer();
    try {
      const now = Date.now();
      const events = [];
      for (let i = 0; i < 90; i++) events.push({ type: "run", timestamp: now - i * 20_000, body: { agent_name: i % 3 ? "a" : "b", status: i % 7 ? "success" : "failure", duration_ms: 50 + 3 * i, cost: 0.001 * (i % 5) } });
      assert.equal((await postJson(`${s.url}/api/v1/ingest`, { events })).status, 207);
      const names = ["total_tasks", "failed_tasks", "p95_latency_ms", "total_cost"];
      const both = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=${names.join(",")}&window=60m&step=5m`);
      assert.equal(both.status, 200);
      assert.equal(both.body.series.length, names.length);
      for (const name of names) {
        const one = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=${name}&window=60m&step=5m`);
        assert.equal(one.body.series.length, 1);
        assert.deepEqual(one.body.series[0].labels, {}, "a single metric keeps the unlabelled shape");
        const mine = both.body.series.find((x: any) => x.labels.metric === name);
        assert.ok(mine, `series for ${name}`);
        assert.deepEqual(mine.points, one.body.series[0].points);
      }
      const grouped = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=total_tasks,failed_tasks&window=60m&step=5m&group_by=agent_name`);
      assert.equal(grouped.body.series.length, 4);
      assert.deepEqual(grouped.body.series.map((x: any) => `${x.labels.agent_name}/${x.labels.metric}`).sort(), ["a/failed_tasks", "a/total_tasks", "b/failed_tasks", "b/total_tasks"]);

      const bad = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=total_tasks,nope`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /"nope"/);
      const many = await getJson(`${s.url}/api/v1/metrics/timeseries?metric=${Array(21).fill("total_tasks").join(",")}`);
      assert.equal(many.status, 400);
      assert.equal(many.body.error.details[0].path, "/query/metric");
    } finally {
      await s.stop();
    }
  });
});
