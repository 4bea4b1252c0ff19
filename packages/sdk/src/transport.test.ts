import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, parseRetryAfter, postBatch, type PostTarget } from "./transport.js";

function target(respond: (init: RequestInit | undefined) => Promise<Response> | Response, timeoutMs = 1000): PostTarget {
  return { fetch: async (_url, init) => respond(init), url: "http://vigil.test/api/v1/ingest", headers: {}, timeoutMs };
}

describe("backoffDelay", () => {
  it("draws a full-jitter delay below min(retryMaxMs, retryBaseMs * 2^retry)", () => {
    assert.equal(backoffDelay(3, 200, 30_000, () => 0), 0);
    assert.equal(backoffDelay(0, 200, 30_000, () => 0.5), 100);
    assert.equal(backoffDelay(3, 200, 30_000, () => 0.5), 800);
    assert.equal(backoffDelay(20, 200, 30_000, () => 0.5), 15_000, "capped by retryMaxMs");
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-21T10:00:00Z");
    assert.equal(parseRetryAfter("2", now), 2000);
    assert.equal(parseRetryAfter("0.25", now), 250);
    assert.equal(parseRetryAfter("Sat, 21 Nov 2026 10:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("Sat, 21 Nov 2026 09:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter("-1", now), null);
  });
});

describe("postBatch", () => {
  it("classifies answers as stored, retry or refused", async () => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers });
    const stored = await postBatch(target(json(207, { successes: [{ index: 0, id: "a" }], errors: [] })), "{}");
    assert.deepEqual(stored, { kind: "stored", status: 207, errors: [] });
    const error = { index: 1, id: "b", status: 400, code: "VALIDATION_FAILED", message: "must be >= 0", path: "/events/1/body/duration_ms" };
    const partly = await postBatch(target(json(207, { successes: [{ index: 0, id: 'a","errors":[]}' }], errors: [error] })), "{}");
    assert.deepEqual(partly, { kind: "stored", status: 207, errors: [error] });
    const unreadable = await postBatch(target(() => new Response("<html>ok</html>", { status: 200 })), "{}");
    assert.deepEqual(unreadable, { kind: "stored", status: 200, errors: null });
    for (const status of [408, 429, 500, 502, 503, 504]) assert.equal((await postBatch(target(json(status, {})), "{}")).kind, "retry", String(status));
    for (const status of [400, 401, 403, 404, 413]) assert.equal((await postBatch(target(json(status, {})), "{}")).kind, "refused", String(status));
    const refused = await postBatch(target(json(403, { error: { code: "FORBIDDEN", message: "key lacks the ingest scope" } })), "{}");
    assert.deepEqual(refused, { kind: "refused", status: 403, message: "HTTP 403: key lacks the ingest scope", serverCode: "FORBIDDEN" });
  });

  it("honours Retry-After on 429 and 503 only", async () => {
    const withHeader = (status: number) => target(() => new Response("", { status, headers: { "retry-after": "3" } }));
    const r429 = await postBatch(withHeader(429), "{}");
    const r503 = await postBatch(withHeader(503), "{}");
    const r502 = await postBatch(withHeader(502), "{}");
    assert.deepEqual([r429, r503, r502].map((r) => (r.kind === "retry" ? r.retryAfterMs : "not retry")), [3000, 3000, null]);
  });

  it("turns a network error or a timeout into a retry with the cause", async () => {
    const down = await postBatch(target(() => Promise.reject(new TypeError("fetch failed"))), "{}");
    assert.equal(down.kind, "retry");
    assert.match(down.kind === "retry" ? down.message : "", /network error: fetch failed/);
    const slow = await postBatch(
      target((init) => new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))), 20),
      "{}",
    );
    assert.deepEqual(slow.kind === "retry" ? [slow.status, slow.message] : [], [0, "timed out after 20 ms"]);
  });

  it("calls fetch as a plain function, as browsers require", async () => {
    const receivers: unknown[] = [];
    const fetchFn = function (this: unknown) {
      receivers.push(this);
      return Promise.resolve(new Response("{}", { status: 207 }));
    } as unknown as typeof fetch;
    await postBatch({ fetch: fetchFn, url: "http://vigil.test", headers: {}, timeoutMs: 100 }, "{}");
    assert.deepEqual(receivers, [undefined]);
  });
});
