/**
 * The span store's part of the storage contract (`describeStorageContract` registers it): what the
 * trace view relies on from either engine — a span sent again (an exporter's retry, another
 * instance) is stored once, every field comes back as sent, traces and sessions are read in a
 * stable order and bounded, and retention removes old spans only.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SpanRecord } from "../core/otlp/model.js";
import { openedStores, type FreshStorage } from "./contract-support.js";

const T1 = "0af7651916cd43dd8448eb211c80319c";
const T2 = "4bf92f3577b34da6a3ce929d0e0e4736";
const hex16 = (n: number) => n.toString(16).padStart(16, "0");

/** A span of trace `trace`, number `n`, starting at `start` (ms). */
const span = (trace: string, n: number, start: number, over: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId: trace, spanId: hex16(n), parentSpanId: null, name: `span ${n}`, kind: "internal", startMs: start, endMs: start + 10,
  status: "unset", statusMessage: "", eventType: null, eventId: null, service: null, sessionId: null, cost: null, attributes: {}, events: [], ...over,
});

/** A span far from the defaults: every nullable field set, sub-millisecond times, attribute values of every kind. */
const busy = (n: number, start: number): SpanRecord => span(T1, n, start + 0.123456, {
  parentSpanId: hex16(1), name: "chat gpt-4o ☃ \"quoted\"", kind: "client", endMs: start + 812.5, status: "error", statusMessage: "upstream said 429 — é",
  eventType: "llm_call", eventId: `otel-${T1}-${hex16(n)}`, service: "checkout", sessionId: "conv-42", cost: 0.000123456789,
  attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 0, stream: false, empty: "", none: null, big: "18446744073709551615", ratio: 0.25, list: [1, "two", [true, null]], map: { nested: { deeper: ["x"] } } },
  events: [{ name: "gen_ai.content.completion", timeMs: start + 400.5, attributes: { index: 0 } }, { name: "exception", timeMs: start + 811, attributes: { "exception.type": "RateLimitError" } }],
});

const ids = (xs: readonly SpanRecord[]) => xs.map((s) => s.spanId);

/** Registers the span store's contract tests for one engine; `fresh` is the storage contract's factory. */
export function describeSpanStoreContract(engine: string, fresh: FreshStorage): void {
  describe(`span store contract: ${engine}`, () => {
    const { make, reopened } = openedStores(fresh);

    it("stores a span once however often it is sent, keeps the first copy, and gives every field back as sent after a reopen", async () => {
      const { storage: s, reopen } = await make();
      const now = Date.now();
      const first = busy(2, now);
      assert.equal(await s.spans.append([span(T1, 1, now), first, span(T1, 1, now)]), 2);
      // The retry carries a changed copy: the stored one stays.
      assert.equal(await s.spans.append([{ ...first, name: "renamed", attributes: {} }, span(T1, 3, now + 1)]), 1);
      assert.equal(await s.spans.append([]), 0);
      // The same span id in another trace is another span.
      assert.equal(await s.spans.append([span(T2, 2, now)]), 1);
      const again = await reopened(s, reopen);
      const t = await again.spans.trace(T1, 100);
      assert.equal(t.truncated, false);
      assert.deepEqual(t.spans, [span(T1, 1, now), first, span(T1, 3, now + 1)]);
      assert.deepEqual((await again.spans.trace(T2, 100)).spans, [span(T2, 2, now)]);
    });

    it("reads a trace by start time then span id, at most the limit asked, and says when it cut", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      await s.spans.append([span(T1, 5, now + 30), span(T1, 4, now + 10), span(T1, 3, now + 10), span(T1, 9, now), span(T2, 1, now - 5)]);
      assert.deepEqual(await s.spans.trace(T1, 4).then((p) => ({ ids: ids(p.spans), truncated: p.truncated })), { ids: [hex16(9), hex16(3), hex16(4), hex16(5)], truncated: false });
      assert.deepEqual(await s.spans.trace(T1, 3).then((p) => ({ ids: ids(p.spans), truncated: p.truncated })), { ids: [hex16(9), hex16(3), hex16(4)], truncated: true });
      assert.deepEqual(await s.spans.trace("ffffffffffffffffffffffffffffffff", 10), { spans: [], truncated: false });
    });

    it("reads a session's spans across traces, newest first, bounded, and no span of another session or of none", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      await s.spans.append([
        span(T1, 1, now, { sessionId: "s-1" }), span(T2, 2, now + 20, { sessionId: "s-1" }), span(T1, 3, now + 10, { sessionId: "s-1" }),
        span(T1, 4, now + 30, { sessionId: "s-2" }), span(T1, 5, now + 40),
      ]);
      const all = await s.spans.session("s-1", 10);
      assert.deepEqual(all.spans.map((x) => [x.traceId, x.spanId]), [[T2, hex16(2)], [T1, hex16(3)], [T1, hex16(1)]]);
      assert.equal(all.truncated, false);
      const latest = await s.spans.session("s-1", 2);
      assert.deepEqual({ ids: ids(latest.spans), truncated: latest.truncated }, { ids: [hex16(2), hex16(3)], truncated: true });
      assert.deepEqual(await s.spans.session("nobody", 10), { spans: [], truncated: false });
    });

    it("deletes spans that started before the cutoff, at most the limit per call, and nothing newer", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      const DAY = 86_400_000;
      await s.spans.append([span(T1, 1, now - 3 * DAY), span(T1, 2, now - 2 * DAY), span(T2, 3, now - 2 * DAY + 1), span(T1, 4, now - 1000), span(T2, 5, now)]);
      assert.equal(await s.spans.deleteBefore(now - DAY, 2), 2);
      assert.equal(await s.spans.deleteBefore(now - DAY, 2), 1);
      assert.equal(await s.spans.deleteBefore(now - DAY, 2), 0);
      assert.deepEqual(ids((await s.spans.trace(T1, 10)).spans), [hex16(4)]);
      assert.deepEqual(ids((await s.spans.trace(T2, 10)).spans), [hex16(5)]);
      // Once deleted, a span sent again is stored again (its key went with it).
      assert.equal(await s.spans.append([span(T1, 1, now - 3 * DAY)]), 1);
    });

    it("counts each span once when appends of the same spans race, alongside event appends", async () => {
      const { storage: s } = await make();
      const now = Date.now();
      const batch = (from: number) => Array.from({ length: 300 }, (_, i) => span(T1, from + i, now + from + i));
      const run = (id: string) => ({ id, type: "run" as const, ts: now, receivedAt: now, body: { agent_name: "a", status: "success", duration_ms: 1 } });
      const [a, b, c, fresh] = await Promise.all([s.spans.append(batch(0)), s.spans.append(batch(100)), s.spans.append(batch(200)), s.events.append([run("r1"), run("r2")])]);
      assert.equal(a + b + c, 500);
      assert.deepEqual(fresh, [true, true]);
      const t = await s.spans.trace(T1, 10_000);
      assert.equal(t.spans.length, 500);
      assert.equal(new Set(ids(t.spans)).size, 500);
    });
  });
}
