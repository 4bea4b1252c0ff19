/**
 * An OTLP/HTTP request body made ready to decode: which encoding it is in (the answer uses the
 * same), and its bytes inflated when gzip-compressed, with a cap on the inflated size so that a
 * small compressed body (a gzip bomb) costs at most the cap.
 */
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { OtlpBodyError } from "./errors.js";

const gunzipAsync = promisify(gunzip);

/** The two encodings of OTLP/HTTP: `application/x-protobuf` and `application/json`. */
export type OtlpEncoding = "protobuf" | "json";

/** The Content-Type of each encoding, as answers carry it. */
export const OTLP_CONTENT_TYPES: Record<OtlpEncoding, string> = { protobuf: "application/x-protobuf", json: "application/json" };

/** A body ready to decode. */
export interface OtlpBody {
  encoding: OtlpEncoding;
  /** The bytes as sent, inflated if they were compressed. */
  body: Buffer;
}

/**
 * The encoding a Content-Type names (parameters such as `; charset=utf-8` allowed), or a 415 for
 * anything else, a JSON charset other than UTF-8 included.
 */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding {
  const [type = "", ...params] = (contentType ?? "").split(";").map((s) => s.trim().toLowerCase());
  const unsupported = (why: string): OtlpBodyError => new OtlpBodyError("UNSUPPORTED_MEDIA_TYPE", `${why}: send application/x-protobuf or application/json`);
  if (type === "application/x-protobuf") return "protobuf";
  if (type === "application/json") {
    const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") throw unsupported(`charset ${charset} is not supported (JSON is UTF-8)`);
    return "json";
  }
  throw unsupported(type ? `content type ${type} is not an OTLP encoding` : "the request has no Content-Type");
}

/**
 * Reads a body: its encoding from `contentType` (415 if neither OTLP encoding), inflated per
 * `contentEncoding` (`gzip` or `identity`/none, else 415; 400 if the gzip data is corrupt), and
 * 413 once it is (or inflates to) more than `maxBytes`, which inflating never goes past.
 */
export async function readOtlpBody(contentType: string | undefined, contentEncoding: string | undefined, raw: Buffer, maxBytes: number): Promise<OtlpBody> {
  const encoding = otlpEncoding(contentType);
  const coding = (contentEncoding ?? "").trim().toLowerCase();
  const gzip = coding === "gzip" || coding === "x-gzip";
  const tooLarge = (): OtlpBodyError => new OtlpBodyError("BATCH_TOO_LARGE", `the request body is over the limit of ${maxBytes} bytes${gzip ? " once inflated" : ""}: send smaller batches`);
  if (!gzip && coding !== "" && coding !== "identity")
    throw new OtlpBodyError("UNSUPPORTED_MEDIA_TYPE", `content encoding ${coding} is not supported: send gzip or an uncompressed body`);
  if (!gzip) {
    if (raw.length > maxBytes) throw tooLarge();
    return { encoding, body: raw };
  }
  try {
    // zlib stops as soon as the output would pass maxOutputLength: a bomb is not inflated further.
    return { encoding, body: await gunzipAsync(raw, { maxOutputLength: maxBytes }) };
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new OtlpBodyError("INVALID_ENCODING", `the body is not valid gzip data (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}
