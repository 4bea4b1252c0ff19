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

  /**
   * 64-bit integers below 2^49 (nearly all of them: counts, tokens, small attribute values) are
   * read as plain numbers without allocating a Long; others go the Long way. Readers of the
   * decoded request take either (wire.ts `Int64`).
   */
  override int64(): protobuf.Long {
    return this.smallVarint() ?? super.int64();
  }

  override uint64(): protobuf.Long {
    return this.smallVarint() ?? super.uint64();
  }

  /** A varint of at most 7 bytes (below 2^49) as a number, advancing past it; else undefined, not moving. */
  private smallVarint(): protobuf.Long | undefined {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7 && pos < this.len; i++) {
      const b = buf[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        return value as unknown as protobuf.Long;
      }
      scale *= 128;
    }
    return undefined;
  }

  /** A fixed64 (timestamps, histogram counts) below 2^53 as a number, else a Long. */
  override fixed64(): protobuf.Long {
    if (this.pos + 8 > this.len) return super.fixed64(); // throws: out of range
    const buf = this.buf as Buffer;
    const high = buf.readUInt32LE(this.pos + 4);
    if (high >= 0x200000) return super.fixed64();
    const value = high * 4294967296 + buf.readUInt32LE(this.pos);
    this.pos += 8;
    return value as unknown as protobuf.Long;
  }
}

let loaded: OtlpTypes | undefined;

/**
 * Makes each oneof's virtual property (AnyValue's `value`, Metric's `data`...) a plain property
 * holding the name of the member last set, as the generated decoders assign it: protobufjs's
 * accessor would also delete every other member on each assignment, a fifth of the decoding
 * time. A member set twice still leaves the last one named; the readers go by that name.
 */
function plainOneofs(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type && nested.oneofsArray.length > 0) {
      // The accessors are not configurable: the constructor gets a copy of its prototype without them.
      const ctor = nested.ctor as unknown as { prototype: object };
      const descriptors = Object.getOwnPropertyDescriptors(ctor.prototype);
      for (const oneof of nested.oneofsArray) delete descriptors[oneof.name];
      ctor.prototype = Object.create(Object.getPrototypeOf(ctor.prototype), descriptors) as object;
    }
    if (nested instanceof protobuf.Namespace) plainOneofs(nested);
  }
}

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
  plainOneofs(root);
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
