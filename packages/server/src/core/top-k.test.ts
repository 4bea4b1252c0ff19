import { test } from "node:test";
import assert from "node:assert/strict";
import { TopK } from "./top-k.js";

test("keeps exactly the first k items of a shuffled stream, in order", () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [n, k] of [[0, 5], [3, 5], [1000, 1], [1000, 100], [5000, 4999]] as const) {
    const xs = Array.from({ length: n }, () => Math.floor(rand() * 500));
    const top = new TopK<number>(k, (a, b) => a - b);
    for (const x of xs) top.offer(x);
    assert.deepEqual(top.sorted(), [...xs].sort((a, b) => a - b).slice(0, k));
  }
});

test("k = 0 keeps nothing", () => {
  const top = new TopK<number>(0, (a, b) => a - b);
  top.offer(1);
  assert.deepEqual(top.sorted(), []);
});
