/**
 * The OTLP protobuf message types, read by reflection from the vendored v1.9.0 definitions
 * (packages/server/proto, shipped with the package), and the reader that decodes them.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** Where the vendored .proto files are, from src/otlp and from dist/otlp alike. */
const PROTO_DIR = fileURLToPath(new URL("../../proto/", import.meta.url));

const FILES = [
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "opentelemetry/proto/collector/logs/v1/logs_service.proto",
];

/** The message types the OTLP/HTTP receiver reads and answers with. */
export interface OtlpTypes {
  root: protobuf.Root;
  traceRequest: protobuf.Type;
  metricsRequest: protobuf.Type;
  logsRequest: protobuf.Type;
  traceResponse: protobuf.Type;
  metricsResponse: protobuf.Type;
  logsResponse: protobuf.Type;
  /** `google.rpc.Status` (code, message), the body of an OTLP/HTTP error answer. */
  status: protobuf.Type;
}

/**
 * Prefixed to a string whose wire bytes were not valid UTF-8: a lone surrogate, which no valid
 * UTF-8 decodes to, so the value checks (values.ts) refuse the item that holds it.
 */
export const INVALID_UTF8_MARK = "\uDC80";

/**
 * A reader that keeps decoding past a string that is not valid UTF-8 and marks it instead of
 * failing the whole request (protobufjs would throw) or replacing the bad bytes silently (Buffer
 * decoding would): the item holding it is refused, its neighbours are kept.
 */
export class MarkingReader extends protobuf.BufferReader {
  override stringVerify(): string {
    const at = this.pos;
    try {
      return super.stringVerify();
    } catch (err) {
      if (err instanceof RangeError) throw err; // truncated: the body is undecodable
      // protobufjs's strict decoding refused the bytes: read them again, replacing and marking.
      this.pos = at;
      const length = this.uint32();
      const start = this.pos;
      this.pos = start + length;
      return INVALID_UTF8_MARK + (this.buf as Buffer).toString("utf8", start, start + length);
    }
  }

  override string(): string {
    return this.stringVerify();
  }
}

let loaded: OtlpTypes | undefined;

/**
 * The OTLP message types, loaded on first use and kept: they are static definitions that ship
 * with the package, like a compiled schema, so one copy serves every request.
 */
export function otlpTypes(): OtlpTypes {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => PROTO_DIR + target;
  root.loadSync(FILES);
  // google.rpc.Status without its `details` (repeated Any): Vigil never sends details.
  const status = new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string"));
  root.define("google.rpc").add(status);
  root.resolveAll();
  const c = "opentelemetry.proto.collector.";
  loaded = {
    root,
    traceRequest: root.lookupType(c + "trace.v1.ExportTraceServiceRequest"),
    metricsRequest: root.lookupType(c + "metrics.v1.ExportMetricsServiceRequest"),
    logsRequest: root.lookupType(c + "logs.v1.ExportLogsServiceRequest"),
    traceResponse: root.lookupType(c + "trace.v1.ExportTraceServiceResponse"),
    metricsResponse: root.lookupType(c + "metrics.v1.ExportMetricsServiceResponse"),
    logsResponse: root.lookupType(c + "logs.v1.ExportLogsServiceResponse"),
    status: root.lookupType("google.rpc.Status"),
  };
  return loaded;
}
