/**
 * Cross-site request and DNS-rebinding defences. A page on another origin can make a browser send
 * a "simple" POST to Vigil without asking (no CORS preflight), and a rebound DNS name can make the
 * browser treat Vigil as the attacker's own origin. So: a state-changing request must be JSON
 * (which a cross-site page cannot send without a preflight Vigil never grants) and must not come
 * from a foreign `Origin`; and the `Host` a request addresses must be one Vigil answers to.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { VigilError } from "../core/errors.js";

/** What the checks accept. */
export interface OriginPolicy {
  /** Host names (without port) requests may address; null: any (the check is off). */
  hosts: ReadonlySet<string> | null;
  /** Origins (`scheme://host[:port]`) whose pages may send state-changing requests, besides Vigil's own. */
  origins: ReadonlySet<string>;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The host name of a Host header, lower-cased, without port (IPv6 keeps its brackets). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

/**
 * The host names a server answers to: the loopback names and listen address, plus the configured
 * ones; null (any host) when it listens on every interface with API keys and no names configured.
 */
export function allowedHosts(listenHost: string, configured: readonly string[], keys: boolean): Set<string> | null {
  const wildcard = listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "[::]";
  if (wildcard && keys && configured.length === 0) return null;
  const names = new Set(["localhost", "127.0.0.1", "[::1]", ...configured.map((h) => hostName(h))]);
  if (!wildcard) names.add(hostName(listenHost.includes(":") && !listenHost.startsWith("[") ? `[${listenHost}]` : listenHost));
  return names;
}

/** Builds the onRequest hook that applies the policy. */
export function originHook(policy: OriginPolicy) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const host = req.headers.host;
    if (policy.hosts !== null) {
      const name = typeof host === "string" ? hostName(host) : "";
      // 127.x.y.z is loopback too.
      if (!policy.hosts.has(name) && !/^127\.\d+\.\d+\.\d+$/.test(name)) {
        throw new VigilError("FORBIDDEN", `this server does not answer to the host "${name}"; add it to server.allowed_hosts if it is a name of this server`, [{ path: "/headers/host", message: "is not a name of this server" }]);
      }
    }
    if (SAFE.has(req.method)) return;
    const origin = req.headers.origin;
    if (typeof origin === "string" && origin !== "null") {
      let same = false;
      try {
        same = new URL(origin).host.toLowerCase() === String(host ?? "").toLowerCase();
      } catch {
        same = false;
      }
      if (!same && !policy.origins.has(origin.toLowerCase())) {
        throw new VigilError("FORBIDDEN", `cross-origin request from ${origin} refused; add the origin to server.allowed_origins if its pages should change this server`, [{ path: "/headers/origin", message: "is not this server's origin" }]);
      }
    } else if (origin === "null" || req.headers["sec-fetch-site"] === "cross-site") {
      throw new VigilError("FORBIDDEN", "cross-site request refused", [{ path: "/headers/origin", message: "is not this server's origin" }]);
    }
    if (req.method === "POST" && req.url.startsWith("/api/")) {
      const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") throw new VigilError("UNSUPPORTED_MEDIA_TYPE", `send POST requests as JSON: set Content-Type: application/json (an empty body is fine)${type ? `, not ${type}` : ""}`);
    }
  };
}
