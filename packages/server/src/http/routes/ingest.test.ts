import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { routeTestApp, type RouteTestApp } from "../../test-support/route-app.js";

const RUN = '{"agent_name":"proto-agent","status":"success","duration_ms":10}';
const run = (id: string, body = RUN, envelope = "") => `{"id":"${id}","type":"run",${envelope}"body":${body}}`;

describe("ingest routes (inject)", () => {
  let t: RouteTestApp;
  before(async () => {
    t = await routeTestApp();
  });
  after(async () => t?.close());

  it("refuses query parameters (ingest takes none), by name", async () => {
    const r = await t.request("POST", "/api/v1/ingest?sync=true", { events: [] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details[0].path, "/query/sync");
    const shortcut = await t.request("POST", "/api/v1/runs?agent_name=x", JSON.parse(RUN));
    assert.equal(shortcut.status, 400);
    assert.equal(shortcut.body.error.details[0].path, "/query/agent_name");
    const repeated = await t.request("POST", "/api/v1/ingest?dry_run=1&dry_run=1", { events: [] });
    assert.equal(repeated.status, 400);
    assert.equal(repeated.body.error.details[0].path, "/query/dry_run");
  });

  it("stores the good events of a batch and refuses only the one holding __proto__ (207, FORBIDDEN_KEY, its path)", async () => {
    const batch = `{"events":[${run("p-0")},${run("p-1", '{"__proto__":{"polluted":"yes"},"agent_name":"proto-agent","status":"success","duration_ms":10}')},${run("p-2")}]}`;
    const r = await t.request("POST", "/api/v1/ingest", batch);
    assert.equal(r.status, 207, JSON.stringify(r.body));
    assert.deepEqual(r.body.successes, [{ index: 0, id: "p-0" }, { index: 2, id: "p-2" }]);
    assert.equal(r.body.errors.length, 1);
    assert.equal(r.body.errors[0].index, 1);
    assert.equal(r.body.errors[0].code, "FORBIDDEN_KEY");
    assert.equal(r.body.errors[0].path, "/events/1/body/__proto__");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("names constructor.prototype, escaped __proto__ and envelope-level keys per event", async () => {
    const events = [
      run("c-0", '{"agent_name":"a","status":"success","duration_ms":1,"metadata":{"constructor":{"prototype":{"polluted":"yes"}}}}'),
      run("c-1", '{"agent_name":"a","status":"success","duration_ms":1,"metadata":{"list":[{"\\u005f\\u005fproto__":{}}]}}'),
      run("c-2", RUN, '"__proto__":{"x":1},'),
      run("c-3", '{"agent_name":"a","status":"success","duration_ms":1,"metadata":{"constructor":"a name, not an object"}}'),
    ];
    const r = await t.request("POST", "/api/v1/ingest", `{"events":[${events.join(",")}]}`);
    assert.equal(r.status, 207, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.errors.map((e: { index: number; code: string; path: string }) => [e.index, e.code, e.path]),
      [
        [0, "FORBIDDEN_KEY", "/events/0/body/metadata/constructor/prototype"],
        [1, "FORBIDDEN_KEY", "/events/1/body/metadata/list/0/__proto__"],
        [2, "FORBIDDEN_KEY", "/events/2/__proto__"],
      ],
    );
    assert.deepEqual(r.body.successes, [{ index: 3, id: "c-3" }], "a key named constructor without a prototype is ordinary data");
  });

  it("refuses __proto__ in a single-event shortcut with 400 FORBIDDEN_KEY naming the path in the body", async () => {
    const r = await t.request("POST", "/api/v1/runs", '{"agent_name":"a","status":"success","duration_ms":1,"metadata":{"__proto__":{"polluted":"yes"}}}');
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "FORBIDDEN_KEY");
    assert.equal(r.body.error.path, "/metadata/__proto__");
    const envelope = await t.request("POST", "/api/v1/ingest", `{"events":[${run("e-0")}],"__proto__":{}}`);
    assert.equal(envelope.status, 400);
    assert.equal(envelope.body.error.code, "FORBIDDEN_KEY");
    assert.equal(envelope.body.error.details[0].path, "/__proto__");
  });

  it("answers the documented shapes on the happy path", async () => {
    const batch = await t.request("POST", "/api/v1/ingest", { events: [{ id: "h-0", type: "llm_call", body: { model: "gpt-4o", latency_ms: 100, input_tokens: 10, output_tokens: 5 } }] });
    assert.equal(batch.status, 207);
    assert.deepEqual(batch.body, { successes: [{ index: 0, id: "h-0" }], errors: [] });
    const single = await t.request("POST", "/api/v1/runs", { id: "h-1", agent_name: "a", status: "success", duration_ms: 5 });
    assert.equal(single.status, 202, JSON.stringify(single.body));
    assert.deepEqual(single.body, { id: "h-1", cost: null });
  });

  it("holds cached, cache-write and reasoning tokens to be parts of their totals: priced at their own rates, refused by name when they exceed them", async () => {
    const price = await t.request("POST", "/api/v1/prices", { model: "subset-model", input_per_1m: 3, output_per_1m: 15, cached_input_per_1m: 0.3, cache_write_input_per_1m: 3.75, reasoning_output_per_1m: 20, effective_from: "2020-01-01" });
    assert.equal(price.status, 201, JSON.stringify(price.body));
    const call = { model: "subset-model", latency_ms: 100, input_tokens: 1000, cached_input_tokens: 200, cache_creation_input_tokens: 100, output_tokens: 100, reasoning_tokens: 40 };
    const ok = await t.request("POST", "/api/v1/llm-calls", call);
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.ok(Math.abs(ok.body.cost - (700 * 3 + 200 * 0.3 + 100 * 3.75 + 60 * 15 + 40 * 20) / 1e6) < 1e-12, `cost ${ok.body.cost}`);
    const bad = await t.request("POST", "/api/v1/ingest", {
      events: [
        { type: "llm_call", body: { ...call, cached_input_tokens: 950 } },
        { type: "llm_call", body: { ...call, reasoning_tokens: 101 } },
        { type: "run", body: { agent_name: "a", status: "success", duration_ms: 1, input_tokens: 10, cached_input_tokens: 11 } },
        { type: "llm_call", body: call },
      ],
    });
    assert.equal(bad.status, 207);
    assert.deepEqual(
      bad.body.errors.map((e: { index: number; code: string; path: string }) => [e.index, e.code, e.path]),
      [
        [0, "TOKENS_NOT_SUBSET", "/events/0/body/cache_creation_input_tokens"],
        [1, "TOKENS_NOT_SUBSET", "/events/1/body/reasoning_tokens"],
        [2, "TOKENS_NOT_SUBSET", "/events/2/body/cached_input_tokens"],
      ],
    );
    assert.deepEqual(bad.body.successes.map((x: { index: number }) => x.index), [3], "the good event of the batch is stored");
  });
});
