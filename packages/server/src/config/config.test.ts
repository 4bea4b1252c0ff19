import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../core/errors.js";
import { addressRefusal, keyEnvRefusal } from "../core/failover/upstream-policy.js";
import { loadConfig } from "./config.js";
import { validateConfig } from "./validated-config.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const withFile = (yaml: string) => {
  const config = join(dir, `vigil-${++files}.yaml`);
  writeFileSync(config, yaml);
  return { config };
};

describe("config: upstream limits", () => {
  it("refuses non-public upstream addresses and unprefixed key variables by default", () => {
    const { upstreams } = loadConfig({}, {}).failover;
    assert.deepEqual(upstreams.allow, []);
    assert.equal(upstreams.keyEnvPrefix, "VIGIL_UPSTREAM_KEY_");
    assert.match(addressRefusal(upstreams, "127.0.0.1")!, /not in the upstream allow-list/);
  });

  it("reads failover.upstreams from the file, VIGIL_UPSTREAM_ALLOW replacing its allow-list", () => {
    const file = withFile("failover:\n  upstreams: { allow: [10.20.0.0/16, llm-gateway.internal], key_env_prefix: ACME_ }\n");
    const fromFile = loadConfig(file, {}).failover.upstreams;
    assert.equal(addressRefusal(fromFile, "10.20.3.4"), null);
    assert.equal(addressRefusal(fromFile, "192.168.1.1", "llm-gateway.internal"), null);
    assert.equal(keyEnvRefusal(fromFile, "ACME_OPENAI"), null);
    const fromEnv = loadConfig(file, { VIGIL_UPSTREAM_ALLOW: " 127.0.0.1 , ::1" }).failover.upstreams;
    assert.deepEqual(fromEnv.allow, ["127.0.0.1", "::1"]);
    assert.match(addressRefusal(fromEnv, "10.20.3.4")!, /private address/);
  });

  it("stops on a bad allow-list entry or prefix, naming it", () => {
    assert.throws(() => loadConfig({}, { VIGIL_UPSTREAM_ALLOW: "10.0.0.0/40" }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && /"10\.0\.0\.0\/40"/.test(e.message));
    assert.throws(() => loadConfig(withFile("failover:\n  upstreams: { key_env_prefix: \"\" }\n"), {}), /\/failover\/upstreams\/key_env_prefix/);
    assert.throws(() => loadConfig(withFile("failover:\n  upstreams: { allow: [\"http://x\"] }\n"), {}), /upstream allow-list entry "http:\/\/x"/);
  });
});

describe("config: thresholds", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-cfg-thresholds-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (yaml: string) => {
    const file = join(dir, `vigil-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return validateConfig(loadConfig({ config: file, dataDir: join(dir, "data") }, {}));
  };

  it("reads every key, entries with hysteresis and the minimum sample count into the threshold model's global scope", () => {
    const cfg = load("thresholds:\n  latency_p95_max_ms: 4000\n  ttft_max_ms: 800\n  error_rate_max: {trip: 0.2, recover: 0.1}\n  min_samples: 25\n");
    const g = cfg.thresholdSettings.global;
    assert.equal(g.keys.latency_p95_max_ms!.trip, 4000);
    assert.equal(g.keys.ttft_max_ms!.trip, 800);
    assert.deepEqual(g.keys.error_rate_max, { trip: 0.2, recover: 0.1, min_samples: null });
    assert.equal(g.keys.success_rate_min!.trip, 0.8, "keys left out keep their default");
    assert.equal(g.min_samples, 25);
  });

  it("refuses a bad threshold before anything opens, naming each path", () => {
    assert.throws(
      () => load("thresholds:\n  error_rate_max: 1.5\n  nope: 1\n  min_samples: 0\n"),
      (err: VigilError) => err.code === "CONFIG_INVALID" && /thresholds\/error_rate_max must be between 0 and 1/.test(err.message) && /thresholds\/nope unknown threshold/.test(err.message) && /thresholds\/min_samples must be a whole number from 1/.test(err.message),
    );
  });
});
