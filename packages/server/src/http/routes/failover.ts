/**
 * Models and routes (SPEC §3): the registry (models with versions and rollback, routes with
 * backups and thresholds), model health per route, route views with their revision, manual
 * switches and pins, decision history, and a server-sent event stream per route for gateways.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { RouteView, SwitchRequest } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import type { RouteService } from "../../services/route-service.js";
import { badParam, duration, num, str, windowMs, type Query } from "../query.js";
import { NO_QUERY, WINDOW, param, params, query } from "../schemas.js";

/** How often an idle stream carries a comment, so proxies keep it open and clients see it alive. */
export const STREAM_PING_MS = 15_000;

const body = (b: unknown, what: string): Record<string, unknown> => {
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw new VigilError("VALIDATION_FAILED", `the body must be a JSON object: ${what}`, [{ path: "", message: "must be an object" }]);
  return b as Record<string, unknown>;
};

function switchRequest(b: Record<string, unknown>): SwitchRequest {
  const problems: { path: string; message: string }[] = [];
  for (const k of Object.keys(b)) if (!["to", "reason", "ttl_s", "by"].includes(k)) problems.push({ path: `/${k}`, message: "is not a known field" });
  if (typeof b.to !== "string" || b.to === "") problems.push({ path: "/to", message: "is required: the model to switch to" });
  if (b.reason !== undefined && typeof b.reason !== "string") problems.push({ path: "/reason", message: "must be a string" });
  if (b.by !== undefined && typeof b.by !== "string") problems.push({ path: "/by", message: "must be a string" });
  if (b.ttl_s !== undefined && !(typeof b.ttl_s === "number" && b.ttl_s > 0 && b.ttl_s <= 366 * 86400)) problems.push({ path: "/ttl_s", message: "must be a number of seconds > 0 (at most a year); leave it out to pin until unpinned" });
  if (problems.length) throw new VigilError("VALIDATION_FAILED", `invalid switch: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
  return b as unknown as SwitchRequest;
}

/** Model statuses `GET /api/v1/models?status=` filters by. */
const MODEL_STATUSES = ["active", "standby", "retired"] as const;

type Model = { Params: { id: string }; Querystring: Query };
type Route = { Params: { route: string }; Querystring: Query };

/** Registers the models and routes endpoints. */
export function failoverRoutes(app: FastifyInstance, routes: RouteService): void {
  const read = (querystring: Record<string, unknown> = NO_QUERY, path?: string) => ({ config: { scope: "read" }, schema: { querystring, ...(path ? { params: params(path) } : {}) } });
  const admin = (path?: string, querystring: Record<string, unknown> = NO_QUERY) => ({ config: { scope: "admin" }, schema: { querystring, ...(path ? { params: params(path) } : {}) } });

  const modelsQuery = query({ provider: param("only models of this provider", 256), status: param("active, standby or retired; several comma-separated", 64) });
  app.get<{ Querystring: Query }>("/api/v1/models", read(modelsQuery), async (req) => {
    const provider = str(req.query, "provider");
    const statuses = str(req.query, "status")?.split(",").map((x) => x.trim());
    for (const st of statuses ?? []) if (!(MODEL_STATUSES as readonly string[]).includes(st)) throw badParam("status", `must be one or more of ${MODEL_STATUSES.join(", ")} (comma-separated), got "${st}"`);
    return { models: routes.listModels().filter((m) => (provider === undefined || m.provider === provider) && (statuses === undefined || statuses.includes(m.status))) };
  });
  app.post("/api/v1/models", admin(), async (req, reply) => reply.code(201).send(await routes.createModel(body(req.body, "a model"))));
  const compareQuery = query({ a: param("a model id", 256), b: param("the model to compare it with", 256), route: param("judge both on this route's thresholds", 256), ...WINDOW });
  app.get<{ Querystring: Query }>("/api/v1/models/compare", read(compareQuery), async (req) => {
    const q = req.query;
    const a = str(q, "a");
    const b = str(q, "b");
    if (!a || !b) throw badParam(a ? "b" : "a", "is required: compare needs two models, ?a=<model>&b=<model>[&route=][&window=1h]");
    return routes.compare(a, b, str(q, "route") ?? null, windowMs(q, 3_600_000));
  });
  app.get<Model>("/api/v1/models/:id", read(NO_QUERY, "id"), async (req) => routes.model(req.params.id));
  app.patch<Model>("/api/v1/models/:id", admin("id"), async (req) => routes.updateModel(req.params.id, body(req.body, "the fields to change")));
  app.delete<Model>("/api/v1/models/:id", admin("id"), async (req, reply) => {
    await routes.deleteModel(req.params.id);
    return reply.code(204).send();
  });
  app.post<Model>("/api/v1/models/:id/rollback", admin("id"), async (req) => {
    const b = req.body === undefined || req.body === null ? {} : body(req.body, '{"to"?: "1.2.0"}');
    const unknown = Object.keys(b).find((k) => k !== "to");
    if (unknown !== undefined) throw new VigilError("VALIDATION_FAILED", `unknown field "${unknown}": the body is {"to"?: "<version>"}`, [{ path: `/${unknown}`, message: "is not a known field (to)" }]);
    if (b.to !== undefined && typeof b.to !== "string") throw new VigilError("VALIDATION_FAILED", "to must be a version string", [{ path: "/to", message: "must be a string" }]);
    return routes.rollback(req.params.id, (b.to as string | undefined) ?? null);
  });
  const healthQuery = query({ route: param("judge the model on this route's thresholds and window", 256), window: param("window length: 5m, 1h (default: the route's)", 32) });
  app.get<Model>("/api/v1/models/:id/health", read(healthQuery, "id"), async (req) => routes.modelHealth(req.params.id, str(req.query, "route") ?? null, duration(req.query, "window", null)));

  app.get("/api/v1/routes", read(), async () => ({ routes: routes.views() }));
  app.post("/api/v1/routes", admin(), async (req, reply) => reply.code(201).send(await routes.createRoute(body(req.body, "a route"))));
  app.get<Route>("/api/v1/routes/:route", read(NO_QUERY, "route"), async (req) => routes.view(req.params.route));
  app.patch<Route>("/api/v1/routes/:route", admin("route"), async (req) => routes.updateRoute(req.params.route, body(req.body, "the fields to change")));
  app.delete<Route>("/api/v1/routes/:route", admin("route"), async (req, reply) => {
    await routes.deleteRoute(req.params.route);
    return reply.code(204).send();
  });
  app.post<Route>("/api/v1/routes/:route/switch", admin("route"), async (req) => {
    const s = switchRequest(body(req.body, '{"to": "model", "reason"?, "ttl_s"?, "by"?}'));
    return routes.switchTo(req.params.route, s.to, { ttlS: s.ttl_s, by: s.by, reason: s.reason });
  });
  app.delete<Route>("/api/v1/routes/:route/pin", admin("route", query({ by: param("who unpins (recorded in the history)", 256) })), async (req) => routes.unpin(req.params.route, str(req.query, "by") ?? null));
  app.get<Route>("/api/v1/routes/:route/history", read(query({ limit: param("most decisions in the answer (1..1000, default 100)", 16) }), "route"), async (req) => ({ decisions: await routes.history(req.params.route, num(req.query, "limit", 100, 1, 1000)) }));
  app.get<Route>("/api/v1/routes/:route/stream", read(NO_QUERY, "route"), async (req, reply) => {
    const route = req.params.route;
    const first = routes.view(route);
    stream(reply, first, (send) =>
      routes.subscribe((c) => {
        if (c.view.route === route) send(c.view);
      }),
    );
    return reply;
  });
}


/** Writes server-sent events: the current view first, then each change, with a ping comment when idle. */
function stream(reply: FastifyReply, first: RouteView, follow: (send: (v: RouteView) => void) => () => void): void {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
  let last = 0;
  const send = (v: RouteView) => {
    // Views can arrive out of order from followers re-reading the store: never send an older one.
    if (v.revision <= last) return;
    last = v.revision;
    res.write(`id: ${v.revision}\nevent: route\ndata: ${JSON.stringify(v)}\n\n`);
  };
  res.write("retry: 2000\n\n");
  send(first);
  const stop = follow(send);
  const ping = setInterval(() => res.write(": ping\n\n"), STREAM_PING_MS);
  ping.unref();
  const close = () => {
    clearInterval(ping);
    stop();
  };
  res.once("close", close);
  res.once("error", close);
}
