import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "./errors.js";
import { MAX_SERVICE_CLASSES, MAX_SLOS, parseSloSection, type RollupHorizon } from "./slo-definitions.js";

const DAY = 86_400_000;
const HORIZON: RollupHorizon = { minuteMs: 2 * DAY, hourMs: 35 * DAY };
const CLASSES = { simple_queries: { description: "simple", match: { agent_name: "support" } } };
const LATENCY = { name: "simple_latency", class: "simple_queries", sli: { kind: "latency", threshold_ms: 3000, max_ms: 6000 }, target: 0.95, period: "30d" };

/** The pointers of the problems a refused set names. */
function problemPaths(classes: unknown, slos: unknown, horizon = HORIZON): string[] {
  try {
    parseSloSection(classes, slos, horizon);
  } catch (err) {
    assert.ok(err instanceof VigilError);
    assert.equal(err.code, "VALIDATION_FAILED");
    return (err.details as { path: string }[]).map((p) => p.path);
  }
  assert.fail("the set was accepted");
}

describe("SLO definitions", () => {
  it("turns a latency SLO into its normalised spec, defaults filled in", () => {
    const { classes, slos } = parseSloSection(CLASSES, [LATENCY], HORIZON);
    assert.deepEqual(classes.get("simple_queries")?.match, { agent_name: "support" });
    const [e] = slos;
    assert.deepEqual(e!.spec, { name: "simple_latency", filter: { agent_name: "support" }, sli: { kind: "latency", events: "runs", threshold_ms: 3000 }, maxMs: 6000, target: 0.95, period: { kind: "rolling", ms: 30 * DAY }, budgeting: { kind: "events" } });
    assert.equal(e!.definition.budgeting, "events");
    assert.deepEqual(e!.definition.sli, { kind: "latency", events: "runs", threshold_ms: 3000, max_ms: 6000 });
    assert.equal(e!.alerting.pageSeverity, "critical");
    assert.equal(e!.alerting.ticketSeverity, "warning");
  });

  it("expresses a mean-rating satisfaction SLO through time slices", () => {
    const slo = { name: "sat", class: "simple_queries", sli: { kind: "satisfaction", mean_at_least: 4.5 }, target: 0.9, period: "7d", budgeting: "timeslices", timeslice: { window: "1h" } };
    const [e] = parseSloSection(CLASSES, [slo], HORIZON).slos;
    assert.deepEqual(e!.spec.budgeting, { kind: "timeslices", sliceMs: 3_600_000, sliceTarget: 0.9, meanRatingAtLeast: 4.5 });
    assert.equal(e!.spec.period.kind, "rolling");
  });

  it("names each problem by its JSON pointer and reports them all at once", () => {
    const slos = [LATENCY, { ...LATENCY, name: "b", target: 1.5 }, { ...LATENCY, name: "c", class: "nope" }, { ...LATENCY, name: "d", sli: { kind: "throughput" } }, { ...LATENCY, name: "e", period: "90d" }, { ...LATENCY, name: "simple_latency" }];
    assert.deepEqual(problemPaths(CLASSES, slos), ["/slos/1/target", "/slos/2/class", "/slos/3/sli/kind", "/slos/4/period", "/slos/5/name"]);
  });

  it("refuses an unknown dimension in a class, an unknown field, and a threshold that is not positive", () => {
    assert.deepEqual(problemPaths({ c: { match: { colour: "red" } } }, []), ["/service_classes/c/match/colour"]);
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, metric: "p95" }]), ["/slos/0/metric"]);
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, sli: { kind: "latency", threshold_ms: 0 } }]), ["/slos/0/sli/threshold_ms"]);
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, sli: { kind: "latency", threshold_ms: 3000, max_ms: 2000 } }]), ["/slos/0/sli/max_ms"]);
  });

  it("refuses time-slice fields on an event SLO and a mean rating without time slices", () => {
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, timeslice: { window: "5m" } }]), ["/slos/0/timeslice"]);
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, sli: { kind: "satisfaction", mean_at_least: 4.2 } }]), ["/slos/0/sli/mean_at_least"]);
  });

  it("keeps periods and slices within the rollup horizon", () => {
    // Slices under an hour need minute rollups for the whole period: 30d is past the 48h default.
    const fine = { ...LATENCY, budgeting: "timeslices", timeslice: { window: "5m", target: 0.95 } };
    assert.deepEqual(problemPaths(CLASSES, [fine]), ["/slos/0/timeslice/window"]);
    assert.equal(parseSloSection(CLASSES, [fine], { minuteMs: 31 * DAY, hourMs: 35 * DAY }).slos.length, 1);
    assert.equal(parseSloSection(CLASSES, [{ ...fine, timeslice: { window: "1h" } }], HORIZON).slos[0]!.spec.budgeting.kind, "timeslices");
    assert.deepEqual(problemPaths(CLASSES, [{ ...LATENCY, period: "calendar_month" }], { minuteMs: 2 * DAY, hourMs: 30 * DAY }), ["/slos/0/period"]);
    assert.deepEqual(parseSloSection(CLASSES, [{ ...LATENCY, period: "calendar_month" }], HORIZON).slos[0]!.spec.period, { kind: "calendar_month" });
  });

  it("accepts every SLI kind the design names", () => {
    const slos = [
      { name: "a", class: "simple_queries", sli: { kind: "availability", events: "llm_calls" }, target: 0.995 },
      { name: "b", class: "simple_queries", sli: { kind: "satisfaction", min_rating: 4 }, target: 0.8, period: "7d" },
      { name: "c", class: "simple_queries", sli: { kind: "accuracy", min_score: 0.75 }, target: 0.9, period: "28d" },
    ];
    const out = parseSloSection(CLASSES, slos, HORIZON).slos.map((e) => e.spec.sli);
    assert.deepEqual(out, [{ kind: "availability", events: "llm_calls" }, { kind: "satisfaction", min_rating: 4 }, { kind: "accuracy", min_score: 0.75 }]);
  });

  it("holds at most MAX_SLOS SLOs and MAX_SERVICE_CLASSES classes, naming the list that is over", () => {
    const slos = (n: number) => Array.from({ length: n }, (_, i) => ({ ...LATENCY, name: `slo_${i}` }));
    assert.equal(parseSloSection(CLASSES, slos(MAX_SLOS), HORIZON).slos.length, MAX_SLOS);
    assert.deepEqual(problemPaths(CLASSES, slos(MAX_SLOS + 1)), ["/slos"]);
    const classes = Object.fromEntries(Array.from({ length: MAX_SERVICE_CLASSES + 1 }, (_, i) => [`class_${i}`, { match: { agent_name: `a${i}` } }]));
    assert.deepEqual(problemPaths({ ...classes, ...CLASSES }, [LATENCY]), ["/service_classes"]);
  });
});
