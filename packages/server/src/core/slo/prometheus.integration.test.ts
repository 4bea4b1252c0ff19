/**
 * The exported SLO rules judged by Prometheus: `promtool check rules` accepts them, and `promtool
 * test rules` runs them on the counters `/metrics` would expose for the same traffic (sampled every
 * minute) and finds their alerts firing at exactly the evaluations where Vigil's burn-rate and
 * maximum conditions fire.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { promtoolSkip, runPromtool } from "../../prometheus/promtool.js";
import { HOUR, MINUTE, RollupIndex } from "../rollup-index.js";
import { LATENCY_LADDER_MS } from "../sli-ladder.js";
import { drain } from "../stepped.js";
import type { StoredEvent } from "../stored-event.js";
import { sloConditions } from "./burn.js";
import { SloLedger } from "./ledger.js";
import { sloPrometheusRules } from "./prometheus.js";
import { SliceWatch } from "./slice-watch.js";
import { DAY } from "./spans.js";
import type { SloSpec } from "./spec.js";

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? "promtool";
const skip = promtoolSkip(PROMTOOL, process.env.CI === "true");
const work = mkdtempSync(join(tmpdir(), "vigil-promtool-slo-"));
after(() => rmSync(work, { recursive: true, force: true }));

const HORIZONS = { minuteMs: 48 * HOUR, hourMs: 35 * DAY };
/**
 * Traffic and series start 6 hours before the scenario, counters at 0: Prometheus does not
 * extrapolate a counter's increase back past a first sample of 0, so windows reaching before the
 * series hold exactly the events since, as Vigil's do.
 */
const H0 = Date.UTC(2026, 5, 1, 0, 0);
const S = H0 + 6 * HOUR;
const STEPS = 240;
const LABELS = { model: "m1", route: "r1", mode: "live" };

const SPECS: SloSpec[] = [
  { name: "svc_availability", filter: { agent_name: "svc" }, sli: { kind: "availability", events: "runs" }, maxMs: null, target: 0.999, period: { kind: "rolling", ms: 30 * DAY }, budgeting: { kind: "events" } },
  { name: "svc_latency", filter: { agent_name: "svc", mode: "live" }, sli: { kind: "latency", events: "runs", threshold_ms: 3000 }, maxMs: 6000, target: 0.99, period: { kind: "rolling", ms: 7 * DAY }, budgeting: { kind: "events" } },
];

/** Runs of minute S + k: svc's ten (failures, 7 s and 3.5 s runs placed by minute; one run exactly on 3 s, and 6 s late on), and another agent's failing ones. */
function minuteRuns(m: number): { agent: string; status: string; ms: number }[] {
  const k = Math.floor((m - S) / MINUTE);
  const out: { agent: string; status: string; ms: number }[] = [];
  for (let i = 0; i < 10; i++) {
    let status = "success";
    let ms = i === 9 ? 3000 : 800;
    if (i === 0 && ((k >= 0 && k < 20) || (k >= 100 && k < 170))) status = "failure";
    if (i === 1 && k >= 130 && k < 150) status = "timeout";
    if (i === 2 && k >= 60 && k < 62) ms = 7000;
    if (i >= 3 && i < 6 && k >= 120 && k < 150) ms = 3500;
    if (i === 8 && k >= 200) ms = 6000;
    out.push({ agent: "svc", status, ms });
  }
  out.push({ agent: "other", status: "failure", ms: 9000 });
  return out;
}

function traffic(): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let m = H0; m < S + (STEPS + 1) * MINUTE; m += MINUTE) {
    minuteRuns(m).forEach((r, i) => {
      const ts = m + 1_000 + i * 4_000;
      out.push({ id: `${ts}`, type: "run", ts, receivedAt: ts, body: { agent_name: r.agent, ...LABELS, status: r.status, duration_ms: r.ms } });
    });
  }
  return out;
}

/** promtool's expanding notation for a list of values: runs of equal steps as `a+bxn`. */
function expand(values: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const a = values[i]!;
    const d = i + 1 < values.length ? values[i + 1]! - a : 0;
    let n = 0;
    while (i + n + 1 < values.length && values[i + n + 1]! - values[i + n]! === d) n++;
    parts.push(`${a}${d >= 0 ? "+" : ""}${d}x${n}`);
    i += n + 1;
  }
  return parts.join(" ");
}

/** The counters /metrics would show at each minute from H0 (each sample counts the events before it). */
function seriesOf(evs: readonly StoredEvent[]): { series: string; values: string }[] {
  const samples = Math.round((S + STEPS * MINUTE - H0) / MINUTE) + 1;
  const counters = new Map<string, number[]>();
  const bump = (series: string, minute: number) => {
    let c = counters.get(series);
    if (!c) counters.set(series, (c = new Array<number>(samples).fill(0)));
    for (let j = minute + 1; j < samples; j++) c[j]!++;
  };
  const labels = (o: Record<string, string>) => `{${Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;
  for (const e of evs) {
    const j = Math.floor((e.ts - H0) / MINUTE);
    const b = e.body as { agent_name: string; status: string; duration_ms: number };
    const base = { agent_name: b.agent_name, ...LABELS };
    bump(`vigil_runs_total${labels({ ...base, status: b.status })}`, j);
    const hist = { ...base, cache: "unknown" };
    bump(`vigil_run_duration_seconds_count${labels(hist)}`, j);
    for (const ms of LATENCY_LADDER_MS) if (b.duration_ms <= ms) bump(`vigil_run_duration_seconds_bucket${labels({ ...hist, le: String(ms / 1000) })}`, j);
    bump(`vigil_run_duration_seconds_bucket${labels({ ...hist, le: "+Inf" })}`, j);
  }
  return [...counters].map(([series, values]) => ({ series, values: expand(values) }));
}

/**
 * At each evaluation (minute S + k, k = -5..STEPS), the alerts Vigil fires, evaluated at the last
 * instant before it: a sample at t counts the events before t, and Vigil's windows end with the
 * minute holding now, so both read the same minutes.
 */
function vigilFiring(evs: readonly StoredEvent[]): Map<number, Set<string>> {
  let clock = H0;
  const idx = new RollupIndex(HORIZONS, () => clock);
  const watch = new SliceWatch(idx, HORIZONS);
  const ledgers = SPECS.map((s) => new SloLedger(s, idx, HORIZONS));
  const out = new Map<number, Set<string>>();
  let next = 0;
  for (let k = -5; k <= STEPS; k++) {
    const t = S + k * MINUTE;
    const now = t - 1;
    while (next < evs.length && evs[next]!.ts <= now) {
      clock = evs[next]!.ts;
      idx.fold(evs[next++]!);
    }
    clock = now;
    watch.poll(now);
    const firing = new Set<string>();
    SPECS.forEach((s, i) => {
      drain(ledgers[i]!.refresh(now, watch));
      const c = sloConditions(ledgers[i]!, now);
      for (const kind of ["page", "ticket"] as const) if (c.burn.some((b) => b.kind === kind && b.firing)) firing.add(`${s.name}_burn_${kind}`);
      if (c.max?.firing) firing.add(`${s.name}_max_breach`);
    });
    out.set(k, firing);
  }
  return out;
}

describe("SLO rules exported for Prometheus", { skip }, () => {
  const exported = sloPrometheusRules(SPECS);
  const rulesFile = join(work, "slo-rules.yml");
  writeFileSync(rulesFile, exported.yaml);
  const alertsOf = new Map(exported.groups.flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [[r.alert, r] as const] : []))));

  it("are rules promtool accepts", () => {
    const r = runPromtool(PROMTOOL, ["check", "rules", rulesFile]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${exported.yaml}`);
    assert.match(r.stdout, /SUCCESS: 19 rules found/);
  });

  function testFile(name: string, firing: Map<number, Set<string>>, series: { series: string; values: string }[]): string {
    const alert_rule_test = [...firing].flatMap(([k, set]) =>
      [...alertsOf.keys()].map((alertname) => {
        const rule = alertsOf.get(alertname)!;
        return { eval_time: `${(S + k * MINUTE - H0) / MINUTE}m`, alertname, exp_alerts: set.has(alertname) ? [{ exp_labels: rule.labels, exp_annotations: rule.annotations }] : [] };
      }),
    );
    const file = join(work, name);
    writeFileSync(file, stringify({ rule_files: [rulesFile], evaluation_interval: "1m", tests: [{ interval: "1m", input_series: series, alert_rule_test }] }));
    return file;
  }

  it("fire at the evaluations where Vigil's conditions fire", () => {
    const evs = traffic();
    const firing = vigilFiring(evs);
    // The scenario must make every alert fire and resolve, not agree on silence.
    for (const alert of alertsOf.keys()) {
      const on = [...firing].filter(([, s]) => s.has(alert)).map(([k]) => k);
      assert.ok(on.length > 0 && on.length < STEPS, `${alert} fires at ${on.length} evaluations`);
    }
    const series = seriesOf(evs);
    const r = runPromtool(PROMTOOL, ["test", "rules", testFile("agree.test.yml", firing, series)]);
    assert.equal(r.status, 0, `Prometheus disagrees with Vigil:\n${r.stdout}\n${r.stderr}`);

    // The harness really compares: one evaluation flipped is a failure.
    const first = [...firing].find(([, s]) => s.has("svc_availability_burn_page"))![0];
    const flipped = new Map([...firing].map(([k, s]) => [k, k === first - 1 ? new Set([...s, "svc_availability_burn_page"]) : s]));
    const off = runPromtool(PROMTOOL, ["test", "rules", testFile("flip.test.yml", flipped, series)]);
    assert.notEqual(off.status, 0, "promtool accepted a page one evaluation early");
  });

  it("skips what /metrics cannot count, saying why", () => {
    const base = SPECS[0]!;
    const out = sloPrometheusRules([
      { ...base, name: "off_ladder", sli: { kind: "latency", events: "runs", threshold_ms: 2800 } },
      { ...base, name: "ratings", sli: { kind: "satisfaction", min_rating: 4 } },
      { ...base, name: "slices", budgeting: { kind: "timeslices", sliceMs: 5 * MINUTE, sliceTarget: 0.95, meanRatingAtLeast: null } },
      { ...base, name: "llm_by_agent", sli: { kind: "availability", events: "llm_calls" } },
      { ...base, name: "by_tenant", filter: { tenant_id: "t1" } },
    ]);
    assert.deepEqual(out.groups.map((g) => g.name), ["vigil-slo-by_tenant"]);
    assert.deepEqual(out.skipped.map((s) => s.slo), ["off_ladder", "ratings", "slices", "llm_by_agent"]);
    assert.match(out.skipped[0]!.reason, /2800 is not a bound of vigil_run_duration_seconds/);
    assert.match(out.skipped[3]!.reason, /vigil_llm_calls_total has no agent_name label/);
    assert.match(out.yaml, /vigil_tenant_runs_total\{status=~"failure\|timeout", tenant_id="t1"\}/);
    const r = runPromtool(PROMTOOL, ["check", "rules", write("skips.yml", out.yaml)]);
    assert.equal(r.status, 0, r.stderr);
  });
});

function write(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}
