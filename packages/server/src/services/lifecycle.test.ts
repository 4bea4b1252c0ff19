import { test } from "node:test";
import assert from "node:assert/strict";
import { Lifecycle } from "./lifecycle.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = { error: () => undefined };

test("a job slower than its interval never runs twice at once; the ticks it misses are counted", async () => {
  const life = new Lifecycle(quiet);
  let concurrent = 0;
  let most = 0;
  life.every(5, "slow", async () => {
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
  life.every(5, "flaky", async () => {
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
  life.every(1_000, "job", async () => {
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

test("components stop in reverse order of their start; one whose start failed has nothing to stop", async () => {
  const life = new Lifecycle(quiet);
  const order: string[] = [];
  const store = await life.start("store", () => "db", (db) => order.push(`close ${db}`));
  assert.equal(store, "db");
  await life.start("server", async () => order.push("listening"), () => order.push("close server"));
  await assert.rejects(life.start("broken", () => Promise.reject(new Error("no")), () => order.push("close broken")), /no/);
  await life.stop();
  assert.deepEqual(order, ["listening", "close server", "close db"]);
  await assert.rejects(life.start("late", () => 1), /server is stopping/);
});

test("a leader-only job runs only while this instance leads; the others run on every instance", async () => {
  let leads = false;
  const life = new Lifecycle(quiet, { isLeader: () => leads });
  let leaderRuns = 0;
  let allRuns = 0;
  life.every(5, "leader", async () => void leaderRuns++, { leaderOnly: true });
  life.every(5, "everyone", async () => void allRuns++);
  await sleep(40);
  assert.equal(leaderRuns, 0);
  assert.ok(allRuns >= 2, `${allRuns} runs`);
  leads = true;
  await sleep(40);
  await life.stop();
  assert.ok(leaderRuns >= 2, `${leaderRuns} runs while leading`);
  assert.equal(life.stats().find((j) => j.name === "leader")!.runs, leaderRuns);
});

test("after stop no job runs again and a second stop waits for the same shutdown", async () => {
  const life = new Lifecycle(quiet);
  let runs = 0;
  let stops = 0;
  life.every(5, "job", async () => void runs++);
  life.onStop(async () => {
    await sleep(20);
    stops++;
  });
  await sleep(20);
  const [a, b] = [life.stop(), life.stop()];
  await b;
  assert.equal(stops, 1, "the second stop waited for the first");
  await a;
  const seen = runs;
  await sleep(30);
  assert.equal(runs, seen);
  assert.equal(stops, 1);
});
