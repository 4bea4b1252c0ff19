/**
 * Models and routes (SPEC §3): the registry (models with versions and rollback, routes with
 * backups and thresholds), model health per route, route views with their revision, manual
 * switches and pins, decision history, and a server-sent event stream per route for gateways.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { RouteView, SwitchRequest } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import type { RouteService } from "../../services/route-service.js";
import { num, str, windowMs, type Query } from "../query.js";
import { parseDuration } from "../../core/window.js";

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

/** Registers the models and routes endpoints. */
export function failoverRoutes(app: FastifyInstance, routes: RouteService): void {
  app.get("/api/v1/models", { config: { scope: "read" } }, async () => ({ models: routes.listModels() }));
  app.post("/api/v1/models", { config: { scope: "admin" } }, async (req, reply) => reply.code(201).send(await routes.createModel(body(req.body, "a model"))));
  app.get("/api/v1/models/compare", { config: { scope: "read" } }, async (req) => {
    const q = req.query as Query;
    const a = str(q, "a");
    const b = str(q, "b");
    if (!a || !b) throw new VigilError("VALIDATION_FAILED", "compare needs two models: ?a=<model>&b=<model>[&route=][&window=1h]", [{ path: a ? "/b" : "/a", message: "is required" }]);
    return routes.compare(a, b, str(q, "route") ?? null, windowMs(q, 3_600_000));
  });
  app.get("/api/v1/models/:id", { config: { scope: "read" } }, async (req) => routes.model((req.params as { id: string }).id));
  app.patch("/api/v1/models/:id", { config: { scope: "admin" } }, async (req) => routes.updateModel((req.params as { id: string }).id, body(req.body, "the fields to change")));
  app.delete("/api/v1/models/:id", { config: { scope: "admin" } }, async (req, reply) => {
    await routes.deleteModel((req.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.post("/api/v1/models/:id/rollback", { config: { scope: "admin" } }, async (req) => {
    const b = req.body === undefined || req.body === null ? {} : body(req.body, '{"to"?: "1.2.0"}');
    if (b.to !== undefined && typeof b.to !== "string") throw new VigilError("VALIDATION_FAILED", "to must be a version string", [{ path: "/to", message: "must be a string" }]);
    return routes.rollback((req.params as { id: string }).id, (b.to as string | undefined) ?? null);
  });
  app.get("/api/v1/models/:id/health", { config: { scope: "read" } }, async (req) => {
    const q = req.query as Query;
    const w = str(q, "window");
    const ms = w === undefined ? null : parseDuration(w);
    if (w !== undefined && ms === null) throw new VigilError("VALIDATION_FAILED", `window must be a duration such as 5m, got "${w}"`, [{ path: "/window", message: "must be a duration" }]);
    return routes.modelHealth((req.params as { id: string }).id, str(q, "route") ?? null, ms);
  });

  app.get("/api/v1/routes", { config: { scope: "read" } }, async () => ({ routes: routes.views() }));
  app.post("/api/v1/routes", { config: { scope: "admin" } }, async (req, reply) => reply.code(201).send(await routes.createRoute(body(req.body, "a route"))));
  app.get("/api/v1/routes/:route", { config: { scope: "read" } }, async (req) => routes.view((req.params as { route: string }).route));
  app.patch("/api/v1/routes/:route", { config: { scope: "admin" } }, async (req) => routes.updateRoute((req.params as { route: string }).route, body(req.body, "the fields to change")));
  app.delete("/api/v1/routes/:route", { config: { scope: "admin" } }, async (req, reply) => {
    await routes.deleteRoute((req.params as { route: string }).route);
    return reply.code(204).send();
  });
  app.post("/api/v1/routes/:route/switch", { config: { scope: "admin" } }, async (req) => {
    const s = switchRequest(body(req.body, '{"to": "model", "reason"?, "ttl_s"?, "by"?}'));
    return routes.switchTo((req.params as { route: string }).route, s.to, { ttlS: s.ttl_s, by: s.by, reason: s.reason });
  });
  app.delete("/api/v1/routes/:route/pin", { config: { scope: "admin" } }, async (req) => routes.unpin((req.params as { route: string }).route, str(req.query as Query, "by") ?? null));
  app.get("/api/v1/routes/:route/history", { config: { scope: "read" } }, async (req) => ({ decisions: await routes.history((req.params as { route: string }).route, num(req.query as Query, "limit", 100, 1, 1000)) }));
  app.get("/api/v1/routes/:route/stream", { config: { scope: "read" } }, async (req, reply) => {
    const route = (req.params as { route: string }).route;
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
