/**
 * Multi-window multi-burn-rate alerts fire and resolve on the right evaluation steps: steady
 * traffic with failures placed minute by minute, `now` stepped a minute at a time (mid-minute) as
 * the server's cycle does, each step's conditions compared with the burn rates of the raw events,
 * and each scenario's promise checked: a fast burn pages within minutes, a slow burn tickets
 * without paging, a short spike never pages, and a page resolves once the short window clears.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR, MINUTE, RollupIndex } from "../rollup-index.js";
import { drain } from "../stepped.js";
import type { StoredEvent } from "../stored-event.js";
import { BURN_SCHEME, burnFactor, sloConditions, type SloConditions } from "./burn.js";
import { SloLedger } from "./ledger.js";
import { SliceWatch } from "./slice-watch.js";
import { expected, rawOf } from "./slo-reference.test-support.js";
import { DAY } from "./spans.js";
import type { SloSpec } from "./spec.js";

const HORIZONS = { minuteMs: 48 * HOUR, hourMs: 35 * DAY };
const H0 = Date.UTC(2026, 5, 1);
/** The scenarios start 3 days and 17 minutes into the history, off the hour. */
const S = H0 + 3 * DAY + 17 * MINUTE;
const RUNS_PER_MINUTE = 10;

/** Ten runs a minute of agent svc from H0 to `to`; `failures(k)` of those in minute S + k fail; `slow(k)` of them take 7 s. */
function traffic(to: number, failures: (k: number) => number, slow: (k: number) => number = () => 0): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let m = H0; m < to; m += MINUTE) {
    const k = Math.floor((m - S) / MINUTE);
    const f = m >= S ? failures(k) : 0;
    const sl = m >= S ? slow(k) : 0;
    for (let i = 0; i < RUNS_PER_MINUTE; i++) {
      const ts = m + i * (MINUTE / RUNS_PER_MINUTE) + 1_000;
      out.push({ id: `${ts}`, type: "run", ts, receivedAt: ts, body: { agent_name: "svc", status: i < f ? "failure" : "success", duration_ms: i < sl ? 7_000 : 800 } });
    }
  }
  return out;
}

const availability = (target: number, days = 30): SloSpec => ({ name: "svc_availability", filter: { agent_name: "svc" }, sli: { kind: "availability", events: "runs" }, maxMs: null, target, period: { kind: "rolling", ms: days * DAY }, budgeting: { kind: "events" } });

/** Per step (minute from S), the conditions Vigil finds, after checking each equals the raw events' burn rates. */
function run(spec: SloSpec, evs: StoredEvent[], fromMinute: number, toMinute: number): SloConditions[] {
  let clock = H0;
  const idx = new RollupIndex(HORIZONS, () => clock);
  const watch = new SliceWatch(idx, HORIZONS);
  const ledger = new SloLedger(spec, idx, HORIZONS);
  const raw = rawOf(spec, evs);
  const steps: SloConditions[] = [];
  let next = 0;
  for (let k = fromMinute; k <= toMinute; k++) {
    const now = S + k * MINUTE + 30_000;
    while (next < evs.length && evs[next]!.ts <= now) {
      clock = evs[next]!.ts;
      idx.fold(evs[next++]!);
    }
    clock = now;
    idx.prune(now);
    watch.poll(now);
    drain(ledger.refresh(now, watch));
    const c = sloConditions(ledger, now);
    const burn = expected(spec, raw, now).burn;
    for (const b of c.burn) {
      const long = burn[b.long_window]!;
      const short = burn[b.short_window]!;
      assert.equal(b.long_burn, long, `step ${k} ${b.long_window}`);
      assert.equal(b.short_burn, short, `step ${k} ${b.short_window}`);
      assert.equal(b.firing, long !== null && short !== null && long > b.factor && short > b.factor, `step ${k} ${b.long_window}/${b.short_window}`);
    }
    steps.push(c);
  }
  return steps;
}

/** The steps (minutes from S, counting from `from`) at which condition `i` fires. */
const firingSteps = (steps: SloConditions[], i: number, from: number) => steps.flatMap((c, j) => (c.burn[i]!.firing ? [from + j] : []));

describe("burn-rate alerts", () => {
  it("derives the factors from the period: 14.4, 6, 3, 1 for 30 days; 3.36, 1.4, 0.7, 0.2333 for 7 days", () => {
    assert.deepEqual(BURN_SCHEME.map((r) => burnFactor(availability(0.99, 30), r)), [14.4, 6, 3, 1]);
    assert.deepEqual(BURN_SCHEME.map((r) => burnFactor(availability(0.99, 7), r)), [3.36, 1.4, 0.7, 0.233333333333]);
    assert.deepEqual(BURN_SCHEME.map((r) => burnFactor({ period: { kind: "calendar_month" } }, r)), [14.4, 6, 3, 1]);
  });

  it("pages within minutes of a fast burn, and tickets later", () => {
    // 10% of runs fail against a 99.9% target: burn 100. The hour reaches 14.4 after 9 minutes.
    const evs = traffic(S + 3 * HOUR, (k) => (k < 120 ? 1 : 0));
    const steps = run(availability(0.999), evs, -5, 60);
    const page1h = firingSteps(steps, 0, -5);
    assert.equal(page1h[0], 8, "pages in the incident's ninth minute");
    assert.deepEqual(page1h, Array.from({ length: 60 - 8 + 1 }, (_, i) => 8 + i), "and stays firing while it lasts");
    // 5% of the budget in 6 hours: 22 bad minutes; 10% in a day (2 hours confirming): 44; and the
    // 3-day window, holding 3 days of traffic against a factor of 1, passes it with as many.
    assert.equal(firingSteps(steps, 1, -5)[0], 21);
    assert.equal(firingSteps(steps, 2, -5)[0], 43);
    assert.equal(firingSteps(steps, 3, -5)[0], 43);
  });

  it("tickets a slow burn without ever paging", () => {
    // One failure in 50 runs against 99%: burn 2 — under every page factor and the 1-day ticket's 3, over the 3-day ticket's 1.
    const evs = traffic(S + 40 * HOUR, (k) => (k % 5 === 0 ? 1 : 0));
    const steps = run(availability(0.99), evs, 0, 40 * 60);
    assert.deepEqual(firingSteps(steps, 0, 0), []);
    assert.deepEqual(firingSteps(steps, 1, 0), []);
    assert.deepEqual(firingSteps(steps, 2, 0), []);
    const ticket = firingSteps(steps, 3, 0);
    // The 3-day window (from the top of the hour 3 days back) holds more than 1% failures after about 36 hours.
    assert.ok(ticket.length > 0 && ticket[0]! > 35 * 60 && ticket[0]! < 37 * 60, `ticket from minute ${ticket[0]}`);
    assert.equal(ticket[ticket.length - 1], 40 * 60, "and it goes on firing");
  });

  it("does not page on a short spike that only the short window sees", () => {
    // Three minutes of failures against 99%: 5% of the hour (burn 5), under 14.4.
    const evs = traffic(S + 2 * HOUR, (k) => (k < 3 ? RUNS_PER_MINUTE : 0));
    const steps = run(availability(0.99), evs, -2, 90);
    assert.ok(steps.some((c) => c.burn[0]!.short_burn! > 14.4), "the 5-minute window burns past the factor");
    for (let i = 0; i < 4; i++) assert.deepEqual(firingSteps(steps, i, -2), [], BURN_SCHEME[i]!.long);
  });

  it("resolves the page when the short window clears, while the long one still burns", () => {
    const evs = traffic(S + 2 * HOUR, (k) => (k < 20 ? 1 : 0));
    const steps = run(availability(0.999), evs, 0, 60);
    const page = firingSteps(steps, 0, 0);
    assert.deepEqual(page, Array.from({ length: 24 - 8 }, (_, i) => 8 + i), "fires in minutes 8..23");
    // At minute 24 the 5-minute window (minutes 20..24) holds no failure; the hour still holds 20.
    const resolved = steps[24]!.burn[0]!;
    assert.equal(resolved.short_burn, 0);
    assert.ok(resolved.long_burn! > resolved.factor);
  });

  it("raises the latency maximum's breach while an event over it lies in the last 5 minutes", () => {
    const spec: SloSpec = { ...availability(0.99), name: "svc_latency", sli: { kind: "latency", events: "runs", threshold_ms: 3000 }, maxMs: 6000 };
    const evs = traffic(S + HOUR, () => 0, (k) => (k === 10 ? 1 : 0));
    const steps = run(spec, evs, 0, 30);
    assert.deepEqual(steps.flatMap((c, k) => (c.max!.firing ? [k] : [])), [10, 11, 12, 13, 14]);
    assert.equal(steps[10]!.max!.count, 1);
  });
});
