/**
 * Alert rules read whole slices, from the one holding `now - window` to the one holding now, and
 * for a change function the window of the same length just before it, so an event on the boundary
 * of the two is counted in exactly one; rates are per the time elapsed in the window.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRuleSet } from "../core/alerting/rule.js";
import { initialThresholds } from "../core/alerting/threshold-settings.js";
import { FINE_SLICE, HOUR, MINUTE, RollupIndex } from "../core/rollup-index.js";
import type { StoredEvent } from "../core/stored-event.js";
import { ruleWindowAt } from "../core/window-bounds.js";
import { RuleReads } from "./rule-reads.js";

/** 15:00:00. */
const T0 = Date.UTC(2026, 11, 7, 15, 0, 0);
let seq = 0;
const run = (ts: number): StoredEvent => ({ id: `e${seq++}`, type: "run", ts, receivedAt: ts, body: { agent_name: "bot", status: "success", duration_ms: 100 } });

function setup(fineSince: number) {
  let now = T0;
  const index = new RollupIndex({ minuteMs: 6 * HOUR, hourMs: 7 * 24 * HOUR }, () => now);
  index.startFine(fineSince);
  const reads = new RuleReads({ index, customSamples: async () => null, now: () => now, warn: () => undefined });
  const rules = parseRuleSet(
    {
      rules: [
        { name: "delta", metric: "total_tasks", change: "delta", comparator: ">", threshold: -1e9, window: "1m" },
        { name: "count", metric: "total_tasks", comparator: ">", threshold: -1, window: "1m" },
        { name: "rate", metric: "throughput_per_min", comparator: ">", threshold: -1, window: "1m" },
        { name: "delta30", metric: "total_tasks", change: "delta", comparator: ">", threshold: -1e9, window: "30m" },
      ],
    },
    "file",
    "window rules",
  );
  const observe = async (name: string, at: number): Promise<number | null> => {
    now = at;
    const rule = rules.find((r) => r.name === name)!;
    const { observations } = await reads.observe(rule, at, initialThresholds(undefined), new Map(), () => []);
    return observations[0]?.value ?? null;
  };
  return { index, observe };
}

describe("alert rule windows", () => {
  it("count an event on the first or last millisecond of a 10-second slice in exactly one of a change rule's two windows", async () => {
    const { index, observe } = setup(T0 - 10 * MINUTE);
    const at = T0 + 7_500; // the slice [15:00:00, 15:00:10) is filling: the window is [14:59:00, 15:00:10), 70 s
    const edge = T0 - MINUTE; // 14:59:00, where the two windows meet
    for (let i = 0; i < 10; i++) index.fold(run(edge - 1)); // previous window's last millisecond
    for (let i = 0; i < 4; i++) index.fold(run(edge)); // current window's first millisecond
    index.fold(run(T0 + 7_000));
    index.fold(run(edge - 70_000)); // the previous window's first millisecond
    index.fold(run(edge - 70_000 - 1)); // in neither
    assert.equal(await observe("count", at), 5);
    assert.equal(await observe("delta", at), 5 - 11, "current 5, previous 11: the boundary slice is in one window only");
    // Runs per minute elapsed in the window: 5 in 67.5 s.
    assert.equal(await observe("rate", at), Math.round((5 / (67.5 / 60)) * 1000) / 1000);
  });

  it("count an event on the first or last millisecond of a minute in exactly one of a change rule's two windows", async () => {
    const { index, observe } = setup(T0);
    const at = T0 + 20 * MINUTE + 30_000; // 15:20:30; 30m windows read minutes: [14:50, 15:21) and [14:19, 14:50)
    const edge = T0 - 10 * MINUTE;
    for (let i = 0; i < 3; i++) index.fold(run(edge - 1));
    for (let i = 0; i < 7; i++) index.fold(run(edge));
    index.fold(run(T0 + 20 * MINUTE + 29_999));
    assert.equal(await observe("delta30", at), 8 - 3);
  });

  it("end with the slice that holds the evaluation time, in the tier that holds both windows", () => {
    const tiers = (fineFrom: number) => ({ fineCovers: (from: number, now: number) => from >= fineFrom && from > now - 15 * MINUTE, minuteFloor: T0 - 6 * HOUR });
    const at = T0 + 7_500;
    // From the slice holding now - 1m (14:59:07.5) to the one holding now: 70 s, never less than the minute.
    assert.deepEqual(ruleWindowAt(MINUTE, at, tiers(T0 - HOUR)), { from: T0 - MINUTE, to: T0 + FINE_SLICE, now: at, fine: true });
    assert.deepEqual(ruleWindowAt(MINUTE, T0, tiers(T0 - HOUR)), { from: T0 - MINUTE, to: T0 + FINE_SLICE, now: T0, fine: true }, "now on a boundary");
    assert.deepEqual(ruleWindowAt(45_000, at, tiers(T0 - HOUR)), { from: T0 - 40_000, to: T0 + FINE_SLICE, now: at, fine: true });
    // 10-second slices since 14:58:30 hold a 1m window but not a change rule's two: minutes, [14:59, 15:01) and [14:57, 14:59).
    assert.deepEqual(ruleWindowAt(MINUTE, at, tiers(T0 - 90_000), 2), { from: T0 - MINUTE, to: T0 + MINUTE, now: at, fine: false });
    assert.equal(ruleWindowAt(14 * MINUTE, at, tiers(T0 - HOUR)).fine, true);
    // From 15 minutes, the fine horizon, windows read minutes: 15 to 16 minutes of them.
    assert.deepEqual(ruleWindowAt(15 * MINUTE, at, tiers(T0 - HOUR)), { from: T0 - 15 * MINUTE, to: T0 + MINUTE, now: at, fine: false });
    assert.deepEqual(ruleWindowAt(2 * HOUR, at, { ...tiers(T0 - HOUR), minuteFloor: T0 - HOUR }), { from: T0 - 2 * HOUR, to: T0 + HOUR, now: at, fine: false }, "past the minute rollups: whole hours");
  });
});
