/**
 * Route schemas: every route declares the query parameters, path parameters and body it takes, and
 * Fastify's validation refuses anything else with a 400 naming it (`/query/windw`), so a misspelled
 * parameter never silently answers for the whole system. Query values are declared as strings and
 * their meaning (durations, numbers) is checked by the parsers in query.ts, which name the parameter too.
 */
import { DIMENSIONS } from "../core/stored-event.js";

/** A JSON schema as Fastify takes it. */
export type JsonSchema = Record<string, unknown>;

/** Longest value a query parameter may carry (names are at most 256 characters; lists and cursors more). */
const MAX_QUERY_VALUE = 4096;

/** A query parameter (one string; a repeated parameter is refused). */
export const param = (description: string, maxLength = MAX_QUERY_VALUE): JsonSchema => ({ type: "string", maxLength, description });

/** The query string of a route: exactly these parameters, each at most once. */
export function query(props: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", additionalProperties: false, properties: props };
}

/** No query parameters at all. */
export const NO_QUERY = query({});

/** Any query string, ignored: static files answer the same whatever it holds (a cache-busting `?v=2` works). */
export const IGNORED_QUERY: JsonSchema = { type: "object", description: "ignored" };

/** Path parameters: names of agents, models, routes, alerts... (at most 256 characters, as at ingest). */
export function params(...names: string[]): JsonSchema {
  return { type: "object", additionalProperties: false, required: names, properties: Object.fromEntries(names.map((n) => [n, { type: "string", minLength: 1, maxLength: 256 }])) };
}

/** `window` and the seed's alias `time_window_minutes`. */
export const WINDOW = {
  window: param("window length: 60m, 6h, 7d", 32),
  time_window_minutes: param("window length in minutes (the seed's alias)", 32),
};

/** `agent_name=&model=&route=&tenant_id=&mode=` filters. */
export const DIM_FILTERS: Record<string, JsonSchema> = Object.fromEntries(DIMENSIONS.map((d) => [d, param(`only data with this ${d}`, 256)]));

/** Paging of a listing. */
export const PAGING = {
  limit: param("most items in the answer", 16),
  cursor: param("next_cursor of the previous page"),
};

/** A JSON object body whose fields the route checks itself (naming each bad field by JSON pointer). */
export const OBJECT_BODY: JsonSchema = { type: "object" };

/** An optional JSON object body. */
export const OPTIONAL_OBJECT_BODY: JsonSchema = { type: ["object", "null"] };

/** No body, or an empty object: a route whose parameters all travel in the query string. */
export const NO_BODY: JsonSchema = { type: ["object", "null"], additionalProperties: false, properties: {}, description: "this route takes no body; its parameters go in the query string" };

/** Options for Fastify's Ajv: keep unknown properties so they are refused, report every problem at once. */
export const AJV_OPTIONS = { removeAdditional: false, coerceTypes: false, allErrors: true, verbose: true } as const;

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { properties?: Record<string, unknown>; description?: string };
}

/** Where a validation error was found, as it starts a detail's path. */
const PREFIX: Record<string, string> = { querystring: "/query", params: "/params", body: "", headers: "/headers" };
const WHAT: Record<string, string> = { querystring: "query parameter", params: "path parameter", body: "field", headers: "header" };

/** Turns Fastify's validation errors into the details of a 400: a JSON pointer and a sentence each. */
export function validationDetails(errors: readonly AjvError[], context: string): { message: string; details: { path: string; message: string }[] } {
  const prefix = PREFIX[context] ?? "";
  const what = WHAT[context] ?? "field";
  const details = errors.map((e) => {
    if (e.keyword === "additionalProperties") {
      const name = String(e.params.additionalProperty);
      const known = Object.keys(e.parentSchema?.properties ?? {});
      const none = e.parentSchema?.description ?? "this route takes none";
      return { path: `${prefix}${e.instancePath}/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`, message: known.length ? `is not a known ${what} here; known: ${known.join(", ")}` : `is not a known ${what}: ${none}` };
    }
    const path = `${prefix}${e.instancePath}`;
    if (e.keyword === "type" && context === "querystring") return { path, message: "must be given once" };
    if (e.keyword === "type" && context === "body" && path === "") return { path, message: `must be a JSON object${[e.params.type].flat().includes("null") ? " (or left out)" : ""}` };
    if (e.keyword === "maxLength") return { path, message: `must be at most ${String(e.params.limit)} characters` };
    if (e.keyword === "required") return { path: `${path}/${String(e.params.missingProperty)}`, message: "is required" };
    return { path, message: e.message ?? "is invalid" };
  });
  const first = details[0];
  const name = first ? first.path.slice(prefix.length + 1) : "";
  const message = !first ? "the request is invalid" : first.path === "" ? `the body ${first.message}` : `${what} "${name}" ${first.message}`;
  return { message: details.length > 1 ? `${message} (and ${details.length - 1} more problem${details.length > 2 ? "s" : ""})` : message, details };
}
