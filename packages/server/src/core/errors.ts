/** Typed errors with stable machine codes; HTTP statuses are mapped from the codes in http/ only. */

/** Machine codes of the errors Vigil raises. */
export type ErrorCode =
  | "VALIDATION_FAILED"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INVALID_ENCODING"
  | "INVALID_JSON"
  | "FORBIDDEN_KEY"
  | "BATCH_TOO_LARGE"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "STORAGE_UNAVAILABLE"
  | "NOT_READY"
  | "NOT_LEADER"
  | "OVERLOADED"
  | "CONFIG_INVALID"
  | "INTERNAL";

/** An error with a machine code, optional details and an optional cause. */
export class VigilError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "VigilError";
  }
}
