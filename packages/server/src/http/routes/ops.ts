/** Operations routes: liveness, readiness, detailed health, database sync, price table. */
import type { FastifyInstance } from "fastify";
import { VigilError } from "../../core/errors.js";
import type { PriceEntry } from "../../core/prices.js";
import type { PriceService } from "../../services/price-service.js";
import type { RollupService } from "../../services/rollup-service.js";
import { num, type Query } from "../query.js";
import { NO_BODY, NO_QUERY, param, query } from "../schemas.js";

/** What the operations routes report on. */
export interface OpsDeps {
  ready: () => boolean;
  detailed: () => Promise<Record<string, unknown>>;
  rollups: RollupService;
  prices: PriceService;
  /** Prometheus text exposition of `/metrics`; null when disabled by configuration. */
  exposition: { render(): Promise<string>; readonly contentType: string } | null;
}

/** Registers the operations routes. */
export function opsRoutes(app: FastifyInstance, ops: OpsDeps): void {
  const none = { schema: { querystring: NO_QUERY } };
  const read = { config: { scope: "read" }, schema: { querystring: NO_QUERY } };
  const admin = { config: { scope: "admin" }, schema: { querystring: NO_QUERY } };
  app.get("/healthz", none, async () => ({ status: "alive" }));
  app.get("/readyz", none, async (_req, reply) => {
    if (!ops.ready()) return reply.code(503).header("retry-after", "2").send({ status: "not_ready", reason: "storage is not open, migrations or rollup restore are running, or the store stopped taking writes" });
    return { status: "ready" };
  });
  app.get("/api/v1/health/detailed", read, async () => ops.detailed());
  app.get("/metrics", read, async (_req, reply) => {
    const x = ops.exposition;
    if (!x) throw new VigilError("NOT_FOUND", "the Prometheus exposition is turned off on this server (prometheus.enabled: false in the config file)");
    return reply.header("content-type", x.contentType).send(await x.render());
  });
  app.post<{ Querystring: Query }>("/api/v1/sync", { config: { scope: "admin" }, schema: { querystring: query({ lookback_hours: param("hours of raw events to rebuild the rollups from (1..2160, default 24)", 16) }), body: NO_BODY } }, async (req) => {
    const hours = num(req.query, "lookback_hours", 24, 1, 24 * 90);
    const started = Date.now();
    const r = await ops.rollups.sync(hours);
    return { status: "synced", lookback_hours: hours, events_replayed: r.events, from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(), took_ms: Date.now() - started };
  });
  app.get("/api/v1/prices", read, async () => ({ prices: ops.prices.current().list() }));
  app.post("/api/v1/prices", admin, async (req, reply) => {
    const b = req.body as Partial<PriceEntry> | null;
    const problems: { path: string; message: string }[] = [];
    if (typeof b !== "object" || b === null || Array.isArray(b)) throw new VigilError("VALIDATION_FAILED", "the body must be a price entry object", [{ path: "", message: "must be an object" }]);
    const optional = ["cached_input_per_1m", "cache_write_input_per_1m", "reasoning_output_per_1m"] as const;
    const allowed = new Set<string>(["model", "input_per_1m", "output_per_1m", ...optional, "effective_from"]);
    for (const k of Object.keys(b)) if (!allowed.has(k)) problems.push({ path: `/${k}`, message: "is not a known field" });
    if (typeof b.model !== "string" || b.model.length === 0 || b.model.length > 256) problems.push({ path: "/model", message: "must be a model id or pattern" });
    for (const k of ["input_per_1m", "output_per_1m"] as const) if (typeof b[k] !== "number" || !(b[k]! >= 0)) problems.push({ path: `/${k}`, message: "must be a number >= 0 (USD per million tokens)" });
    for (const k of optional) if (b[k] !== undefined && (typeof b[k] !== "number" || !(b[k]! >= 0))) problems.push({ path: `/${k}`, message: "must be a number >= 0 (USD per million tokens)" });
    const from = b.effective_from ?? new Date().toISOString().slice(0, 10);
    if (typeof from !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(from) || !Number.isFinite(Date.parse(from))) problems.push({ path: "/effective_from", message: "must be an ISO date" });
    if (problems.length) throw new VigilError("VALIDATION_FAILED", problems.map((p) => `${p.path}: ${p.message}`).join("; "), problems);
    const entry: PriceEntry = { model: b.model!, input_per_1m: b.input_per_1m!, output_per_1m: b.output_per_1m!, effective_from: from };
    for (const k of optional) if (b[k] !== undefined) entry[k] = b[k];
    return reply.code(201).send(await ops.prices.add(entry));
  });
}
