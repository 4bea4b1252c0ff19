/** The one place where error codes become HTTP statuses, and the error body of SPEC §3. */
import type { Duplex } from "node:stream";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { VigilError, type ErrorCode } from "../core/errors.js";
import { validationDetails } from "./schemas.js";

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_ENCODING: 400,
  INVALID_JSON: 400,
  FORBIDDEN_KEY: 400,
  BATCH_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STORAGE_UNAVAILABLE: 503,
  NOT_READY: 503,
  NOT_LEADER: 503,
  OVERLOADED: 503,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};

/** Seconds a client is asked to wait after a 503 (storage unreachable, not ready). */
export const RETRY_AFTER_S = 2;

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Fastify's own client-error codes, renamed to ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "INVALID_JSON",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INVALID_CONTENT_LENGTH",
  FST_ERR_CTP_INVALID_JSON_BODY: "INVALID_JSON",
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
};

/** Sends the error body for any thrown error: client mistakes keep their 4xx, the rest is a logged 500. */
export function errorHandler(err: FastifyError | VigilError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof VigilError) {
    const status = STATUS[err.code];
    if (status === 503) {
      // Unavailability is temporary: tell clients (the SDK honours it) when to try again.
      req.log.warn({ code: err.code, msg: err.message }, "service unavailable");
      void reply.header("retry-after", String(RETRY_AFTER_S));
    } else if (status >= 500) req.log.error({ err }, "request failed");
    void reply.code(status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    return;
  }
  const fe = err as FastifyError & { validationContext?: string };
  if (fe.code === "FST_ERR_VALIDATION" && Array.isArray(fe.validation)) {
    const { message, details } = validationDetails(fe.validation as never, fe.validationContext ?? "body");
    void reply.code(400).send({ error: { code: "VALIDATION_FAILED", message, details } });
    return;
  }
  const status = typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : null;
  if (status !== null) {
    let code = (fe.code && FASTIFY_CODES[fe.code]) ?? (status === 413 ? "BODY_TOO_LARGE" : status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST");
    let message = fe.message;
    if (err instanceof SyntaxError) {
      code = "INVALID_JSON";
      message = `the body is not valid JSON: ${fe.message}`;
    }
    if (status === 413) message = `${fe.message}; split the batch`;
    void reply.code(status).send({ error: { code, message } });
    return;
  }
  req.log.error({ err }, "request failed");
  void reply.code(500).send({ error: { code: "INTERNAL", message: "internal error; see the server log" } });
}

/**
 * Answer for malformed HTTP framing (bad Content-Length, broken chunking...), which never reaches
 * a route: the same error shape, written straight to the socket, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, reason, message] = err.code === "HPE_HEADER_OVERFLOW" ? [431, "HEADERS_TOO_LARGE", "Request Header Fields Too Large", `malformed HTTP request: ${err.code}`] : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "REQUEST_TIMEOUT", "Request Timeout", "the request did not arrive in time (server.timeouts.headers / request); send it faster or split it"] : [400, "BAD_HTTP_REQUEST", "Bad Request", `malformed HTTP request: ${err.code ?? err.message}`];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Answer for URLs the router cannot take apart (a `%` escape that does not decode, a path segment
 * over the router's limit): the same error shape as every other refusal, not Fastify's own body.
 */
export function frameworkErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") {
    void reply.code(414).send({ error: { code: "URI_TOO_LONG", message: "a name in the path is too long (names are at most 256 characters)" } });
    return;
  }
  if (err.code === "FST_ERR_BAD_URL") {
    void reply.code(400).send({ error: { code: "BAD_URL", message: "the URL path is not valid: a %-escape does not decode to UTF-8" } });
    return;
  }
  void reply.code(500).send({ error: { code: "INTERNAL", message: "internal error; see the server log" } });
}

/** Answer for unknown routes. */
export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ error: { code: "NOT_FOUND", message: `no route ${req.method} ${req.url.split("?")[0]}` } });
}
