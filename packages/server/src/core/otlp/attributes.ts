/**
 * Reading OTLP attribute values as the fields of Vigil events (docs/otlp.md): names, token counts,
 * durations, and the bounded `metadata` an event keeps of the attributes it did not map.
 */
import { MAX_METADATA_BYTES, MAX_NAME_LENGTH } from "@vigil/contract";
import type { AttrValue, Attributes } from "./model.js";
import { CONTENT_KEYS, MAPPED_ATTRIBUTES } from "./genai.js";

/** A name-like field as the contract takes it: 1–256 characters without control characters. */
// eslint-disable-next-line no-control-regex -- the contract's own rule: names hold no C0, DEL or C1 characters
const NAME_OK = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/** The first attribute of `keys` that is present (not undefined or null), with its key. */
export function first(attrs: Attributes, keys: readonly string[]): { key: string; value: AttrValue } | null {
  for (const key of keys) {
    const value = attrs[key];
    if (value !== undefined && value !== null) return { key, value };
  }
  return null;
}

/** A string attribute value (a number is written out), else undefined. */
export function text(v: AttrValue | undefined): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A value usable as a Vigil name (model, agent, tool, ids), else undefined. */
export function name(v: AttrValue | undefined): string | undefined {
  const s = text(v);
  return s !== undefined && s.length <= MAX_NAME_LENGTH && NAME_OK.test(s) ? s : undefined;
}

/** A finite number, from a number or a decimal string (OTLP's 64-bit integers may arrive as strings). */
export function numeric(v: AttrValue | undefined): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A token count: a non-negative integer (a float that is a whole number counts), else undefined. */
export function count(v: AttrValue | undefined): number | undefined {
  const n = numeric(v);
  return n !== undefined && n >= 0 && Number.isInteger(n) ? n : undefined;
}

/** The first token count among `keys`. */
export function firstCount(attrs: Attributes, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const n = count(attrs[key]);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Bytes of `s` in UTF-8, as JSON text holds it (a lone surrogate counts 6: JSON.stringify writes it as `\uXXXX`). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += c >= 0xd800 && c <= 0xdfff ? 6 : 3;
  }
  return n;
}

/** Whether an attribute key holds message contents (see `CONTENT_KEYS`). */
export function isContent(key: string): boolean {
  for (const k of CONTENT_KEYS) if (key === k || (key.startsWith(k) && key.charCodeAt(k.length) === 46)) return true;
  return false;
}

/** Largest serialised attribute value copied into metadata; a bigger one is dropped (it stays on the stored span). */
export const MAX_METADATA_VALUE_BYTES = 2048;
/** Metadata key counting the attributes left out for size or content. */
export const DROPPED_KEY = "otel.dropped_attributes";
/** Room kept under the contract's limit for the keys Vigil adds itself. */
const RESERVED_BYTES = 512;

/**
 * The `metadata` of an event made from a span: the attributes it did not map into fields, scalars
 * and lists of scalars as they are and other values as JSON text, in the span's order while they fit
 * in the contract's 16 KiB; message contents, oversized values and what no longer fits are counted in
 * `otel.dropped_attributes`. `extra` (Vigil's own notes) comes first and always fits.
 */
export function boundedMetadata(attrs: Attributes, extra: Record<string, string | number | boolean> = {}): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let size = 2 + RESERVED_BYTES;
  for (const [k, v] of Object.entries(extra)) {
    out[k] = v;
    size += utf8Length(JSON.stringify(k)) + utf8Length(JSON.stringify(v)) + 2;
  }
  let dropped = 0;
  for (const key in attrs) {
    if (MAPPED_ATTRIBUTES.has(key)) continue;
    // Keys that could alter a prototype are refused at ingest: never copied.
    if (key === "__proto__" || isContent(key)) {
      dropped++;
      continue;
    }
    const value = metadataValue(attrs[key]!);
    const bytes = utf8Length(JSON.stringify(key)) + utf8Length(JSON.stringify(value)) + 2;
    if (bytes - utf8Length(JSON.stringify(key)) > MAX_METADATA_VALUE_BYTES || size + bytes > MAX_METADATA_BYTES) {
      dropped++;
      continue;
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    size += bytes;
  }
  if (dropped > 0) out[DROPPED_KEY] = dropped;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An attribute value as metadata holds it: flat values as they are, nested ones as JSON text (no depth, no prototype keys). */
function metadataValue(v: AttrValue): string | number | boolean | null | (string | number | boolean | null)[] {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")) return v as (string | number | boolean | null)[];
  return JSON.stringify(v);
}
