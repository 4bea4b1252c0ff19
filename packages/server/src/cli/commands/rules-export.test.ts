import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { defaultRules } from "../../core/alerting/default-rules.js";
import { rulesExportCommand, type RulesExportOptions } from "./rules-export.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-rules-export-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  groups: { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
}

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

describe("vigil rules export", () => {
  it("writes the default pack to stdout and reports skipped rules on stderr", async () => {
    const r = await run({ format: "prometheus" });
    assert.equal(r.code, 0);
    const doc = parse(r.stdout) as Doc;
    const names = doc.groups[0]!.rules.map((x) => x.alert);
    assert.ok(names.includes("HighErrorRate"));
    assert.match(r.stderr, new RegExp(`${names.length} of ${defaultRules().length} rules exported`));
    for (const skippedName of defaultRules().map((x) => x.name).filter((n) => !names.includes(n))) assert.match(r.stderr, new RegExp(`skipped ${skippedName}: `));
  });

  it("lets the rules file replace a shipped rule by name and add its own, writing to --out", async () => {
    const rules = file("rules.yaml", ["rules:", "  - name: HighErrorRate", "    metric: error_rate", "    comparator: '>'", "    threshold: 0.42", "  - name: MineOnly", "    metric: llm_error_rate", "    comparator: '>'", "    threshold: 0.1", "    group_by: [model]", ""].join("\n"));
    const out = join(dir, "out.yml");
    const r = await run({ format: "prometheus", rulesFile: rules, out });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const doc = parse(readFileSync(out, "utf8")) as Doc;
    const byName = new Map(doc.groups[0]!.rules.map((x) => [x.alert, x]));
    assert.match(byName.get("HighErrorRate")!.expr, /\) > 0\.42$/);
    assert.match(byName.get("MineOnly")!.expr, /sum by \(model\)/);
    assert.match(r.stderr, /exported to .*out\.yml/);
  });

  it("takes threshold_key values from a thresholds file and explicit values, explicit last", async () => {
    const rules = file("keyed.yaml", "- {name: Keyed, metric: error_rate, comparator: '>', threshold_key: error_rate_max}\n- {name: Acc, metric: avg_accuracy, comparator: '<', threshold_key: accuracy_min}\n");
    const thresholds = file("thresholds.yaml", "global:\n  error_rate_max: 0.2\n  accuracy_min: 0.6\n  min_samples: 25\n");
    const r = await run({ format: "prometheus", rulesFile: rules, noDefaults: true, thresholdsFile: thresholds, thresholds: { accuracy_min: 0.9 } });
    assert.equal(r.code, 0, r.stderr);
    const [keyed, acc] = (parse(r.stdout) as Doc).groups[0]!.rules;
    // A threshold_key rule without its own min_samples takes the thresholds' minimum, as Vigil evaluates it.
    assert.match(keyed!.expr, /\) > 0\.2 and on\(\) \(sum\(increase\(vigil_runs_total\[5m\]\)\) >= 25\)$/);
    assert.match(acc!.expr, /\) < 0\.9 and on\(\) .* >= 25\)$/);
  });

  it("refuses invalid rules, naming rule and field, and writes nothing", async () => {
    const rules = file("bad.yaml", "rules:\n  - {name: Bad, metric: error_rat, comparator: '>', threshold: 1}\n");
    const r = await run({ format: "prometheus", rulesFile: rules });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /rule "Bad", field "metric": unknown metric "error_rat"/);
  });

  it("refuses invalid thresholds and unknown formats", async () => {
    assert.equal((await run({ format: "prometheus", thresholds: { error_rate_max: 3 } })).code, 1);
    const r = await run({ format: "grafana" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown format "grafana"; use prometheus/);
  });
});
