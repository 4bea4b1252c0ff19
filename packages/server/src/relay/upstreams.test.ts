import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_UPSTREAM_POLICY, upstreamPolicy } from "../core/failover/upstream-policy.js";
import { buildUpstreamTable, parseRegistryModels, type RegistryModel } from "./upstreams.js";

const LOCAL = upstreamPolicy({ allow: ["127.0.0.1"] });
const model = (id: string, baseUrl: string, keyEnv: string | null = null): RegistryModel => ({ id, provider: null, upstream: { base_url: baseUrl, api_key_env: keyEnv, model: null } });

describe("relay upstreams", () => {
  it("reads the registry's models, keeping what the relay needs", () => {
    const models = parseRegistryModels({
      models: [
        { id: "gpt-4o", provider: "openai", version: "1.0.0", upstream: { base_url: "https://api.openai.com/v1", api_key_env: "VIGIL_UPSTREAM_KEY_OPENAI", model: null } },
        { id: "llama", provider: null, upstream: null },
        { provider: "no id" },
      ],
    });
    assert.deepEqual(models, [
      { id: "gpt-4o", provider: "openai", upstream: { base_url: "https://api.openai.com/v1", api_key_env: "VIGIL_UPSTREAM_KEY_OPENAI", model: null } },
      { id: "llama", provider: null, upstream: null },
    ]);
    assert.equal(parseRegistryModels({ nope: [] }), null);
  });

  it("resolves the chat completions URL, the upstream's model name and the key from the environment", () => {
    const { targets, problems } = buildUpstreamTable(
      [{ id: "gpt-4o", provider: "openai", upstream: { base_url: "https://api.openai.com/v1/", api_key_env: "VIGIL_UPSTREAM_KEY_OPENAI", model: "gpt-4o-2024-08-06" } }],
      new Map(),
      { VIGIL_UPSTREAM_KEY_OPENAI: "sk-1" },
      DEFAULT_UPSTREAM_POLICY,
    );
    const t = targets.get("gpt-4o")!;
    assert.equal(t.url.href, "https://api.openai.com/v1/chat/completions");
    assert.equal(t.upstreamModel, "gpt-4o-2024-08-06");
    assert.equal(t.authorization, "Bearer sk-1");
    assert.equal(t.provider, "openai");
    assert.deepEqual(problems, []);
  });

  it("lets --upstream flags replace or add upstreams, and reports unusable ones", () => {
    const { targets, problems } = buildUpstreamTable(
      [model("a", "https://api.openai.com/v1", "VIGIL_UPSTREAM_KEY_A"), model("b", "ftp://x")],
      new Map([["a", { baseUrl: "http://127.0.0.1:4000/v1" }], ["local", { baseUrl: "http://127.0.0.1:11434/v1", apiKeyEnv: "VIGIL_UPSTREAM_KEY_LOCAL" }]]),
      { VIGIL_UPSTREAM_KEY_A: "k" },
      LOCAL,
    );
    assert.equal(targets.get("a")!.url.href, "http://127.0.0.1:4000/v1/chat/completions");
    assert.equal(targets.get("a")!.authorization, "Bearer k");
    assert.equal(targets.get("local")!.authorization, null);
    assert.equal(targets.get("local")!.upstreamModel, "local");
    assert.equal(targets.has("b"), false);
    assert.deepEqual(problems, ["model b: upstream ftp://x is not an http(s) URL", "model local: VIGIL_UPSTREAM_KEY_LOCAL is not set; requests go upstream without a key"]);
  });

  it("serves no upstream whose URL names a loopback, private, link-local or unspecified address unless allow-listed", () => {
    const models = [
      model("metadata", "http://169.254.169.254/", "VIGIL_UPSTREAM_KEY_A"),
      model("mapped", "http://[::ffff:169.254.169.254]/v1", "VIGIL_UPSTREAM_KEY_A"),
      model("v6-link-local", "http://[fe80::1]:8080/v1"),
      model("private", "http://10.1.2.3:4000/v1"),
      model("loopback-name", "http://localhost:11434/v1"),
      model("unspecified", "http://0.0.0.0:8080/v1"),
      model("public", "https://api.openai.com/v1", "VIGIL_UPSTREAM_KEY_A"),
    ];
    const strict = buildUpstreamTable(models, new Map([["flag", { baseUrl: "http://127.0.0.1:4000/v1" }]]), { VIGIL_UPSTREAM_KEY_A: "sk-secret" }, DEFAULT_UPSTREAM_POLICY);
    assert.deepEqual([...strict.targets.keys()], ["public"]);
    assert.equal(strict.problems.length, 7);
    assert.match(strict.problems.find((p) => p.startsWith("model metadata:"))!, /169\.254\.169\.254 is a link-local address, not in the upstream allow-list; see --allow-upstream\); not served/);
    assert.match(strict.problems.find((p) => p.startsWith("model mapped:"))!, /link-local/);
    assert.match(strict.problems.find((p) => p.startsWith("model loopback-name:"))!, /localhost is a loopback name/);
    assert.match(strict.problems.find((p) => p.startsWith("model flag:"))!, /127\.0\.0\.1 is a loopback address/);

    const allowed = buildUpstreamTable(models, new Map(), {}, upstreamPolicy({ allow: ["10.0.0.0/8", "localhost", "fe80::/10", "0.0.0.0"] }));
    assert.deepEqual([...allowed.targets.keys()].sort(), ["loopback-name", "private", "public", "v6-link-local"], "0.0.0.0 is never an upstream, and 169.254.0.0/16 was not listed");
  });

  it("never reads a key variable outside the prefix, nor Vigil's own secrets", () => {
    const read: string[] = [];
    const env = new Proxy({ AWS_SECRET_ACCESS_KEY: "aws", VIGIL_RELAY_KEY: "relay", VIGIL_UPSTREAM_KEY_OK: "sk-ok", VIGIL_OK: "x" } as Record<string, string | undefined>, {
      get: (target, name) => {
        read.push(String(name));
        return target[String(name)];
      },
    });
    const models = [model("aws", "https://api.example.com/v1", "AWS_SECRET_ACCESS_KEY"), model("ok", "https://api.example.com/v1", "VIGIL_UPSTREAM_KEY_OK")];
    const overrides = new Map([["relay", { baseUrl: "https://api.example.com/v1", apiKeyEnv: "VIGIL_RELAY_KEY" }]]);
    const strict = buildUpstreamTable(models, overrides, env, DEFAULT_UPSTREAM_POLICY);
    assert.deepEqual([...strict.targets.keys()], ["ok"]);
    assert.deepEqual(read, ["VIGIL_UPSTREAM_KEY_OK"]);
    assert.deepEqual(strict.problems, [
      "model aws: key variable AWS_SECRET_ACCESS_KEY is refused: it must start with VIGIL_UPSTREAM_KEY_ (the upstream key prefix), such as VIGIL_UPSTREAM_KEY_OPENAI; other variables are never read (see --upstream-key-prefix); not served",
      "model relay: key variable VIGIL_RELAY_KEY is refused: it must start with VIGIL_UPSTREAM_KEY_ (the upstream key prefix), such as VIGIL_UPSTREAM_KEY_OPENAI; other variables are never read (see --upstream-key-prefix); not served",
    ]);
    read.length = 0;
    const wide = buildUpstreamTable(models, overrides, env, upstreamPolicy({ keyEnvPrefix: "VIGIL_" }));
    assert.deepEqual([...wide.targets.keys()], ["ok"]);
    assert.deepEqual(read, ["VIGIL_UPSTREAM_KEY_OK"], "a prefix covering Vigil's own variables still never reads its secrets");
    assert.match(wide.problems.join("\n"), /VIGIL_RELAY_KEY is refused: it must not be VIGIL_RELAY_KEY, which holds a Vigil secret/);
  });
});
