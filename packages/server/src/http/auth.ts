/** API-key authentication: keys carry scopes `ingest`, `read`, `admin` (admin may do everything). */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { VigilError } from "../core/errors.js";
import { NO_QUERY } from "./schemas.js";

/** A scope a route requires. */
export type Scope = "ingest" | "read" | "admin";

/** A configured key. */
export interface KeyConfig {
  name: string;
  key: string;
  scopes: Scope[];
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** `Bearer <key>`: the scheme is case-insensitive (RFC 7235 §2.1), so `bearer` and `BEARER` are the same. */
const BEARER = /^bearer[ \t]+(\S.*)$/i;

/** What a route requires: a scope, or `any` valid key (when keys are configured). */
export type Requirement = Scope | "any";

/** Finds the configured key a request presents; throws UNAUTHORIZED when it presents none or an unknown one. */
export function keyMatcher(keys: readonly KeyConfig[]) {
  const hashed = keys.map((k) => ({ ...k, hash: digest(k.key) }));
  return (req: FastifyRequest): KeyConfig => {
    const header = req.headers.authorization;
    const bearer = typeof header === "string" ? BEARER.exec(header)?.[1]?.trim() : undefined;
    const presented = bearer ?? (typeof req.headers["x-api-key"] === "string" ? req.headers["x-api-key"] : null);
    if (!presented) throw new VigilError("UNAUTHORIZED", "an API key is required: send `Authorization: Bearer <key>`");
    const h = digest(presented);
    const match = hashed.find((k) => timingSafeEqual(k.hash, h));
    if (!match) throw new VigilError("UNAUTHORIZED", "unknown API key");
    return match;
  };
}

/** Builds the hook that checks a request's key against the scope its route declares. */
export function authHook(keys: readonly KeyConfig[]) {
  const match = keyMatcher(keys);
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (keys.length === 0) return;
    const scope = (req.routeOptions.config as { scope?: Requirement } | undefined)?.scope;
    if (!scope) return;
    const key = match(req);
    if (scope !== "any" && !key.scopes.includes(scope) && !key.scopes.includes("admin")) throw new VigilError("FORBIDDEN", `key "${key.name}" lacks the "${scope}" scope`);
  };
}

/** Registers `GET /api/v1/session`: which key the caller presents and its scopes (all scopes when the server has no keys). */
export function sessionRoute(app: FastifyInstance, keys: readonly KeyConfig[]): void {
  const match = keyMatcher(keys);
  app.get("/api/v1/session", { config: { scope: "any" }, schema: { querystring: NO_QUERY } }, async (req) => {
    if (keys.length === 0) return { auth: "none", key_name: null, scopes: ["ingest", "read", "admin"] };
    const key = match(req);
    return { auth: "key", key_name: key.name, scopes: key.scopes };
  });
}
