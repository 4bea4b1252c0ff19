/**
 * Traces (docs/api.md "Traces"): `GET /api/v1/traces/:trace_id`, the tree of a trace's stored
 * spans with their timings and the trace's summary (core/otlp/trace-tree.ts).
 */
import type { TraceView } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import { VigilError } from "../../core/errors.js";
import { buildTraceView } from "../../core/otlp/trace-tree.js";
import type { SpanStore } from "../../core/ports.js";
import { NO_QUERY, params } from "../schemas.js";

/** Most spans one answer holds: a trace with more answers its earliest-starting ones, `truncated` set. */
export const TRACE_SPAN_LIMIT = 10_000;

/** Registers the trace route. */
export function traceRoutes(app: FastifyInstance, spans: Pick<SpanStore, "trace">): void {
  app.get<{ Params: { trace_id: string } }>("/api/v1/traces/:trace_id", { config: { scope: "read" }, schema: { querystring: NO_QUERY, params: params("trace_id") } }, async (req): Promise<TraceView> => {
    const given = req.params.trace_id;
    if (!/^[0-9a-fA-F]{32}$/.test(given)) {
      const message = "must be a trace id: 32 hexadecimal digits";
      throw new VigilError("VALIDATION_FAILED", `path parameter "trace_id" ${message}`, [{ path: "/params/trace_id", message }]);
    }
    // Stored ids are lowercase, as OTLP/JSON writes them; W3C traceparent headers too.
    const traceId = given.toLowerCase();
    const page = await spans.trace(traceId, TRACE_SPAN_LIMIT);
    if (page.spans.length === 0) throw new VigilError("NOT_FOUND", `no spans of trace ${traceId} are stored (not received, or older than the retention)`);
    return buildTraceView(traceId, page.spans, { truncated: page.truncated, spanLimit: TRACE_SPAN_LIMIT });
  });
}
