import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { CircuitOpenError, VigilRequestError, VigilUnavailableError } from "./connector-errors.js";
import { VigilConnector, type ConnectorOptions } from "./connector.js";
import { deadEndpoint, fakeClock, routeView, startFakeVigil, type FakeVigil } from "./fake-vigil.test-support.js";
import type { LlmCallInput } from "./types.js";

const open: FakeVigil[] = [];
afterEach(async () => {
  for (const fake of open.splice(0)) await fake.stop();
});

async function setup(options: Partial<ConnectorOptions> = {}) {
  const fake = await startFakeVigil([routeView({ revision: 4 })]);
  open.push(fake);
  const recorded: LlmCallInput[] = [];
  const clock = fakeClock();
  const connector = new VigilConnector({
    endpoint: fake.url, apiKey: "k-123", client: { recordLlmCall: (input) => (recorded.push(input), `id-${recorded.length}`) }, clock, ...options,
  });
  const routeRequests = () => fake.requests.filter((r) => r.path.startsWith("/api/v1/routes/summarize"));
  return { fake, connector, clock, recorded, routeRequests };
}

describe("VigilConnector requests", () => {
  it("sends the documented requests with the API key, and returns the views and health the server answers", async () => {
    const { fake, connector } = await setup();
    const got = await connector.getRoute("summarize");
    assert.deepEqual(got.ok && got.value.revision, 4);
    const switched = await connector.switchRoute("summarize", { to: "model-b", reason: "latency", ttl_s: 600, by: "oncall" });
    assert.deepEqual(switched.ok && [switched.value.active_model, switched.value.revision], ["model-b", 5]);
    const unpinned = await connector.unpin("summarize");
    assert.deepEqual(unpinned.ok && [unpinned.value.active_model, unpinned.value.state], ["model-a", "normal"]);
    const patched = await connector.updateThresholds("summarize", { p95_latency_ms: { trip: 2000, recover: 1500 } });
    assert.equal(patched.ok && patched.value.revision, 7);
    const health = await connector.modelHealth("gpt-4o/mini", { route: "summarize", window: "15m" });
    assert.deepEqual(health.ok && health.value, { status: "healthy", reasons: [], samples: 42 });

    assert.deepEqual(
      fake.requests.map((r) => [r.method, r.path, r.body]),
      [
        ["GET", "/api/v1/routes/summarize", undefined],
        ["POST", "/api/v1/routes/summarize/switch", { to: "model-b", reason: "latency", ttl_s: 600, by: "oncall" }],
        ["DELETE", "/api/v1/routes/summarize/pin", undefined],
        ["PATCH", "/api/v1/routes/summarize", { thresholds: { p95_latency_ms: { trip: 2000, recover: 1500 } } }],
        ["GET", "/api/v1/models/gpt-4o%2Fmini/health?route=summarize&window=15m", undefined],
      ],
    );
    assert.ok(fake.requests.every((r) => r.headers.authorization === "Bearer k-123"));
    assert.equal(fake.requests[1]?.headers["content-type"], "application/json");
  });

  it("records feedback as an llm_call through the batching client", async () => {
    const { connector, recorded } = await setup();
    const id = connector.feedback({ route: "summarize", model: "model-a", latencyMs: 812, ttftMs: 140, status: "success", inputTokens: 900, outputTokens: 120, cost: 0.004 });
    assert.equal(id, "id-1");
    assert.deepEqual(recorded, [{ route: "summarize", model: "model-a", latencyMs: 812, ttftMs: 140, status: "success", inputTokens: 900, outputTokens: 120, cost: 0.004 }]);
  });

  it("retries 5xx and network drops with full-jitter backoff within its bounds, then succeeds", async () => {
    const { fake, connector, clock, routeRequests } = await setup({ retryBaseMs: 100, retryMaxMs: 2000, random: () => 0.999 });
    fake.replies.push({ status: 503 }, "drop");
    const got = await connector.getRoute("summarize");
    assert.equal(got.ok, true);
    assert.equal(routeRequests().length, 3);
    // Full jitter: the wait before retry n is uniform in [0, min(retryMaxMs, retryBaseMs * 2^n)).
    assert.equal(clock.sleeps.length, 2);
    assert.ok(clock.sleeps[0]! >= 99 && clock.sleeps[0]! < 100, `first wait ${clock.sleeps[0]}`);
    assert.ok(clock.sleeps[1]! >= 199 && clock.sleeps[1]! < 200, `second wait ${clock.sleeps[1]}`);

    const low = await setup({ retryBaseMs: 100, random: () => 0 });
    low.fake.replies.push({ status: 500 }, { status: 502 });
    assert.equal((await low.connector.getRoute("summarize")).ok, true);
    assert.deepEqual(low.clock.sleeps, [0, 0]);
  });

  it("honours Retry-After on 429, and gives up at once when it asks for longer than retryMaxMs", async () => {
    const { fake, connector, clock, routeRequests } = await setup({ retryMaxMs: 2000 });
    fake.replies.push({ status: 429, headers: { "retry-after": "1" } });
    assert.equal((await connector.getRoute("summarize")).ok, true);
    assert.deepEqual(clock.sleeps, [1000]);

    fake.replies.push({ status: 503, headers: { "retry-after": "120" } });
    const before = routeRequests().length;
    const got = await connector.getRoute("summarize");
    assert.ok(!got.ok && got.error instanceof VigilUnavailableError);
    assert.equal(got.error.code, "UNAVAILABLE");
    assert.deepEqual(got.error.details, { status: 503, attempts: 1, retryAfterMs: 120_000 });
    assert.equal(routeRequests().length - before, 1);
    assert.deepEqual(clock.sleeps, [1000], "no wait: the caller comes back later");
  });

  it("never retries a 400 (or any other 4xx but 408 and 429)", async () => {
    const { fake, connector, clock } = await setup();
    fake.replies.push({ status: 400, body: { error: { code: "VALIDATION_FAILED", message: "ttl_s must be >= 1" } } });
    const got = await connector.switchRoute("summarize", { to: "model-b", ttl_s: 0 });
    assert.ok(!got.ok && got.error instanceof VigilRequestError);
    assert.equal(got.error.code, "REJECTED");
    assert.deepEqual(got.error.details, { status: 400, attempts: 1, serverCode: "VALIDATION_FAILED" });
    assert.match(got.error.message, /ttl_s must be >= 1/);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(clock.sleeps, []);
    fake.replies.push({ status: 404 });
    assert.equal((await connector.getRoute("summarize")).ok, false);
    assert.equal(fake.requests.length, 2);
  });

  it("times out a stalled request after timeoutMs and reports TIMEOUT after its attempts", async () => {
    const { fake, connector } = await setup({ timeoutMs: 40, maxAttempts: 2 });
    fake.replies.push("stall", "stall");
    const started = performance.now();
    const got = await connector.getRoute("summarize");
    assert.ok(!got.ok && got.error.code === "TIMEOUT");
    assert.deepEqual(got.error.details, { status: 0, attempts: 2 });
    assert.ok(performance.now() - started < 1000);
  });

  it("reports an unreachable Vigil as UNAVAILABLE with the network error as cause, after maxAttempts", async () => {
    const clock = fakeClock();
    const connector = new VigilConnector({ endpoint: await deadEndpoint(), client: { recordLlmCall: () => "" }, clock, random: () => 0.5 });
    const got = await connector.getRoute("summarize");
    assert.ok(!got.ok && got.error instanceof VigilUnavailableError);
    assert.equal(got.error.code, "UNAVAILABLE");
    assert.deepEqual(got.error.details, { status: 0, attempts: 3 });
    assert.ok(got.error.cause instanceof Error);
    assert.deepEqual(clock.sleeps, [50, 100]);
  });

  it("reports a 2xx that is not a view as BAD_RESPONSE, and an aborted call as ABORTED", async () => {
    const { fake, connector } = await setup();
    fake.replies.push({ status: 200, body: "<html>proxy</html>" });
    const bad = await connector.getRoute("summarize");
    assert.equal(!bad.ok && bad.error.code, "BAD_RESPONSE");
    const controller = new AbortController();
    fake.replies.push("stall");
    const pending = connector.getRoute("summarize", { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    const aborted = await pending;
    assert.equal(!aborted.ok && aborted.error.code, "ABORTED");
    assert.equal(connector.breaker.snapshot().consecutiveFailures, 0, "an abandoned call says nothing about Vigil");
  });
});

describe("VigilConnector circuit breaker", () => {
  it("opens after K consecutive failures, fails fast without the network, then half-opens for one trial", async () => {
    const { fake, connector, clock, routeRequests } = await setup({ maxAttempts: 1, breaker: { failureThreshold: 5, cooldownMs: 10_000, maxCooldownMs: 60_000 } });
    for (let i = 0; i < 5; i++) fake.replies.push({ status: 500 });
    for (let i = 0; i < 5; i++) assert.equal((await connector.getRoute("summarize")).ok, false);
    assert.equal(connector.breaker.state, "open");
    assert.equal(routeRequests().length, 5);

    const fast = await connector.getRoute("summarize");
    assert.ok(!fast.ok && fast.error instanceof CircuitOpenError);
    assert.deepEqual(fast.error.details, { attempts: 0, retryInMs: 10_000 });
    assert.equal(routeRequests().length, 5, "no request while open");

    clock.advance(10_000);
    assert.equal(connector.breaker.state, "half_open");
    fake.replies.push("stall");
    const slowTrial = connector.getRoute("summarize", { timeoutMs: 100 });
    const meanwhile = await connector.getRoute("summarize");
    assert.equal(!meanwhile.ok && meanwhile.error.code, "CIRCUIT_OPEN", "only one trial at a time");
    assert.equal((await slowTrial).ok, false);
    assert.equal(connector.breaker.state, "open");
    assert.equal(connector.breaker.snapshot().retryInMs, 20_000, "a failed trial reopens for twice as long");
    assert.equal(routeRequests().length, 6);

    clock.advance(20_000);
    const trial = await connector.getRoute("summarize");
    assert.equal(trial.ok, true);
    assert.equal(connector.breaker.state, "closed");
  });

  it("stops retrying a call as soon as the breaker opens under it", async () => {
    const { fake, connector, routeRequests } = await setup({ maxAttempts: 5, breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 5; i++) fake.replies.push({ status: 503 });
    const got = await connector.getRoute("summarize");
    assert.ok(!got.ok && got.error instanceof CircuitOpenError);
    assert.equal((got.error.cause as { code?: string }).code, "UNAVAILABLE", "the cause says what opened it");
    assert.equal(routeRequests().length, 2);
  });

  it("counts a refused request as Vigil being up", async () => {
    const { fake, connector } = await setup({ maxAttempts: 1, breaker: { failureThreshold: 2 } });
    fake.replies.push({ status: 500 }, { status: 403 }, { status: 500 });
    for (let i = 0; i < 3; i++) await connector.getRoute("summarize");
    assert.equal(connector.breaker.state, "closed");
  });
});
