import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { dashboardRoutes, loadDashboard } from "./dashboard.js";
import { errorHandler } from "./errors.js";
import { AJV_OPTIONS } from "./schemas.js";

describe("dashboard files and query strings", () => {
  let app: FastifyInstance;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-dashboard-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Vigil</title>");
    writeFileSync(join(dir, "assets", "app-1234.js"), "console.log(1)");
    app = Fastify({ ajv: { customOptions: AJV_OPTIONS } });
    app.setErrorHandler(errorHandler);
    dashboardRoutes(app, loadDashboard(dir));
    await app.ready();
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ignores query strings on static files, as a browser expects of cache-busting and tracking parameters", async () => {
    for (const url of ["/?utm_source=mail", "/index.html?v=2&v=3", "/assets/app-1234.js?v=1714000000"]) {
      const r = await app.inject({ method: "GET", url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
    }
    assert.equal((await app.inject({ method: "GET", url: "/assets/app-1234.js?v=1" })).body, "console.log(1)");
    assert.equal((await app.inject({ method: "GET", url: "/assets/missing.js?v=1" })).statusCode, 404);
  });
});
