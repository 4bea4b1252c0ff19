/**
 * The ingest batch `{"events": [...]}` parsed event by event, straight from the request bytes.
 *
 * Parsing a batch as one text first makes one string of the whole body, and V8 puts every string
 * over 128 KiB in its large-object space: a fresh mapping per request, which costs about as much
 * as the JSON parse itself (a batch of 500 runs is ~170 KB). Here each event is cut out of the
 * bytes by a structural scan (strings and nesting only; the bytes of a multi-byte UTF-8 character
 * are all >= 0x80, so none of them is taken for a quote or a bracket) and parsed from its own small
 * string. The value is the one `JSON.parse` gives for the whole text. Anything off the common
 * shape (another key in the envelope, an escape in "events", a trailing comma, invalid JSON) is
 * left to the whole-text parse, which gives the same value or names the error.
 *
 * The scan also notes each event's `"body"` text, which the store then writes as it came instead
 * of serialising the parsed body again (when the server leaves the body unchanged).
 */
import { markFreeOfForbiddenKeys, mayHoldForbiddenKey } from "../core/forbidden-keys.js";
import { BODY_JSON } from "../core/normalize.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const EVENTS_KEY = [QUOTE, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x73, QUOTE];

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first byte at or after `i` that is not JSON whitespace. */
function skipWhitespace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isWhitespace(buf[i]!)) i++;
  return i;
}

/** Where the last element scanned by `elementEnd` holds its `"body"` value (start -1: nowhere). */
let bodyStart = -1;
let bodyEnd = -1;

/**
 * Index of the comma or closing bracket that ends the array element starting at `i`, or -1 when
 * the bytes end first. A closing brace at depth 0 also ends it (the caller refuses that). On the
 * way it notes where the element's own `"body"` key holds its value (the last one, as JSON.parse
 * keeps), in `bodyStart` and `bodyEnd`.
 */
function elementEnd(buf: Uint8Array, i: number): number {
  const n = buf.length;
  let depth = 0;
  bodyStart = -1;
  bodyEnd = -1;
  let inBody = false;
  for (; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      const open = i;
      for (i++; i < n; i++) {
        const d = buf[i]!;
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      // `"body"` then a colon, directly inside the event object: the key of the body.
      if (depth === 1 && i === open + 5 && buf[open + 1] === 0x62 && buf[open + 2] === 0x6f && buf[open + 3] === 0x64 && buf[open + 4] === 0x79) {
        const colon = skipWhitespace(buf, i + 1);
        if (buf[colon] === COLON) {
          i = skipWhitespace(buf, colon + 1) - 1;
          bodyStart = i + 1;
          bodyEnd = -1;
          inBody = true;
        }
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i;
      if (depth === 1 && inBody) {
        bodyEnd = i;
        inBody = false;
      }
      depth--;
    } else if (c === COMMA) {
      if (depth === 0) return i;
      if (depth === 1 && inBody) {
        bodyEnd = i;
        inBody = false;
      }
    }
  }
  return -1;
}

/**
 * Parses a batch body of valid UTF-8 (`ascii`: every byte is ASCII, so it is read as Latin-1, the
 * cheapest decoding) holding only `"events"` in its envelope. Each event is marked free of
 * forbidden keys when its own text cannot hold one, and carries its body's text under
 * `BODY_JSON`. Null when the body is not of that shape or
 * not valid JSON: parse the whole text instead.
 */
export function parseEventBatch(buf: Buffer, ascii: boolean): { events: unknown[] } | null {
  const encoding = ascii ? "latin1" : "utf8";
  let i = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  i = skipWhitespace(buf, i);
  if (buf[i] !== OPEN_BRACE) return null;
  i = skipWhitespace(buf, i + 1);
  for (let k = 0; k < EVENTS_KEY.length; k++) if (buf[i + k] !== EVENTS_KEY[k]) return null;
  i = skipWhitespace(buf, i + EVENTS_KEY.length);
  if (buf[i] !== COLON) return null;
  i = skipWhitespace(buf, i + 1);
  if (buf[i] !== OPEN_BRACKET) return null;
  const events: unknown[] = [];
  const free: unknown[] = [];
  const afterOpen = skipWhitespace(buf, i + 1);
  if (buf[afterOpen] === CLOSE_BRACKET) i = afterOpen + 1;
  else {
    i++;
    for (;;) {
      const end = elementEnd(buf, i);
      if (end < 0) return null;
      const text = buf.toString(encoding, i, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return null;
      }
      events.push(value);
      if (!mayHoldForbiddenKey(text)) free.push(value);
      if (bodyEnd > bodyStart && typeof value === "object" && value !== null) {
        let last = bodyEnd;
        while (last > bodyStart && isWhitespace(buf[last - 1]!)) last--;
        (value as { [BODY_JSON]?: string })[BODY_JSON] = buf.toString(encoding, bodyStart, last);
      }
      i = end + 1;
      if (buf[end] === COMMA) continue;
      if (buf[end] === CLOSE_BRACKET) break;
      return null;
    }
  }
  i = skipWhitespace(buf, i);
  if (buf[i] !== CLOSE_BRACE) return null;
  if (skipWhitespace(buf, i + 1) !== buf.length) return null;
  markFreeOfForbiddenKeys(free);
  return { events };
}
