import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { rulesExportCommand, type RulesExportOptions } from "./rules-export.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-rules-export-baselines-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(opts: Omit<RulesExportOptions, "io">): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await rulesExportCommand({ ...opts, io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) } });
  return { code, stdout, stderr };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const rules = file("rules.yaml", "- {name: SearchSlow, metric: p95_latency_ms, comparator: '>', baseline: search.p95_latency_ms, factor: 1.2, scope: {agent_name: search}}\n");

describe("vigil rules export with baselines", () => {
  it("exports a baseline rule at factor × the baseline's value from the API's answer, and says so", async () => {
    const answer = { baselines: [{ name: "search.p95_latency_ms", metric: "p95_latency_ms", category: null, value: 1800, unit: "ms", component: null, scope: { agent_name: "search" }, test_conditions: {}, measured_at: "2026-01-01T00:00:00.000Z", active: true, direction: "lower_is_better", source: "captured", window: { start: "2025-12-31T23:00:00.000Z", end: "2026-01-01T00:00:00.000Z" } }] };
    const r = await run({ format: "prometheus", rulesFile: rules, noDefaults: true, baselinesFile: file("baselines.json", JSON.stringify(answer)) });
    assert.equal(r.code, 0, r.stderr);
    const rule = (parse(r.stdout) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups[0]!.rules[0]!;
    assert.equal(rule.alert, "SearchSlow");
    assert.match(rule.expr, /> 2160\b/);
    assert.match(r.stderr, /baseline threshold is exported as the number in force/);
  });

  it("takes the config file's baselines: list", async () => {
    const cfg = file("vigil.yaml", "baselines:\n  - {name: search.p95_latency_ms, metric: p95_latency_ms, value: 1000, scope: {agent_name: search}}\n");
    const r = await run({ format: "prometheus", rulesFile: rules, noDefaults: true, baselinesFile: cfg });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /> 1200\b/);
  });

  it("skips a baseline rule whose baseline is not given, and refuses a malformed baselines file by path", async () => {
    const none = await run({ format: "prometheus", rulesFile: rules, noDefaults: true });
    assert.equal(none.code, 0);
    assert.match(none.stderr, /skipped SearchSlow: baseline "search.p95_latency_ms" has no value in the baselines given/);
    const bad = await run({ format: "prometheus", rulesFile: rules, noDefaults: true, baselinesFile: file("bad.yaml", "baselines:\n  - {name: x, metric: p95_latency_ms, value: fast}\n") });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\/baselines\/0\/value/);
  });
});
