/**
 * A real Vigil for `inject()` tests of the HTTP routes: the whole composition (SQLite in a
 * temporary directory, services, alerting, failover) without a listening socket, so a test file
 * starts one in a fraction of a second and sends requests straight into Fastify.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../config/config.js";
import { startServer, type RunningServer } from "../main.js";

/** A started app and how to stop it. */
export interface RouteTestApp {
  app: FastifyInstance;
  server: RunningServer;
  /** Sends a request and parses the JSON answer (the raw text when it is not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  request(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Starts a Vigil with its own data directory; `configYaml` becomes its config file, `env` its environment. */
export async function routeTestApp(opts: { configYaml?: string; env?: Record<string, string> } = {}): Promise<RouteTestApp> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-routes-"));
  let config: string | undefined;
  if (opts.configYaml !== undefined) {
    config = join(dir, "vigil.yaml");
    writeFileSync(config, opts.configYaml);
  }
  const cfg = loadConfig({ dataDir: join(dir, "data"), port: 0, host: "127.0.0.1", ...(config ? { config } : {}) }, opts.env ?? {});
  let server: RunningServer;
  try {
    server = await startServer(cfg, false, { listen: false });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const app = server.app;
  return {
    app,
    server,
    async request(method, url, body, headers = {}) {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const res = await app.inject({ method, url, headers: { ...(payload !== undefined || method !== "GET" ? { "content-type": "application/json" } : {}), ...headers }, ...(payload !== undefined ? { payload } : {}) });
      let parsed: unknown = res.body;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        /* not JSON: the text is the answer */
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A request that must be refused for an unknown query parameter: method, URL, and the parameter's name. */
export type UnknownParamCase = readonly ["GET" | "POST" | "PUT" | "PATCH" | "DELETE", string, string];

/** Sends each request and checks it is refused with 400 VALIDATION_FAILED whose first detail names `/query/<name>`; returns the error bodies. */
export async function assertUnknownParams(t: RouteTestApp, cases: readonly UnknownParamCase[]): Promise<{ code: string; details: { path: string; message: string }[] }[]> {
  const out = [];
  for (const [method, url, name] of cases) {
    const r = await t.request(method, url);
    if (r.status !== 400 || r.body?.error?.code !== "VALIDATION_FAILED" || r.body.error.details?.[0]?.path !== `/query/${name}`) {
      throw new Error(`${method} ${url}: expected 400 VALIDATION_FAILED naming /query/${name}, got ${r.status} ${JSON.stringify(r.body)}`);
    }
    out.push(r.body.error);
  }
  return out;
}
