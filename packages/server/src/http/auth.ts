/** API-key authentication: keys carry scopes `ingest`, `read`, `admin` (admin may do everything). */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { VigilError } from "../core/errors.js";

/** A scope a route requires. */
export type Scope = "ingest" | "read" | "admin";

/** A configured key. */
export interface KeyConfig {
  name: string;
  key: string;
  scopes: Scope[];
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Builds the hook that checks a request's key against the scope its route declares. */
export function authHook(keys: readonly KeyConfig[]) {
  const hashed = keys.map((k) => ({ ...k, hash: digest(k.key) }));
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (hashed.length === 0) return;
    const scope = (req.routeOptions.config as { scope?: Scope } | undefined)?.scope;
    if (!scope) return;
    const header = req.headers.authorization;
    const presented = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7).trim() : typeof req.headers["x-api-key"] === "string" ? req.headers["x-api-key"] : null;
    if (!presented) throw new VigilError("UNAUTHORIZED", "an API key is required: send `Authorization: Bearer <key>`");
    const h = digest(presented);
    const match = hashed.find((k) => timingSafeEqual(k.hash, h));
    if (!match) throw new VigilError("UNAUTHORIZED", "unknown API key");
    if (!match.scopes.includes(scope) && !match.scopes.includes("admin")) throw new VigilError("FORBIDDEN", `key "${match.name}" lacks the "${scope}" scope`);
  };
}
