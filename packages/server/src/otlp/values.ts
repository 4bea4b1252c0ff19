/**
 * The leaves of an OTLP request read into Vigil's shape (attributes, ids, times, integers), and
 * the limits an item must keep: one breaking a limit is refused whole (`Refusal`), never stored
 * half, and its neighbours are kept.
 */
import type { AttrValue, Attributes, OtlpScope } from "../core/otlp/model.js";
import type { Bytes, Int64, WAnyValue, WKeyValue, WScope } from "./wire.js";

/** Most attributes one span, span event, data point, log record or resource may carry (and entries in one key-value list value). */
export const MAX_ATTRIBUTES = 1000;
/** How deep arrays and key-value lists may nest in one attribute value: a top-level array is level 1. */
export const MAX_VALUE_DEPTH = 8;
/** Longest attribute key, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 256;

/** Why an item is refused: thrown while reading it, caught where the item is, named in the partial success. */
export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refusal";
  }
}

const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** How a bad key or name is quoted in a message: short, without the mark of bad bytes. */
function quote(s: string): string {
  const shown = s.length > 40 ? s.slice(0, 40) + "…" : s;
  return JSON.stringify(wellFormed(shown) ? shown : shown.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
}

/**
 * A string field, refused unless it is valid Unicode: a protobuf string whose bytes were not
 * valid UTF-8 carries a lone surrogate (proto.ts), and so does a JSON one with an unpaired escape.
 */
export function text(s: string | undefined, what: string): string {
  if (s === undefined || s === "") return "";
  if (!wellFormed(s)) throw new Refusal(`${what} is not valid UTF-8`);
  return s;
}

/** An attribute key, checked for length and encoding. */
function attrKey(key: string | undefined): string {
  const k = key ?? "";
  if (!wellFormed(k)) throw new Refusal(`the key ${quote(k)} is not valid UTF-8`);
  if (k.length > MAX_KEY_LENGTH) throw new Refusal(`the key ${quote(k)} is ${k.length} characters long, more than the ${MAX_KEY_LENGTH} allowed`);
  return k;
}

/** A refusal of something inside `prefix`, saying where (messages are built only when refusing). */
function within(prefix: string, err: unknown): unknown {
  return err instanceof Refusal ? new Refusal(`${prefix}: ${err.message}`) : err;
}

/** Reads a list of key-values into an object (a key given twice keeps its last value; `__proto__` is an ordinary key). */
function keyValues(kvs: readonly WKeyValue[] | undefined, level: number): Attributes {
  if (!kvs || kvs.length === 0) return {};
  if (kvs.length > MAX_ATTRIBUTES) throw new Refusal(`${kvs.length} attributes, more than the ${MAX_ATTRIBUTES} allowed`);
  const out: Attributes = {};
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    const key = attrKey(kv.key);
    let v: AttrValue;
    try {
      v = anyValue(kv.value, level);
    } catch (err) {
      throw within(quote(key), err);
    }
    // Assigning `__proto__` would set the prototype: that key is defined as an own property instead.
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

/** An item's (or a resource's) attributes, refused past the limits; `where` starts a refusal's message. */
export function attributes(kvs: readonly WKeyValue[] | undefined, where = "attributes"): Attributes {
  try {
    return keyValues(kvs, 0);
  } catch (err) {
    throw within(where, err);
  }
}

/** A value that is not an attribute (a log record's body), refused past the limits; `where` starts a refusal's message. */
export function value(v: WAnyValue | null | undefined, where: string): AttrValue {
  try {
    return anyValue(v, 0);
  } catch (err) {
    throw within(where, err);
  }
}

/**
 * An AnyValue: `false`, `0` and `""` are kept, integers are numbers while safe and decimal
 * strings past 2^53, bytes are base64, non-finite doubles their JSON names (`"NaN"`,
 * `"Infinity"`, `"-Infinity"`), an empty value null. `level` counts the arrays and lists around it.
 */
function anyValue(v: WAnyValue | null | undefined, level: number): AttrValue {
  if (!v) return null;
  switch (v.value) {
    case "stringValue":
      return text(v.stringValue, "the value");
    case "boolValue":
      return v.boolValue === true;
    case "intValue":
      return int64(v.intValue ?? 0);
    case "doubleValue":
      return double(v.doubleValue ?? 0);
    case "arrayValue": {
      const values = v.arrayValue?.values ?? [];
      deeper(level);
      const out: AttrValue[] = new Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], level + 1);
      return out;
    }
    case "kvlistValue":
      deeper(level);
      return keyValues(v.kvlistValue?.values, level + 1);
    case "bytesValue": {
      const b = v.bytesValue ?? [];
      return (Buffer.isBuffer(b) ? b : Buffer.from(b)).toString("base64");
    }
    default:
      return null;
  }
}

function deeper(level: number): void {
  if (level + 1 > MAX_VALUE_DEPTH) throw new Refusal(`the value nests arrays or key-value lists more than ${MAX_VALUE_DEPTH} levels deep`);
}

/** A double as an attribute value: JSON has no NaN or infinities, so those become their names. */
function double(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/** A 64-bit integer: a number while |n| ≤ 2^53 − 1, else its decimal string (exact). */
export function int64(x: Int64): number | string {
  if (typeof x === "number") return Number.isSafeInteger(x) ? x : BigInt(x).toString();
  if (typeof x === "string") {
    const n = Number(x);
    return Number.isSafeInteger(n) ? n + 0 : BigInt(x).toString();
  }
  const n = x.toNumber();
  return Number.isSafeInteger(n) ? n : x.toString();
}

/** A 64-bit integer as a number (nearest double past 2^53): counts, nanosecond times. */
export function toNumber(x: Int64 | undefined): number {
  if (x === undefined) return 0;
  if (typeof x === "number") return x;
  if (typeof x === "string") return Number(x);
  return x.toNumber();
}

/** Nanoseconds as milliseconds: whole milliseconds exact, then the fraction added (one rounding). */
function nsToMs(n: number): number {
  const rem = n % 1e6;
  return (n - rem) / 1e6 + rem / 1e6;
}

/**
 * A nanosecond timestamp in epoch milliseconds (0 when absent). A plain `ns / 1e6` would round
 * twice (past 2^53 first), turning 250 ms into 249.9998: the whole milliseconds are split off
 * exactly instead, the same way from a Long and from a decimal string, so both encodings agree.
 */
export function timeMs(ns: Int64 | undefined): number {
  if (ns === undefined) return 0;
  if (typeof ns === "number") return nsToMs(ns);
  if (typeof ns === "string") return ns.length <= 15 || ns.startsWith("-") ? nsToMs(Number(ns)) : Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
  const high = ns.unsigned ? ns.high >>> 0 : ns.high;
  if (high < 0) return nsToMs(ns.toNumber());
  // high·2^32 + low = high·4294·10^6 + (high·967296 + low), the second term below 2^53.
  const rest = high * 967296 + (ns.low >>> 0);
  const restRem = rest % 1e6;
  return high * 4294 + (rest - restRem) / 1e6 + restRem / 1e6;
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex: `bytes` long and not all zeros, else refused; when
 * `optional`, an empty (or all-zero) id is null.
 */
export function hexId(id: Bytes | undefined, bytes: 16 | 8, what: string, optional: boolean): string | null {
  let hex: string;
  if (id === undefined) hex = "";
  else if (typeof id === "string") {
    if (!HEX.test(id)) throw new Refusal(`${what} ${quote(id)} is not hex`);
    hex = id.toLowerCase();
  } else hex = (Buffer.isBuffer(id) ? id : Buffer.from(id)).toString("hex"); // a default may be a plain empty array
  const zero = /^0*$/.test(hex);
  if (optional && zero) return null;
  if (hex.length !== bytes * 2) throw new Refusal(`${what} must be ${bytes} bytes (${bytes * 2} hex digits), not ${hex.length / 2}`);
  if (zero) throw new Refusal(`${what} is all zeros`);
  return hex;
}

/** An instrumentation scope's name and version. */
export function scope(s: WScope | null | undefined): OtlpScope {
  return { name: text(s?.name, "the scope name"), version: text(s?.version, "the scope version") };
}
