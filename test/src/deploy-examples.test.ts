/**
 * The deploy/ examples stay true: the committed dashboards and rules file are exactly what
 * `vigil dashboards export` and `vigil rules export` write today, and the example Prometheus
 * configuration (with the rules file) passes `promtool check config`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, VIGIL_BIN } from "./helpers.js";
import { prometheusSkip } from "./prometheus-process.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));
const vigil = (...args: string[]) => spawnSync(process.execPath, [VIGIL_BIN, ...args], { encoding: "utf8" });
const REGENERATE = "regenerate with: npx vigil dashboards export --out deploy/grafana/dashboards && npx vigil rules export --format prometheus --out deploy/prometheus/rules/vigil-rules.yml";

describe("the deploy/ examples", () => {
  it("hold the dashboards vigil dashboards export writes today", () => {
    const t = tempDir();
    try {
      const r = vigil("dashboards", "export", "--out", t.dir);
      assert.equal(r.status, 0, r.stderr);
      const fresh = readdirSync(t.dir).filter((f) => f.endsWith(".json")).sort();
      assert.equal(fresh.length, 4);
      assert.deepEqual(readdirSync(join(DEPLOY, "grafana/dashboards")).filter((f) => f.endsWith(".json")).sort(), fresh);
      for (const f of fresh) assert.equal(readFileSync(join(DEPLOY, "grafana/dashboards", f), "utf8"), readFileSync(join(t.dir, f), "utf8"), `${f} is stale; ${REGENERATE}`);
    } finally {
      t.cleanup();
    }
  });

  it("hold the rules file vigil rules export writes today", () => {
    const r = vigil("rules", "export", "--format", "prometheus");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(DEPLOY, "prometheus/rules/vigil-rules.yml"), "utf8"), r.stdout, `vigil-rules.yml is stale; ${REGENERATE}`);
  });

  it("have a Prometheus configuration that promtool accepts, rules included", { skip: prometheusSkip }, () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, "rules"));
      writeFileSync(join(t.dir, "rules/vigil-rules.yml"), readFileSync(join(DEPLOY, "prometheus/rules/vigil-rules.yml")));
      writeFileSync(join(t.dir, "read-key"), "vk_read_0a1b2c3d4e5f6a7b\n");
      // The container paths point into the temp dir; nothing else changes.
      const config = readFileSync(join(DEPLOY, "prometheus/prometheus.yml"), "utf8").replace("/etc/prometheus/rules/", join(t.dir, "rules") + "/").replace("/run/secrets/vigil_read_key", join(t.dir, "read-key"));
      writeFileSync(join(t.dir, "prometheus.yml"), config);
      const r = spawnSync("promtool", ["check", "config", join(t.dir, "prometheus.yml")], { encoding: "utf8" });
      assert.equal(r.error, undefined, "promtool runs");
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /21 rules found/);
    } finally {
      t.cleanup();
    }
  });
});
