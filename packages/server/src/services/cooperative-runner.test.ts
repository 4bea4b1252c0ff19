import { test } from "node:test";
import assert from "node:assert/strict";
import type { Stepped } from "../core/stepped.js";
import { CooperativeRunner } from "./cooperative-runner.js";

/** Work that spins for `ms` between yields, `steps` times, and returns its name. */
function* busy(name: string, steps: number, ms: number, log: string[]): Stepped<string> {
  for (let i = 0; i < steps; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    log.push(name);
    yield;
  }
  return name;
}

test("a long job leaves the event loop free between slices: timers run while it works", async () => {
  const runner = new CooperativeRunner({ sliceMs: 5 });
  const log: string[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  assert.equal(await runner.run(busy("long", 100, 1, log)), "long");
  clearInterval(timer);
  assert.ok(performance.now() - started >= 100, "the job ran to its end");
  // Run at once, the job would hold the thread for 100 ms and the timer would not tick at all.
  assert.ok(ticks >= 5, `the timer ticked ${ticks} times during the job`);
});

test("jobs take turns: a short job finishes long before a long one started earlier", async () => {
  const runner = new CooperativeRunner({ sliceMs: 2 });
  const log: string[] = [];
  const order: string[] = [];
  const long = runner.run(busy("long", 200, 1, log)).then((n) => order.push(n));
  const short = runner.run(busy("short", 3, 1, log)).then((n) => order.push(n));
  await Promise.all([long, short]);
  assert.deepEqual(order, ["short", "long"]);
});

test("refuses work past its job limit and stops jobs that outlive their timeout, as OVERLOADED", async () => {
  const runner = new CooperativeRunner({ sliceMs: 2, maxJobs: 1, timeoutMs: 30 });
  const log: string[] = [];
  const first = runner.run(busy("slow", 1000, 1, log));
  await assert.rejects(runner.run(busy("second", 1, 1, log)), { code: "OVERLOADED" });
  await assert.rejects(first, (e: { code: string; message: string }) => e.code === "OVERLOADED" && /longer than/.test(e.message));
  assert.ok(log.length < 1000, "the slow job was stopped early");
});

test("a failing job rejects with its error, and stop() ends the jobs in progress", async () => {
  const runner = new CooperativeRunner();
  // eslint-disable-next-line require-yield
  function* failing(): Stepped<number> {
    throw new Error("boom");
  }
  await assert.rejects(runner.run(failing()), /boom/);
  const log: string[] = [];
  const pending = runner.run(busy("endless", 1_000_000, 1, log));
  setTimeout(() => runner.stop(), 10);
  await assert.rejects(pending, { code: "NOT_READY" });
  await assert.rejects(runner.run(busy("after", 1, 1, log)), { code: "NOT_READY" });
});
