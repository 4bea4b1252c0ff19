/** Errors of the gateway connector and router, returned as values ({@link ConnectorResult}) rather than thrown. */

/** Machine code of a {@link VigilConnectorError}. */
export type ConnectorErrorCode =
  /** The circuit breaker on Vigil is open (or its half-open trial is in flight): no request was sent. */
  | "CIRCUIT_OPEN"
  /** Vigil was not reached, or answered 408, 429 or 5xx, on every attempt. */
  | "UNAVAILABLE"
  /** The last attempt timed out. */
  | "TIMEOUT"
  /** Vigil refused the request (400, 401, 403, 404, 409, 422...); it is never retried. */
  | "REJECTED"
  /** Vigil answered 2xx with a body that is not the documented shape. */
  | "BAD_RESPONSE"
  /** The caller's abort signal fired. */
  | "ABORTED"
  /** The router has no view of its route yet and no `defaultModel` to fall back on. */
  | "NO_ROUTE";

/** Facts about a connector failure; only the fields that apply are set. */
export interface ConnectorErrorDetails {
  /** HTTP status of the last answer (0 when there was none). */
  status?: number;
  /** Requests sent for this call (0 when the breaker refused the first one). */
  attempts?: number;
  /** The server's error code, e.g. `VALIDATION_FAILED`. */
  serverCode?: string;
  /** Milliseconds the last answer asked to wait (Retry-After on 429 or 503), when it did. */
  retryAfterMs?: number;
  /** Milliseconds until the open breaker lets a trial request through (CIRCUIT_OPEN). */
  retryInMs?: number;
}

/** A failed connector call, with a stable machine code. */
export class VigilConnectorError extends Error {
  /** Stable machine code of the failure. */
  readonly code: ConnectorErrorCode;
  /** Structured facts about the failure. */
  readonly details: ConnectorErrorDetails;

  /** Builds an error; `cause` is the underlying network error or the error that opened the breaker, when there is one. */
  constructor(code: ConnectorErrorCode, message: string, details: ConnectorErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VigilConnectorError";
    this.code = code;
    this.details = details;
  }
}

/** Vigil could not be reached or kept failing (UNAVAILABLE, TIMEOUT): worth trying again later. */
export class VigilUnavailableError extends VigilConnectorError {
  /** Builds an UNAVAILABLE or TIMEOUT error. */
  constructor(code: "UNAVAILABLE" | "TIMEOUT", message: string, details: ConnectorErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = "VigilUnavailableError";
  }
}

/** The circuit breaker refused the call without touching the network (CIRCUIT_OPEN). */
export class CircuitOpenError extends VigilConnectorError {
  /** Builds a CIRCUIT_OPEN error; `retryInMs` is how long until a trial request is allowed. */
  constructor(retryInMs: number, options?: { cause?: unknown }) {
    super("CIRCUIT_OPEN", `Vigil circuit open: failing fast for another ${Math.ceil(retryInMs)} ms`, { attempts: 0, retryInMs }, options);
    this.name = "CircuitOpenError";
  }
}

/** Vigil answered, and refused the request (REJECTED); sending it again would fail the same way. */
export class VigilRequestError extends VigilConnectorError {
  /** Builds a REJECTED error from the answer's status and the server's error code. */
  constructor(message: string, details: ConnectorErrorDetails) {
    super("REJECTED", message, details);
    this.name = "VigilRequestError";
  }
}

/** How a connector call ended: its value, or a typed error; a call never throws. */
export type ConnectorResult<T> = { ok: true; value: T } | { ok: false; error: VigilConnectorError };
