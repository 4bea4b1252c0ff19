/**
 * Exact windows over HTTP, on a clock the test sets: every answer's window is the half-open span
 * its figures were counted over, an event on a window's edge is counted in exactly one window,
 * a report's trends compare two windows that share nothing, and a timeseries names its step still filling.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { HOUR, MINUTE, RollupIndex } from "../../core/rollup-index.js";
import { countedBounds } from "../../core/rollup-plan.js";
import type { StoredEvent } from "../../core/stored-event.js";
import { CooperativeRunner } from "../../services/cooperative-runner.js";
import { MetricsService } from "../../services/metrics-service.js";
import { errorHandler } from "../errors.js";
import { AJV_OPTIONS } from "../schemas.js";
import { metricsRoutes } from "./metrics.js";

/** 14:37:00, a minute boundary. */
const T0 = Date.UTC(2026, 11, 7, 14, 37, 0);
let seq = 0;
const run = (ts: number, body: Record<string, unknown> = {}): StoredEvent => ({ id: `r${++seq}`, type: "run", ts, receivedAt: ts, body: { agent_name: "a", status: "success", duration_ms: 100, ...body } });

describe("exact windows over HTTP", () => {
  let app: FastifyInstance;
  let index: RollupIndex;
  let clock = T0 + 45_000;
  const customCalls: [number, number][] = [];
  const get = async (url: string) => {
    const r = await app.inject({ method: "GET", url });
    assert.equal(r.statusCode, 200, r.body);
    return JSON.parse(r.body) as any;
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  before(async () => {
    index = new RollupIndex({ minuteMs: 48 * HOUR, hourMs: 35 * 24 * HOUR });
    const events = {
      aggregateCustomMetrics: async (from: number, to: number) => {
        customCalls.push([from, to]);
        return [];
      },
    };
    const metrics = new MetricsService({ index, events, now: () => clock });
    app = Fastify({ ajv: { customOptions: AJV_OPTIONS } });
    app.setErrorHandler(errorHandler);
    metricsRoutes(app, metrics, new CooperativeRunner(), async () => []);
    await app.ready();
  });
  after(async () => app?.close());

  it("counts 10 runs at 30 s into the previous minute in the previous window only (window=1m)", async () => {
    for (let i = 0; i < 10; i++) index.fold(run(T0 - 30_000));
    clock = T0 + 45_000;
    const rep = await get("/api/v1/report?window=1m");
    assert.deepEqual(rep.window, { start: iso(T0), end: iso(T0 + MINUTE) });
    assert.deepEqual(rep.previous_window, { start: iso(T0 - MINUTE), end: iso(T0) });
    assert.equal(rep.metrics.total_tasks, 0);
    assert.equal(rep.trends.throughput_per_min.current, 0);
    assert.equal(rep.trends.throughput_per_min.previous, 10);
    const sys = await get("/api/v1/metrics/system?window=1m");
    assert.equal(sys.metrics.total_tasks, 0, "the boundary minute is no longer counted in both windows");
    assert.deepEqual(sys.window, rep.window);
  });

  it("gives exact current and previous figures for events on every edge of two adjacent windows", async () => {
    const base = T0 + 10 * HOUR; // a span with nothing else in it
    clock = base + 45_000; // the current 5m window is [base-4m, base+1m), the previous [base-9m, base-4m)
    const cur = [base - 4 * MINUTE, base - 4 * MINUTE + 10_000, base - MINUTE, base, base + 44_999];
    const prev = [base - 9 * MINUTE, base - 9 * MINUTE + 9_999, base - 6 * MINUTE, base - 5 * MINUTE - 1, base - 5 * MINUTE, base - 4 * MINUTE - 10_000, base - 4 * MINUTE - 1];
    for (const ts of [...cur, ...prev, base - 9 * MINUTE - 1]) index.fold(run(ts));
    const rep = await get("/api/v1/report?window=5m");
    assert.deepEqual(rep.window, { start: iso(base - 4 * MINUTE), end: iso(base + MINUTE) });
    assert.deepEqual(rep.previous_window, { start: iso(base - 9 * MINUTE), end: iso(base - 4 * MINUTE) });
    assert.equal(rep.metrics.total_tasks, cur.length);
    // Rates per the time elapsed: 5 runs in 4.75 minutes now; 7 in the 5 minutes of the previous window.
    assert.deepEqual(rep.trends.throughput_per_min, { current: 1.053, previous: 1.4, change: (1.053 - 1.4) / 1.4, trend: "degrading" });
    assert.equal(rep.metrics.throughput_per_min, 1.053);
    const ten = await get("/api/v1/metrics/system?window=10m");
    assert.equal(ten.metrics.total_tasks, cur.length + prev.length, "the run a millisecond before the previous window is in neither");
    assert.equal((await get("/api/v1/metrics/system?window=11m")).metrics.total_tasks, cur.length + prev.length + 1);
  });

  it("gives rates per the time elapsed in the window: one second into a 1m window, two runs are 120 per minute", async () => {
    const base = T0 + 40 * HOUR;
    clock = base + 1000;
    index.fold(run(base));
    index.fold(run(base + 999));
    const sys = await get("/api/v1/metrics/system?window=1m");
    assert.deepEqual([sys.metrics.total_tasks, sys.metrics.throughput_per_min], [2, 120]);
    // Once the minute is over, the same two runs are 2 per minute over it.
    clock = base + MINUTE;
    const rep = await get("/api/v1/report?window=1m");
    assert.deepEqual([rep.metrics.total_tasks, rep.trends.throughput_per_min.previous], [0, 2]);
  });

  it("calls no trend against a previous window without events", async () => {
    const base = T0 + 20 * HOUR;
    clock = base + 30_000;
    for (let i = 0; i < 4; i++) index.fold(run(base + i * 1000, { status: i ? "success" : "failure" }));
    const rep = await get("/api/v1/report?window=1m");
    assert.equal(rep.metrics.total_tasks, 4);
    assert.equal(rep.trends.throughput_per_min.previous, 0);
    for (const [k, t] of Object.entries(rep.trends as Record<string, { trend: unknown; change: unknown }>)) assert.deepEqual([k, t.trend, t.change], [k, null, null]);
  });

  it("reports as window.start and window.end the bounds its figures were counted over", async () => {
    clock = T0 + 45_000;
    for (const w of ["1m", "60m", "90s", "6h", "48h", "3d", "7d"]) {
      for (const url of [`/api/v1/metrics/system?window=${w}`, `/api/v1/metrics/agents?window=${w}`, `/api/v1/report?window=${w}`, `/api/v1/metrics/custom?window=${w}`]) {
        const body = await get(url);
        const from = Date.parse(body.window.start);
        const to = Date.parse(body.window.end);
        assert.deepEqual(countedBounds(from, to, index.minuteFloor(to)), { from, to }, `${url}: ${JSON.stringify(body.window)}`);
        assert.ok(to > clock && to - clock <= HOUR, `${url}: the window ends with the slice holding now`);
        if (body.previous_window) {
          assert.equal(body.previous_window.end, body.window.start);
          assert.equal(Date.parse(body.previous_window.end) - Date.parse(body.previous_window.start), to - from, "the previous window is as long");
        }
        if (url.includes("custom")) assert.deepEqual(customCalls.at(-1), [from, to], "custom metrics read the same bounds");
      }
    }
    const week = await get("/api/v1/metrics/system?window=7d");
    assert.deepEqual(week.window, { start: iso(Date.UTC(2026, 11, 0, 15)), end: iso(Date.UTC(2026, 11, 7, 15)) }, "past the minute rollups: whole hours");
    const hour = await get("/api/v1/metrics/system?window=60m");
    assert.deepEqual(hour.window, { start: iso(T0 + MINUTE - HOUR), end: iso(T0 + MINUTE) });
    // A report of 30h compares with 30h before it, past the 48h of minute rollups: both windows are whole hours.
    const rep = await get("/api/v1/report?window=30h");
    assert.deepEqual([rep.window.start, rep.previous_window.start], [iso(Date.UTC(2026, 11, 6, 9)), iso(Date.UTC(2026, 11, 5, 3))]);
  });

  it("aligns timeseries steps, names the step still filling, and has no empty-label series when grouped", async () => {
    const base = T0 + 30 * HOUR; // 20:37 the next day
    clock = base + 45_000;
    // Steps of 5m covering [base-9m, base+1m): 20:25, 20:30, 20:35 (filling).
    const step0 = base - 12 * MINUTE;
    index.fold(run(step0, { model: "m1" }));
    index.fold(run(step0 + 5 * MINUTE - 1, { model: "m2" }));
    index.fold(run(step0 + 5 * MINUTE, { model: "m1" }));
    index.fold(run(base, { model: "m1" }));
    index.fold(run(base + 1000));
    index.fold(run(base + 2000));
    index.fold(run(step0 - 1, { model: "m2" })); // in the step before the window
    const ts = await get("/api/v1/metrics/timeseries?metric=total_tasks,throughput_per_min&window=10m&step=5m");
    assert.equal(ts.step_ms, 5 * MINUTE);
    assert.deepEqual(ts.window, { start: iso(step0), end: iso(step0 + 15 * MINUTE) });
    assert.equal(ts.partial_from, step0 + 10 * MINUTE);
    const byMetric = Object.fromEntries(ts.series.map((s: { labels: { metric: string }; points: unknown }) => [s.labels.metric, s.points]));
    assert.deepEqual(byMetric.total_tasks, [[step0, 2], [step0 + 5 * MINUTE, 1], [step0 + 10 * MINUTE, 3]]);
    // The filling step's rate is per the 2.75 minutes elapsed in it.
    assert.deepEqual(byMetric.throughput_per_min, [[step0, 0.4], [step0 + 5 * MINUTE, 0.2], [step0 + 10 * MINUTE, 1.091]]);
    const grouped = await get("/api/v1/metrics/timeseries?metric=total_tasks&window=10m&step=5m&group_by=model");
    assert.deepEqual(grouped.series.map((s: { labels: unknown }) => s.labels).sort((a: { model: string }, b: { model: string }) => (a.model < b.model ? -1 : 1)), [{ model: "m1" }, { model: "m2" }]);
    assert.equal(grouped.groups_total, 2, "events without a model are no group");
    const m1 = grouped.series.find((s: { labels: { model: string } }) => s.labels.model === "m1");
    assert.deepEqual(m1.points, [[step0, 1], [step0 + 5 * MINUTE, 1], [step0 + 10 * MINUTE, 1]]);
    // Every step complete once the clock has passed the window's end.
    clock = step0 + 15 * MINUTE;
    const later = await get("/api/v1/metrics/timeseries?metric=total_tasks&window=10m&step=5m");
    assert.equal(later.partial_from, step0 + 15 * MINUTE, "the new step holding now is the one filling");
    assert.equal(later.window.end, iso(step0 + 20 * MINUTE));
  });
});
