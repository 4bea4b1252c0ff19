/**
 * Exactness: a generated week of traffic with known failures and latencies (some exactly on the
 * latency ladder's boundaries) folded into a real RollupIndex, its SLOs' compliance, budget and
 * every burn rate computed by the ledgers — refreshed at each `now` as the server does — and the
 * same figures computed here from the raw events over the spans docs/slo.md describes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR, MINUTE, RollupIndex } from "../rollup-index.js";
import { drain } from "../stepped.js";
import { sloFigures, type SloFigures } from "./budget.js";
import { sloHistory } from "./history.js";
import { SloLedger } from "./ledger.js";
import { SliceWatch } from "./slice-watch.js";
import { sloTraffic } from "./slo-events.test-support.js";
import { count, expected, floorTo, rawOf } from "./slo-reference.test-support.js";
import { DAY } from "./spans.js";
import type { SloSpec } from "./spec.js";

const HORIZONS = { minuteMs: 48 * HOUR, hourMs: 35 * DAY };
const T0 = Date.UTC(2026, 10, 28);
const NOWS = [
  Date.UTC(2026, 10, 30, 13, 45, 17, 250),
  Date.UTC(2026, 10, 30, 23, 59, 59, 999),
  Date.UTC(2026, 11, 1, 0, 0, 30),
  Date.UTC(2026, 11, 3, 10, 17, 23, 456),
  Date.UTC(2026, 11, 4, 23, 59, 59, 999),
];

const rolling = (days: number) => ({ kind: "rolling" as const, ms: days * DAY });
const month = { kind: "calendar_month" as const };
const events = { kind: "events" as const };
const slices = (sliceMs: number, sliceTarget: number, meanRatingAtLeast: number | null = null) => ({ kind: "timeslices" as const, sliceMs, sliceTarget, meanRatingAtLeast });
const spec = (name: string, s: Omit<SloSpec, "name" | "maxMs"> & { maxMs?: number }): SloSpec => ({ name, maxMs: null, ...s });

const SPECS: SloSpec[] = [
  spec("planner_availability", { filter: { agent_name: "planner" }, sli: { kind: "availability", events: "runs" }, target: 0.99, period: rolling(7), budgeting: events }),
  spec("coder_large_latency", { filter: { agent_name: "coder", model: "m-large" }, sli: { kind: "latency", events: "runs", threshold_ms: 3000 }, maxMs: 6000, target: 0.9, period: month, budgeting: events }),
  spec("llm_availability", { filter: {}, sli: { kind: "availability", events: "llm_calls" }, target: 0.995, period: rolling(1), budgeting: events }),
  spec("route_b_llm_latency", { filter: { route: "r-b" }, sli: { kind: "latency", events: "llm_calls", threshold_ms: 1000 }, target: 0.8, period: rolling(28), budgeting: events }),
  spec("critic_satisfaction", { filter: { agent_name: "critic" }, sli: { kind: "satisfaction", min_rating: 4 }, target: 0.7, period: rolling(7), budgeting: events }),
  spec("accuracy", { filter: {}, sli: { kind: "accuracy", min_score: 0.75 }, target: 0.5, period: month, budgeting: events }),
  spec("planner_availability_slices", { filter: { agent_name: "planner" }, sli: { kind: "availability", events: "runs" }, target: 0.99, period: rolling(1), budgeting: slices(5 * MINUTE, 0.95) }),
  spec("small_latency_hours", { filter: { model: "m-small" }, sli: { kind: "latency", events: "runs", threshold_ms: 2500 }, target: 0.95, period: rolling(7), budgeting: slices(HOUR, 0.9) }),
  spec("mean_rating_hours", { filter: {}, sli: { kind: "satisfaction", min_rating: 4 }, target: 0.9, period: rolling(7), budgeting: slices(HOUR, 0, 4.2) }),
  spec("route_a_mean_rating_month", { filter: { route: "r-a" }, sli: { kind: "satisfaction", min_rating: 4 }, target: 0.8, period: month, budgeting: slices(10 * MINUTE, 0, 4) }),
];

function check(s: SloSpec, got: SloFigures, want: ReturnType<typeof expected>, now: number) {
  const at = `${s.name} at ${new Date(now).toISOString()}`;
  assert.equal(got.period.start, want.start, `${at}: period start`);
  assert.deepEqual(got.samples, want.samples, `${at}: samples`);
  assert.equal(got.compliance, want.compliance, `${at}: compliance`);
  assert.deepEqual(got.budget, { unit: s.budgeting.kind === "events" ? "events" : "slices", ...want.budget }, `${at}: budget`);
  assert.deepEqual(got.burn_rates, want.burn, `${at}: burn rates`);
  assert.equal(got.max_breaches, want.max_breaches, `${at}: max breaches`);
  assert.equal(got.exact, true, `${at}: exact`);
}

describe("SLO figures equal the raw events' (generated week, real rollups)", () => {
  const traffic = sloTraffic({
    from: T0,
    to: NOWS[NOWS.length - 1]! + 1,
    seed: 17,
    incidents: [
      { agent: "planner", from: Date.UTC(2026, 11, 3, 8), to: Date.UTC(2026, 11, 3, 9, 30), failRate: 0.5 },
      { agent: "coder", from: Date.UTC(2026, 11, 2, 14), to: Date.UTC(2026, 11, 2, 20), slowRate: 0.6, slowMs: 7000 },
      { agent: "critic", from: Date.UTC(2026, 10, 30, 10), to: Date.UTC(2026, 11, 1, 2), failRate: 0.2 },
      { agent: "planner", from: NOWS[3]! - 3 * MINUTE, to: NOWS[3]! + 1, failRate: 0.9 },
    ],
  });
  const raws = SPECS.map((s) => rawOf(s, traffic));

  it("for event and time-slice budgets, rolling and calendar-month periods, at several nows", () => {
    let clock = T0;
    const idx = new RollupIndex(HORIZONS, () => clock);
    const watch = new SliceWatch(idx, HORIZONS);
    const ledgers = SPECS.map((s) => new SloLedger(s, idx, HORIZONS));
    let next = 0;
    for (const now of NOWS) {
      // Events arrive as time passes; the server prunes and runs a cycle.
      while (next < traffic.length && traffic[next]!.ts <= now) {
        clock = traffic[next]!.ts;
        idx.fold(traffic[next++]!);
      }
      clock = now;
      idx.prune(now);
      watch.poll(now);
      for (const l of ledgers) drain(l.refresh(now, watch));
      SPECS.forEach((s, i) => check(s, sloFigures(ledgers[i]!, now, watch.firstData), expected(s, raws[i]!, now), now));
    }
    // A ledger filled afresh at the end agrees with the ones refreshed along the way.
    const now = NOWS[NOWS.length - 1]!;
    SPECS.forEach((s, i) => {
      const fresh = new SloLedger(s, idx, HORIZONS);
      drain(fresh.refresh(now, watch));
      assert.deepEqual(sloFigures(fresh, now, watch.firstData), sloFigures(ledgers[i]!, now, watch.firstData), s.name);
    });
  });

  it("says where the data begin when the period starts before them", () => {
    const now = NOWS[0]!;
    const idx = new RollupIndex(HORIZONS);
    for (const e of traffic) if (e.ts <= now) idx.fold(e);
    const watch = new SliceWatch(idx, HORIZONS);
    watch.poll(now);
    const l = new SloLedger(SPECS[0]!, idx, HORIZONS);
    drain(l.refresh(now, watch));
    const f = sloFigures(l, now, watch.firstData);
    assert.equal(f.data_from, T0, "a 7-day period 2.5 days after the first data");
    const day = new SloLedger(SPECS[2]!, idx, HORIZONS);
    drain(day.refresh(now, watch));
    assert.equal(sloFigures(day, now, watch.firstData).data_from, null, "a 1-day period inside the data");
  });

  it("gives a history whose points are the figures to date and whose last point is the status", () => {
    const now = NOWS[3]!;
    const idx = new RollupIndex(HORIZONS);
    for (const e of traffic) if (e.ts <= now) idx.fold(e);
    const watch = new SliceWatch(idx, HORIZONS);
    watch.poll(now);
    for (const i of [1, 6]) {
      const s = SPECS[i]!;
      const l = new SloLedger(s, idx, HORIZONS);
      drain(l.refresh(now, watch));
      const h = sloHistory(l, now);
      const f = sloFigures(l, now, watch.firstData);
      assert.ok(h.points.length > 10 && h.points.length <= 1000, `${h.points.length} points`);
      const last = h.points[h.points.length - 1]!;
      assert.deepEqual([last.t, last.compliance, last.remaining_ratio, last.burn_1h, last.good, last.total], [now, f.compliance, f.budget.remaining_ratio, f.burn_rates["1h"], f.samples.good, f.samples.total]);
      if (s.budgeting.kind === "events") {
        for (const p of h.points.slice(0, -1)) {
          const c = count(raws[i]!, f.period.start, p.t, now);
          assert.equal(p.total, c.total, `${s.name} events to ${new Date(p.t).toISOString()}`);
          assert.equal(p.compliance, c.total === 0 ? null : c.good / c.total);
          // The hour before the point: from its minute while within the last 25 hours, else from its hour.
          const from = p.t - HOUR >= floorTo(now, MINUTE) - 1500 * MINUTE ? p.t - HOUR : floorTo(p.t - HOUR, HOUR);
          const hour = count(raws[i]!, from, p.t, now);
          assert.equal(p.burn_1h, hour.total === 0 ? null : (hour.total - hour.good) / hour.total / (1 - s.target));
        }
      }
    }
  });
});
