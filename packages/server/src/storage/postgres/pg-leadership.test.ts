import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { retryDelay } from "./pg-leadership.js";

describe("election connection backoff", () => {
  it("retries at the next check after one failure, then waits twice as long each time up to 15 s, with ±20 % jitter", () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelay(n, 2000, mid)), [0, 4000, 8000, 15_000, 15_000, 15_000, 15_000]);
    assert.equal(retryDelay(3, 2000, () => 0), 6400);
    assert.equal(retryDelay(3, 2000, () => 0.999999), 9600);
    // A check interval above the cap is never shortened.
    assert.equal(retryDelay(4, 60_000, mid), 60_000);
  });
});
