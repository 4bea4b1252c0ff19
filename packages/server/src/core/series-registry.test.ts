import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dimsKey, OVERFLOW_VALUE, parseDimsKey, reserveOf, SeriesRegistry } from "./series-registry.js";

describe("SeriesRegistry", () => {
  it("gives one id per dimension set and finds series by any combination of values", () => {
    const r = new SeriesRegistry();
    const a = r.idForEvent({ agent_name: "a", model: "m1" });
    const b = r.idForEvent({ agent_name: "b", model: "m1" });
    assert.equal(r.idForEvent({ agent_name: "a", model: "m1", status: "success" }), a, "other fields do not make a new series");
    assert.notEqual(a, b);
    assert.deepEqual(r.matching({ model: "m1" }).sort(), [a, b].sort());
    assert.deepEqual(r.matching({ model: "m1", agent_name: "b" }), [b]);
    assert.deepEqual(r.matching({ model: "m2" }), []);
    assert.deepEqual(r.matching({}, { dim: "agent_name", values: new Set(["a", "zzz"]) }), [a]);
    assert.deepEqual(r.dims(a), { agent_name: "a", model: "m1" });
  });

  it("folds values past the per-dimension limit into other and counts each folded event", () => {
    const r = new SeriesRegistry({ valuesPerDimension: 3, series: 1000 });
    for (let i = 0; i < 10; i++) r.idForEvent({ agent_name: `a${i}`, model: "m" });
    r.idForEvent({ agent_name: "a9", model: "m" });
    assert.equal(r.valueCount("model"), 1);
    assert.equal(r.matching({ agent_name: "a9" }).length, 0, "a folded value has no series of its own");
    const other = r.matching({ agent_name: OVERFLOW_VALUE });
    assert.equal(other.length, 1);
    assert.equal(r.dims(other[0]!).model, "m", "the other dimensions stay exact");
    assert.equal(r.overflow.agent_name, 8, "7 folded values, one of them sent twice");
    assert.equal(r.idForEvent({ agent_name: "a0", model: "m" }), r.matching({ agent_name: "a0" })[0], "values kept before the limit stay");
  });

  it("never holds more series than the limit, its reserve and one, whatever arrives", () => {
    const limit = 50;
    const r = new SeriesRegistry({ valuesPerDimension: 1_000_000, series: limit });
    let seed = 7;
    const rand = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    for (let i = 0; i < 20_000; i++) r.idForEvent({ agent_name: `a${rand(500)}`, model: `m${rand(4)}`, tenant_id: `t${rand(300)}`, route: `r${rand(3)}` });
    assert.ok(r.size() <= limit + reserveOf(limit) + 1, `held ${r.size()}`);
    assert.ok(r.overflow.series > 0);
    // Agents and tenants give way first: while the reserve holds a set per model, every model stays exact.
    const q = new SeriesRegistry({ valuesPerDimension: 1_000_000, series: limit });
    for (let i = 0; i < 20_000; i++) q.idForEvent({ agent_name: `a${rand(500)}`, model: `m${rand(4)}`, tenant_id: `t${rand(300)}` });
    assert.ok(q.size() <= limit + reserveOf(limit) + 1, `held ${q.size()}`);
    const models = new Set(q.matching({}).map((id) => q.dims(id).model));
    assert.deepEqual([...models].sort(), ["m0", "m1", "m2", "m3"]);
  });

  it("keeps query classes exact past the series limit while endpoints, agents and tenants give way", () => {
    const limit = 40;
    const r = new SeriesRegistry({ valuesPerDimension: 1_000_000, series: limit });
    let seed = 11;
    const rand = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    const classes = ["simple", "moderate", "complex"];
    for (let i = 0; i < 20_000; i++) r.idForEvent({ agent_name: `a${rand(50)}`, endpoint: `GET /items/${rand(1000)}`, query_class: classes[rand(3)], component: "core" });
    assert.ok(r.size() <= limit + reserveOf(limit) + 1, `held ${r.size()}`);
    assert.ok(r.overflow.series > 0);
    assert.deepEqual(new Set(r.matching({}).map((id) => r.dims(id).query_class)), new Set(classes));
    assert.ok(r.matching({ endpoint: OVERFLOW_VALUE }).length > 0, "endpoints fold into other");
    assert.deepEqual(new Set(r.matching({}).map((id) => r.dims(id).component)), new Set(["core"]));
  });

  it("keys a set without the later dimensions as it was keyed before they existed, and one with them in nine parts", () => {
    assert.equal(dimsKey({ agent_name: "a", model: "m", mode: "x" }), "a\u001fm\u001f\u001f\u001fx");
    const full = { agent_name: "a", tenant_id: "t", query_class: "simple", endpoint: "POST /v1/answer" };
    assert.equal(dimsKey(full).split("\u001f").length, 9);
    assert.deepEqual(parseDimsKey(dimsKey(full)), full);
    assert.deepEqual(parseDimsKey("a\u001fm\u001f\u001f\u001fx"), { agent_name: "a", model: "m", mode: "x" });
    const r = new SeriesRegistry();
    const old = r.idFor("a\u001fm\u001f\u001f\u001fx");
    assert.equal(r.idForEvent({ agent_name: "a", model: "m", mode: "x" }), old, "an event finds the series restored under the five-part key");
    assert.notEqual(r.idForEvent({ agent_name: "a", model: "m", mode: "x", query_class: "simple" }), old);
  });

  it("releases a series with its last bucket and reuses its id only after the next recycle", () => {
    const r = new SeriesRegistry();
    const a = r.idForEvent({ agent_name: "a" });
    r.retain(a);
    r.retain(a);
    r.release(a);
    assert.equal(r.size(), 1);
    r.release(a);
    assert.equal(r.size(), 0);
    assert.deepEqual(r.dims(a), { agent_name: "a" }, "a scan still holding the id reads it right");
    assert.deepEqual(r.matching({ agent_name: "a" }), []);
    const b = r.idForEvent({ agent_name: "b" });
    assert.notEqual(b, a, "not reused before recycle");
    r.recycle();
    const c = r.idForEvent({ agent_name: "c" });
    assert.equal(c, a, "reused after recycle");
    assert.deepEqual(r.dims(c), { agent_name: "c" });
    assert.equal(r.valueCount("agent_name"), 2);
  });
});
