/** Errors the SDK reports through `onError`; recording itself never throws. */

/** Machine code of a {@link VigilSdkError}. */
export type VigilSdkErrorCode =
  /** The server refused one event of a batch (a 207 answer's `errors` entry), or the event could not be serialised. */
  | "REJECTED_EVENT"
  /** The server refused a whole batch (400, 401, 403, a 413 for a single event, or another non-retryable status); it is not retried. */
  | "BATCH_REJECTED"
  /** An event whose JSON alone is over `maxBatchBytes`: it is counted as rejected and never sent. */
  | "EVENT_TOO_LARGE"
  /** A batch kept failing with retryable errors until `maxRetries` was used up; its events are dropped. */
  | "BATCH_DROPPED"
  /** The queue held `maxQueueSize` events, so new events are dropped until it drains. */
  | "QUEUE_FULL";

/** What a {@link VigilSdkError} is about; only the fields that apply to its code are set. */
export interface VigilSdkErrorDetails {
  /** Number of events affected. */
  count: number;
  /** HTTP status of the answer (for a per-event rejection, the event's own status; 0 when no answer was had). */
  status?: number;
  /** Client-side id of the event (REJECTED_EVENT, EVENT_TOO_LARGE, and a batch of one event). */
  id?: string;
  /** Event type (REJECTED_EVENT, EVENT_TOO_LARGE, and a batch of one event). */
  type?: string;
  /** Size of the event's JSON in bytes (EVENT_TOO_LARGE). */
  bytes?: number;
  /** Position of the event in the batch that was sent (REJECTED_EVENT). */
  index?: number;
  /** JSON pointer to the offending field, as given by the server, e.g. `/events/3/body/duration_ms`. */
  path?: string;
  /** The server's error code, e.g. `VALIDATION_FAILED`. */
  serverCode?: string;
  /** Every problem the server found in the event when there is more than one. */
  problems?: { path: string; message: string }[];
  /** Attempts made to send the batch (BATCH_DROPPED, BATCH_REJECTED). */
  attempts?: number;
}

/** A failure to deliver events, with a stable machine code, passed to the `onError` option. */
export class VigilSdkError extends Error {
  /** Stable machine code of the failure. */
  readonly code: VigilSdkErrorCode;
  /** Structured facts about the failure. */
  readonly details: VigilSdkErrorDetails;

  /** Builds an error; `cause` is the underlying network error, when there is one. */
  constructor(code: VigilSdkErrorCode, message: string, details: VigilSdkErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VigilSdkError";
    this.code = code;
    this.details = details;
  }
}
