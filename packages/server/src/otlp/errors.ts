/** The error an OTLP/HTTP request body can raise before any item is read. */
import { VigilError } from "../core/errors.js";

/** Why a whole body is refused: each code's HTTP status is in `OTLP_BODY_STATUS`. */
export type OtlpBodyErrorCode = "INVALID_ENCODING" | "INVALID_JSON" | "VALIDATION_FAILED" | "UNSUPPORTED_MEDIA_TYPE" | "BATCH_TOO_LARGE";

/**
 * The HTTP status of each code, as http/errors.ts maps it, kept beside the codes because the
 * OTLP receiver answers these with a `google.rpc.Status` body of its own.
 */
export const OTLP_BODY_STATUS: Record<OtlpBodyErrorCode, 400 | 413 | 415> = {
  INVALID_ENCODING: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BATCH_TOO_LARGE: 413,
};

/** A body that cannot be read at all (undecodable, unsupported type or encoding, too large): no item of it is kept. */
export class OtlpBodyError extends VigilError {
  /** The HTTP status to answer with. */
  readonly status: 400 | 413 | 415;

  constructor(code: OtlpBodyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
    this.name = "OtlpBodyError";
    this.status = OTLP_BODY_STATUS[code];
  }
}
