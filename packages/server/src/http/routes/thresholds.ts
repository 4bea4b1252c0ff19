/**
 * The thresholds (SPEC §3 Alerts, docs/thresholds.md): `GET|PUT /api/v1/thresholds` read and
 * change the one threshold model every verdict uses. `thresholds` on `PATCH /api/v1/models/:id` and
 * `POST|PATCH /api/v1/routes` are aliases of its model and route scopes.
 */
import type { FastifyInstance } from "fastify";
import type { ThresholdsResponse } from "@vigil/contract";
import type { ThresholdService } from "../../services/threshold-service.js";
import { NO_QUERY } from "../schemas.js";

/** Registers the thresholds routes. */
export function thresholdRoutes(app: FastifyInstance, thresholds: ThresholdService): void {
  app.get("/api/v1/thresholds", { config: { scope: "read" }, schema: { querystring: NO_QUERY } }, async (): Promise<ThresholdsResponse> => thresholds.wire());
  app.put("/api/v1/thresholds", { config: { scope: "admin" }, schema: { querystring: NO_QUERY } }, async (req): Promise<ThresholdsResponse> => thresholds.update(req.body));
}
