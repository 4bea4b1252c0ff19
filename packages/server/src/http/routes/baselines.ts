/**
 * Performance baselines (docs/baselines.md): `GET|POST /api/v1/baselines`,
 * `GET|PUT|DELETE /api/v1/baselines/:name`, `POST /api/v1/baselines/capture` and
 * `GET /api/v1/baselines/compare`. The config file's
 * baselines are listed but read-only here.
 */
import type { FastifyInstance } from "fastify";
import type { Baseline, BaselineCaptureResponse, BaselineCompareResponse, BaselineListResponse } from "@vigil/contract";
import { VigilError } from "../../core/errors.js";
import type { BaselineService } from "../../services/baseline-service.js";
import { dimFilter, windowMs, type Query } from "../query.js";
import { DIM_FILTERS, NO_QUERY, OBJECT_BODY, WINDOW, params, query } from "../schemas.js";

type Name = { Params: { name: string } };

/** Registers the baseline routes. */
export function baselineRoutes(app: FastifyInstance, baselines: BaselineService): void {
  const read = (path?: string) => ({ config: { scope: "read" }, schema: { querystring: NO_QUERY, ...(path ? { params: params(path) } : {}) } });
  const admin = (path?: string, body = true) => ({ config: { scope: "admin" }, schema: { querystring: NO_QUERY, ...(body ? { body: OBJECT_BODY } : {}), ...(path ? { params: params(path) } : {}) } });
  const found = async (name: string): Promise<Baseline> => {
    await baselines.current();
    const b = baselines.get(name);
    if (!b) throw new VigilError("NOT_FOUND", `no baseline named "${name}"; GET /api/v1/baselines lists them`);
    return b;
  };

  app.get("/api/v1/baselines", read(), async (): Promise<BaselineListResponse> => {
    await baselines.current();
    return { baselines: baselines.list() };
  });
  // Each active baseline within the filter against the window's figure (the report's comparison, for any window and filter).
  app.get<{ Querystring: Query }>("/api/v1/baselines/compare", { config: { scope: "read" }, schema: { querystring: query({ ...WINDOW, ...DIM_FILTERS }) } }, async (req): Promise<BaselineCompareResponse> => baselines.compare(windowMs(req.query), dimFilter(req.query)));
  app.post("/api/v1/baselines", admin(), async (req, reply) => reply.code(201).send((await baselines.put(req.body)).baseline));
  app.post("/api/v1/baselines/capture", admin(), async (req, reply): Promise<BaselineCaptureResponse> => {
    const r = await baselines.capture(req.body);
    return reply.code(r.captured.length ? 201 : 200).send(r);
  });
  app.get<Name>("/api/v1/baselines/:name", read("name"), async (req): Promise<Baseline> => found(req.params.name));
  app.put<Name>("/api/v1/baselines/:name", admin("name"), async (req, reply) => {
    const { baseline, created } = await baselines.put(req.body, req.params.name);
    return reply.code(created ? 201 : 200).send(baseline);
  });
  app.delete<Name>("/api/v1/baselines/:name", admin("name", false), async (req, reply) => {
    if (!(await baselines.delete(req.params.name))) throw new VigilError("NOT_FOUND", `no baseline named "${req.params.name}"`);
    return reply.code(204).send();
  });
}
