import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { silentLogger } from "../../relay/relay-logger.js";
import { startRelay, type RelayOptions, type RunningRelay } from "../../relay/relay.js";
import { parseDuration, registerRelayCommand, type RelayCommandDeps } from "./relay.js";

async function run(args: string[], fields: Partial<RelayCommandDeps> = {}): Promise<{ code: number | null; stderr: string; options: RelayOptions | null; signals: Map<string, () => void> }> {
  let code: number | null = null;
  let stderr = "";
  let options: RelayOptions | null = null;
  const signals = new Map<string, () => void>();
  const fake: RunningRelay = { url: "http://127.0.0.1:1", port: 1, refresh: async () => ({ models: null, routes: null, errors: [] }), stats: () => ({ queued: 0, sent: 0, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 }), close: async () => undefined };
  const program = new Command("vigil").exitOverride();
  registerRelayCommand(program, {
    start: async (o) => {
      options = o;
      return fake;
    },
    env: {},
    logger: () => silentLogger,
    stderr: (t) => void (stderr += t),
    exit: (c) => void (code = c),
    onSignal: (s, h) => void signals.set(s, h),
    ...fields,
  });
  await program.parseAsync(["relay", ...args], { from: "user" });
  return { code, stderr, options, signals };
}

describe("vigil relay (command)", () => {
  it("refuses a non-loopback host without --relay-key, as vigil serve refuses one without API keys", async () => {
    const r = await run(["--host", "0.0.0.0", "--port", "0"], { start: startRelay });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without a relay key/);
  });

  it("takes the flags, with keys from the environment when not given", async () => {
    const r = await run(
      ["--vigil", "http://vigil:8001", "--port", "9000", "--default-model-for", "summarize=gpt-4o", "--upstream", "gpt-4o=http://127.0.0.1:4000/v1", "--upstream-key-env", "gpt-4o=MY_KEY",
        "--upstream-timeout", "1500ms", "--max-attempts", "2", "--refresh-interval", "1m", "--no-stream-usage", "--state-dir", "/tmp/relay"],
      { env: { VIGIL_API_KEY: "vk", VIGIL_RELAY_KEY: "rk" } },
    );
    assert.equal(r.code, null);
    const o = r.options!;
    assert.equal(o.vigilUrl, "http://vigil:8001");
    assert.equal(o.port, 9000);
    assert.equal(o.host, "127.0.0.1");
    assert.equal(o.apiKey, "vk");
    assert.equal(o.relayKey, "rk");
    assert.deepEqual(o.defaultModels, { summarize: "gpt-4o" });
    assert.deepEqual(o.upstreams, { "gpt-4o": { baseUrl: "http://127.0.0.1:4000/v1", apiKeyEnv: "MY_KEY" } });
    assert.equal(o.upstreamTimeoutMs, 1500);
    assert.equal(o.maxAttempts, 2);
    assert.equal(o.refreshIntervalMs, 60_000);
    assert.equal(o.streamUsage, false);
    assert.equal(o.stateDir, "/tmp/relay");
    assert.deepEqual([...r.signals.keys()], ["SIGINT", "SIGTERM"]);
  });

  it("has the documented defaults", async () => {
    const o = (await run([])).options!;
    assert.deepEqual([o.vigilUrl, o.port, o.host, o.relayKey, o.stateDir, o.upstreamTimeoutMs, o.maxAttempts, o.refreshIntervalMs, o.streamUsage], ["http://127.0.0.1:8001", 8787, "127.0.0.1", null, "./relay-state", 60_000, 3, 30_000, true]);
  });

  it("limits upstreams to public addresses and prefixed key variables unless told otherwise", async () => {
    const o = (await run([])).options!;
    assert.deepEqual([o.allowUpstreams, o.upstreamKeyPrefix], [[], "VIGIL_UPSTREAM_KEY_"]);
    const fromEnv = (await run([], { env: { VIGIL_UPSTREAM_ALLOW: "127.0.0.1, 10.0.0.0/8" } })).options!;
    assert.deepEqual(fromEnv.allowUpstreams, ["127.0.0.1", "10.0.0.0/8"]);
    const fromFlags = (await run(["--allow-upstream", "127.0.0.1", "--allow-upstream", "*.svc.cluster.local", "--upstream-key-prefix", "ACME_"], { env: { VIGIL_UPSTREAM_ALLOW: "10.0.0.0/8" } })).options!;
    assert.deepEqual([fromFlags.allowUpstreams, fromFlags.upstreamKeyPrefix], [["127.0.0.1", "*.svc.cluster.local"], "ACME_"]);
  });

  it("exits 2 naming a bad --allow-upstream entry", async () => {
    const r = await run(["--port", "0", "--allow-upstream", "10.0.0.0/33"], { start: startRelay });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /upstream allow-list entry "10\.0\.0\.0\/33" is not an IP address, a CIDR range/);
  });

  it("stops on a signal and exits 0", async () => {
    let closed = false;
    let code: number | null = null;
    const r = await run([], {
      start: async () => ({ url: "", port: 1, refresh: async () => ({ models: null, routes: null, errors: [] }), stats: () => ({ queued: 0, sent: 0, dropped: 0, rejected: 0, failedBatches: 0, inFlight: 0 }), close: async () => void (closed = true) }),
      exit: (c) => void (code = c),
    });
    r.signals.get("SIGTERM")!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, true);
    assert.equal(code, 0);
  });

  it("reads durations in ms, s or m, a plain number being seconds", () => {
    assert.deepEqual(["500ms", "60s", "2m", "1.5"].map(parseDuration), [500, 60_000, 120_000, 1500]);
    assert.throws(() => parseDuration("soon"));
    assert.throws(() => parseDuration("0"));
  });
});
