/**
 * Over-limit request bodies answered with a 413 that the client can read.
 *
 * Fastify refuses a body over `bodyLimit` as soon as it knows (from Content-Length before reading, or at the chunk
 * that crosses the limit) and closes the connection while the client is still sending. The kernel then resets the
 * connection over the unread bytes, and most clients (fetch, undici, the SDK) report EPIPE or ECONNRESET instead of
 * the 413: they cannot tell "too large, split it" from "network down, send it again", and a client that resends
 * loses the batch. So the rest of such an upload is read and discarded first, up to a cap, and answered after. A
 * client too slow to finish is cut off by the server's request timeout like any other.
 */
import { Transform } from "node:stream";
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";

/**
 * Least number of bytes of an over-limit upload that is read to the end before answering. An SDK batch (4 MiB by
 * default) sent to a server configured with a smaller limit stays under it, so the SDK reads the 413 and splits;
 * an upload past it comes from no well-behaved client and is not worth the bandwidth.
 */
const MIN_DRAIN_CAP_BYTES = 16 * 1024 * 1024;

/** Most bytes of an upload read when its body is over `limitBytes`: twice the limit, and at least 16 MiB. */
export function drainCapBytes(limitBytes: number): number {
  return Math.max(2 * limitBytes, MIN_DRAIN_CAP_BYTES);
}

/** Makes every route read an over-limit body (up to {@link drainCapBytes}) before answering 413 `BODY_TOO_LARGE`. */
export function answerOversizedBodies(app: FastifyInstance): void {
  app.addHook("preParsing", (req, reply, payload, done) => {
    const headers = req.headers;
    const length = headers["content-length"];
    // Bodiless requests, the common case, cost one header lookup.
    if (length === undefined ? headers["transfer-encoding"] === undefined : length === "0") return done(null, payload);
    const limit = req.routeOptions.bodyLimit;
    const cap = drainCapBytes(limit);
    if (length === undefined) return done(null, limitChunked(payload, limit, cap, reply));
    const declared = Number(length);
    // Within the limit (or unreadable, which Fastify refuses itself): the body is parsed as usual.
    if (!(declared > limit)) return done(null, payload);
    if (declared > cap) {
      // Not worth reading: answer now and close; the client may or may not get to read it.
      void reply.header("connection", "close");
      return done(tooLarge(limit));
    }
    discard(payload, req, () => done(tooLarge(limit)));
  });
}

/** The 413 that the error handler maps to `BODY_TOO_LARGE`, naming the limit. */
function tooLarge(limitBytes: number): Error {
  const err = new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  err.message = `the request body is larger than the server's limit of ${limitBytes} bytes (server.body_limit_bytes)`;
  return err;
}

/** Reads the payload to its end (the HTTP framing bounds it by Content-Length), dropping every byte, then calls `then` once. */
function discard(payload: NodeJS.ReadableStream, req: FastifyRequest, then: () => void): void {
  let called = false;
  const finish = (): void => {
    if (called) return;
    called = true;
    payload.removeListener("end", finish);
    payload.removeListener("close", finish);
    payload.removeListener("error", finish);
    then();
  };
  payload.on("end", finish);
  // A client that gives up mid-upload: the answer goes nowhere, but the request must still end.
  payload.on("close", finish);
  payload.on("error", finish);
  req.log.debug({ url: req.url, contentLength: req.headers["content-length"] }, "reading an over-limit body before answering 413");
  payload.resume();
}

/**
 * A chunked body (no Content-Length) passed through while within `limit`; past it, the rest is read and dropped, and
 * the stream ends with the 413 once the upload ends. Past `cap` it errors at once and the connection is closed.
 */
function limitChunked(payload: NodeJS.ReadableStream, limit: number, cap: number, reply: FastifyReply): Transform {
  let received = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received <= limit) return callback(null, chunk);
      if (received <= cap) return callback();
      void reply.header("connection", "close");
      callback(tooLarge(limit));
    },
    flush(callback) {
      callback(received > limit ? tooLarge(limit) : null);
    },
  });
  // pipe() does not forward errors: an aborted upload must end the parse, not leave it waiting.
  payload.on("error", (err) => limited.destroy(err));
  payload.pipe(limited);
  return limited;
}
