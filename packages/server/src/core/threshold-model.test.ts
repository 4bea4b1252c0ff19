import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSettings, DEFAULT_MIN_SAMPLES, judge, limitsFor, minSamplesFor, resolveLimit } from "./threshold-model.js";
import { applyThresholdUpdate, scopeFromMetrics, scopeToMetrics, settingsToWire } from "./threshold-wire.js";
import { initialThresholds } from "./alerting/threshold-settings.js";

const trip = (s: ReturnType<typeof defaultSettings>, key: Parameters<typeof resolveLimit>[1], labels: Parameters<typeof resolveLimit>[2]) => resolveLimit(s, key, labels)?.trip;

describe("the threshold model", () => {
  it("resolves global, then tenant, route, model and agent, the most specific scope that sets a key winning", () => {
    const s = applyThresholdUpdate(initialThresholds({ error_rate_max: 0.1 }), {
      tenants: { t: { error_rate_max: 0.15 } },
      routes: { r: { error_rate_max: 0.4 } },
      models: { m: { error_rate_max: 0.3 } },
      agents: { a: { error_rate_max: 0.2 } },
    });
    assert.equal(trip(s, "error_rate_max", {}), 0.1);
    assert.equal(trip(s, "error_rate_max", { tenant_id: "t" }), 0.15);
    assert.equal(trip(s, "error_rate_max", { tenant_id: "t", route: "r" }), 0.4);
    assert.equal(trip(s, "error_rate_max", { route: "r", model: "m" }), 0.3);
    assert.equal(trip(s, "error_rate_max", { route: "r", model: "m", agent_name: "a" }), 0.2);
    assert.equal(trip(s, "success_rate_min", { agent_name: "a" }), 0.8, "a key the agent does not set comes from global");
    assert.deepEqual(resolveLimit(s, "error_rate_max", { route: "r", model: "m" })!.scope, { kind: "model", name: "m" });
    assert.deepEqual(resolveLimit(s, "success_rate_min", { agent_name: "a" })!.scope, { kind: "global", name: null });
    assert.deepEqual(resolveLimit(s, "error_rate_max", { agent_name: "nobody" })!.scope, { kind: "global", name: null });
  });

  it("takes the minimum sample count from the entry, else the most specific scope that sets one, else the default", () => {
    const s = applyThresholdUpdate(defaultSettings(), {
      global: { min_samples: 30 },
      models: { m: { min_samples: 50, error_rate_max: { trip: 0.2, recover: 0.1, min_samples: 5 } } },
      agents: { a: { latency_p95_max_ms: 8000 } },
    });
    assert.equal(resolveLimit(s, "error_rate_max", { model: "m" })!.min_samples, 5);
    assert.equal(resolveLimit(s, "latency_p95_max_ms", { model: "m" })!.min_samples, 50);
    assert.equal(resolveLimit(s, "latency_p95_max_ms", { model: "m", agent_name: "a" })!.min_samples, 50, "the agent sets no minimum: the model's holds");
    assert.equal(minSamplesFor(s, {}), 30);
    assert.equal(minSamplesFor(defaultSettings(), {}), DEFAULT_MIN_SAMPLES);
  });

  it("makes no verdict below the minimum, and judges the hysteresis band between recover and trip", () => {
    const s = applyThresholdUpdate(defaultSettings(), { routes: { r: { error_rate_max: { trip: 0.2, recover: 0.1 } } } });
    const l = resolveLimit(s, "error_rate_max", { route: "r" })!;
    assert.equal(judge(l, 0.66, 3).standing, "too_few_samples");
    assert.equal(judge(l, 0.25, 10).standing, "breach");
    assert.equal(judge(l, 0.2, 10).standing, "band", "at the trip value is not past it, but not recovered either");
    assert.equal(judge(l, 0.1, 10).standing, "ok");
    assert.equal(judge(l, null, 100).standing, "no_data");
    const low = resolveLimit(s, "success_rate_min", {})!;
    assert.equal(judge(low, 0.5, 10).standing, "breach");
    assert.equal(judge(low, 0.8, 10).standing, "ok");
  });

  it("leaves a key out when no scope sets it, and lets global remove a key with null", () => {
    const s = applyThresholdUpdate(defaultSettings(), { global: { tokens_per_task_max: null } });
    assert.equal(resolveLimit(s, "tokens_per_task_max", {}), null);
    assert.equal(resolveLimit(s, "ttft_max_ms", {}), null, "the four model-health keys have no default");
    assert.ok(!("tokens_per_task_max" in limitsFor(s, {})));
  });

  it("refuses an update whole, naming each bad path", () => {
    const s = initialThresholds(undefined);
    assert.throws(
      () => applyThresholdUpdate(s, { global: { error_rate_max: 1.5, latency_p95_max_ms: -1, nope: 1 }, agents: { a: { accuracy_min: "x", error_rate_max: { trip: 0.1, recover: 0.3 } } } }),
      (err: Error & { details?: { path: string }[] }) => {
        assert.deepEqual(err.details!.map((d) => d.path).sort(), ["/agents/a/accuracy_min", "/agents/a/error_rate_max/recover", "/global/error_rate_max", "/global/latency_p95_max_ms", "/global/nope"]);
        return true;
      },
    );
    assert.equal(s.global.keys.error_rate_max!.trip, 0.15, "the settings in force did not change");
  });

  it("answers a bare number for a plain trip and an object otherwise, and spells a scope as the registry does", () => {
    const s = applyThresholdUpdate(defaultSettings(), { models: { m: { error_rate_max: { trip: 0.2, recover: 0.1, min_samples: 20 }, latency_p95_max_ms: 4000 } } });
    const wire = settingsToWire(s);
    assert.equal(wire.global.error_rate_max, 0.15);
    assert.equal(wire.global.min_samples, DEFAULT_MIN_SAMPLES);
    assert.deepEqual(wire.models.m, { error_rate_max: { trip: 0.2, recover: 0.1, min_samples: 20 }, latency_p95_max_ms: 4000 });
    assert.deepEqual(scopeToMetrics(s.models.m), { error_rate: { trip: 0.2, recover: 0.1, min_samples: 20 }, p95_latency_ms: { trip: 4000 } });
    assert.deepEqual(scopeFromMetrics({ error_rate: { trip: 0.2, recover: 0.1, min_samples: 20 }, p95_latency_ms: { trip: 4000 } }), s.models.m);
  });
});

describe("the threshold model with names every object knows", () => {
  it("takes an agent named constructor, toString or __proto__ as a name like any other", () => {
    const s = applyThresholdUpdate(defaultSettings(), JSON.parse('{"agents": {"__proto__": {"error_rate_max": 0.3}, "toString": {"error_rate_max": 0.4}}}'));
    assert.equal(trip(s, "error_rate_max", { agent_name: "constructor" }), 0.15, "no scope: the global limit");
    assert.equal(trip(s, "error_rate_max", { agent_name: "__proto__" }), 0.3);
    assert.equal(trip(s, "error_rate_max", { agent_name: "toString" }), 0.4);
    assert.equal(minSamplesFor(s, { agent_name: "constructor", model: "hasOwnProperty" }), DEFAULT_MIN_SAMPLES);
    assert.deepEqual(Object.keys(settingsToWire(s).agents).sort(), ["__proto__", "toString"]);
    assert.equal(Object.getPrototypeOf(s.agents), null);
  });
});
