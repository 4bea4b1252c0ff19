import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RowTable } from "./row-table.js";

describe("RowTable", () => {
  it("finds every row it was given and nothing else, through many growths, for dense and scattered ids", () => {
    for (const spread of [1, 7919, 16384, 40_000]) {
      const ids: number[] = [];
      const t = new RowTable((row) => ids[row]!);
      const n = 50_000;
      for (let row = 0; row < n; row++) {
        const id = row * spread;
        assert.equal(t.get(id), -1, `id ${id} found before it was added`);
        ids.push(id);
        t.add(id, row);
      }
      for (let row = 0; row < n; row++) assert.equal(t.get(ids[row]!), row);
      assert.equal(t.get(n * spread + 1), -1);
      assert.equal(t.get(-5), -1);
    }
  });
});
