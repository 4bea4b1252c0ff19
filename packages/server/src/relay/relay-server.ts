/**
 * The relay's HTTP surface: `POST /v1/chat/completions`, `GET /v1/models`, `GET /healthz`, with the optional relay
 * key checked on the first two. It reads the body, asks the directory where the named route or model goes, and
 * hands the request to the forwarder; it builds a handler and never listens itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { MAX_NAME_LENGTH } from "@vigil/contract";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { parseChatRequest } from "./chat-body.js";
import { sendError, type Forwarder } from "./forwarder.js";
import { Hangup } from "./hangup.js";
import type { UpstreamTarget } from "./upstreams.js";

/** Largest request body accepted (images inlined as base64 make bodies large). */
export const MAX_BODY_BYTES = 64 << 20;
/** Caller headers never sent upstream: the relay sets or strips them. */
const NOT_FORWARDED = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding", "te", "trailer", "upgrade", "expect",
  "content-length", "authorization", "accept-encoding", "x-vigil-tenant", "cookie",
]);

/** Where a request goes: the upstreams to try for a route or a model, or why there are none. */
export type Resolution =
  | { ok: true; route: string | null; targets: UpstreamTarget[] }
  | { ok: false; status: number; code: string; message: string };

/** What the handler asks of the relay: where names go, what to list, and its health. */
export interface RelayDirectory {
  /** Resolves the `model` of a request (a route name or a model id). */
  resolve(name: string): Resolution | Promise<Resolution>;
  /** The routes, then the models with an upstream, for `GET /v1/models`. */
  listModels(): { routes: string[]; models: { id: string; provider: string | undefined }[] };
  /** The body of `GET /healthz`. */
  health(): Record<string, unknown>;
}

/** Options of {@link createRelayHandler}. */
export interface RelayHandlerOptions {
  directory: RelayDirectory;
  forwarder: Forwarder;
  /** The key callers must send as `Authorization: Bearer <key>`; null: no check. */
  relayKey: string | null;
  /** Add `stream_options: {include_usage: true}` to streaming requests that have no `stream_options`. */
  streamUsage: boolean;
}

/** A request handler for node:http, and the count of requests it is serving. */
export interface RelayHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Requests accepted and not yet answered. */
  inFlight(): number;
}

/** Builds the relay's request handler. */
export function createRelayHandler(options: RelayHandlerOptions): RelayHandler {
  const { directory, forwarder, streamUsage } = options;
  const keyDigest = options.relayKey === null ? null : digest(`Bearer ${options.relayKey}`);
  let inFlight = 0;

  const authorized = (req: IncomingMessage): boolean => {
    if (keyDigest === null) return true;
    const given = req.headers.authorization;
    return typeof given === "string" && timingSafeEqual(digest(given), keyDigest);
  };

  const chat = async (req: IncomingMessage, res: ServerResponse, raw: Buffer, hangup: Hangup): Promise<void> => {
    const parsed = parseChatRequest(raw, streamUsage);
    if ("error" in parsed) return sendError(res, 400, "invalid_request", parsed.error);
    const resolution = await directory.resolve(parsed.model);
    if (hangup.gone) return;
    if (!resolution.ok) return sendError(res, resolution.status, resolution.code, resolution.message, null);
    const tenant = req.headers["x-vigil-tenant"];
    await forwarder.forward(
      { route: resolution.route, targets: resolution.targets, chat: parsed, headers: forwardedHeaders(req), tenant: typeof tenant === "string" && isName(tenant) ? tenant : undefined, hangup },
      res,
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) return json(res, 200, directory.health());
    if (path !== "/v1/chat/completions" && path !== "/v1/models") return sendError(res, 404, "not_found", `${req.method} ${path} is not served: the relay serves POST /v1/chat/completions, GET /v1/models and GET /healthz`);
    if (!authorized(req)) return sendError(res, 401, "invalid_api_key", "the relay needs `Authorization: Bearer <relay key>`");
    if (path === "/v1/models") {
      if (req.method !== "GET") return sendError(res, 405, "method_not_allowed", "use GET /v1/models");
      const { routes, models } = directory.listModels();
      const data = [
        ...routes.map((id) => ({ id, object: "model", created: 0, owned_by: "vigil-route" })),
        ...models.filter((m) => !routes.includes(m.id)).map((m) => ({ id: m.id, object: "model", created: 0, owned_by: m.provider ?? "vigil" })),
      ];
      return json(res, 200, { object: "list", data });
    }
    if (req.method !== "POST") return sendError(res, 405, "method_not_allowed", "use POST /v1/chat/completions");
    inFlight++;
    const hangup = new Hangup();
    res.once("close", () => {
      inFlight--;
      if (!res.writableFinished) hangup.hangUp();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        res.setHeader("connection", "close");
        sendError(res, 413, "request_too_large", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
      } else chunks.push(chunk);
    });
    req.once("end", () => {
      if (tooLarge || hangup.gone) return;
      chat(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), hangup).catch((err: unknown) => {
        // Not expected (the forwarder returns failures as values), but the caller must still get an answer.
        sendError(res, 500, "relay_error", `the relay failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    req.once("error", () => res.destroy());
  };

  return { handle, inFlight: () => inFlight };
}

/** The caller's headers that go upstream unchanged (OpenAI-Beta, user agent, content type...). */
export function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const headers = req.headers;
  for (const key in headers) if (!NOT_FORWARDED.has(key)) out[key] = headers[key];
  // The relay reads token counts from the answer, so it must not be compressed.
  out["accept-encoding"] = "identity";
  out["content-type"] ??= "application/json";
  return out;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** True for what the contract accepts as a name (a tenant): 1 to 256 characters, none of them a control character. */
function isName(text: string): boolean {
  if (text.length === 0 || text.length > MAX_NAME_LENGTH) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
