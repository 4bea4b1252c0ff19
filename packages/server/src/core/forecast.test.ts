import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fitTrend, predictAt, type TrendPoint } from "./forecast-fit.js";
import { forecast } from "./forecast.js";
import { rng } from "./seeded-random.test-support.js";

const MIN = 60_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

/** A standard normal draw from a seeded generator (Box–Muller). */
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Points every `stepMs` over the `spanMs` before NOW, at each step's middle, valued `f(hours before now)` plus noise. */
function series(f: (h: number) => number, opts: { spanMs?: number; stepMs?: number; sd?: number; seed?: number } = {}): TrendPoint[] {
  const { spanMs = 6 * HOUR, stepMs = 5 * MIN, sd = 0, seed = 1 } = opts;
  const r = rng(seed);
  const out: TrendPoint[] = [];
  for (let t = NOW - spanMs + stepMs / 2; t < NOW; t += stepMs) out.push({ t, v: f((t - NOW) / HOUR) + sd * gauss(r) });
  return out;
}

const within = (got: number, truth: number, share: number, what: string) => assert.ok(Math.abs(got - truth) <= share * truth, `${what}: ${got / MIN} min against ${truth / MIN} min`);

describe("forecast: time to cross a limit", () => {
  it("predicts a noisy linear rise's crossing within 10% of the true time, over many noise draws", () => {
    // 40 now, +5 an hour: crosses 100 in 12 hours. Noise of sd 2 is a fifteenth of the rise the data
    // shows; the crossing is twice as far ahead as the data reaches back.
    for (let seed = 1; seed <= 20; seed++) {
      const f = forecast(series((h) => 40 + 5 * h, { sd: 2, seed }), { now: NOW, limit: 100, comparator: ">" });
      assert.equal(f.reason, null, `seed ${seed}: ${f.reason}`);
      within(f.inMs!, 12 * HOUR, 0.1, `seed ${seed}`);
      const c = f.crossing!;
      assert.ok(c.earliest <= c.at && c.latest !== null && c.at <= c.latest, `seed ${seed}: band ${JSON.stringify(c)}`);
      assert.ok(c.earliest < c.at && c.at < c.latest!, "noise makes a band around the time");
    }
  });

  it("predicts when a rule over a 1-hour window sees a linearly rising daily cost cross 100, within 10%", () => {
    // The cost runs at 60 a day now and rises 40 a day every 6 hours: the instantaneous rate reaches
    // 100 in 6 h, and the 1-hour mean HighDailyCost judges lags it by half an hour: 6.5 h.
    const rate = (h: number) => 60 + (40 / 6) * h;
    const points = series(rate, { sd: 6, seed: 7 });
    const f = forecast(points, { now: NOW, limit: 100, comparator: ">", lagMs: HOUR / 2, averaged: 12 });
    // The truth, found by walking the 1-hour trailing mean of the rate minute by minute.
    let truth = 0;
    for (let m = 0; ; m++) {
      let sum = 0;
      for (let k = 0; k < 60; k++) sum += rate((m - k - 0.5) / 60);
      if (sum / 60 > 100) {
        truth = m * MIN;
        break;
      }
    }
    within(truth, 6.5 * HOUR, 0.01, "the trailing mean's own crossing");
    within(f.inMs!, truth, 0.1, "forecast");
    const unlagged = forecast(points, { now: NOW, limit: 100, comparator: ">" });
    assert.ok(f.inMs! - unlagged.inMs! > 25 * MIN, "the window's lag moves the crossing by about half the window");
  });

  it("places an exact line's crossing to the second, with no band", () => {
    const f = forecast(series((h) => 10 + 2 * h), { now: NOW, limit: 20, comparator: ">=" });
    assert.equal(f.inMs, 5 * HOUR);
    assert.deepEqual(f.crossing, { at: NOW + 5 * HOUR, earliest: NOW + 5 * HOUR, latest: NOW + 5 * HOUR });
    assert.equal(f.fit!.r2, 1);
    assert.equal(f.confidence, "high");
  });

  it("predicts no crossing for a flat noisy series, whichever way the noise tilts it", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const f = forecast(series(() => 50, { sd: 5, seed }), { now: NOW, limit: 100, comparator: ">" });
      assert.equal(f.crossing, null, `seed ${seed}: ${JSON.stringify(f.crossing)}`);
      assert.equal(f.reason, "no significant trend", `seed ${seed}`);
      assert.ok(Math.abs(f.trendNow! - 50) < 5, `trend now ${f.trendNow}`);
    }
  });

  it("predicts a falling series crossing a floor, and no crossing of a ceiling it moves away from", () => {
    // A budget's remaining share: 0.6 now, losing 0.05 an hour; empty in 12 h.
    const points = series((h) => 0.6 - 0.05 * h, { sd: 0.01, seed: 3 });
    const f = forecast(points, { now: NOW, limit: 0, comparator: "<=" });
    within(f.inMs!, 12 * HOUR, 0.1, "falling");
    assert.ok(f.fit!.slopePerHour < 0);
    const up = forecast(points, { now: NOW, limit: 1, comparator: ">" });
    assert.equal(up.crossing, null);
    assert.equal(up.reason, "moving away from the limit");
  });

  it("keeps its line when a fifth of the points are spikes, where least squares is pulled off", () => {
    const clean = series((h) => 40 + 5 * h, { sd: 2, seed: 11 });
    const r = rng(5);
    const spiky = clean.map((p) => (r() < 0.2 ? { t: p.t, v: p.v * 8 } : p));
    const a = forecast(clean, { now: NOW, limit: 100, comparator: ">" });
    const b = forecast(spiky, { now: NOW, limit: 100, comparator: ">" });
    within(b.inMs!, 12 * HOUR, 0.1, "with spikes");
    within(b.inMs!, a.inMs!, 0.05, "against the clean series");
    // The same points through least squares: its level now is far off, its crossing much sooner.
    const n = spiky.length;
    const tm = spiky.reduce((s, p) => s + p.t, 0) / n;
    const vm = spiky.reduce((s, p) => s + p.v, 0) / n;
    const slope = spiky.reduce((s, p) => s + (p.t - tm) * (p.v - vm), 0) / spiky.reduce((s, p) => s + (p.t - tm) ** 2, 0);
    const olsNow = vm + slope * (NOW - tm);
    assert.ok(olsNow > 60, `least squares reads ${olsNow} now where the series is at 40`);
    assert.ok(Math.abs(b.trendNow! - 40) < 2, `Theil–Sen reads ${b.trendNow} now`);
  });

  it("refuses to forecast from too few points, and counts only finite values", () => {
    const few = series((h) => 40 + 5 * h).slice(-5);
    const f = forecast(few, { now: NOW, limit: 100, comparator: ">" });
    assert.equal(f.reason, "too few points");
    assert.equal(f.crossing, null);
    assert.equal(f.inMs, null);
    assert.equal(f.points, 5);
    const withGaps = [...few, { t: NOW - 1000, v: NaN }, { t: NaN, v: 3 }];
    assert.equal(forecast(withGaps, { now: NOW, limit: 100, comparator: ">" }).reason, "too few points");
    assert.equal(forecast(series((h) => 40 + 5 * h).slice(-6), { now: NOW, limit: 100, comparator: ">" }).reason, null, "six points are enough");
    const sameTime = Array.from({ length: 10 }, (_, i) => ({ t: NOW - HOUR, v: i }));
    assert.equal(forecast(sameTime, { now: NOW, limit: 100, comparator: ">" }).reason, "too few points", "points at one time make no trend");
  });

  it("says a series already past the limit has crossed, and one crossing after the horizon does not", () => {
    const over = forecast(series((h) => 120 + 5 * h, { sd: 2 }), { now: NOW, limit: 100, comparator: ">" });
    assert.equal(over.reason, "already crossed");
    assert.equal(over.inMs, 0);
    assert.equal(over.crossing, null);
    // +0.1 an hour from 40: 600 hours to 100, past 7 days.
    const slow = forecast(series((h) => 40 + 0.1 * h), { now: NOW, limit: 100, comparator: ">" });
    assert.equal(slow.reason, "beyond the horizon");
    assert.equal(forecast(series((h) => 40 + 0.1 * h), { now: NOW, limit: 100, comparator: ">", horizonMs: 30 * 24 * HOUR }).reason, null, "a longer horizon reaches it");
  });

  it("predicts a value at a horizon with a band that widens the further ahead it looks", () => {
    const fit = fitTrend(series((h) => 40 + 5 * h, { sd: 3, seed: 2 }))!;
    const soon = predictAt(fit, NOW + HOUR);
    const later = predictAt(fit, NOW + 24 * HOUR);
    assert.ok(Math.abs(later.value - 160) < 10, `24 h ahead: ${later.value}`);
    assert.ok(later.low < later.value && later.value < later.high);
    assert.ok(later.high - later.low > 2 * (soon.high - soon.low), `band ${soon.high - soon.low} → ${later.high - later.low}`);
    assert.ok(fit.r2! > 0.8, `r² ${fit.r2}`);
    assert.equal(fit.n, 72);
  });

  it("rates confidence lower for a noisy trend and for a far extrapolation", () => {
    const clear = forecast(series((h) => 40 + 10 * h, { sd: 2, seed: 4 }), { now: NOW, limit: 100, comparator: ">" });
    assert.equal(clear.confidence, "high");
    const noisy = forecast(series((h) => 40 + 10 * h, { sd: 30, seed: 4 }), { now: NOW, limit: 100, comparator: ">" });
    assert.notEqual(noisy.confidence, "high");
    // Clean, but 60 hours ahead of 6 hours of data.
    const far = forecast(series((h) => 40 + 1 * h, { sd: 0.2, seed: 4 }), { now: NOW, limit: 100, comparator: ">" });
    assert.equal(far.reason, null);
    assert.equal(far.confidence, "medium");
  });
});
