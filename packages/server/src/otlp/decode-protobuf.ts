/** OTLP/HTTP protobuf export requests (`application/x-protobuf`) decoded into Vigil's one shape. */
import type protobuf from "protobufjs";
import type { Decoded, OtlpLogRecord, OtlpMetric, OtlpSpan } from "../core/otlp/model.js";
import { OtlpBodyError } from "./errors.js";
import { MarkingReader, otlpTypes } from "./proto.js";
import { readLogs, readMetrics, readTraces } from "./read-request.js";
import type { WLogsRequest, WMetricsRequest, WTraceRequest } from "./wire.js";

/** Decodes the wire bytes, or throws a 400 naming what is wrong (truncated, not protobuf, nested too deep). */
function decode(type: protobuf.Type, body: Uint8Array, what: string): unknown {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    return type.decode(new MarkingReader(buf));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OtlpBodyError("INVALID_ENCODING", `the body is not a protobuf ${what} (${reason})`, { cause: err });
  }
}

/** Decodes an ExportTraceServiceRequest: its spans, and the ones refused with why. */
export function decodeTracesProto(body: Uint8Array): Decoded<OtlpSpan> {
  return readTraces(decode(otlpTypes().traceRequest, body, "ExportTraceServiceRequest") as WTraceRequest);
}

/** Decodes an ExportMetricsServiceRequest: its metrics, and the data points refused with why. */
export function decodeMetricsProto(body: Uint8Array): Decoded<OtlpMetric> {
  return readMetrics(decode(otlpTypes().metricsRequest, body, "ExportMetricsServiceRequest") as WMetricsRequest);
}

/** Decodes an ExportLogsServiceRequest: its log records, and the ones refused with why. */
export function decodeLogsProto(body: Uint8Array): Decoded<OtlpLogRecord> {
  return readLogs(decode(otlpTypes().logsRequest, body, "ExportLogsServiceRequest") as WLogsRequest);
}
