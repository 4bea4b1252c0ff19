import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeriesTable } from "./series-table.js";
import type { Dims } from "./stored-event.js";

/** A table of `n` series (every fifth without a mode) over a small seed, and their values. */
function filled(n: number, seed: number): { t: SeriesTable; dims: (Dims | undefined)[] } {
  const dims: (Dims | undefined)[] = [];
  const t = new SeriesTable(dims, seed);
  for (let id = 0; id < n; id++) {
    const d: Dims = { agent_name: `agent-${id % 17}`, model: `m${id % 5}`, route: "r", tenant_id: `t-${id}` };
    if (id % 5 !== 0) d.mode = "fast";
    dims[id] = d;
    t.add(id, d);
  }
  return { t, dims };
}

describe("SeriesTable", () => {
  it("finds a series by an event body's values, absent and non-string values counting as absent", () => {
    const { t } = filled(2000, 1);
    assert.equal(t.find({ agent_name: "agent-3", model: "m3", route: "r", tenant_id: "t-3", mode: "fast" }), 3);
    assert.equal(t.find({ agent_name: "agent-5", model: "m0", route: "r", tenant_id: "t-5", mode: 7, duration_ms: 3 }), 5);
    assert.equal(t.find({ agent_name: "agent-5", model: "m0", route: "r", tenant_id: "t-5", mode: "fast" }), -1);
    assert.equal(t.find({ agent_name: "agent-3", model: "m3", route: "r", tenant_id: "t-3" }), -1);
    assert.equal(t.find({}), -1);
  });

  it("keeps finding the others after removals, whatever the seed (probe sequences stay whole)", () => {
    for (const seed of [0, 1, 0xdeadbeef]) {
      const { t, dims } = filled(3000, seed);
      const removed = new Set<number>();
      for (let id = 0; id < 3000; id += 3) {
        t.remove(id);
        removed.add(id);
      }
      t.remove(99_999);
      for (let id = 0; id < 3000; id++) {
        const body = { ...dims[id]! } as Record<string, unknown>;
        assert.equal(t.find(body), removed.has(id) ? -1 : id, `seed ${seed}, series ${id}`);
      }
      // A removed series' id can come back with other values.
      dims[3] = { agent_name: "new" };
      t.add(3, dims[3]);
      assert.equal(t.find({ agent_name: "new" }), 3);
    }
  });
});
