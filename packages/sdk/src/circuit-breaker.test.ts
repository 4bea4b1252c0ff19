import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker, type CircuitPermit, type CircuitState } from "./circuit-breaker.js";

function breaker(options: { failureThreshold?: number; cooldownMs?: number; maxCooldownMs?: number } = {}) {
  let t = 0;
  const changes: CircuitState[] = [];
  const b = new CircuitBreaker({ ...options, now: () => t, onStateChange: (s) => changes.push(s) });
  const permit = (): CircuitPermit => {
    const p = b.acquire();
    assert.ok(!("refused" in p), "expected a permit");
    return p;
  };
  return { b, changes, permit, advance: (ms: number) => void (t += ms) };
}

describe("CircuitBreaker", () => {
  it("opens after K consecutive failures and refuses until the cool-down has passed", () => {
    const { b, permit, advance } = breaker({ failureThreshold: 3, cooldownMs: 1000 });
    for (let i = 0; i < 3; i++) b.record(permit(), "failure");
    assert.equal(b.state, "open");
    assert.deepEqual(b.acquire(), { refused: true, retryInMs: 1000 });
    advance(999);
    assert.ok("refused" in b.acquire());
    advance(1);
    assert.equal(b.state, "half_open");
  });

  it("counts only consecutive failures: a success in between resets the count", () => {
    const { b, permit } = breaker({ failureThreshold: 3 });
    b.record(permit(), "failure");
    b.record(permit(), "failure");
    b.record(permit(), "success");
    b.record(permit(), "failure");
    b.record(permit(), "failure");
    assert.equal(b.state, "closed");
    assert.equal(b.snapshot().consecutiveFailures, 2);
  });

  it("lets one trial through when half-open, closing on success", () => {
    const { b, changes, permit, advance } = breaker({ failureThreshold: 1, cooldownMs: 100 });
    b.record(permit(), "failure");
    advance(100);
    const trial = permit();
    assert.equal(trial.trial, true);
    assert.deepEqual(b.acquire(), { refused: true, retryInMs: 0 }, "a second caller fails fast while the trial is in flight");
    b.record(trial, "success");
    assert.equal(b.state, "closed");
    assert.deepEqual(changes, ["open", "half_open", "closed"]);
    assert.equal(permit().trial, false);
  });

  it("reopens on a failed trial with a cool-down that doubles up to the cap, and resets it on close", () => {
    const { b, permit, advance } = breaker({ failureThreshold: 1, cooldownMs: 100, maxCooldownMs: 350 });
    b.record(permit(), "failure");
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      cooldowns.push(b.snapshot().retryInMs);
      advance(cooldowns[i] as number);
      b.record(permit(), "failure");
    }
    assert.deepEqual(cooldowns, [100, 200, 350, 350]);
    advance(350);
    b.record(permit(), "success");
    b.record(permit(), "failure");
    assert.equal(b.snapshot().retryInMs, 100, "a new episode starts from the base cool-down");
  });

  it("frees the trial slot when the trial is abandoned without a verdict", () => {
    const { b, permit, advance } = breaker({ failureThreshold: 1, cooldownMs: 10 });
    b.record(permit(), "failure");
    advance(10);
    b.record(permit(), "ignore");
    assert.equal(b.state, "half_open");
    assert.equal(permit().trial, true);
  });

  it("ignores verdicts of requests that started before the breaker opened", () => {
    const { b, permit } = breaker({ failureThreshold: 2, cooldownMs: 1000 });
    const early = permit();
    b.record(permit(), "failure");
    b.record(permit(), "failure");
    b.record(early, "success");
    assert.equal(b.state, "open");
  });
});
