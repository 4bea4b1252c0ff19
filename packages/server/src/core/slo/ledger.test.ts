import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR, MINUTE, RollupIndex } from "../rollup-index.js";
import { drain } from "../stepped.js";
import type { StoredEvent } from "../stored-event.js";
import { sloFigures } from "./budget.js";
import { burnRate, eventsIn } from "./sums.js";
import { SloLedger } from "./ledger.js";
import { FULL_POLL_MS, SliceWatch } from "./slice-watch.js";
import { DAY } from "./spans.js";
import type { SloSpec } from "./spec.js";

const H = { minuteMs: 48 * HOUR, hourMs: 35 * DAY };
let seq = 0;
const run = (ts: number, agent: string, duration: number, status = "success"): StoredEvent => ({ id: `r${seq++}`, type: "run", ts, receivedAt: ts, body: { agent_name: agent, status, duration_ms: duration } });
const availability = (over: Partial<SloSpec> = {}): SloSpec => ({
  name: "a_avail",
  filter: { agent_name: "a" },
  sli: { kind: "availability", events: "runs" },
  maxMs: null,
  target: 0.9,
  period: { kind: "rolling", ms: 30 * DAY },
  budgeting: { kind: "events" },
  ...over,
});

function setup(spec: SloSpec, now: number) {
  const idx = new RollupIndex(H);
  const watch = new SliceWatch(idx, H);
  const ledger = new SloLedger(spec, idx, H);
  const cycle = (t: number) => {
    watch.poll(t);
    drain(ledger.refresh(t, watch));
  };
  return { idx, watch, ledger, cycle, now };
}

describe("SloLedger", () => {
  const now = Date.UTC(2026, 10, 21, 12, 30, 15);

  it("counts the class's good and total events over the period, from hours and minutes", () => {
    const { idx, ledger, cycle } = setup(availability(), now);
    // 10 days of one run a minute for agent a, every seventh failed; agent b is another class.
    for (let t = now - 10 * DAY; t <= now; t += MINUTE) {
      const i = Math.round((t - now) / MINUTE);
      idx.fold(run(t, "a", 100, i % 7 === 0 ? "failure" : "success"));
      idx.fold(run(t, "b", 100, "failure"));
    }
    cycle(now);
    const f = sloFigures(ledger, now, null);
    let total = 0;
    let bad = 0;
    const start = Date.UTC(2026, 10, 21, 12, 31) - 30 * DAY;
    for (let t = now - 10 * DAY; t <= now; t += MINUTE) {
      if (t < start - (start % HOUR)) continue;
      total++;
      if (Math.round((t - now) / MINUTE) % 7 === 0) bad++;
    }
    assert.equal(f.samples.total, total);
    assert.equal(f.samples.total - f.samples.good, bad);
    assert.equal(f.compliance, (total - bad) / total);
    assert.equal(f.budget.consumed, bad);
  });

  it("re-reads only the slices that changed, late events included", () => {
    const { idx, ledger, cycle } = setup(availability(), now);
    idx.fold(run(now - 3 * HOUR, "a", 100));
    cycle(now);
    assert.equal(eventsIn(ledger, now - 4 * HOUR, now + MINUTE, now).total, 1);
    // A late failure three hours back, then the clock moves on a minute.
    idx.fold(run(now - 3 * HOUR + 5, "a", 100, "failure"));
    const later = now + MINUTE;
    cycle(later);
    const e = eventsIn(ledger, later - 4 * HOUR, later + MINUTE, later);
    assert.deepEqual([e.good, e.total], [1, 2]);
    assert.equal(burnRate(ledger, 6 * HOUR, later), 0.5 / (1 - 0.9));
  });

  it("sees a late event in an old slice at the next full poll, and recent ones at once", () => {
    const { idx, watch, ledger, cycle } = setup(availability(), now);
    cycle(now);
    idx.fold(run(now - 5 * HOUR, "a", 100, "failure"));
    idx.fold(run(now - 2 * MINUTE, "a", 100));
    // A poll two seconds later that may look at recent slices only (an answer between cycles) does.
    watch.poll(now + 2000, true);
    drain(ledger.refresh(now + 2000, watch));
    const e = eventsIn(ledger, now - 6 * HOUR, now + MINUTE, now + 2000);
    assert.deepEqual([e.good, e.total], [1, 1]);
    watch.poll(now + FULL_POLL_MS, true);
    drain(ledger.refresh(now + FULL_POLL_MS, watch));
    const f = eventsIn(ledger, now - 6 * HOUR, now + MINUTE, now + FULL_POLL_MS);
    assert.deepEqual([f.good, f.total], [1, 2]);
  });

  it("reads every slice again when it falls behind the watch", () => {
    const { idx, watch, ledger, cycle } = setup(availability(), now);
    cycle(now);
    idx.fold(run(now - 2 * HOUR, "a", 100, "failure"));
    for (let i = 1; i <= 70; i++) watch.poll(now + i * 1000);
    cycle(now + 71_000);
    assert.equal(eventsIn(ledger, now - 3 * HOUR, now + MINUTE, now + 71_000).total, 1);
  });

  it("judges a settled time slice again when a late event changes it", () => {
    const spec = availability({ budgeting: { kind: "timeslices", sliceMs: 5 * MINUTE, sliceTarget: 0.75, meanRatingAtLeast: null }, period: { kind: "rolling", ms: DAY } });
    const { idx, ledger, cycle } = setup(spec, now);
    const slice = now - (now % (5 * MINUTE)) - 60 * MINUTE;
    for (let i = 0; i < 4; i++) idx.fold(run(slice + i * 1000, "a", 100, i === 0 ? "failure" : "success"));
    cycle(now);
    assert.equal(sloFigures(ledger, now, null).budget.consumed, 0, "3 of 4 good meets 0.75");
    idx.fold(run(slice + 10_000, "a", 100, "failure"));
    cycle(now + 10_000);
    const f = sloFigures(ledger, now + 10_000, null);
    assert.equal(f.budget.consumed, 1, "3 of 5 does not");
    assert.equal(f.compliance, (288 - 1) / 288);
  });

  it("fills a new ledger in steps", () => {
    const { idx, watch, ledger } = setup(availability(), now);
    idx.fold(run(now - 20 * DAY, "a", 100));
    watch.poll(now);
    const work = ledger.refresh(now, watch);
    let steps = 0;
    while (!work.next().done) steps++;
    // 1,501 minutes and 721 hours, eight slices a step.
    assert.ok(steps > 250, `${steps} steps`);
    assert.equal(sloFigures(ledger, now, null).samples.total, 1);
  });

  it("holds a 30-day event-budgeted SLO in fixed typed arrays", () => {
    const { ledger } = setup(availability(), now);
    // 1,501 minutes and 722 hours of keys, good and total counts.
    assert.equal(ledger.bytes(), 1501 * 20 + 722 * 20);
  });
});
