/**
 * Forecasts (docs/api.md "Forecasts", docs/anomaly.md "Forecasts"): `GET /api/v1/forecasts`, when
 * each threshold rule's metric, each SLO's error budget and the daily cost are predicted to cross
 * their limits, filtered by `kind`, `rule`, `slo` and `within` (only crossings predicted within a duration).
 */
import type { ForecastKind, ForecastListResponse } from "@vigil/contract";
import type { FastifyInstance } from "fastify";
import type { ForecastQuery, ForecastService } from "../../services/forecast-service.js";
import { badParam, duration, int, str, type Query } from "../query.js";
import { param, query } from "../schemas.js";

const KINDS: readonly ForecastKind[] = ["rule", "slo_budget", "daily_cost"];
/** Forecasts an answer holds when `limit` is not given, and at most. */
export const FORECAST_LIMIT = { default: 100, max: 1000 };
/** Longest `within`: the horizon forecasts look ahead. */
const MAX_WITHIN_MS = 7 * 86_400_000;

/** Registers the forecast route. */
export function forecastRoutes(app: FastifyInstance, forecasts: Pick<ForecastService, "list">): void {
  const schema = query({
    kind: param("rule, slo_budget or daily_cost", 16),
    rule: param("only forecasts of this alert rule", 256),
    slo: param("only the forecast of this SLO's error budget", 256),
    within: param("only crossings predicted within this duration, e.g. 2h", 16),
    limit: param(`most forecasts in the answer (1 to ${FORECAST_LIMIT.max}, default ${FORECAST_LIMIT.default})`, 16),
  });
  app.get<{ Querystring: Query }>("/api/v1/forecasts", { config: { scope: "read" }, schema: { querystring: schema } }, async (req): Promise<ForecastListResponse> => forecasts.list(forecastQuery(req.query)));
}

/** The filters of `GET /api/v1/forecasts`; a bad one is a 400 naming it. */
export function forecastQuery(q: Query): ForecastQuery {
  const kind = str(q, "kind");
  if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw badParam("kind", `must be one of ${KINDS.join(", ")}, got "${kind}"`);
  const within = duration(q, "within", null);
  if (within !== null && (within <= 0 || within > MAX_WITHIN_MS)) throw badParam("within", "must be a duration from 1s to 7d (the horizon forecasts look ahead)");
  const rule = str(q, "rule");
  const slo = str(q, "slo");
  if (rule !== undefined && slo !== undefined) throw badParam("slo", "and rule cannot both be given: a forecast is of a rule or of an SLO");
  return {
    ...(kind !== undefined ? { kind: kind as ForecastKind } : {}),
    ...(rule !== undefined ? { rule } : {}),
    ...(slo !== undefined ? { slo } : {}),
    ...(within !== null ? { withinMs: within } : {}),
    limit: int(q, "limit", FORECAST_LIMIT.default, 1, FORECAST_LIMIT.max),
  };
}
