import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IdGenerator } from "./ids.js";

describe("IdGenerator", () => {
  it("keeps ids increasing when the clock steps back", () => {
    const ids = new IdGenerator("prefix00");
    const a = ids.next(1_800_000_000_000);
    const b = ids.next(1_799_999_990_000);
    const c = ids.next(1_800_000_000_001);
    assert.ok(a < b && b < c, `${a} < ${b} < ${c}`);
  });

  it("keeps ids increasing past 36^4 ids in one millisecond", () => {
    const ids = new IdGenerator("prefix00");
    let last = ids.next(1_800_000_000_000);
    for (let i = 0; i < 36 ** 4 + 10; i++) {
      const id = ids.next(1_800_000_000_000);
      if (!(last < id)) assert.fail(`${last} !< ${id}`);
      last = id;
    }
    assert.ok(last < ids.next(1_800_000_000_002), "a later millisecond still sorts after the borrowed one");
  });

  it("makes fixed-width base36 ids that start with the instance prefix", () => {
    const a = new IdGenerator();
    const b = new IdGenerator();
    assert.match(a.prefix, /^[0-9a-z]{8}$/);
    assert.notEqual(a.prefix, b.prefix);
    const id = a.next(Date.now());
    assert.match(id, /^[0-9a-z]{23}$/);
    assert.ok(id.startsWith(a.prefix));
  });
});
