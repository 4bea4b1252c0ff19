import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildUpstreamTable, parseRegistryModels } from "./upstreams.js";

describe("relay upstreams", () => {
  it("reads the registry's models, keeping what the relay needs", () => {
    const models = parseRegistryModels({
      models: [
        { id: "gpt-4o", provider: "openai", version: "1.0.0", upstream: { base_url: "https://api.openai.com/v1", api_key_env: "OPENAI_API_KEY", model: null } },
        { id: "llama", provider: null, upstream: null },
        { provider: "no id" },
      ],
    });
    assert.deepEqual(models, [
      { id: "gpt-4o", provider: "openai", upstream: { base_url: "https://api.openai.com/v1", api_key_env: "OPENAI_API_KEY", model: null } },
      { id: "llama", provider: null, upstream: null },
    ]);
    assert.equal(parseRegistryModels({ nope: [] }), null);
  });

  it("resolves the chat completions URL, the upstream's model name and the key from the environment", () => {
    const { targets, problems } = buildUpstreamTable(
      [{ id: "gpt-4o", provider: "openai", upstream: { base_url: "https://api.openai.com/v1/", api_key_env: "OPENAI_API_KEY", model: "gpt-4o-2024-08-06" } }],
      new Map(),
      { OPENAI_API_KEY: "sk-1" },
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
      [
        { id: "a", provider: "openai", upstream: { base_url: "https://api.openai.com/v1", api_key_env: "A_KEY", model: null } },
        { id: "b", provider: null, upstream: { base_url: "ftp://x", api_key_env: null, model: null } },
      ],
      new Map([["a", { baseUrl: "http://127.0.0.1:4000/v1" }], ["local", { baseUrl: "http://127.0.0.1:11434/v1", apiKeyEnv: "LOCAL_KEY" }]]),
      { A_KEY: "k" },
    );
    assert.equal(targets.get("a")!.url.href, "http://127.0.0.1:4000/v1/chat/completions");
    assert.equal(targets.get("a")!.authorization, "Bearer k");
    assert.equal(targets.get("local")!.authorization, null);
    assert.equal(targets.get("local")!.upstreamModel, "local");
    assert.equal(targets.has("b"), false);
    assert.deepEqual(problems, ["model b: upstream ftp://x is not an http(s) URL", "model local: LOCAL_KEY is not set; requests go upstream without a key"]);
  });
});
