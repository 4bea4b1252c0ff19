import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { VigilError } from "../core/errors.js";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const EXAMPLE = fileURLToPath(new URL("../../../../docs/examples/seed-002.yaml", import.meta.url));
const load = (config: string) => validateConfig(loadConfig({ config, dataDir: "/nonexistent", port: 0, host: "127.0.0.1" }, {}));

describe("config file: service classes and SLOs", () => {
  it("checks seed 002's example at start-up: four classes, eleven SLOs, with its numbers", () => {
    const { classes, slos } = load(EXAMPLE).sloSection;
    assert.deepEqual([...classes.keys()].sort(), ["complex_queries", "moderate_queries", "simple_queries", "user_feedback_processing"]);
    const byName = new Map(slos.map((s) => [s.spec.name, s.spec]));
    assert.equal(slos.length, 11);
    // Target and maximum response times, availability and satisfaction per class, as seed 002 gives them.
    const seed: [string, number, number, number, number | null][] = [
      ["simple_queries", 3000, 6000, 0.995, 4.5],
      ["moderate_queries", 8000, 15000, 0.99, 4.2],
      ["complex_queries", 15000, 30000, 0.985, 4.0],
      ["user_feedback_processing", 500, 2000, 0.999, null],
    ];
    for (const [cls, target, max, availability, satisfaction] of seed) {
      const lat = byName.get(`${cls}_latency`)!;
      assert.deepEqual(lat.sli, { kind: "latency", events: "runs", threshold_ms: target });
      assert.equal(lat.maxMs, max);
      assert.equal(lat.target, 0.95);
      assert.equal(byName.get(`${cls}_availability`)!.target, availability);
      const sat = byName.get(`${cls}_satisfaction`);
      if (satisfaction === null) assert.equal(sat, undefined);
      else assert.deepEqual(sat!.budgeting, { kind: "timeslices", sliceMs: 3_600_000, sliceTarget: 0.95, meanRatingAtLeast: satisfaction });
    }
  });

  it("refuses to start on a bad SLO, naming the file and the field's path", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-slo-config-"));
    try {
      const file = join(dir, "vigil.yaml");
      writeFileSync(file, "service_classes:\n  a: { match: { query_class: simple } }\nslos:\n  - { name: ok, class: a, sli: { kind: availability }, target: 0.99 }\n  - { name: bad, class: a, sli: { kind: availability }, target: 99.5, period: 60d }\n");
      assert.throws(
        () => load(file),
        (e: VigilError) => e.code === "CONFIG_INVALID" && e.message.includes(file) && e.message.includes("/slos/1/target") && e.message.includes("/slos/1/period"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
