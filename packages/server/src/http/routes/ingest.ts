/** Ingest routes: the batch endpoint (207 per-event results) and the single-event shortcuts. */
import type { FastifyInstance } from "fastify";
import type { EventType, IngestResponse } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import { forbiddenKeyMessage, forbiddenKeys } from "../../core/forbidden-keys.js";
import type { IngestService } from "../../services/ingest-service.js";
import { NO_QUERY } from "../schemas.js";

/** Limits applied to ingest requests. */
export interface IngestLimits {
  maxEventsPerBatch: number;
}

const SHORTCUTS: [string, EventType][] = [
  ["/api/v1/runs", "run"],
  ["/api/v1/llm-calls", "llm_call"],
  ["/api/v1/outcomes", "outcome"],
  ["/api/v1/feedback", "feedback"],
  ["/api/v1/metrics/custom", "metric"],
  ["/api/v1/cache-events", "cache"],
  ["/api/v1/tool-calls", "tool_call"],
  ["/api/v1/retrievals", "retrieval"],
];

/**
 * Ingest routes take no query parameters; their bodies are checked by the event validator, which
 * names every field by JSON pointer and refuses a forbidden key (`__proto__`) in one event only.
 */
const INGEST = { config: { scope: "ingest", eventBodies: true }, schema: { querystring: NO_QUERY } };

/** Registers the ingest routes. */
export function ingestRoutes(app: FastifyInstance, ingest: IngestService, limits: IngestLimits): void {
  app.post("/api/v1/ingest", INGEST, async (req, reply) => {
    const body = req.body as unknown;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new VigilError("VALIDATION_FAILED", 'the body must be a JSON object {"events": [...]}', [{ path: "", message: "must be an object" }]);
    const keys = Object.keys(body);
    const unknown = keys.filter((k) => k !== "events");
    const forbidden = forbiddenKeys(Object.fromEntries(unknown.map((k) => [k, (body as Record<string, unknown>)[k]])), 1)[0];
    if (forbidden !== undefined) throw new VigilError("FORBIDDEN_KEY", `the batch envelope holds a forbidden key at ${forbidden}: ${forbiddenKeyMessage(forbidden)}`, [{ path: forbidden, message: forbiddenKeyMessage(forbidden) }]);
    if (unknown.length) throw new VigilError("VALIDATION_FAILED", `unknown field "${unknown[0]}" in the batch envelope; it holds only "events"`, [{ path: `/${unknown[0]}`, message: "is not a known field" }]);
    const events = (body as { events?: unknown }).events;
    if (!Array.isArray(events)) throw new VigilError("VALIDATION_FAILED", '"events" must be an array of events', [{ path: "/events", message: "must be an array" }]);
    if (events.length > limits.maxEventsPerBatch) throw new VigilError("BATCH_TOO_LARGE", `a batch holds at most ${limits.maxEventsPerBatch} events; this one has ${events.length}: split it`);
    const r = await ingest.ingest(events, (i) => `/events/${i}`);
    const out: IngestResponse = { successes: r.successes, errors: r.errors };
    return reply.code(207).send(out);
  });

  for (const [url, type] of SHORTCUTS) {
    app.post(url, INGEST, async (req, reply) => {
      const body = req.body as unknown;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new VigilError("VALIDATION_FAILED", `the body must be a JSON object: the ${type} event body`, [{ path: "", message: "must be an object" }]);
      // The shortcut body is the event body; the optional envelope fields ride along as headers-free extras.
      const { id, timestamp, ...rest } = body as Record<string, unknown>;
      const event: Record<string, unknown> = { type, body: rest };
      if (id !== undefined) event.id = id;
      if (timestamp !== undefined) event.timestamp = timestamp;
      const r = await ingest.ingest([event], () => "", type);
      const err = r.errors[0];
      if (err) {
        // Paths are relative to the request body: `/body/x` inside the envelope is `/x` here.
        const fix = (p: string) => (p.startsWith("/body") ? p.slice(5) : p);
        const details = err.details?.map((d) => ({ ...d, path: fix(d.path) })) ?? [{ path: fix(err.path), message: err.message.replace(/^[^:]*: /, "") }];
        return reply.code(400).send({ error: { code: err.code, message: err.message.replace(/\/body(?=[/:])/g, ""), path: fix(err.path), details } });
      }
      const ok = r.successes[0]!;
      const stored = r.stored.get(0)!;
      const answer: Record<string, unknown> = { id: ok.id };
      if (ok.duplicate) answer.duplicate = true;
      if (type === "outcome") answer.accuracy = stored.body.accuracy;
      if (type === "run" || type === "llm_call") answer.cost = stored.body.cost ?? null;
      return reply.code(202).send(answer);
    });
  }
}
