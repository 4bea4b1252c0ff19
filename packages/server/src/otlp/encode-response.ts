/**
 * The bodies an OTLP/HTTP receiver answers with, in the request's encoding: the export response
 * (with `partial_success` when items were refused or there is a warning), and the
 * `google.rpc.Status` of a 4xx or 5xx answer.
 */
import type protobuf from "protobufjs";
import type { OtlpProblem } from "../core/otlp/model.js";
import { OTLP_CONTENT_TYPES, type OtlpEncoding } from "./body.js";
import { otlpTypes } from "./proto.js";

/** The three OTLP signals. */
export type OtlpSignal = "traces" | "metrics" | "logs";

/** A response body and its Content-Type. */
export interface EncodedAnswer {
  contentType: string;
  body: Buffer;
}

/** What a partial success reports: how many items were refused, and why (or a warning, with 0). */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

const REJECTED_FIELD: Record<OtlpSignal, string> = { traces: "rejectedSpans", metrics: "rejectedDataPoints", logs: "rejectedLogRecords" };
const NOUNS: Record<OtlpSignal, [string, string]> = { traces: ["span", "spans"], metrics: ["data point", "data points"], logs: ["log record", "log records"] };
/** Problems spelled out in a partial success message; the rest are counted. */
const PROBLEMS_SHOWN = 10;

/** How many items the problems refused (a problem without a count refused one). */
export function countRejected(problems: readonly OtlpProblem[]): number {
  return problems.reduce((n, p) => n + (p.rejected ?? 1), 0);
}

/**
 * The partial success of a decoded request's problems (null when there are none): the count
 * refused and a message naming the first ten problems by path (`resourceSpans/0/…: why`).
 */
export function partialSuccessOf(signal: OtlpSignal, problems: readonly OtlpProblem[]): PartialSuccess | null {
  if (problems.length === 0) return null;
  const rejected = countRejected(problems);
  const [one, many] = NOUNS[signal];
  const shown = problems.slice(0, PROBLEMS_SHOWN).map((p) => `${p.path}: ${p.message}`);
  if (problems.length > PROBLEMS_SHOWN) shown.push(`and ${problems.length - PROBLEMS_SHOWN} more`);
  return { rejected, message: `${rejected} ${rejected === 1 ? one : many} refused; ${shown.join("; ")}` };
}

function encode(encoding: OtlpEncoding, json: Record<string, unknown>, type: protobuf.Type): EncodedAnswer {
  if (encoding === "json") return { contentType: OTLP_CONTENT_TYPES.json, body: Buffer.from(JSON.stringify(json)) };
  return { contentType: OTLP_CONTENT_TYPES.protobuf, body: Buffer.from(type.encode(type.fromObject(json)).finish()) };
}

/**
 * An Export{Trace,Metrics,Logs}ServiceResponse: empty when everything was accepted, else with
 * `partial_success` {rejected_spans | rejected_data_points | rejected_log_records, error_message}
 * (the count as a decimal string in JSON, as OTLP's JSON encoding writes 64-bit integers).
 */
export function encodeExportResponse(signal: OtlpSignal, encoding: OtlpEncoding, partial: PartialSuccess | null): EncodedAnswer {
  const json: Record<string, unknown> = partial ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(partial.rejected), errorMessage: partial.message } } : {};
  const types = otlpTypes();
  const type = { traces: types.traceResponse, metrics: types.metricsResponse, logs: types.logsResponse }[signal];
  return encode(encoding, json, type);
}

/** The gRPC status code OTLP/HTTP puts in a `google.rpc.Status` for an HTTP status. */
export function grpcCodeOf(httpStatus: number): number {
  if (httpStatus === 400 || httpStatus === 413 || httpStatus === 415) return 3; // INVALID_ARGUMENT
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 403) return 7; // PERMISSION_DENIED
  if (httpStatus === 404) return 5; // NOT_FOUND
  if (httpStatus === 429) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  if (httpStatus >= 500) return 13; // INTERNAL
  return 2; // UNKNOWN
}

/** The `google.rpc.Status` body (code, message) of an OTLP/HTTP 4xx or 5xx answer. */
export function encodeStatus(encoding: OtlpEncoding, httpStatus: number, message: string): EncodedAnswer {
  return encode(encoding, { code: grpcCodeOf(httpStatus), message }, otlpTypes().status);
}
