import { test } from "node:test";
import assert from "node:assert/strict";
import { Lifecycle } from "./lifecycle.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = { error: () => undefined };

test("a job slower than its interval never runs twice at once; the ticks it misses are counted", async () => {
  const life = new Lifecycle(quiet);
  let concurrent = 0;
  let most = 0;
  life.every("slow", 5, async () => {
    most = Math.max(most, ++concurrent);
    await sleep(40);
    concurrent--;
  });
  await sleep(150);
  await life.stop();
  const [s] = life.stats();
  assert.equal(most, 1);
  assert.ok(s!.runs >= 2 && s!.runs <= 5, `${s!.runs} runs`);
  assert.ok(s!.skipped > 5, `${s!.skipped} ticks skipped`);
});

test("a failing job is logged and keeps its schedule", async () => {
  const errors: string[] = [];
  const life = new Lifecycle({ error: (_o, msg) => errors.push(msg) });
  let n = 0;
  life.every("flaky", 5, async () => {
    n++;
    throw new Error("boom");
  }, { immediately: true });
  await sleep(40);
  await life.stop();
  assert.ok(n >= 3);
  assert.equal(errors[0], "flaky failed; the next run retries");
  assert.equal(life.stats()[0]!.failures, n);
});

test("stop waits for the run in progress, then runs the stop steps in reverse order, even after a failing one", async () => {
  const life = new Lifecycle(quiet);
  const order: string[] = [];
  life.every("job", 1_000, async () => {
    await sleep(30);
    order.push("job done");
  }, { immediately: true });
  life.onStop(() => order.push("first registered"));
  life.onStop(() => {
    throw new Error("broken step");
  });
  life.onStop(async () => {
    await sleep(5);
    order.push("last registered");
  });
  await sleep(5);
  await life.stop();
  assert.deepEqual(order, ["job done", "last registered", "first registered"]);
});
