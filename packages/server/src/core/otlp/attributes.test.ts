import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_METADATA_BYTES } from "@vigil/contract";
import type { Attributes, OtlpSpan } from "./model.js";
import { boundedMetadata, DROPPED_KEY, jsonStringBytes, MAX_METADATA_VALUE_BYTES } from "./attributes.js";
import { eventOf } from "./span-event.js";
import { FREE_OF_FORBIDDEN_KEYS, forbiddenKeys } from "../forbidden-keys.js";
import { prepareEvent } from "../normalize.js";
import { createEventValidator } from "../../validation/event-validator.js";

/** What the contract measures: the UTF-8 bytes of the JSON text. */
const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), "utf8");
/** Room Vigil keeps under the limit for its own keys (`otel.dropped_attributes`). */
const RESERVED = 512;
/** An own property named `__proto__`, as the OTLP decoders keep such a key. */
const withProtoKey = (attrs: Attributes, value: Attributes[string]): Attributes => {
  Object.defineProperty(attrs, "__proto__", { value, enumerable: true, writable: true, configurable: true });
  return attrs;
};

describe("event metadata from span attributes", () => {
  it("measures a string as JSON.stringify writes it: escapes, multi-byte characters, surrogate pairs and lone surrogates", () => {
    const samples = ["", "plain", 'quote " and \\ backslash', "tab\tnew\nline\r\bf\f", "\u0000\u0001\u001f\u007f", "é ß ü", "€ ✓ 中文", "😀 🚀", "\ud83d", "a\udc00b", "\ud83d\ud83d\ude00", "x\ud800"];
    for (const s of samples) assert.equal(jsonStringBytes(s), jsonBytes(s), JSON.stringify(s));
  });

  it("fills metadata exactly up to the 16 KiB limit (less Vigil's reserve), whatever the characters, and counts the one that no longer fits", () => {
    const fillers = ["ascii value", 'a "quoted" \\ value', "multi-byte é€😀", "control\u0001\n", 12345, -0.125, true, null, ["a", 1, false, null]] as const;
    const attrs: Attributes = {};
    let left = MAX_METADATA_BYTES - RESERVED - 2;
    for (let i = 0; ; i++) {
      const key = `app.attr.${i}`;
      const value = fillers[i % fillers.length]!;
      const entry = jsonBytes(key) + jsonBytes(value) + 2;
      if (left - entry < 64) break;
      attrs[key] = value as Attributes[string];
      left -= entry;
    }
    // The last one takes exactly the room left: key, quotes, colon and comma included.
    const lastKey = "app.last";
    const room = left - jsonBytes(lastKey) - 2 - 2;
    attrs[lastKey] = (room % 2 === 1 ? "a" : "") + "é".repeat(Math.floor(room / 2));
    assert.equal(jsonBytes(lastKey) + jsonBytes(attrs[lastKey]) + 2, left);
    attrs["app.one.more"] = 1;
    const metadata = boundedMetadata(attrs)!;
    assert.equal(metadata[lastKey], attrs[lastKey], "the attribute that fits exactly is kept");
    assert.equal(metadata["app.one.more"], undefined);
    assert.equal(metadata[DROPPED_KEY], 1);
    assert.equal(Object.keys(metadata).length, Object.keys(attrs).length);
    assert.ok(jsonBytes(metadata) <= MAX_METADATA_BYTES, `${jsonBytes(metadata)} bytes`);
  });

  it("never makes metadata the ingest refuses as too large, and drops values over 2 KiB serialised", () => {
    const attrs: Attributes = { "app.fits": "x".repeat(MAX_METADATA_VALUE_BYTES - 2), "app.too.big": "x".repeat(MAX_METADATA_VALUE_BYTES - 1), "app.big.list": Array.from({ length: 400 }, () => "€") };
    for (let i = 0; i < 3000; i++) attrs[`app.k${i}`] = i % 3 === 0 ? "\u0002\u0003 ✓ ".repeat(i % 40) : i % 3 === 1 ? i * 1.5 : [String(i), i, i % 2 === 0];
    const metadata = boundedMetadata(attrs, { "otel.scope.name": "scope", "otel.parent_span_id": "00f067aa0ba902b7" })!;
    assert.equal(metadata["app.fits"], attrs["app.fits"]);
    assert.equal(metadata["app.too.big"], undefined);
    assert.equal(metadata["app.big.list"], undefined);
    const kept = Object.keys(metadata).filter((k) => k.startsWith("app.")).length;
    assert.equal(metadata[DROPPED_KEY], Object.keys(attrs).length - kept);
    assert.ok(jsonBytes(metadata) <= MAX_METADATA_BYTES && jsonBytes(metadata) > MAX_METADATA_BYTES - RESERVED - 2 * MAX_METADATA_VALUE_BYTES, `${jsonBytes(metadata)} bytes`);
    const prepared = prepareEvent({ type: "llm_call", timestamp: 1_700_000_000_000, body: { model: "gpt-4o", metadata } } as never, 1_700_000_000_000, () => "id");
    assert.ok("event" in prepared, JSON.stringify(prepared));
  });

  it("leaves out an attribute named __proto__ (counted) and keeps one named constructor as text: nothing can reach a prototype", () => {
    const attrs = withProtoKey({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", constructor: { prototype: { polluted: true } }, "app.ok": 1 }, { polluted: true });
    const span: OtlpSpan = {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      parentSpanId: null,
      name: "chat gpt-4o",
      kind: "client",
      startMs: 1_700_000_000_000,
      endMs: 1_700_000_000_500,
      attributes: attrs,
      events: [],
      status: { code: "unset", message: "" },
      resource: { "service.name": "bot" },
      scope: { name: "", version: "" },
    };
    const event = eventOf(span, "llm_call", "chat", null);
    assert.ok("body" in event);
    const metadata = event.body.metadata as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
    assert.equal(Object.prototype.hasOwnProperty.call(metadata, "__proto__"), false);
    assert.deepEqual([metadata.constructor, metadata["app.ok"], metadata[DROPPED_KEY]], ['{"prototype":{"polluted":true}}', 1, 1]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Marked free of forbidden keys (the ingest skips its walk), and the walk agrees.
    assert.equal((event as { [FREE_OF_FORBIDDEN_KEYS]?: boolean })[FREE_OF_FORBIDDEN_KEYS], true);
    assert.deepEqual(forbiddenKeys(event), []);
    const validated = createEventValidator()(event);
    assert.ok(validated.ok, JSON.stringify(validated));
  });
});
