/**
 * Agreement of Vigil's alert evaluator with Prometheus. Each scenario runs one series of values
 * (one per evaluation step) through `evaluateRule`, then writes a `promtool test rules` file whose
 * expected alerts at every step are what Vigil said was firing, with the same rule written as a
 * Prometheus alerting rule. promtool exiting 0 means Prometheus fires exactly the same alerts at
 * every step. Hand-written expectations per scenario guard against a bug both could share.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { promtoolSkip, runPromtool } from "../../prometheus/promtool.js";
import { alertLabels, evaluateRule, type Observation } from "./evaluator.js";
import { validateRule } from "./rule.js";
import type { AlertRecord, AlertRule, Comparator } from "./types.js";

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? "promtool";
const skip = promtoolSkip(PROMTOOL, process.env.CI === "true");
const work = mkdtempSync(join(tmpdir(), "vigil-promtool-eval-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** One scenario: a rule, the values per group and step, and the steps a person worked out by hand. */
interface Scenario {
  name: string;
  comparator: Comparator;
  threshold: number;
  for?: string;
  keep_firing_for?: string;
  /** Seconds between evaluation steps (and samples). */
  stepS?: number;
  /** `agent_name` value → one value per step; null is "no data" (a Prometheus stale marker). */
  series: Record<string, (number | null)[]>;
  grouped?: boolean;
  /** Steps at which each group's alert is firing, worked out by hand. */
  firing: Record<string, number[]>;
  /** Steps at which a pending alert is dropped silently (optional hand check). */
  dropped?: number[];
}

const SCENARIOS: Scenario[] = [
  {
    name: "threshold crossing held for 3m fires at the third minute and resolves when it recovers",
    comparator: ">",
    threshold: 5,
    for: "3m",
    series: { a: [0, 0, 6, 6, 6, 6, 6, 0, 0, 6, 0] },
    firing: { a: [5, 6] },
    dropped: [10],
  },
  {
    name: "for: 0 fires at the first step above the threshold",
    comparator: ">",
    threshold: 5,
    for: "0s",
    series: { a: [0, 7, 0, 7, 7, 0, 5, 5.0001] },
    firing: { a: [1, 3, 4, 7] },
  },
  {
    name: "a condition that clears while pending is dropped and never fires",
    comparator: ">",
    threshold: 100,
    for: "5m",
    series: { a: [0, 150, 150, 150, 150, 150, 90, 150, 150, 150, 150, 0, 150, 150] },
    firing: { a: [] },
    dropped: [6, 11],
  },
  {
    name: "flapping around the threshold never satisfies a 1m for",
    comparator: ">",
    threshold: 0.15,
    for: "1m",
    series: { a: [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.15, 0.2, 0.14] },
    firing: { a: [] },
    dropped: [2, 4, 6, 8, 10],
  },
  {
    name: "flapping with keep_firing_for stays firing through the dips and resolves after the last",
    comparator: ">",
    threshold: 5,
    for: "0s",
    keep_firing_for: "2m",
    series: { a: [4, 6, 4, 6, 4, 6, 4, 4, 4, 4] },
    firing: { a: [1, 2, 3, 4, 5, 6, 7] },
  },
  {
    name: "keep_firing_for holds through short dips and resolves after a long one",
    comparator: ">",
    threshold: 5,
    for: "1m",
    keep_firing_for: "3m",
    series: { a: [0, 8, 8, 8, 2, 2, 8, 8, 2, 2, 2, 2, 2, 8, 2] },
    firing: { a: [2, 3, 4, 5, 6, 7, 8, 9, 10] },
    dropped: [14],
  },
  {
    name: "< does not fire at the exact threshold",
    comparator: "<",
    threshold: 0.8,
    series: { a: [0.8, 0.79, 0.8, 0.81, 0.1] },
    firing: { a: [1, 4] },
  },
  {
    name: ">= fires at the exact threshold",
    comparator: ">=",
    threshold: 5000,
    series: { a: [4999.999, 5000, 5000.001, 4999] },
    firing: { a: [1, 2] },
  },
  {
    name: "== fires only at the exact threshold, with for",
    comparator: "==",
    threshold: 5,
    for: "1m",
    series: { a: [5, 5, 5.000001, 5, 5, 5, 4] },
    firing: { a: [1, 4, 5] },
    dropped: [],
  },
  {
    name: "<= fires at the exact threshold",
    comparator: "<=",
    threshold: 0.8,
    series: { a: [0.8, 0.81, 0.7999, 1] },
    firing: { a: [0, 2] },
  },
  {
    name: "!= fires on any other value, including a tiny difference",
    comparator: "!=",
    threshold: 0,
    series: { a: [0, 1, 0, -0, 0.0001] },
    firing: { a: [1, 4] },
  },
  {
    name: "a gap in the data (no_data: ok) resolves a firing alert and drops a pending one",
    comparator: ">",
    threshold: 5,
    for: "2m",
    series: { a: [6, 6, 6, 6, null, null, 6, 6, 6, 6, null, 6, 6, 6] },
    firing: { a: [2, 3, 8, 9, 13] },
  },
  {
    name: "a gap shorter than keep_firing_for keeps the alert firing",
    comparator: ">",
    threshold: 5,
    for: "0s",
    keep_firing_for: "2m",
    series: { a: [null, 6, 6, null, null, 6, null, null, null, null] },
    firing: { a: [1, 2, 3, 4, 5, 6, 7] },
  },
  {
    name: "10-second steps: a 45s for fires at the first step 45s or more after it became active",
    comparator: ">",
    threshold: 1,
    for: "45s",
    stepS: 10,
    series: { a: [0, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2] },
    firing: { a: [6, 7] },
    dropped: [],
  },
  {
    name: "two groups: only the group above the threshold fires, with its own labels",
    comparator: ">",
    threshold: 0.05,
    for: "1m",
    grouped: true,
    series: { a: [0.01, 0.01, 0.09, 0.09, 0.09, 0.09, 0.01], b: [0.01, 0.02, 0.03, 0.02, 0.01, null, 0.01] },
    firing: { a: [3, 4, 5], b: [] },
  },
];

function ruleOf(s: Scenario, index: number): AlertRule {
  const input: Record<string, unknown> = { name: `Scenario${index}`, metric: "error_rate", comparator: s.comparator, threshold: s.threshold, window: "1m", labels: { team: "ml" } };
  if (s.for) input.for = s.for;
  if (s.keep_firing_for) input.keep_firing_for = s.keep_firing_for;
  if (s.grouped) input.group_by = ["agent_name"];
  const { rule, problems } = validateRule(input, "", "file");
  assert.deepEqual(problems, []);
  return rule!;
}

/** What Vigil's evaluator does, step by step: the labels of firing alerts and the dropped steps. */
function runVigil(s: Scenario, rule: AlertRule): { firing: Record<string, string>[][]; dropped: number[]; resolvedHistory: number } {
  const stepMs = (s.stepS ?? 60) * 1000;
  const steps = Math.max(...Object.values(s.series).map((v) => v.length));
  const open = new Map<string, AlertRecord>();
  const firing: Record<string, string>[][] = [];
  const dropped: number[] = [];
  let resolvedHistory = 0;
  for (let i = 0; i < steps; i++) {
    const obs: Observation[] = Object.entries(s.series).map(([agent, values]) => {
      const v = values[i] ?? null;
      const group: Record<string, string> = s.grouped ? { agent_name: agent } : {};
      return { group, value: v, samples: v === null ? 0 : 1, threshold: rule.threshold };
    });
    const res = evaluateRule(rule, obs, [...open.values()], i * stepMs);
    for (const a of res.upserts) {
      if (a.state === "resolved") open.delete(a.fingerprint);
      else open.set(a.fingerprint, a);
    }
    for (const a of res.dropped) open.delete(a.fingerprint);
    if (res.dropped.length) dropped.push(i);
    resolvedHistory += res.history.filter((h) => h.event === "resolved").length;
    firing.push([...open.values()].filter((a) => a.state === "firing").map((a) => a.labels));
  }
  return { firing, dropped, resolvedHistory };
}

/** The same rule as a Prometheus alerting rule; `sum by` gives the alert exactly the group labels Vigil gives it. */
function prometheusRule(s: Scenario, rule: AlertRule): Record<string, unknown> {
  const by = rule.group_by.length ? ` by (${rule.group_by.join(", ")})` : "";
  return {
    alert: rule.name,
    expr: `sum${by} (vigil_test_value) ${s.comparator} ${s.threshold}`,
    ...(s.for ? { for: s.for } : {}),
    ...(s.keep_firing_for ? { keep_firing_for: s.keep_firing_for } : {}),
    labels: { ...rule.labels, severity: rule.severity },
  };
}

/** promtool's series notation: one value per step, `stale` for no data so the 5m lookback cannot fill the gap. */
function seriesValues(values: (number | null)[]): string {
  return values.map((v) => (v === null ? "stale" : String(v))).join(" ");
}

/** Writes the rules and the unit-test file for a scenario; returns the test file's path. */
function writePromtoolTest(dir: string, s: Scenario, rule: AlertRule, expected: Record<string, string>[][]): string {
  mkdirSync(dir, { recursive: true });
  const step = `${s.stepS ?? 60}s`;
  writeFileSync(join(dir, "rules.yml"), stringify({ groups: [{ name: "vigil", rules: [prometheusRule(s, rule)] }] }));
  const test = {
    rule_files: ["rules.yml"],
    evaluation_interval: step,
    tests: [
      {
        interval: step,
        input_series: Object.entries(s.series).map(([agent, values]) => ({ series: `vigil_test_value{agent_name="${agent}"}`, values: seriesValues(values) })),
        alert_rule_test: expected.map((alerts, i) => ({
          eval_time: `${i * (s.stepS ?? 60)}s`,
          alertname: rule.name,
          exp_alerts: alerts.map((labels) => ({ exp_labels: labels })),
        })),
      },
    ],
  };
  const file = join(dir, "test.yml");
  writeFileSync(file, stringify(test));
  return file;
}

/** Steps at which the alert of a group is firing, from per-step label sets. */
function stepsFiring(firing: Record<string, string>[][], agent: string | null): number[] {
  return firing.flatMap((alerts, i) => (alerts.some((l) => agent === null || l.agent_name === agent) ? [i] : []));
}

describe("the alert evaluator agrees with Prometheus (promtool test rules)", { skip }, () => {
  SCENARIOS.forEach((s, index) => {
    it(s.name, () => {
      const rule = ruleOf(s, index);
      const vigil = runVigil(s, rule);
      // Hand-checked facts first, so a mistake shared by Vigil and the harness cannot hide.
      for (const [agent, steps] of Object.entries(s.firing)) assert.deepEqual(stepsFiring(vigil.firing, s.grouped ? agent : null), steps, `firing steps of ${agent}`);
      if (s.dropped) assert.deepEqual(vigil.dropped, s.dropped, "steps at which a pending alert was dropped");
      for (const alerts of vigil.firing) for (const labels of alerts) assert.deepEqual(labels, alertLabels(rule, s.grouped ? { agent_name: labels.agent_name! } : {}));

      const file = writePromtoolTest(join(work, `s${index}`), s, rule, vigil.firing);
      const r = runPromtool(PROMTOOL, ["test", "rules", file]);
      assert.equal(r.status, 0, `Prometheus disagrees with Vigil:\n${r.stdout}\n${r.stderr}`);
    });
  });

  it("agrees on 40 random scenarios (seeded): comparators, for, keep_firing_for and gaps", () => {
    let seed = 20261121;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const files: string[] = [];
    let firingSteps = 0;
    for (let n = 0; n < 40; n++) {
      const grouped = rand() < 0.3;
      const s: Scenario = {
        name: `random ${n}`,
        comparator: pick([">", ">=", "<", "<=", "==", "!="] as const),
        threshold: 5,
        for: pick(["0s", "30s", "1m", "2m", "3m"]),
        keep_firing_for: pick(["0s", "0s", "1m", "2m", "150s"]),
        stepS: pick([30, 60]),
        grouped,
        series: Object.fromEntries((grouped ? ["a", "b"] : ["a"]).map((g) => [g, Array.from({ length: 30 }, () => pick([4, 5, 6, 6, 6, null]))])),
        firing: {},
      };
      const rule = ruleOf(s, 100 + n);
      const { firing } = runVigil(s, rule);
      firingSteps += firing.filter((a) => a.length > 0).length;
      files.push(writePromtoolTest(join(work, `random${n}`), s, rule, firing));
    }
    // The scenarios must exercise firing, not agree on silence.
    assert.ok(firingSteps > 200, `only ${firingSteps} of 1200 steps fire`);
    const r = runPromtool(PROMTOOL, ["test", "rules", ...files]);
    assert.equal(r.status, 0, `Prometheus disagrees with Vigil:\n${r.stdout}\n${r.stderr}`);
  });

  it("fails when one expected step is flipped (the harness really compares)", () => {
    const s = SCENARIOS[0]!;
    const rule = ruleOf(s, 0);
    const vigil = runVigil(s, rule);
    const firstFiring = vigil.firing.findIndex((a) => a.length > 0);
    assert.equal(firstFiring, 5);
    const flippedOff = vigil.firing.map((a, i) => (i === firstFiring ? [] : a));
    const off = runPromtool(PROMTOOL, ["test", "rules", writePromtoolTest(join(work, "flip-off"), s, rule, flippedOff)]);
    assert.notEqual(off.status, 0, "promtool accepted an expectation missing a firing alert");
    assert.match(`${off.stdout}${off.stderr}`, /FAILED/);

    const early = firstFiring - 1;
    const flippedOn = vigil.firing.map((a, i) => (i === early ? vigil.firing[firstFiring]! : a));
    const on = runPromtool(PROMTOOL, ["test", "rules", writePromtoolTest(join(work, "flip-on"), s, rule, flippedOn)]);
    assert.notEqual(on.status, 0, "promtool accepted an alert firing one step early");
  });
});
