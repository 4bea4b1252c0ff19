/**
 * Serves the web dashboard (the `@vigil/dashboard` build) at `/`: the few built files are read once
 * at start and answered from memory with ETags, each compressed (brotli or gzip) the first time a
 * browser asks for that encoding (not at start: brotli of the bundle takes ~200 ms); hashed assets
 * are cached for a year, `index.html` is revalidated on every load.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { IGNORED_QUERY } from "./schemas.js";

interface Asset {
  body: Buffer;
  compressible: boolean;
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

/** The built dashboard held in memory, or why it is missing. */
export type DashboardAssets = { files: ReadonlyMap<string, Asset> } | { missing: string };

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
};

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Reads a dashboard build directory (as written by `vite build`) into memory. */
export function loadDashboard(dir: string): DashboardAssets {
  if (!existsSync(join(dir, "index.html"))) return { missing: `the dashboard is not built (no ${join(dir, "index.html")}): run \`npm run build\` in the repository, then restart Vigil` };
  const files = new Map<string, Asset>();
  for (const path of walk(dir)) {
    const url = "/" + relative(dir, path).split(sep).join("/");
    const ext = url.slice(url.lastIndexOf(".") + 1).toLowerCase();
    const body = readFileSync(path);
    const type = TYPES[ext] ?? "application/octet-stream";
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 512;
    files.set(url, {
      body,
      compressible,
      type,
      etag: `"${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`,
      immutable: url.startsWith("/assets/"),
    });
  }
  return { files };
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset) {
  reply.header("content-type", a.type).header("etag", a.etag).header("vary", "accept-encoding").header("x-content-type-options", "nosniff");
  reply.header("cache-control", a.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (a.type.startsWith("text/html")) reply.header("content-security-policy", CSP).header("referrer-policy", "no-referrer");
  if (req.headers["if-none-match"] === a.etag) return reply.code(304).send();
  const accept = String(req.headers["accept-encoding"] ?? "");
  if (a.compressible && /\bbr\b/.test(accept)) return reply.header("content-encoding", "br").send((a.br ??= brotliCompressSync(a.body)));
  if (a.compressible && /\bgzip\b/.test(accept)) return reply.header("content-encoding", "gzip").send((a.gzip ??= gzipSync(a.body, { level: 9 })));
  return reply.send(a.body);
}

/** Registers `/` (and `/index.html`) and `/assets/*`; without a build, `/` answers 503 with how to build it. */
export function dashboardRoutes(app: FastifyInstance, assets: DashboardAssets): void {
  const index = (req: FastifyRequest, reply: FastifyReply) => {
    if ("missing" in assets) {
      return reply.code(503).header("content-type", "text/html; charset=utf-8").send(`<!doctype html><meta charset="utf-8"><title>Vigil</title><p>Vigil is running, but ${assets.missing.replace(/&/g, "&amp;").replace(/</g, "&lt;")}.</p><p>The API answers at <a href="api/v1/health">/api/v1</a>.</p>`);
    }
    return send(req, reply, assets.files.get("/index.html")!);
  };
  // Query strings are ignored, as by any static file server: links with tracking or cache-busting parameters still load.
  const files = { schema: { querystring: IGNORED_QUERY } };
  app.get("/", files, index);
  app.get("/index.html", files, index);
  app.get<{ Params: { "*": string } }>("/assets/*", files, async (req, reply) => {
    const file = "missing" in assets ? undefined : assets.files.get(`/assets/${req.params["*"]}`);
    if (!file) return reply.code(404).send({ error: { code: "NOT_FOUND", message: `no dashboard file ${req.url}` } });
    return send(req, reply, file);
  });
}
