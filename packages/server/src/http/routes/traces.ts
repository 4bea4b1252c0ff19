/**
 * Traces and sessions (docs/api.md "Traces", "Sessions"): `GET /api/v1/traces/:trace_id`, the tree
 * of a trace's stored spans with their timings and the trace's summary (core/otlp/trace-tree.ts),
 * and `GET /api/v1/sessions/:session_id`, the runs and calls of a session with its figures
 * (core/otlp/session-view.ts).
 */
import type { SessionView, TraceView } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import { VigilError } from "../../core/errors.js";
import { buildSessionView } from "../../core/otlp/session-view.js";
import { buildTraceView } from "../../core/otlp/trace-tree.js";
import type { SpanStore } from "../../core/ports.js";
import { int } from "../query.js";
import { NO_QUERY, param, params, query } from "../schemas.js";

/** Most spans one answer holds: a trace with more answers its earliest-starting ones, `truncated` set. */
export const TRACE_SPAN_LIMIT = 10_000;

/** A C0 or C1 control character (or DEL). */
const isControl = (c: string) => {
  const n = c.codePointAt(0)!;
  return n < 0x20 || (n >= 0x7f && n <= 0x9f);
};

/** Spans of a session read by default, and at most (`limit`). */
export const SESSION_LIMIT = { default: 200, max: 1000 } as const;

/** Registers the trace and session routes. */
export function traceRoutes(app: FastifyInstance, spans: Pick<SpanStore, "trace" | "session">): void {
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

  app.get<{ Params: { session_id: string }; Querystring: Record<string, string> }>(
    "/api/v1/sessions/:session_id",
    { config: { scope: "read" }, schema: { querystring: query({ limit: param(`most spans of the session read, latest first (1..${SESSION_LIMIT.max}, default ${SESSION_LIMIT.default})`, 16) }), params: params("session_id") } },
    async (req): Promise<SessionView> => {
      const sessionId = req.params.session_id;
      // Length 1–256 is the schema's; a control character is never part of a conversation id.
      if ([...sessionId].some(isControl)) {
        const message = "must not hold control characters";
        throw new VigilError("VALIDATION_FAILED", `path parameter "session_id" ${message}`, [{ path: "/params/session_id", message }]);
      }
      const limit = int(req.query, "limit", SESSION_LIMIT.default, 1, SESSION_LIMIT.max);
      const page = await spans.session(sessionId, limit);
      const view = page.spans.length ? buildSessionView(sessionId, page.spans, { truncated: page.truncated, limit }) : null;
      if (view === null) throw new VigilError("NOT_FOUND", `no runs or calls of session ${JSON.stringify(sessionId)} are stored (not received, or older than the retention)`);
      return view;
    },
  );
}
