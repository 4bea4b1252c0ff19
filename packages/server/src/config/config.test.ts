import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../core/errors.js";
import { addressRefusal, keyEnvRefusal } from "../core/failover/upstream-policy.js";
import { loadConfig } from "./config.js";

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
