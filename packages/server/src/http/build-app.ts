/** Builds the HTTP application (never listens): routes, auth, limits and error mapping. */
import { isAscii, isUtf8 } from "node:buffer";
import Fastify, { type FastifyInstance } from "fastify";
import { VigilError } from "../core/errors.js";
import { forbiddenKeyMessage, forbiddenKeys, markFreeOfForbiddenKeys, mayHoldForbiddenKey } from "../core/forbidden-keys.js";
import type { Logger } from "pino";
import type { IngestService } from "../services/ingest-service.js";
import type { MetricsService } from "../services/metrics-service.js";
import type { CooperativeRunner } from "../services/cooperative-runner.js";
import type { RouteService } from "../services/route-service.js";
import { AJV_OPTIONS } from "./schemas.js";
import { guardConnections } from "./connection-guard.js";
import { originHook, type OriginPolicy } from "./request-origin.js";
import { answerOversizedBodies } from "./body-limit.js";
import { parseEventBatch } from "./batch-json.js";
import { authHook, sessionRoute, type KeyConfig } from "./auth.js";
import { dashboardRoutes, type DashboardAssets } from "./dashboard.js";
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from "./errors.js";
import { ingestRoutes } from "./routes/ingest.js";
import { alertRoutes, type AlertingDeps } from "./routes/alerts.js";
import { failoverRoutes } from "./routes/failover.js";
import { metricsRoutes } from "./routes/metrics.js";
import { opsRoutes, type OpsDeps } from "./routes/ops.js";
import { thresholdRoutes } from "./routes/thresholds.js";
import { sloRoutes, type SloRouteDeps } from "./routes/slos.js";
import type { ThresholdService } from "../services/threshold-service.js";
import { baselineRoutes } from "./routes/baselines.js";
import type { BaselineService } from "../services/baseline-service.js";
import { anomalyRoutes, type AnomalyRouteDeps } from "./routes/anomalies.js";
import { forecastRoutes } from "./routes/forecasts.js";
import { otlpRoutes, type OtlpRouteDeps } from "./routes/otlp.js";
import type { ForecastService } from "../services/forecast-service.js";
import { traceRoutes } from "./routes/traces.js";
import type { SpanStore } from "../core/ports.js";

/** Everything the HTTP layer needs. */
export interface AppDeps {
  ingest: IngestService;
  metrics: MetricsService;
  /** Runs long queries in slices, so they never hold the serving thread. */
  runner: CooperativeRunner;
  ops: OpsDeps;
  /** Models, routes and failover (absent: those endpoints are not served). */
  routes?: RouteService;
  /** Told of every answered request: method, route pattern, status code, seconds taken (for `/metrics`). */
  observeRequest?: (method: string, route: string, code: number, seconds: number) => void;
  alerting: AlertingDeps;
  /** The one threshold model (`GET|PUT /api/v1/thresholds`). */
  thresholds: ThresholdService;
  /** Service classes and SLOs (`/api/v1/slos`, `/api/v1/service-classes`; absent: not served). */
  slos?: SloRouteDeps;
  /** Performance baselines (`/api/v1/baselines`, the report's `baselines`; absent: not served). */
  baselines?: BaselineService;
  /** The OTLP/HTTP receiver (`/v1/traces`; absent: not served). */
  otlp?: OtlpRouteDeps;
  /** Anomaly rules' readings (`/api/v1/anomalies`; absent: not served). */
  anomalies?: AnomalyRouteDeps;
  /** Forecasts (`/api/v1/forecasts`, the report's `forecasts`; absent: not served). */
  forecasts?: ForecastService;
  /** Stored spans (`GET /api/v1/traces/:trace_id`, `GET /api/v1/sessions/:session_id`; absent: not served). */
  spans?: Pick<SpanStore, "trace" | "session">;
  keys: readonly KeyConfig[];
  /** The web dashboard served at `/` (absent: not served). */
  dashboard?: DashboardAssets;
  bodyLimitBytes: number;
  maxEventsPerBatch: number;
  /** Connection limit and timeouts (defaults: config's DEFAULTS). */
  connections?: { max: number; headersMs: number; requestMs: number; keepAliveMs: number; idleMs: number };
  /** Host and origin checks against DNS rebinding and cross-site requests (absent: no checks). */
  origin?: OriginPolicy;
  logger?: Logger | false;
}

/** Builds the Fastify app. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const c = deps.connections ?? { max: 10_000, headersMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000, idleMs: 60_000 };
  const app = Fastify({
    // A slow or silent client cannot hold a connection: headers, the whole request, keep-alive idleness and socket silence are bounded.
    connectionTimeout: c.idleMs,
    keepAliveTimeout: c.keepAliveMs,
    requestTimeout: c.requestMs,
    http: { headersTimeout: c.headersMs, requestTimeout: c.requestMs, connectionsCheckingInterval: Math.min(1000, c.headersMs) },
    loggerInstance: deps.logger || undefined,
    logger: deps.logger ? undefined : false,
    bodyLimit: deps.bodyLimitBytes,
    // Fastify's JSON parser is replaced below (parseJson names forbidden keys by path); these stay the safe default for any other.
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    return503OnClosing: true,
    forceCloseConnections: true,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    ajv: { customOptions: AJV_OPTIONS },
    // Names are accepted up to 256 characters at ingest (512 UTF-16 units; the router measures the decoded value, default 100);
    // the route schemas then refuse anything over 256 characters with a 400 naming the parameter.
    routerOptions: { maxParamLength: 1024 },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // JSON only, UTF-8 only: invalid bytes or another charset are refused rather than mangled into U+FFFD,
  // and an empty JSON body (e.g. `curl -X POST .../sync`) means "no body", not an error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(String(req.headers["content-type"] ?? ""))?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") return done(new VigilError("UNSUPPORTED_MEDIA_TYPE", `charset ${charset} is not supported: send UTF-8 JSON`), undefined);
    const buf = body as Buffer;
    const ascii = isAscii(buf);
    if (!ascii && !isUtf8(buf)) return done(new VigilError("INVALID_ENCODING", "the body is not valid UTF-8"), undefined);
    const eventBodies = (req.routeOptions.config as { eventBodies?: boolean } | undefined)?.eventBodies === true;
    // A batch is parsed event by event (no string of the whole body); any other body as one text.
    const batch = eventBodies ? parseEventBatch(buf, ascii) : null;
    if (batch) return done(null, batch);
    const parsed = parseJson(buf.toString("utf8"), eventBodies);
    if (parsed instanceof VigilError) return done(parsed, undefined);
    done(null, parsed);
  });
  // Every route declares its query string, so a parameter it does not read is refused by name rather than ignored.
  app.addHook("onRoute", (route) => {
    if (!(route.schema as { querystring?: unknown } | undefined)?.querystring) throw new Error(`${String(route.method)} ${route.url} declares no query string schema (schemas.ts: query(), NO_QUERY)`);
  });
  guardConnections(app.server, c.max);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  if (deps.origin) app.addHook("onRequest", originHook(deps.origin));
  app.addHook("onRequest", authHook(deps.keys));
  answerOversizedBodies(app);
  const observe = deps.observeRequest;
  app.addHook("onResponse", async (req, reply) => {
    // The route pattern, not the URL: ids in paths must not become label values.
    observe?.(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) req.log.warn({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, "request answered with a server error");
  });
  // Routes log at warn: a line per request at info would drown the log at ingest rates.
  void app.register(
    async (scope) => {
      ingestRoutes(scope, deps.ingest, { maxEventsPerBatch: deps.maxEventsPerBatch });
      metricsRoutes(scope, deps.metrics, deps.runner, async () => {
        const { alerts } = await deps.alerting.store.listAlerts({ states: ["firing", "acknowledged"], limit: 100 });
        return alerts.map((a) => ({ alert_id: a.id, rule: a.rule, level: a.severity, state: a.state, message: a.annotations.summary ?? a.rule, current_value: a.value, threshold: a.threshold, labels: a.labels, starts_at: new Date(a.fired_at ?? a.active_at).toISOString(), recommendation: a.annotations.recommendation ?? null }));
      }, deps.baselines, deps.slos?.compliance, deps.forecasts);
      alertRoutes(scope, deps.alerting);
      thresholdRoutes(scope, deps.thresholds);
      if (deps.slos) sloRoutes(scope, deps.slos);
      if (deps.baselines) baselineRoutes(scope, deps.baselines);
      if (deps.forecasts) forecastRoutes(scope, deps.forecasts);
      if (deps.anomalies) anomalyRoutes(scope, deps.anomalies);
      if (deps.otlp) otlpRoutes(scope, deps.otlp);
      if (deps.spans) traceRoutes(scope, deps.spans);
      if (deps.routes) failoverRoutes(scope, deps.routes);
      opsRoutes(scope, deps.ops);
      sessionRoute(scope, deps.keys);
      if (deps.dashboard) dashboardRoutes(scope, deps.dashboard);
    },
    { logLevel: "warn" },
  );
  return app;
}

/**
 * Parses a JSON body. `__proto__` and `constructor.prototype` keys are refused with 400
 * FORBIDDEN_KEY naming where they are, except in event bodies (`eventBodies`), where the event
 * validator refuses only the event holding one so the rest of a batch is stored. JSON.parse only
 * creates own properties with those names, so parsing first pollutes nothing.
 */
function parseJson(raw: string, eventBodies: boolean): unknown {
  // One leading byte order mark is tolerated, as clients on some platforms write one.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return new VigilError("INVALID_JSON", `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (eventBodies) {
    // A batch whose text cannot hold a forbidden key spares the validator a walk of every event.
    const events = (value as { events?: unknown } | null)?.events;
    if (Array.isArray(events) && !mayHoldForbiddenKey(text)) markFreeOfForbiddenKeys(events);
    return value;
  }
  if (!mayHoldForbiddenKey(text)) return value;
  const found = forbiddenKeys(value);
  if (found.length === 0) return value;
  return new VigilError("FORBIDDEN_KEY", `the JSON body holds a forbidden key at ${found[0]}: ${forbiddenKeyMessage(found[0]!)}`, found.map((path) => ({ path, message: forbiddenKeyMessage(path) })));
}
