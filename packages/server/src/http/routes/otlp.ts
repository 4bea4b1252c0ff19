/**
 * The OTLP/HTTP receiver (docs/otlp.md): `POST /v1/traces` takes an OpenTelemetry export in
 * protobuf (`application/x-protobuf`) or JSON (`application/json`), gzip-compressed or not, with an
 * ingest key (`Authorization: Bearer` or `x-api-key`), and answers in the request's encoding: the
 * export response, with a partial success naming what was refused or kept without counting; or, for
 * a body that cannot be read or storage that cannot take it, a `google.rpc.Status` with 400, 413,
 * 415 or 503 (+ `Retry-After`). The routes read raw bodies: their own scope has no JSON parser.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { VigilError } from "../../core/errors.js";
import { readOtlpBody, type OtlpEncoding } from "../../otlp/body.js";
import { decodeTracesJson } from "../../otlp/decode-json.js";
import { decodeTracesProto } from "../../otlp/decode-protobuf.js";
import { encodeExportResponse, encodeStatus, partialSuccessOf } from "../../otlp/encode-response.js";
import { OtlpBodyError } from "../../otlp/errors.js";
import type { OtlpService } from "../../services/otlp-service.js";
import { RETRY_AFTER_S, statusOf } from "../errors.js";
import { NO_QUERY } from "../schemas.js";

/** What the OTLP routes need. */
export interface OtlpRouteDeps {
  service: Pick<OtlpService, "traces">;
  /** Largest body once inflated, in bytes. */
  maxBodyBytes: number;
}

/** Registers `/v1/traces` in a scope of its own (raw bodies). */
export function otlpRoutes(app: FastifyInstance, d: OtlpRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Any content type reaches the handler as bytes: an unsupported one is answered in OTLP's own error shape.
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope.post("/v1/traces", { config: { scope: "ingest" }, schema: { querystring: NO_QUERY } }, async (req, reply) => {
      let encoding: OtlpEncoding = String(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json") ? "json" : "protobuf";
      try {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const body = await readOtlpBody(header(req.headers["content-type"]), header(req.headers["content-encoding"]), raw, d.maxBodyBytes);
        encoding = body.encoding;
        const decoded = encoding === "json" ? decodeTracesJson(body.body) : decodeTracesProto(body.body);
        const result = await d.service.traces(decoded);
        return answer(reply, 200, encodeExportResponse("traces", encoding, partialSuccessOf("traces", result.problems)));
      } catch (err) {
        return failure(reply, encoding, err);
      }
    });
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function answer(reply: FastifyReply, status: number, a: { contentType: string; body: Buffer }): FastifyReply {
  return reply.code(status).header("content-type", a.contentType).send(a.body);
}

/** A refused body or unavailable storage as OTLP's `google.rpc.Status`; anything else goes to the app's error handler (a logged 500). */
function failure(reply: FastifyReply, encoding: OtlpEncoding, err: unknown): FastifyReply {
  if (err instanceof OtlpBodyError) return answer(reply, err.status, encodeStatus(encoding, err.status, err.message));
  if (err instanceof VigilError) {
    const status = statusOf(err.code);
    if (status === 503) void reply.header("retry-after", String(RETRY_AFTER_S));
    if (status < 500 || status === 503) return answer(reply, status, encodeStatus(encoding, status, err.message));
  }
  throw err;
}
