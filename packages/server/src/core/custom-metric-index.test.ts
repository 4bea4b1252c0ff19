import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CustomMetricIndex } from "./custom-metric-index.js";
import type { StoredEvent } from "./stored-event.js";

const M = 60_000, H = 60 * M, D = 24 * H;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 30);
const LIMITS = { fineMs: 2 * H, minuteMs: 2 * D, hourMs: 8 * D, retentionMs: 30 * D, maxSeries: 3 };
const metric = (ts: number, name: string, value: number, extra: Record<string, string> = {}): StoredEvent => ({ id: `${ts}${name}${value}`, type: "metric", ts, receivedAt: ts, body: { name, value, ...extra } });

function index(events: StoredEvent[]) {
  const idx = new CustomMetricIndex(LIMITS);
  idx.coverFrom(NOW - 10 * D);
  for (const ev of events) idx.fold(ev);
  return idx;
}

describe("custom metric index", () => {
  it("aggregates a window from its slices, latest by time and at equal times the greater value, whatever the fold order", () => {
    const t = NOW - 5 * M;
    const evs = [metric(t, "q", 3, { component: "w" }), metric(t + 20_000, "q", 9, { component: "w" }), metric(t + 20_000, "q", 4, { component: "w" }), metric(t - 2 * H, "q", -1, { component: "w" })];
    const from = t - 3 * H - (t % M);
    for (const order of [evs, [...evs].reverse()]) {
      assert.deepEqual(index(order).answer(from, from + 4 * H, { name: "q" }, NOW), [{ name: "q", component: "w", category: null, unit: null, count: 4, sum: 15, min: -1, max: 9, last: 9, last_at: t + 20_000 }]);
    }
  });

  it("filters by component and category and orders rows as the store (absent values first, then by code point)", () => {
    const t = NOW - 10 * M;
    const idx = index([metric(t, "q", 1, { component: "b" }), metric(t, "q", 2), metric(t, "q", 3, { component: "a", category: "x" })]);
    const from = t - (t % H);
    assert.deepEqual(idx.answer(from, from + H, {}, NOW)!.map((r) => r.component), [null, "a", "b"]);
    assert.deepEqual(idx.answer(from, from + H, { component: "a" }, NOW)!.map((r) => r.sum), [3]);
    assert.deepEqual(idx.answer(from, from + H, { category: "x", component: "b" }, NOW), []);
  });

  it("does not answer windows it cannot tile exactly: unaligned, past a tier's horizon or the rebuilt span", () => {
    const idx = index([metric(NOW - M, "q", 1)]);
    const end = NOW - (NOW % M) + M;
    assert.ok(idx.answer(end - 5 * M, end, {}, NOW));
    assert.equal(idx.answer(end - 5 * M + 1, end, {}, NOW), null, "unaligned start");
    // Ten-second slices reach back two hours; an unaligned minute older than that cannot be read.
    assert.equal(idx.answer(NOW - 3 * H - (NOW % M) + 10_000, end, {}, NOW), null);
    assert.equal(idx.answer(end - 9 * D, end, {}, NOW), null, "past the hour tier");
    const fresh = new CustomMetricIndex(LIMITS);
    fresh.fold(metric(NOW - M, "q", 1));
    assert.equal(fresh.answer(end - 5 * M, end, {}, NOW), null, "not rebuilt yet");
  });

  it("past the series cap, reads of the names it left out (and unfiltered reads) go to the store and are counted", () => {
    const t = NOW - M;
    const idx = index(["a", "b", "c", "d", "d"].map((n, i) => metric(t, n, i)));
    const end = NOW - (NOW % M) + M;
    assert.equal(idx.answer(end - 5 * M, end, { name: "d" }, NOW), null);
    assert.equal(idx.answer(end - 5 * M, end, {}, NOW), null);
    assert.equal(idx.answer(end - 5 * M, end, { name: "a" }, NOW)!.length, 1);
    assert.deepEqual({ ...idx.stats(), covered_from: null }, { series: 3, max_series: 3, overflow_series: 1, overflow_events: 2, covered_from: null });
  });

  it("forgets series without events inside its horizons", () => {
    const idx = index([metric(NOW - 9 * D - 2 * H, "old", 1), metric(NOW - M, "new", 1)]);
    idx.prune(NOW);
    assert.equal(idx.stats().series, 1);
  });

  it("replaces a span with a rebuilt one, keeping older slices", () => {
    const idx = index([metric(NOW - 3 * H, "q", 1), metric(NOW - M, "q", 100)]);
    const rebuilt = new CustomMetricIndex(LIMITS);
    rebuilt.fold(metric(NOW - M, "q", 5));
    const from = NOW - (NOW % H) - H;
    idx.replaceFrom(from, rebuilt);
    const end = NOW - (NOW % H) + H;
    assert.deepEqual(idx.answer(end - 4 * H, end, {}, NOW)!.map((r) => [r.count, r.sum]), [[2, 6]]);
  });
});
