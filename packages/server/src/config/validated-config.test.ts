import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../core/errors.js";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-validated-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (text: string) => {
  const path = join(dir, `f-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
};
const invalid = (what: RegExp) => (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && what.test(e.message);

describe("validated configuration", () => {
  it("holds the rules file's rules and the channels, deeply frozen, and validating it again returns it", () => {
    const rules = file("rules:\n  - { name: Slow, metric: error_rate, comparator: '>', threshold: 0.3, window: 5m }\n");
    const config = file("alerting:\n  channels: [{ name: ops, type: console }]\n  routes: [{ name: all, channels: [ops] }]\n");
    const cfg = validateConfig(loadConfig({ config, rules }, {}));
    assert.deepEqual(cfg.alerting.fileRules.map((r) => [r.name, r.source, r.threshold]), [["Slow", "file", 0.3]]);
    assert.deepEqual(cfg.alerting.channelNames, ["ops", "console"]);
    assert.equal(validateConfig(cfg), cfg);
    assert.throws(() => (cfg.alerting.routes as unknown[]).push({}), TypeError);
    assert.throws(() => ((cfg.alerting.fileRules[0] as { threshold: number }).threshold = 1), TypeError);
    assert.throws(() => ((cfg.failover.upstreams.cidrs as unknown[]).length = 0), TypeError);
  });

  it("refuses a rules file that cannot be read, naming it", () => {
    assert.throws(() => validateConfig(loadConfig({ rules: join(dir, "missing.yml") }, {})), invalid(/cannot read rules file .*missing\.yml/));
    assert.throws(() => validateConfig(loadConfig({ rules: file("rules: [") }, {})), invalid(/rules file .* is not valid YAML/));
  });

  it("refuses channels that do not validate, two channels of one name, and a default route to an unknown channel", () => {
    assert.throws(() => validateConfig(loadConfig({ config: file("alerting:\n  channels: [{ name: x, type: carrier-pigeon }]\n") }, {})), invalid(/channels\[0\] \(x\): type must be one of/));
    assert.throws(() => validateConfig(loadConfig({ config: file("alerting:\n  channels: [{ name: x, type: console }, { name: x, type: console }]\n") }, {})), invalid(/notification channel "x" is defined more than once/));
    assert.throws(() => validateConfig(loadConfig({ config: file("alerting:\n  default_route: { channels: [pager] }\n") }, {})), invalid(/alerting\.default_route sends to channel "pager", which is not configured/));
  });

  it("refuses config-file models and routes as the route service would, but leaves model existence to it", () => {
    assert.throws(() => validateConfig(loadConfig({ config: file("failover:\n  models:\n    - { id: m, version: one }\n") }, {})), invalid(/invalid models in the config file:\n {2}failover\.models\[0\]\/version: must be a semantic version/));
    assert.throws(() => validateConfig(loadConfig({ config: file("failover:\n  routes:\n    - { route: r, primary: a, backups: [a], window: 1s }\n") }, {})), invalid(/failover\.routes\[0\]\/backups\/0: is the primary[\s\S]*failover\.routes\[0\]\/window: must be a duration of at least 30s/));
    // A route may name a model registered through the API: only the store knows.
    assert.doesNotThrow(() => validateConfig(loadConfig({ config: file("failover:\n  routes:\n    - { route: r, primary: registered-by-api }\n") }, {})));
  });

  it("refuses to listen beyond loopback without API keys", () => {
    assert.throws(() => validateConfig(loadConfig({ host: "0.0.0.0" }, {})), invalid(/refusing to listen on 0\.0\.0\.0 without API keys/));
  });
});
