import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { promtoolSkip, runPromtool } from "../../prometheus/promtool.js";
import { rulesExportCommand } from "./rules-export.js";

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? "promtool";
const EXAMPLE = fileURLToPath(new URL("../../../../../docs/examples/seed-002.yaml", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "vigil-slo-export-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the export with captured streams. */
async function exportWith(slosFile: string, out: string) {
  let stdout = "";
  let stderr = "";
  const code = await rulesExportCommand({ format: "prometheus", slosFile, out, noDefaults: true, io: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe("vigil rules export --slos", () => {
  it("writes seed 002's latency and availability SLOs as recording and burn-rate alerting rules that promtool accepts", { skip: promtoolSkip(PROMTOOL, process.env.CI === "true") }, async () => {
    const out = join(dir, "rules.yml");
    const r = await exportWith(EXAMPLE, out);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(readFileSync(out, "utf8")) as { groups: { name: string; rules: { record?: string; alert?: string; expr: string; labels?: Record<string, string> }[] }[] };
    const names = doc.groups.map((g) => g.name);
    assert.deepEqual(names.filter((n) => n.startsWith("vigil-slo-")).sort(), [
      "vigil-slo-complex_queries_availability",
      "vigil-slo-complex_queries_latency",
      "vigil-slo-moderate_queries_availability",
      "vigil-slo-moderate_queries_latency",
      "vigil-slo-simple_queries_availability",
      "vigil-slo-simple_queries_latency",
      "vigil-slo-user_feedback_processing_availability",
      "vigil-slo-user_feedback_processing_latency",
    ]);
    // The mean-rating SLOs are budgeted by time slices, which Prometheus' request counts cannot express.
    assert.match(r.stderr, /8 of 11 SLOs exported/);
    assert.match(r.stderr, /skipped SLO simple_queries_satisfaction: time-slice budgeting/);
    const g = doc.groups.find((x) => x.name === "vigil-slo-simple_queries_latency")!;
    assert.deepEqual(g.rules.filter((x) => x.record).map((x) => x.record), ["5m", "30m", "1h", "2h", "6h", "1d", "3d"].map((w) => `vigil:slo_errors_per_request:ratio_rate${w}`));
    const page = g.rules.find((x) => x.alert === "simple_queries_latency_burn_page")!;
    assert.match(page.expr, /> 14\.4\b/);
    assert.match(page.expr, /> 6\b/);
    assert.equal(page.labels?.severity, "critical");
    assert.ok(g.rules.some((x) => x.alert === "simple_queries_latency_max_breach"));
    const check = runPromtool(PROMTOOL, ["check", "rules", out]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it("refuses a file whose SLOs do not validate, naming the field", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "service_classes: { a: { match: { query_class: simple } } }\nslos:\n  - { name: x, class: a, sli: { kind: availability }, target: 1.5 }\n");
    const r = await exportWith(bad, join(dir, "never.yml"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/slos\/0\/target/);
  });
});
