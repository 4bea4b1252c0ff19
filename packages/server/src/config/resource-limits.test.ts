import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../core/errors.js";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-resources-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const config = (text: string) => {
  const path = join(dir, `f-${++files}.yaml`);
  writeFileSync(path, text);
  return validateConfig(loadConfig({ config: path }, {}));
};
const refusal = (text: string): VigilError => {
  try {
    config(text);
  } catch (err) {
    if (err instanceof VigilError && err.code === "CONFIG_INVALID") return err;
    throw err;
  }
  assert.fail("the configuration was accepted");
};

describe("resource settings in the config file", () => {
  it("checks the limits and makes their rules, and fills the collector's defaults", () => {
    const cfg = config("resource_limits:\n  cognitive_core: { max_memory_mb: 4096, max_cpu_percent: 70 }\n");
    assert.deepEqual(cfg.resources.rules.map((r) => [r.name, r.threshold, r.component]), [
      ["resource_limit:cognitive_core:memory_mb", 4096, "cognitive_core"],
      ["resource_limit:cognitive_core:cpu_percent", 70, "cognitive_core"],
    ]);
    assert.deepEqual(cfg.resources.collector, { enabled: true, intervalMs: 30_000, component: "vigil", gpu: "auto" });
    assert.deepEqual(config("").resources.rules, []);
  });

  it("reads the collector's settings", () => {
    const cfg = config("collector: { enabled: false, interval: 10s, component: nervous_system, gpu: off }\n");
    assert.deepEqual(cfg.resources.collector, { enabled: false, intervalMs: 10_000, component: "nervous_system", gpu: "off" });
  });

  it("refuses bad limits and collector settings, naming each field by its path", () => {
    const err = refusal("resource_limits:\n  cognitive_core: { max_memory_mb: -5, max_cpu_usage: 70 }\ncollector: { interval: 5 minutes, gpu: maybe, colour: blue }\n");
    assert.deepEqual((err.details as { path: string }[]).map((d) => d.path), [
      "/resource_limits/cognitive_core/max_memory_mb",
      "/resource_limits/cognitive_core/max_cpu_usage",
      "/collector/colour",
      "/collector/interval",
      "/collector/gpu",
    ]);
    assert.match(err.message, /\/resource_limits\/cognitive_core\/max_memory_mb: must be 0 or more/);
    assert.match(err.message, /\/resource_limits\/cognitive_core\/max_cpu_usage: "max_cpu_usage" is seed 002's name: write max_cpu_percent/);
  });
});
