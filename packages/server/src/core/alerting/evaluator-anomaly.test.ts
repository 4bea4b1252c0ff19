import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { evaluateRule, type AnomalyObservation, type Observation } from "./evaluator.js";
import { validateRule } from "./rule.js";
import type { AlertRule } from "./types.js";

const MIN = 60_000;
const T = Date.UTC(2026, 2, 2, 12, 0, 0);

function rule(over: Record<string, unknown> = {}): AlertRule {
  const { rule: r, problems } = validateRule({ name: "LatencyAnomalyByRoute", metric: "p95_latency_ms", group_by: ["route"], anomaly: { sensitivity: "medium", step: "5m" }, ...over }, "/rules/0", "file");
  assert.deepEqual(problems, []);
  return r!;
}

const band = (score: number): AnomalyObservation => ({ score, expected: 1300, lower: 1100, upper: 1600 });
const obs = (anomaly: AnomalyObservation | null, value = 4200): Observation => ({ group: { route: "chat" }, value, samples: 40, threshold: null, anomaly });

describe("anomaly rules in the evaluator", () => {
  it("fire when the step's score reaches the sensitivity's threshold, with the current value and no threshold", () => {
    const r = rule();
    assert.deepEqual(evaluateRule(r, [obs(band(0.599))], [], T).upserts, [], "just under 0.6: nothing");
    const [a] = evaluateRule(r, [obs(band(0.6))], [], T).upserts;
    assert.equal(a!.state, "firing", "for: 0s fires at once");
    assert.equal(a!.value, 4200);
    assert.equal(a!.threshold, null);
    assert.deepEqual(a!.labels, { alertname: "LatencyAnomalyByRoute", severity: "warning", route: "chat" });
    assert.equal(evaluateRule(rule({ anomaly: { sensitivity: "low" } }), [obs(band(0.65))], [], T).upserts.length, 0, "low fires at 0.7");
    assert.equal(evaluateRule(rule({ anomaly: { sensitivity: "high" } }), [obs(band(0.5))], [], T).upserts.length, 1, "high fires at 0.5");
  });

  it("carry the expected band in the annotations: a default summary, `expected` and `anomaly_score`", () => {
    const [a] = evaluateRule(rule(), [obs(band(0.87))], [], T).upserts;
    assert.deepEqual(a!.annotations, {
      summary: "p95_latency_ms for route=chat is 4.2 s, expected 1.1 s–1.6 s",
      expected: "1.3 s, band 1.1 s–1.6 s",
      anomaly_score: "0.87 (fires at 0.6)",
    });
    const own = rule({ annotations: { summary: "{{ $labels.route }}: {{ $value }} against {{ $expected }} ({{ $lower }} to {{ $upper }}), score {{ $score }}, step {{ $window }}" } });
    assert.equal(evaluateRule(own, [obs(band(0.87))], [], T).upserts[0]!.annotations.summary, "chat: 4.2 s against 1.3 s (1.1 s to 1.6 s), score 0.87, step 5m");
  });

  it("write a band in the metric's unit, with the digits that tell its ends apart", () => {
    const [a] = evaluateRule(rule({ metric: "error_rate", group_by: [] }), [{ group: {}, value: 0.31, samples: 200, threshold: null, anomaly: { score: 0.9, expected: 0.021, lower: 0.0201, upper: 0.0204 } }], [], T).upserts;
    assert.equal(a!.annotations.summary, "error_rate is 31.0%, expected 2.01%–2.04%");
  });

  it("do not fire while the detector is learning, and resolve at the next step unless keep_firing_for holds them", () => {
    assert.deepEqual(evaluateRule(rule({ no_data: "alerting" }), [obs(null)], [], T).upserts, [], "a reading still learning is not no data");
    const r = rule();
    const [open] = evaluateRule(r, [obs(band(0.9))], [], T).upserts;
    // The detector rests after a detection: the next step scores just under the threshold.
    const next = evaluateRule(r, [obs(band(0.599), 1500)], [open!], T + 5 * MIN).upserts[0]!;
    assert.equal(next.state, "resolved");
    const held = rule({ keep_firing_for: "30m" });
    const [heldOpen] = evaluateRule(held, [obs(band(0.9))], [], T).upserts;
    const still = evaluateRule(held, [obs(band(0.599), 1500)], [heldOpen!], T + 5 * MIN).upserts[0]!;
    assert.equal(still.state, "firing");
    assert.equal(evaluateRule(held, [obs(band(0.599), 1500)], [still], T + 35 * MIN).upserts[0]!.state, "resolved", "30 minutes after the condition last held");
  });
});
