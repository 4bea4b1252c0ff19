import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { guardAll, type Guard } from "./pg-guard.js";

/** A guard that renames every failure, as the storage's guard turns outages into STORAGE_UNAVAILABLE. */
const renaming: Guard = async (fn) => {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`guarded: ${(err as Error).message}`);
  }
};

describe("guardAll", () => {
  it("passes every method's failure through the guard, a synchronous throw included", async () => {
    const store = guardAll(
      {
        async read(x: number) {
          if (x < 0) throw new Error("lost connection");
          return x * 2;
        },
        write(): Promise<void> {
          throw new Error("thrown before any promise");
        },
      },
      renaming,
    );
    assert.equal(await store.read(2), 4);
    await assert.rejects(store.read(-1), /^Error: guarded: lost connection$/);
    await assert.rejects(store.write(), /^Error: guarded: thrown before any promise$/);
  });

  it("guards each page of an async generator and closes it when the consumer stops early", async () => {
    let closed = false;
    const store = guardAll(
      {
        async *pages(failAt: number) {
          try {
            for (let i = 0; ; i++) {
              if (i === failAt) throw new Error("connection terminated");
              yield [i];
            }
          } finally {
            closed = true;
          }
        },
      },
      renaming,
    );
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const page of store.pages(2)) seen.push(...page);
    }, /^Error: guarded: connection terminated$/);
    assert.deepEqual(seen, [0, 1]);

    closed = false;
    for await (const page of store.pages(99)) if (page[0] === 1) break;
    assert.equal(closed, true, "the inner generator was not closed");
  });
});
