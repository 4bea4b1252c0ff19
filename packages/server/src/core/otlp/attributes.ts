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

/**
 * Bytes of `s` as a JSON string in UTF-8, quotes included: the length of what `JSON.stringify(s)`
 * writes, measured without writing it (`"` and `\\` and `\n`-like controls take 2, other controls and
 * lone surrogates a 6-byte `\uXXXX` escape).
 */
export function jsonStringBytes(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) n += c === 0x22 || c === 0x5c ? 2 : 1;
      else n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    } else if (c < 0x800) n += 2;
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

/** Class of an attribute key in `keyClass`: mapped into a field (skipped), left out and counted, or copied (its JSON size, >= 2). */
const MAPPED = -2;
const LEFT_OUT = -1;
/** Keys whose class is remembered; past this many the memo starts over, so odd keys cannot grow it without bound. */
const KEY_MEMO_SIZE = 4096;
const keyMemo = new Map<string, number>();

/** What metadata does with attribute key `key`: MAPPED, LEFT_OUT (message contents, `__proto__`), else the key's JSON size. */
function keyClass(key: string): number {
  let c = keyMemo.get(key);
  if (c !== undefined) return c;
  // `__proto__` could set the prototype of the metadata object if assigned: never copied.
  c = MAPPED_ATTRIBUTES.has(key) ? MAPPED : key === "__proto__" || isContent(key) ? LEFT_OUT : jsonStringBytes(key);
  if (keyMemo.size >= KEY_MEMO_SIZE) keyMemo.clear();
  keyMemo.set(key, c);
  return c;
}

/** A metadata value and its JSON size. */
interface Sized {
  value: MetadataValue;
  bytes: number;
}
type Scalar = string | number | boolean | null;
type MetadataValue = Scalar | Scalar[];

/** JSON size of a number: what `JSON.stringify` writes (`null` for NaN and infinities). */
function numberBytes(v: number): number {
  if (!Number.isFinite(v)) return 4;
  if (Number.isSafeInteger(v)) {
    let n = v < 0 ? 2 : 1;
    for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++;
    return n;
  }
  return String(v).length;
}

/** JSON size of a scalar; a string longer than `cap` characters is not measured (its size is more than `cap`). */
function scalarBytes(v: Scalar, cap: number): number {
  if (typeof v === "string") return v.length > cap ? v.length + 2 : jsonStringBytes(v);
  if (typeof v === "number") return numberBytes(v);
  if (typeof v === "boolean") return v ? 4 : 5;
  return 4;
}

/**
 * An attribute value as metadata holds it, with its JSON size: flat values and lists of them as they
 * are, nested ones as JSON text (no depth, no prototype keys). Sizes above `cap` are lower bounds.
 */
function metadataValue(v: AttrValue, cap: number): Sized {
  if (v === null || typeof v !== "object") return { value: v, bytes: scalarBytes(v, cap) };
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")) {
    let bytes = v.length > 0 ? 1 + v.length : 2;
    for (let i = 0; i < v.length && bytes <= cap; i++) bytes += scalarBytes(v[i] as Scalar, cap);
    return { value: v as Scalar[], bytes };
  }
  const text = JSON.stringify(v);
  return { value: text, bytes: scalarBytes(text, cap) };
}

/** JSON size of an entry `"key":value,` of an object. */
const entryBytes = (keyBytes: number, valueBytes: number): number => keyBytes + valueBytes + 2;

/**
 * The `metadata` of an event made from a span: the attributes it did not map into fields, scalars
 * and lists of scalars as they are and other values as JSON text, in the span's order while they fit
 * in the contract's 16 KiB; message contents, oversized values and what no longer fits are counted in
 * `otel.dropped_attributes`. `extra` (Vigil's own notes) comes first and always fits. Sizes are
 * counted exactly as JSON text in UTF-8 (plus a comma per entry), never estimated below.
 */
export function boundedMetadata(attrs: Attributes, extra: Record<string, string | number | boolean> = {}): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let entries = 0;
  let size = 2 + RESERVED_BYTES;
  for (const k in extra) {
    const v = extra[k]!;
    out[k] = v;
    entries++;
    size += entryBytes(jsonStringBytes(k), scalarBytes(v, Infinity));
  }
  let dropped = 0;
  for (const key in attrs) {
    const keyBytes = keyClass(key);
    if (keyBytes === MAPPED) continue;
    if (keyBytes === LEFT_OUT) {
      dropped++;
      continue;
    }
    const { value, bytes } = metadataValue(attrs[key]!, MAX_METADATA_VALUE_BYTES);
    if (bytes > MAX_METADATA_VALUE_BYTES || size + entryBytes(keyBytes, bytes) > MAX_METADATA_BYTES) {
      dropped++;
      continue;
    }
    // Plain assignment is safe: `__proto__`, the one key whose assignment is not a property, is left out above.
    out[key] = value;
    entries++;
    size += entryBytes(keyBytes, bytes);
  }
  if (dropped > 0) {
    out[DROPPED_KEY] = dropped;
    entries++;
  }
  return entries > 0 ? out : undefined;
}
