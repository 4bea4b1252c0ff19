/**
 * SLOs and service classes (docs/slo.md, docs/api.md "SLOs"): `GET|POST /api/v1/slos`,
 * `GET|PUT|DELETE /api/v1/slos/:name`, `GET /api/v1/slos/:name/history`, and
 * `GET|POST /api/v1/service-classes`, `GET|PUT|DELETE /api/v1/service-classes/:name`. Config-file
 * classes and SLOs are answered like the others and are read-only here.
 */
import type { ComplianceSummary, Metrics, ServiceClassListResponse, ServiceClassView, SloHistory, SloListResponse, SloStatus } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import { VigilError } from "../../core/errors.js";
import { classToWire } from "../../core/slo-definitions.js";
import type { BookClass, SloBook } from "../../services/slo-book.js";
import { duration, type Query } from "../query.js";
import { NO_QUERY, OBJECT_BODY, param, params, query } from "../schemas.js";

/** What the SLO routes read: the definitions in force and the live figures. */
export interface SloRouteDeps {
  book: SloBook;
  /** The status of one SLO now, or null when there is none of that name. */
  status(name: string): Promise<SloStatus | null>;
  /** The status of every SLO now. */
  list(): Promise<SloStatus[]>;
  /** Points from the period's start to now, `stepMs` apart, or null when there is no SLO of that name. */
  history(name: string, stepMs: number | null): Promise<SloHistory | null>;
  /** The report's compliance section, with the window's metrics (for the mean rating). */
  compliance(m: Metrics): Promise<ComplianceSummary>;
}

type Name = { Params: { name: string } };
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Registers the SLO and service-class routes. */
export function sloRoutes(app: FastifyInstance, d: SloRouteDeps): void {
  const read = (querystring: Record<string, unknown> = NO_QUERY, path?: string) => ({ config: { scope: "read" }, schema: { querystring, ...(path ? { params: params(path) } : {}) } });
  const admin = (path?: string, body = true) => ({ config: { scope: "admin" }, schema: { querystring: NO_QUERY, ...(path ? { params: params(path) } : {}), ...(body ? { body: OBJECT_BODY } : {}) } });
  const missing = (name: string) => new VigilError("NOT_FOUND", `no SLO named "${name}"; GET /api/v1/slos lists them`);
  const statusOf = async (name: string): Promise<SloStatus> => {
    const s = await d.status(name);
    if (!s) throw missing(name);
    return s;
  };

  app.get("/api/v1/slos", read(), async (): Promise<SloListResponse> => ({ slos: await d.list() }));
  app.post("/api/v1/slos", admin(), async (req, reply) => {
    const name = isObj(req.body) && typeof req.body.name === "string" ? req.body.name : undefined;
    if (name !== undefined && d.book.get(name)) throw new VigilError("CONFLICT", `SLO "${name}" exists; PUT /api/v1/slos/${name} replaces it`);
    const { slo } = await d.book.put(req.body);
    return reply.code(201).send(await statusOf(slo.spec.name));
  });
  app.get<Name>("/api/v1/slos/:name", read(NO_QUERY, "name"), async (req): Promise<SloStatus> => statusOf(req.params.name));
  app.put<Name>("/api/v1/slos/:name", admin("name"), async (req, reply) => {
    const { slo, created } = await d.book.put(req.body, req.params.name);
    return reply.code(created ? 201 : 200).send(await statusOf(slo.spec.name));
  });
  app.delete<Name>("/api/v1/slos/:name", admin("name", false), async (req, reply) => {
    if (!(await d.book.delete(req.params.name))) throw missing(req.params.name);
    return reply.code(204).send();
  });
  const historyQuery = query({ step: param("time between two points, 1m to 1d (default and at least: as fine as 1,000 points over the period allow)", 16) });
  app.get<Name & { Querystring: Query }>("/api/v1/slos/:name/history", read(historyQuery, "name"), async (req): Promise<SloHistory> => {
    const step = duration(req.query, "step", null);
    if (step !== null && (step < 60_000 || step > 86_400_000)) throw new VigilError("VALIDATION_FAILED", `query parameter "step" must be from 1m to 1d`, [{ path: "/query/step", message: "out of range" }]);
    const h = await d.history(req.params.name, step);
    if (!h) throw missing(req.params.name);
    return h;
  });

  // Service classes.
  const classView = (c: BookClass): ServiceClassView => ({
    name: c.name,
    ...classToWire(c),
    source: c.source,
    slos: d.book
      .slos()
      .filter((s) => s.definition.class === c.name)
      .map((s) => s.spec.name),
  });
  const noClass = (name: string) => new VigilError("NOT_FOUND", `no service class named "${name}"; GET /api/v1/service-classes lists them`);
  app.get("/api/v1/service-classes", read(), async (): Promise<ServiceClassListResponse> => ({ classes: d.book.classes().map(classView) }));
  app.post("/api/v1/service-classes", admin(), async (req, reply) => {
    const b = req.body;
    if (!isObj(b) || typeof b.name !== "string") throw new VigilError("VALIDATION_FAILED", "the class was refused: /name: must name the class", [{ path: "/name", message: "must name the class" }]);
    if (d.book.getClass(b.name)) throw new VigilError("CONFLICT", `service class "${b.name}" exists; PUT /api/v1/service-classes/${b.name} replaces it`);
    const { cls } = await d.book.putClass(b.name, b);
    return reply.code(201).send(classView(cls));
  });
  app.get<Name>("/api/v1/service-classes/:name", read(NO_QUERY, "name"), async (req): Promise<ServiceClassView> => {
    const c = d.book.getClass(req.params.name);
    if (!c) throw noClass(req.params.name);
    return classView(c);
  });
  app.put<Name>("/api/v1/service-classes/:name", admin("name"), async (req, reply) => {
    const { cls, created } = await d.book.putClass(req.params.name, req.body);
    return reply.code(created ? 201 : 200).send(classView(cls));
  });
  app.delete<Name>("/api/v1/service-classes/:name", admin("name", false), async (req, reply) => {
    if (!(await d.book.deleteClass(req.params.name))) throw noClass(req.params.name);
    return reply.code(204).send();
  });
}
