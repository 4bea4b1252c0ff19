/**
 * Whole-system suite for the ingest API's robustness (SPEC §2, §3 Ingest): no client input makes
 * the server answer 5xx or crash. A table of malformed request kinds (bad JSON, wrong types, huge
 * strings, deep nesting, `__proto__` keys, wrong content types, oversized bodies, broken HTTP
 * framing...) is thrown at every ingest route of a real server listening on a loopback port, through
 * real HTTP and real JSON parsing. Each answer must be a 4xx with the error body of SPEC §3 — or, for
 * a well-formed batch envelope, a 207 naming every rejected event by JSON pointer — and afterwards
 * the store must hold exactly the valid events the suite sent: nothing malformed, nothing half-stored.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { EVENT_TYPES, type EventType, type IngestResponse, type SystemMetricsResponse } from "@vigil/contract";
import { loadConfig } from "../../packages/server/dist/config/config.js";
import { startServer, type RunningServer } from "../../packages/server/dist/main.js";
import { createTestDatabase, waitFor } from "./pg-support.js";

// ---------------------------------------------------------------------------------------------
// Requests and answers
// ---------------------------------------------------------------------------------------------

/** A well-framed HTTP request (any headers, any body bytes, optionally chunked). */
interface HttpReq {
  mode: "http";
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  chunked?: boolean;
}

/** Bytes written straight to a TCP socket, for framing that an HTTP client refuses to produce. */
interface RawReq {
  mode: "raw";
  bytes: Buffer;
  /** `half-close`: send everything then end our side; `abort`: destroy the socket right after writing. */
  then: "half-close" | "abort";
}

type Req = HttpReq | RawReq;

/** What a probe must get back. */
type Expect =
  /** A 4xx (one of `statuses` when given) with the error body `{"error": {"code", "message"}}`, of `code` and naming `at` when given. */
  | { kind: "error"; statuses?: readonly number[]; code?: string; at?: string }
  /** A 207 where event i is rejected and named at pointers[i] (a list: every pointer must be named), each with `code` when given. */
  | { kind: "batch"; pointers: readonly (string | readonly string[])[]; code?: string }
  /** The connection may close without an answer; any answer must still be a 4xx error body. */
  | { kind: "error-or-drop" };

/** One request of a kind against one route. */
interface Probe {
  label: string;
  req: Req;
  expect: Expect;
}

/** An ingest route. `type` is null for the batch route. */
interface Route {
  name: string;
  path: string;
  type: EventType | null;
}

/** A kind of malformed request; `probes` builds its requests for a route (called when the test runs). */
interface Kind {
  name: string;
  probes(route: Route): Probe[];
}

/** An answer: status, content type and body text; `null` when the connection closed without one. */
interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const ROUTES: readonly Route[] = [
  { name: "POST /api/v1/ingest", path: "/api/v1/ingest", type: null },
  { name: "POST /api/v1/runs", path: "/api/v1/runs", type: "run" },
  { name: "POST /api/v1/llm-calls", path: "/api/v1/llm-calls", type: "llm_call" },
  { name: "POST /api/v1/outcomes", path: "/api/v1/outcomes", type: "outcome" },
  { name: "POST /api/v1/feedback", path: "/api/v1/feedback", type: "feedback" },
  { name: "POST /api/v1/metrics/custom", path: "/api/v1/metrics/custom", type: "metric" },
  { name: "POST /api/v1/cache-events", path: "/api/v1/cache-events", type: "cache" },
  { name: "POST /api/v1/tool-calls", path: "/api/v1/tool-calls", type: "tool_call" },
  { name: "POST /api/v1/retrievals", path: "/api/v1/retrievals", type: "retrieval" },
];

const REQUEST_TIMEOUT_MS = 30_000;

function sendHttp(base: URL, r: HttpReq): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { connection: "close", ...r.headers };
    if (r.chunked) headers["transfer-encoding"] = "chunked";
    else headers["content-length"] = r.body.length;
    let answered = false;
    const req = http.request({ host: base.hostname, port: base.port, path: r.path, method: "POST", headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    // A server that answers 413 early may reset the connection while we are still writing: only
    // an error before any answer counts.
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    if (!r.chunked) {
      req.end(r.body);
      return;
    }
    let offset = 0;
    const pump = (): void => {
      while (offset < r.body.length) {
        const chunk = r.body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Parses the first HTTP response in `buf` (content-length or chunked body); null when there is none. */
function parseRawResponse(buf: Buffer): Answer | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1] ?? 0);
  const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()] as const));
  let body = buf.subarray(end + 4);
  const length = headers.get("content-length");
  if (length !== undefined) body = body.subarray(0, Number(length));
  else if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    const parts: Buffer[] = [];
    let rest = body;
    for (;;) {
      const eol = rest.indexOf("\r\n");
      const size = eol < 0 ? 0 : parseInt(rest.subarray(0, eol).toString("latin1"), 16);
      if (!size) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  }
  return { status, contentType: headers.get("content-type") ?? "", text: body.toString("utf8") };
}

function sendRaw(base: URL, r: RawReq): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    let timedOut = false;
    sock.on("data", (c: Buffer) => chunks.push(c));
    // A reset after the server has given up on a broken request is an acceptable way to end it.
    sock.on("error", () => {});
    sock.on("close", () => (timedOut ? reject(new Error(`the server neither answered nor closed the connection within ${REQUEST_TIMEOUT_MS} ms`)) : resolve(parseRawResponse(Buffer.concat(chunks)))));
    sock.setTimeout(REQUEST_TIMEOUT_MS, () => {
      timedOut = true;
      sock.destroy();
    });
    if (r.then === "half-close") sock.end(r.bytes);
    else sock.write(r.bytes, () => setTimeout(() => sock.destroy(), 20));
  });
}

function send(base: URL, r: Req): Promise<Answer | null> {
  return r.mode === "http" ? sendHttp(base, r) : sendRaw(base, r);
}

// ---------------------------------------------------------------------------------------------
// Payload building
// ---------------------------------------------------------------------------------------------

const j = (v: unknown): string => JSON.stringify(v);

/** A valid body per event type: each bad payload below differs from these by its defect only. */
const VALID: Record<EventType, Record<string, unknown>> = {
  run: { agent_name: "mal-agent", status: "success", duration_ms: 120 },
  llm_call: { model: "gpt-4o", latency_ms: 340 },
  outcome: { run_id: "mal-unknown-run", actual_outcome: 1, predicted_outcome: 1 },
  feedback: { run_id: "mal-unknown-run", rating: 4 },
  metric: { name: "queue_depth", value: 3 },
  cache: { operation: "hit", cache: "answers" },
  tool_call: { tool: "web_search", status: "success", duration_ms: 80 },
  retrieval: { status: "success", source: "pinecone", duration_ms: 40 },
};

/** Field pairs (name, raw JSON text); pairs rather than an object so that `__proto__` and duplicates survive. */
type Fields = readonly (readonly [string, string])[];

/** JSON text of the valid body of `t` with `set` fields (raw JSON text) replacing or adding, and `drop` removed. */
function body(t: EventType, set: Fields = [], drop: readonly string[] = []): string {
  const replaced = new Set(set.map(([k]) => k));
  const fields: [string, string][] = Object.entries(VALID[t])
    .filter(([k]) => !drop.includes(k) && !replaced.has(k))
    .map(([k, v]) => [k, j(v)]);
  for (const [k, raw] of set) fields.push([k, raw]);
  return `{${fields.map(([k, raw]) => `${j(k)}:${raw}`).join(",")}}`;
}

/** One event of a batch, as JSON text; `envelope` is raw text of extra envelope fields. */
const ev = (t: EventType, bodyText: string, envelope = ""): string => `{"type":${j(t)},${envelope ? envelope + "," : ""}"body":${bodyText}}`;
const batch = (events: readonly string[]): string => `{"events":[${events.join(",")}]}`;
/** The valid request text of a route. */
const validText = (r: Route): string => (r.type ? body(r.type) : batch(EVENT_TYPES.map((t) => ev(t, body(t)))));

const JSON_CT = "application/json";
function post(path: string, text: string | Buffer, contentType: string | null = JSON_CT, chunked = false): HttpReq {
  return { mode: "http", path, headers: contentType === null ? {} : { "content-type": contentType }, body: typeof text === "string" ? Buffer.from(text, "utf8") : text, chunked };
}

const E400: Expect = { kind: "error", statuses: [400] };
const E4XX: Expect = { kind: "error" };
const E413: Expect = { kind: "error", statuses: [413] };

/** A body-level defect per event type: the bad body text and the pointer (relative to the body) that must be named. */
type BadBody = (t: EventType) => { text: string; at: string | readonly string[] };

/**
 * A defect in the event body. Shortcuts get the bad body as their request (400); the batch route
 * gets one bad event per type inside a well-formed envelope (207, each named by pointer) and the
 * bad run body as the whole request (400: not a batch envelope). With `code`, every rejection must
 * carry it and the shortcuts' must name the defect's pointer.
 */
function bodyKind(name: string, bad: BadBody, code?: string): Kind {
  return {
    name,
    probes: (r) => {
      if (r.type) {
        const b = bad(r.type);
        return [{ label: "as the body", req: post(r.path, b.text), expect: code && typeof b.at === "string" ? { kind: "error", statuses: [400], code, at: b.at } : E400 }];
      }
      const bads = EVENT_TYPES.map((t) => bad(t));
      const pointers = bads.map((b, i) => (typeof b.at === "string" ? `/events/${i}/body${b.at}` : b.at.map((p) => `/events/${i}/body${p}`)));
      return [
        { label: "one bad event per type in a batch", req: post(r.path, batch(EVENT_TYPES.map((t, i) => ev(t, bads[i]!.text)))), expect: { kind: "batch", pointers, ...(code ? { code } : {}) } },
        { label: "the bad run body as the whole request", req: post(r.path, bad("run").text), expect: E400 },
      ];
    },
  };
}

/** One field of every body set to raw JSON text; `field(t)` picks the field, the pointer is the field. */
function fieldKind(name: string, field: (t: EventType) => string, raw: string | ((t: EventType) => string)): Kind {
  return bodyKind(name, (t) => {
    const f = field(t);
    return { text: body(t, [[f, typeof raw === "string" ? raw : raw(t)]]), at: `/${f}` };
  });
}

/**
 * Text that is not valid JSON. Shortcuts get it as their body; the batch route gets it inside each
 * event of an envelope and as the whole request. Every one must be a 400.
 */
function syntaxKind(name: string, text: (t: EventType) => string): Kind {
  return {
    name,
    probes: (r) =>
      r.type
        ? [{ label: "as the body", req: post(r.path, text(r.type)), expect: E400 }]
        : [
            { label: "inside each event of a batch", req: post(r.path, batch(EVENT_TYPES.map((t) => ev(t, text(t))))), expect: E400 },
            { label: "as the whole request", req: post(r.path, text("run")), expect: E400 },
          ],
  };
}

/** A defect in an envelope field (`id`, `timestamp`): on each event of a batch (207) and in the shortcut body (400). */
function envelopeKind(name: string, field: "id" | "timestamp", raw: () => string): Kind {
  return {
    name,
    probes: (r) => {
      const v = raw();
      if (r.type) return [{ label: "in the body", req: post(r.path, body(r.type, [[field, v]])), expect: E400 }];
      return [
        { label: "on each event of a batch", req: post(r.path, batch(EVENT_TYPES.map((t) => ev(t, body(t), `${j(field)}:${v}`)))), expect: { kind: "batch", pointers: EVENT_TYPES.map((_, i) => `/events/${i}/${field}`) } },
        { label: "the shortcut form as the whole request", req: post(r.path, body("run", [[field, v]])), expect: E400 },
      ];
    },
  };
}

/** The same request shape for every route, built from the route's path and its valid text. */
function requestKind(name: string, make: (r: Route, valid: string) => Probe | Probe[]): Kind {
  return { name, probes: (r) => [make(r, validText(r))].flat() };
}

/** Raw HTTP bytes: a request head for `path` with `lines` as extra headers, then `bodyBytes`. */
function rawRequest(path: string, lines: readonly string[], bodyBytes: Buffer | string): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${JSON_CT}\r\n${lines.map((l) => l + "\r\n").join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), typeof bodyBytes === "string" ? Buffer.from(bodyBytes) : bodyBytes]);
}

/** The route's request text with a name holding `bytes` (raw, not UTF-8-encoded by us). */
function withBytesInName(r: Route, bytes: readonly number[]): Buffer {
  const text = r.type ? body(r.type, [[NAME[r.type], '"mal-\u0001"']]) : batch([ev("run", body("run", [["agent_name", '"mal-\u0001"']]))]);
  const [head, tail] = text.split("\u0001") as [string, string];
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
}

const deepArray = (n: number): string => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number): string => '{"a":'.repeat(n) + "0" + "}".repeat(n);
const MiB = 1024 * 1024;

/** The name-like (string) field each type requires (outcome and feedback: their reference). */
const NAME: Record<EventType, string> = { run: "agent_name", llm_call: "model", outcome: "run_id", feedback: "run_id", metric: "name", cache: "operation", tool_call: "tool", retrieval: "status" };
/** The numeric field of each type; outcome has none, so its enum `feedback_source` stands in. */
const NUM: Record<EventType, string> = { run: "duration_ms", llm_call: "latency_ms", outcome: "feedback_source", feedback: "rating", metric: "value", cache: "entry_age_ms", tool_call: "duration_ms", retrieval: "duration_ms" };
/** A field rejecting negative numbers (metric `value` may be negative: its `unit` string stands in). */
const NON_NEGATIVE: Record<EventType, string> = { ...NUM, metric: "unit" };
/** A field where an unrepresentable number (1e309 parses to Infinity) lands: outcomes take any JSON in `actual_outcome`. */
const HUGE_NUM: Record<EventType, string> = { run: "duration_ms", llm_call: "latency_ms", outcome: "actual_outcome", feedback: "rating", metric: "value", cache: "entry_age_ms", tool_call: "duration_ms", retrieval: "duration_ms" };
/** An integer-only field (outcome and metric have none: `feedback_source` and a label stand in). */
const INT: Record<EventType, string> = { run: "input_tokens", llm_call: "input_tokens", outcome: "feedback_source", feedback: "rating", metric: "labels", cache: "count", tool_call: "tool", retrieval: "documents" };
/** A bounded free-text field (outcome: a name field, also bounded). */
const TEXT: Record<EventType, string> = { run: "error_type", llm_call: "error_type", outcome: "agent_name", feedback: "correction", metric: "unit", cache: "reason", tool_call: "error_type", retrieval: "error_type" };
/** The free-form object of each type (metric has no metadata: its labels map stands in). */
const FREE: Record<EventType, string> = { run: "metadata", llm_call: "metadata", outcome: "metadata", feedback: "metadata", metric: "labels", cache: "metadata", tool_call: "metadata", retrieval: "metadata" };

/** `feedback` needs rating or thumbs: when the bad field replaces `rating`, keep a valid `thumbs` so the field is the only defect. */
const ratingFree = (t: EventType, f: string): Fields => (t === "feedback" && f === "rating" ? [["thumbs", j("up")]] : []);
const numKind = (name: string, raw: string, fields: Record<EventType, string> = NUM): Kind =>
  bodyKind(name, (t) => ({ text: body(t, [...ratingFree(t, fields[t]), [fields[t], raw]]), at: `/${fields[t]}` }));

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

const KINDS: readonly Kind[] = [
  // --- JSON syntax -------------------------------------------------------------------------
  syntaxKind("json: truncated", (t) => body(t).slice(0, Math.floor(body(t).length / 2))),
  syntaxKind("json: trailing comma", (t) => body(t).slice(0, -1) + ",}"),
  syntaxKind("json: single quotes", (t) => body(t).replace(/"/g, "'")),
  syntaxKind("json: NaN literal", (t) => body(t, [[HUGE_NUM[t], "NaN"]])),
  syntaxKind("json: Infinity literal", (t) => body(t, [[HUGE_NUM[t], "-Infinity"]])),
  syntaxKind("json: unquoted keys", (t) => body(t).replace(/"([a-z_]+)":/g, "$1:")),
  syntaxKind("json: comment", (t) => `/* sent by a hand-written client */ ${body(t)}`),
  syntaxKind("json: two documents", (t) => body(t) + body(t)),
  syntaxKind("json: leading zero", (t) => body(t, [[HUGE_NUM[t], "0120"]])),
  syntaxKind("json: hex number", (t) => body(t, [[HUGE_NUM[t], "0x10"]])),
  syntaxKind("json: raw newline inside a string", (t) => body(t, [[NAME[t], '"mal\nformed"']])),
  syntaxKind("json: NUL byte between tokens", (t) => body(t).replace(",", ",\u0000")),
  syntaxKind("json: invalid escape", (t) => body(t, [[NAME[t], '"bad \\x41 escape"']])),

  // --- not an object at the top ------------------------------------------------------------
  requestKind("top level: bare string", (r) => ({ label: "", req: post(r.path, '"hello"'), expect: E400 })),
  requestKind("top level: null", (r) => ({ label: "", req: post(r.path, "null"), expect: E400 })),
  requestKind("top level: number", (r) => ({ label: "", req: post(r.path, "42"), expect: E400 })),
  requestKind("top level: boolean", (r) => ({ label: "", req: post(r.path, "true"), expect: E400 })),
  requestKind("top level: array", (r, valid) => ({ label: "", req: post(r.path, `[${r.type ? valid : ev("run", body("run"))}]`), expect: E400 })),
  requestKind("empty body with a JSON content type", (r) => ({ label: "", req: post(r.path, ""), expect: E400 })),
  requestKind("whitespace-only body", (r) => ({ label: "", req: post(r.path, " \r\n\t "), expect: E400 })),

  // --- content type (the body itself is valid JSON) ----------------------------------------
  requestKind("content type: text/plain", (r, valid) => ({ label: "", req: post(r.path, valid, "text/plain"), expect: E4XX })),
  requestKind("content type: form-urlencoded", (r) => ({ label: "", req: post(r.path, "agent_name=mal-agent&status=success&duration_ms=120", "application/x-www-form-urlencoded"), expect: E4XX })),
  requestKind("content type: multipart", (r, valid) => ({
    label: "",
    req: post(r.path, `--vigil\r\nContent-Disposition: form-data; name="event"\r\nContent-Type: application/json\r\n\r\n${valid}\r\n--vigil--\r\n`, "multipart/form-data; boundary=vigil"),
    expect: E4XX,
  })),
  requestKind("content type: missing", (r, valid) => ({ label: "", req: post(r.path, valid, null), expect: E4XX })),
  requestKind("content type: application/xml", (r) => ({ label: "", req: post(r.path, "<run><agent_name>mal</agent_name></run>", "application/xml"), expect: E4XX })),
  requestKind("content type: look-alike application/jsonx", (r, valid) => ({ label: "", req: post(r.path, valid, "application/jsonx"), expect: E4XX })),
  requestKind("content type: unparseable header", (r, valid) => ({ label: "", req: post(r.path, valid, ";;; =/"), expect: E4XX })),

  // --- character encoding ------------------------------------------------------------------
  requestKind("charset: UTF-16LE body with BOM", (r, valid) => ({
    label: "",
    req: post(r.path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, "utf16le")]), "application/json; charset=utf-16"),
    expect: E4XX,
  })),
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8. A Latin-1 byte is invalid UTF-8: the
  // server must refuse it rather than store a mangled name (U+FFFD) — whatever charset is declared.
  requestKind("charset: ISO-8859-1 bytes declared as latin1", (r) => {
    const text = r.type ? body(r.type, [[NAME[r.type], '"caf\u00e9-agent"']]) : batch([ev("run", body("run", [["agent_name", '"caf\u00e9-agent"']]))]);
    return { label: "", req: post(r.path, Buffer.from(text, "latin1"), "application/json; charset=iso-8859-1"), expect: E4XX };
  }),
  requestKind("invalid UTF-8: truncated sequence in a name", (r) => ({ label: "", req: post(r.path, withBytesInName(r, [0xc3, 0x28])), expect: E4XX })),
  requestKind("invalid UTF-8: overlong encoding in a name", (r) => ({ label: "", req: post(r.path, withBytesInName(r, [0xc0, 0xaf])), expect: E4XX })),
  requestKind("two UTF-8 byte order marks", (r, valid) => ({ label: "", req: post(r.path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(valid)])), expect: E400 })),

  // --- prototype pollution -----------------------------------------------------------------
  // Refused per event (FORBIDDEN_KEY, named by pointer): the other events of the batch are still stored.
  bodyKind("__proto__ key at top level", (t) => ({ text: body(t, [["__proto__", '{"polluted":"yes"}']]), at: "/__proto__" }), "FORBIDDEN_KEY"),
  bodyKind("__proto__ key nested", (t) => ({ text: body(t, [[FREE[t], '{"ok":"1","__proto__":{"polluted":"yes"}}']]), at: `/${FREE[t]}/__proto__` }), "FORBIDDEN_KEY"),
  bodyKind("__proto__ key written with escapes", (t) => ({ text: body(t).slice(0, -1) + ',"\\u005f\\u005fproto__":{"polluted":"yes"}}', at: "/__proto__" }), "FORBIDDEN_KEY"),
  bodyKind("constructor.prototype at top level", (t) => ({ text: body(t, [["constructor", '{"prototype":{"polluted":"yes"}}']]), at: "/constructor/prototype" }), "FORBIDDEN_KEY"),
  bodyKind("constructor.prototype nested", (t) => ({ text: body(t, [[FREE[t], '{"constructor":{"prototype":{"polluted":"yes"}}}']]), at: `/${FREE[t]}/constructor/prototype` }), "FORBIDDEN_KEY"),

  // --- wrong types and values --------------------------------------------------------------
  numKind("string where a number is required", j("120")),
  numKind("negative number", "-1", NON_NEGATIVE),
  numKind("NaN-like string", j("NaN")),
  numKind("boolean where a number is required", "true"),
  fieldKind("object where a string is required", (t) => NAME[t], j({ first: "mal" })),
  fieldKind("array where a string is required", (t) => NAME[t], j(["mal"])),
  fieldKind("number where a string is required", (t) => NAME[t], "12345"),
  fieldKind("null for a required field", (t) => NAME[t], "null"),
  fieldKind("empty string name", (t) => NAME[t], j("")),
  bodyKind("every required field of the wrong type", (t) => {
    const wrong: Record<EventType, Fields> = {
      run: [["agent_name", "7"], ["status", "true"], ["duration_ms", j("fast")]],
      llm_call: [["model", "[]"], ["latency_ms", j("slow")]],
      outcome: [["run_id", "{}"], ["task_id", "false"]],
      feedback: [["run_id", "false"], ["rating", j("4")]],
      metric: [["name", "null"], ["value", j("3")]],
      cache: [["operation", "7"], ["count", j("one")]],
      tool_call: [["tool", "[]"], ["status", "true"]],
      retrieval: [["status", "{}"], ["documents", j("five")]],
    };
    return { text: body(t, wrong[t]), at: wrong[t].map(([k]) => `/${k}`) };
  }),
  bodyKind("required field missing", (t) => {
    const drop: Record<EventType, string> = { run: "duration_ms", llm_call: "latency_ms", outcome: "actual_outcome", feedback: "rating", metric: "value", cache: "operation", tool_call: "status", retrieval: "status" };
    // feedback without rating or thumbs is named at the body itself.
    return { text: body(t, [], [drop[t]]), at: t === "feedback" ? "" : `/${drop[t]}` };
  }),
  // feedback's fields are all optional one by one: its missing reference and rating are named at the body.
  bodyKind("empty object", (t) => ({ text: "{}", at: t === "outcome" ? "/actual_outcome" : t === "feedback" ? "" : `/${NAME[t]}` })),
  bodyKind("unknown field (a typo)", (t) => ({ text: body(t, [[`${NAME[t]}_`, j("typo")]]), at: `/${NAME[t]}_` })),
  bodyKind("enum value not allowed", (t) => {
    const bad: Record<EventType, readonly [string, string]> = {
      run: ["status", j("succeeded")],
      llm_call: ["status", j("ok")],
      outcome: ["feedback_source", j("robot")],
      feedback: ["thumbs", j("sideways")],
      metric: ["labels", j("env=prod")],
      cache: ["operation", j("flush")],
      tool_call: ["status", j("ok")],
      retrieval: ["status", j("ok")],
    };
    return { text: body(t, [bad[t]]), at: `/${bad[t][0]}` };
  }),
  bodyKind("float where an integer is required", (t) =>
    t === "metric" ? { text: body(t, [["labels", '{"shard":1.5}']]), at: "/labels/shard" } : { text: body(t, [...ratingFree(t, INT[t]), [INT[t], t === "feedback" ? "4.5" : "1.5"]]), at: `/${INT[t]}` },
  ),
  numKind("number too large for a double (1e309)", "1e309", HUGE_NUM),
  numKind("negative number too large for a double (-1e309)", "-1e309", HUGE_NUM),
  numKind("number literal with 400 digits", "1" + "0".repeat(400), HUGE_NUM),
  bodyKind("duplicate key, the last one invalid", (t) => ({ text: body(t, [...ratingFree(t, NUM[t]), [NUM[t], j(VALID[t][NUM[t]] ?? "user")], [NUM[t], j("slow")]]), at: `/${NUM[t]}` })),
  fieldKind("control characters in a name", (t) => NAME[t], j("mal\u0000agent\u001b[31m")),
  fieldKind("DEL character in a name", (t) => NAME[t], j("mal\u007fagent")),
  // U+0080..U+009F are Unicode control characters too (C1; U+009B is a terminal CSI).
  fieldKind("C1 control character in a name", (t) => NAME[t], j("mal\u009b31magent")),

  // --- huge strings, keys and arrays -------------------------------------------------------
  // 600,000 characters: one such event per type (eight) still fits a batch under the 5 MiB body limit.
  fieldKind("600 kB name", (t) => NAME[t], j("a".repeat(600_000))),
  fieldKind("100 KiB free-text field", (t) => TEXT[t], j("e".repeat(100 * 1024))),
  bodyKind("64 KiB unknown key", (t) => {
    const key = "k".repeat(64 * 1024);
    return { text: body(t, [[key, "1"]]), at: `/${key}` };
  }),
  bodyKind("10,000 unknown fields", (t) => ({ text: body(t, Array.from({ length: 10_000 }, (_, i) => [`extra_${i}`, String(i)] as const)), at: "/extra_0" })),
  bodyKind("empty key", (t) => ({ text: body(t, [["", "1"]]), at: "/" })),
  bodyKind("tags or labels with more than 8 keys", (t) => {
    const field = t === "metric" ? "labels" : "tags";
    return { text: body(t, [[field, j(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"])))]]), at: `/${field}` };
  }),
  {
    name: "events array with 10,001 items",
    probes: (r) => {
      const items = Array.from({ length: 10_001 }, () => "0").join(",");
      if (r.type) return [{ label: `a 10,001-item array in ${FREE[r.type]}`, req: post(r.path, body(r.type, [[FREE[r.type], `{"list":[${items}]}`]])), expect: E400 }];
      return [{ label: "", req: post(r.path, batch(Array.from({ length: 10_001 }, () => ev("run", body("run"))))), expect: E413 }];
    },
  },
  {
    name: "10,000 events, every one invalid",
    probes: (r) => {
      const bad = body("run", [["duration_ms", "-5"]]);
      if (r.type) return [{ label: "the batch envelope as the body", req: post(r.path, batch(Array.from({ length: 10_000 }, () => ev("run", bad)))), expect: E400 }];
      return [{ label: "", req: post(r.path, batch(Array.from({ length: 10_000 }, () => ev("run", bad)))), expect: { kind: "batch", pointers: Array.from({ length: 10_000 }, (_, i) => `/events/${i}/body/duration_ms`) } }];
    },
  },
  requestKind("body over 5 MiB (Content-Length)", (r) => {
    const pad = `{"pad":${j("x".repeat(5 * MiB))}}`;
    return { label: "", req: post(r.path, r.type ? body(r.type, [["metadata", pad]]) : batch([ev("run", body("run", [["metadata", pad]]))])), expect: E413 };
  }),
  requestKind("body over 5 MiB (chunked, no Content-Length)", (r) => {
    const pad = `{"pad":${j("x".repeat(5 * MiB))}}`;
    return { label: "", req: post(r.path, r.type ? body(r.type, [["metadata", pad]]) : batch([ev("run", body("run", [["metadata", pad]]))]), JSON_CT, true), expect: E413 };
  }),

  // --- nesting and free-form size ----------------------------------------------------------
  bodyKind("10,000 levels of nesting in metadata", (t) => ({ text: body(t, [["metadata", `{"x":${deepArray(10_000)}}`]]), at: "/metadata" })),
  bodyKind("10,000 levels of nesting in actual_outcome", (t) => ({ text: body(t, [["actual_outcome", deepObject(10_000)]]), at: "/actual_outcome" })),
  requestKind("100,000 levels of nesting as the whole body", (r) => ({ label: "", req: post(r.path, deepObject(100_000)), expect: E400 })),
  bodyKind("metadata over 16 KiB", (t) => ({ text: body(t, [["metadata", j({ blob: "m".repeat(17 * 1024) })]]), at: "/metadata" })),
  bodyKind("metadata that is not an object", (t) => ({ text: body(t, [["metadata", "[1,2,3]"]]), at: "/metadata" })),

  // --- timestamps and ids ------------------------------------------------------------------
  envelopeKind("timestamp: not a date", "timestamp", () => j("yesterday")),
  envelopeKind("timestamp: year 2999", "timestamp", () => j("2999-01-01T00:00:00Z")),
  envelopeKind("timestamp: 10 minutes in the future", "timestamp", () => j(new Date(Date.now() + 10 * 60_000).toISOString())),
  envelopeKind("timestamp: epoch ms a day ahead", "timestamp", () => String(Date.now() + 86_400_000)),
  envelopeKind("timestamp: negative epoch", "timestamp", () => "-1"),
  envelopeKind("timestamp: impossible calendar date", "timestamp", () => j("2026-02-30T10:00:00Z")),
  envelopeKind("timestamp: month 13", "timestamp", () => j("2026-13-01T10:00:00Z")),
  envelopeKind("timestamp: object", "timestamp", () => j({ iso: "2026-01-01T00:00:00Z" })),
  envelopeKind("timestamp: 1e309", "timestamp", () => "1e309"),
  envelopeKind("timestamp: 600 kB string", "timestamp", () => j("2".repeat(600_000))),
  envelopeKind("id: number", "id", () => "42"),
  envelopeKind("id: empty string", "id", () => j("")),
  envelopeKind("id: 10 KiB string", "id", () => j("i".repeat(10 * 1024))),
  envelopeKind("id: NUL character", "id", () => j("a\u0000b")),
  envelopeKind("id: C1 control character", "id", () => j("a\u0085b")),

  // --- batch envelope ----------------------------------------------------------------------
  requestKind("envelope: events is an object", (r) => ({ label: "", req: post(r.path, `{"events":{"0":${ev("run", body("run"))}}}`), expect: E400 })),
  requestKind("envelope: events is null", (r) => ({ label: "", req: post(r.path, '{"events":null}'), expect: E400 })),
  requestKind("envelope: unknown field beside valid events", (r) => ({
    label: "",
    req: post(r.path, r.type ? body(r.type, [["evnets", "[]"]]) : `{"events":[${ev("run", body("run"))}],"evnets":[]}`),
    expect: E400,
  })),
  {
    name: "envelope: events that are not objects",
    probes: (r) => [
      r.type
        ? { label: "", req: post(r.path, '{"events":["run",42,null,[],true]}'), expect: E400 }
        : { label: "", req: post(r.path, '{"events":["run",42,null,[],true]}'), expect: { kind: "batch", pointers: [0, 1, 2, 3, 4].map((i) => `/events/${i}`) } },
    ],
  },
  {
    name: "envelope: unknown, missing or mistyped event type",
    probes: (r) => [
      r.type
        ? { label: "type in the body", req: post(r.path, body(r.type, [["type", j("span")]])), expect: E400 }
        : { label: "", req: post(r.path, batch([`{"type":"span","body":${body("run")}}`, `{"body":${body("run")}}`, `{"type":5,"body":${body("run")}}`])), expect: { kind: "batch", pointers: [0, 1, 2].map((i) => `/events/${i}/type`) } },
    ],
  },
  {
    name: "envelope: event body missing or not an object",
    probes: (r) => [
      r.type
        ? { label: "a nested body", req: post(r.path, `{"body":${body(r.type)}}`), expect: E400 }
        : { label: "", req: post(r.path, batch(['{"type":"run"}', '{"type":"run","body":[]}', '{"type":"run","body":"x"}', '{"type":"run","body":null}'])), expect: { kind: "batch", pointers: [0, 1, 2, 3].map((i) => `/events/${i}/body`) } },
    ],
  },
  {
    name: "envelope: unknown event field",
    probes: (r) => [
      r.type
        ? { label: "", req: post(r.path, body(r.type, [["bodyy", "{}"]])), expect: E400 }
        : { label: "", req: post(r.path, batch(EVENT_TYPES.map((t) => ev(t, body(t), '"bodyy":{}')))), expect: { kind: "batch", pointers: EVENT_TYPES.map((_, i) => `/events/${i}/bodyy`) } },
    ],
  },

  // --- HTTP framing (raw socket) -----------------------------------------------------------
  requestKind("Content-Length not a number", (r, valid) => ({ label: "", req: { mode: "raw", bytes: rawRequest(r.path, ["Content-Length: abc"], valid), then: "half-close" }, expect: E400 })),
  requestKind("Content-Length negative", (r, valid) => ({ label: "", req: { mode: "raw", bytes: rawRequest(r.path, ["Content-Length: -1"], valid), then: "half-close" }, expect: E400 })),
  requestKind("Content-Length shorter than the body", (r, valid) => ({
    label: "",
    req: { mode: "raw", bytes: rawRequest(r.path, [`Content-Length: ${Math.floor(valid.length / 2)}`], valid), then: "half-close" },
    expect: E4XX,
  })),
  requestKind("Content-Length longer than the body, then EOF", (r, valid) => ({
    label: "",
    req: { mode: "raw", bytes: rawRequest(r.path, [`Content-Length: ${valid.length + 100}`], valid), then: "half-close" },
    expect: { kind: "error-or-drop" },
  })),
  requestKind("two different Content-Length headers", (r, valid) => ({ label: "", req: { mode: "raw", bytes: rawRequest(r.path, ["Content-Length: 5", `Content-Length: ${valid.length}`], valid), then: "half-close" }, expect: E400 })),
  requestKind("Content-Length and chunked together", (r, valid) => ({
    label: "",
    req: { mode: "raw", bytes: rawRequest(r.path, [`Content-Length: ${valid.length}`, "Transfer-Encoding: chunked"], `${valid.length.toString(16)}\r\n${valid}\r\n0\r\n\r\n`), then: "half-close" },
    expect: E400,
  })),
  requestKind("chunked body with a bad chunk size", (r, valid) => ({
    label: "",
    req: { mode: "raw", bytes: rawRequest(r.path, ["Transfer-Encoding: chunked"], `zz\r\n${valid}\r\n0\r\n\r\n`), then: "half-close" },
    expect: { kind: "error-or-drop" },
  })),
  requestKind("client aborts mid-body", (r, valid) => ({
    label: "",
    req: { mode: "raw", bytes: rawRequest(r.path, [`Content-Length: ${valid.length}`], valid.slice(0, Math.floor(valid.length / 2))), then: "abort" },
    expect: { kind: "error-or-drop" },
  })),
];

// ---------------------------------------------------------------------------------------------
// Checking answers
// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parse(a: Answer): unknown {
  try {
    return JSON.parse(a.text) as unknown;
  } catch {
    return undefined;
  }
}

/** True when the rejection names `pointer` (or a field below it) as its path or in its details. */
function names(err: Record<string, unknown>, pointer: string): boolean {
  const paths = [err.path, ...(Array.isArray(err.details) ? err.details.map((d: unknown) => (isRecord(d) ? d.path : undefined)) : [])];
  return paths.some((p) => typeof p === "string" && (p === pointer || p.startsWith(pointer + "/")));
}

const snippet = (s: string): string => (s.length > 400 ? `${s.slice(0, 400)}… (${s.length} chars)` : s);

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

for (const engine of ["SQLite", "PostgreSQL"] as const)
describe(`malformed requests to the ingest API (${engine})`, () => {
  let server: RunningServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let base: URL;
  let dataDir: string;
  const logLines: string[] = [];
  const crashes: string[] = [];
  /** Answers that were 5xx, not JSON, or errors outside the error shape: the report. */
  const faults: string[] = [];
  /** Valid events sent per type: after the table the store must hold exactly these. */
  const sent: Record<EventType, number> = { run: 0, llm_call: 0, outcome: 0, feedback: 0, metric: 0, cache: 0, tool_call: 0, retrieval: 0 };
  let stderrText = "";
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const onUncaught = (err: Error): void => void crashes.push(`uncaught exception: ${err.stack ?? String(err)}`);
  const onRejection = (reason: unknown): void => void crashes.push(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);

  before(async () => {
    process.on("uncaughtExceptionMonitor", onUncaught);
    process.on("unhandledRejection", onRejection);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderrText += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return (stderrWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    dataDir = mkdtempSync(join(tmpdir(), "vigil-malformed-"));
    const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) });
    if (engine === "PostgreSQL") db = await createTestDatabase("vigil_malformed");
    server = await startServer(loadConfig({ dataDir, port: 0, ...(db ? { databaseUrl: db.url } : {}) }, {}), logger, { listen: true });
    base = new URL(server.url);
  });

  after(async () => {
    process.stderr.write = stderrWrite;
    process.off("uncaughtExceptionMonitor", onUncaught);
    process.off("unhandledRejection", onRejection);
    await server?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (faults.length) console.log(`server faults (${faults.length}):\n  ${faults.join("\n  ")}`);
  });

  const get = async (path: string): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(new URL(path, base));
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const postJson = async (path: string, payload: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(new URL(path, base), { method: "POST", headers: { "content-type": JSON_CT }, body: JSON.stringify(payload) });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  /**
   * System metrics once the rollups hold everything stored. The stored counts are exact at once;
   * on a shared store the rollups follow the log within the staleness bound, so wait for them.
   */
  const systemMetrics = async (): Promise<SystemMetricsResponse["metrics"]> =>
    waitFor(
      async () => {
        const stored = ((await get("/api/v1/health/detailed")).json as { storage: { events: Record<EventType, number> } }).storage.events;
        const r = await get("/api/v1/metrics/system?window=60m");
        assert.equal(r.status, 200);
        const m = (r.json as SystemMetricsResponse).metrics;
        const settled = m.total_tasks === stored.run && m.llm_calls === stored.llm_call && m.accuracy_samples === stored.outcome && m.feedback_samples === stored.feedback;
        return settled ? m : undefined;
      },
      5000,
      "the rollups to hold every stored event",
    );

  /** Sends a probe and checks its answer against its expectation, recording server faults. */
  async function check(kind: Kind, route: Route, probe: Probe): Promise<void> {
    const what = `[${kind.name}] ${route.name}${probe.label ? ` (${probe.label})` : ""}`;
    const a = await send(base, probe.req);
    if (a === null) {
      assert.equal(probe.expect.kind, "error-or-drop", `${what}: the connection closed without an answer`);
      return;
    }
    const json = parse(a);
    const shaped = isRecord(json) && (a.status === 207 || (isRecord(json.error) && typeof json.error.code === "string" && typeof json.error.message === "string"));
    if (a.status >= 500 || json === undefined || (a.status >= 400 && !shaped)) faults.push(`${what}: ${a.status} ${a.contentType} ${snippet(a.text)}`);
    const detail = `${what}: answered ${a.status} ${snippet(a.text)}`;
    assert.ok(a.status < 500, `server error — ${detail}`);
    assert.match(a.contentType, /^application\/json/, `not a JSON answer — ${detail}`);
    assert.ok(json !== undefined, `the body is not JSON — ${detail}`);
    if (probe.expect.kind === "batch") {
      assert.equal(a.status, 207, detail);
      const r = json as IngestResponse;
      assert.deepEqual(r.successes, [], `${what}: no malformed event may be stored; answered ${snippet(a.text)}`);
      assert.equal(r.errors.length, probe.expect.pointers.length, `${what}: every event must be rejected`);
      const wantCode = probe.expect.code;
      probe.expect.pointers.forEach((want, i) => {
        const err = r.errors[i] as unknown as Record<string, unknown>;
        if (wantCode) assert.equal(err.code, wantCode, `${what}: event ${i} is refused with ${wantCode}; got ${snippet(j(err))}`);
        assert.equal(err.index, i, `${what}: errors are in event order`);
        assert.ok(typeof err.status === "number" && err.status >= 400 && err.status < 500, `${what}: event ${i} has a 4xx status: ${j(err)}`);
        assert.ok(typeof err.code === "string" && err.code.length > 0 && typeof err.message === "string" && err.message.length > 0, `${what}: event ${i} has a code and a message`);
        assert.ok(typeof err.path === "string" && err.path.startsWith(`/events/${i}`), `${what}: event ${i}'s path is a JSON pointer into it: ${snippet(j(err.path))}`);
        for (const p of typeof want === "string" ? [want] : want) assert.ok(names(err, p), `${what}: event ${i} must name ${p}; got ${snippet(j(err))}`);
      });
      return;
    }
    assert.ok(a.status >= 400 && a.status < 500, `expected a 4xx — ${detail}`);
    if (probe.expect.kind === "error" && probe.expect.statuses) assert.ok(probe.expect.statuses.includes(a.status), `expected ${probe.expect.statuses.join(" or ")} — ${detail}`);
    assert.ok(shaped, `the error body must be {"error": {"code", "message"}} — ${detail}`);
    const error = (json as { error: Record<string, unknown> }).error;
    if (probe.expect.kind === "error" && probe.expect.code) assert.equal(error.code, probe.expect.code, detail);
    if (probe.expect.kind === "error" && probe.expect.at) assert.ok(names(error, probe.expect.at), `must name ${probe.expect.at} — ${detail}`);
  }

  it(`has a table of at least 30 kinds, each sent to all ${ROUTES.length} ingest routes`, () => {
    assert.ok(KINDS.length >= 30, `only ${KINDS.length} kinds`);
    assert.equal(new Set(KINDS.map((k) => k.name)).size, KINDS.length, "kind names are unique");
    const probes = KINDS.flatMap((k) => ROUTES.flatMap((r) => k.probes(r)));
    console.log(`${KINDS.length} kinds × ${ROUTES.length} routes = ${KINDS.length * ROUTES.length} cells, ${probes.length} requests`);
  });

  it("accepts the valid template of every route (so each malformed case differs by its defect only)", async () => {
    for (const t of EVENT_TYPES) {
      const route = ROUTES.find((r) => r.type === t)!;
      const a = await send(base, post(route.path, body(t)));
      assert.equal(a?.status, 202, `${route.name}: ${a?.text}`);
      sent[t]++;
    }
    const a = await send(base, post("/api/v1/ingest", validText(ROUTES[0]!)));
    assert.equal(a?.status, 207, a?.text);
    const r = JSON.parse(a!.text) as IngestResponse;
    assert.deepEqual(r.errors, []);
    assert.equal(r.successes.length, EVENT_TYPES.length);
    for (const t of EVENT_TYPES) sent[t]++;
  });

  for (const kind of KINDS) {
    describe(kind.name, () => {
      for (const route of ROUTES) {
        it(`${kind.name} → ${route.name}: a 4xx error (or a 207 naming each bad event), never 5xx`, async () => {
          for (const probe of kind.probes(route)) await check(kind, route, probe);
        });
      }
    });
  }

  describe("after the whole table", () => {
    it("is still alive and ready", async () => {
      assert.deepEqual(await get("/healthz"), { status: 200, json: { status: "alive" } });
      assert.equal((await get("/readyz")).status, 200);
    });

    it("still accepts a valid event", async () => {
      const r = await postJson("/api/v1/runs", { agent_name: "mal-agent", status: "success", duration_ms: 75 });
      assert.equal(r.status, 202, j(r.json));
      assert.ok(isRecord(r.json) && typeof r.json.id === "string");
      sent.run++;
    });

    it("stores the good events around one holding __proto__ and refuses that one with FORBIDDEN_KEY at its path", async () => {
      const good = (id: string): string => `{"id":${j(id)},"type":"run","body":${body("run")}}`;
      const text = batch([good("proto-0"), `{"id":"proto-1","type":"run","body":{"__proto__":{"polluted":"yes"},"agent_name":"mal-agent","status":"success","duration_ms":5}}`, good("proto-2")]);
      const a = await send(base, post("/api/v1/ingest", text));
      assert.equal(a?.status, 207, a?.text);
      const r = JSON.parse(a!.text) as IngestResponse;
      assert.deepEqual(r.successes, [{ index: 0, id: "proto-0" }, { index: 2, id: "proto-2" }]);
      assert.deepEqual(
        r.errors.map((e) => [e.index, e.id, e.code, e.path]),
        [[1, "proto-1", "FORBIDDEN_KEY", "/events/1/body/__proto__"]],
      );
      sent.run += 2;
    });

    it("stores exactly the valid events of a mixed batch and names each invalid field by path", async () => {
      const before = await systemMetrics();
      const mixed = {
        events: [
          { id: "mix-0", type: "run", body: { agent_name: "mix-agent", status: "success", duration_ms: 10 } },
          { id: "mix-1", type: "run", body: { agent_name: "mix-agent", status: "success", duration_ms: "slow" } },
          { id: "mix-2", type: "llm_call", body: { model: "gpt-4o", latency_ms: 20, input_tokens: 10, output_tokens: 5 } },
          { id: "mix-3", type: "run", body: { status: "failure", duration_ms: 10 } },
          { id: "mix-4", type: "metric", body: { name: "queue_depth", value: "high" } },
          { id: "mix-5", type: "run", body: { agent_name: "mix-agent", status: "partial", duration_ms: 30 } },
          { id: "mix-6", type: "feedback", body: { run_id: "mix-run", rating: 9 } },
          { id: "mix-7", type: "run", body: { agent_name: "mix-agent", status: "success", duration_ms: 5, input_tokens: 1.5 } },
        ],
      };
      const wantErrors = [
        [1, "/events/1/body/duration_ms"],
        [3, "/events/3/body/agent_name"],
        [4, "/events/4/body/value"],
        [6, "/events/6/body/rating"],
        [7, "/events/7/body/input_tokens"],
      ] as const;
      const first = await postJson("/api/v1/ingest", mixed);
      assert.equal(first.status, 207, j(first.json));
      const r1 = first.json as IngestResponse;
      assert.deepEqual(r1.successes, [{ index: 0, id: "mix-0" }, { index: 2, id: "mix-2" }, { index: 5, id: "mix-5" }]);
      assert.deepEqual(
        r1.errors.map((e) => [e.index, e.id, e.path]),
        wantErrors.map(([i, p]) => [i, `mix-${i}`, p]),
      );
      sent.run += 2;
      sent.llm_call += 1;
      const afterFirst = await systemMetrics();
      assert.equal(afterFirst.total_tasks, before.total_tasks + 2);
      assert.equal(afterFirst.llm_calls, before.llm_calls + 1);

      const again = await postJson("/api/v1/ingest", mixed);
      assert.equal(again.status, 207, j(again.json));
      const r2 = again.json as IngestResponse;
      assert.deepEqual(r2.successes, [{ index: 0, id: "mix-0", duplicate: true }, { index: 2, id: "mix-2", duplicate: true }, { index: 5, id: "mix-5", duplicate: true }]);
      assert.deepEqual(
        r2.errors.map((e) => [e.index, e.path]),
        wantErrors.map(([i, p]) => [i, p]),
      );
      const afterAgain = await systemMetrics();
      assert.equal(afterAgain.total_tasks, afterFirst.total_tasks, "re-sending the batch adds no run");
      assert.equal(afterAgain.llm_calls, afterFirst.llm_calls, "re-sending the batch adds no LLM call");
    });

    it("stored none of the malformed events: the counts are exactly the valid events sent", async () => {
      const m = await systemMetrics();
      assert.equal(m.total_tasks, sent.run, "total_tasks counts only the valid runs");
      assert.equal(m.llm_calls, sent.llm_call, "llm_calls counts only the valid LLM calls");
      assert.equal(m.accuracy_samples, sent.outcome, "accuracy_samples counts only the valid outcomes");
      assert.equal(m.feedback_samples, sent.feedback, "feedback_samples counts only the valid feedback");
      const detailed = await get("/api/v1/health/detailed");
      assert.equal(detailed.status, 200);
      const stored = (detailed.json as { storage: { events: Record<string, number> } }).storage.events;
      assert.deepEqual(stored, sent, "the store holds exactly the valid events, of every type and timestamp");
    });

    it("let no key pollute Object.prototype", () => {
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("answered no request with a 5xx, a non-JSON body or a body outside the error shape", () => {
      assert.deepEqual(faults, []);
    });

    it("raised no uncaught exception or unhandled rejection, and logged no server error", () => {
      assert.deepEqual(crashes, []);
      const serious = logLines.filter((l) => {
        const entry = JSON.parse(l) as { level?: number };
        return (entry.level ?? 0) >= 50 || l.includes("request answered with a server error");
      });
      assert.deepEqual(serious, [], "error-level log lines");
      assert.doesNotMatch(stderrText, /uncaught|unhandled|FATAL/i, "stderr");
    });
  });
});
