/**
 * Test support for the relay suites: fake upstreams speaking the OpenAI chat completions API (JSON answers with
 * `usage`; SSE streams ending with a usage chunk and `data: [DONE]`) and a fake Vigil serving the registry, route
 * views, their event streams, and recording ingested events; both on 127.0.0.1, and the fake Vigil can be stopped
 * and started again on the same port. Used only by tests.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RouteView } from "@vigil/contract";

/** How a fake upstream answers its next requests. */
export type UpstreamMode = { kind: "ok"; firstTokenDelayMs?: number } | { kind: "status"; status: number; body: unknown } | { kind: "stall" };

/** One request a fake upstream received. */
export interface UpstreamRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A running fake upstream. */
export interface FakeUpstream {
  /** Base URL, `http://127.0.0.1:<port>/v1`, as a registry `upstream.base_url`. */
  baseUrl: string;
  name: string;
  requests: UpstreamRequest[];
  /** The exact bytes of each answer body it wrote, in order. */
  answers: Buffer[];
  mode: UpstreamMode;
  close(): Promise<void>;
}

/** Starts a fake OpenAI-compatible upstream whose answers say `name`. */
export async function startFakeUpstream(name: string, mode: UpstreamMode = { kind: "ok" }): Promise<FakeUpstream> {
  const fake: FakeUpstream = { baseUrl: "", name, requests: [], answers: [], mode, close: () => closeServer(server) };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    fake.requests.push({ headers: req.headers, body });
    const m = fake.mode;
    if (m.kind === "stall") return;
    if (m.kind === "status") {
      const text = Buffer.from(JSON.stringify(m.body));
      fake.answers.push(text);
      return void res.writeHead(m.status, { "content-type": "application/json", "content-length": text.length }).end(text);
    }
    const model = String(body.model);
    if (body.stream !== true) {
      const text = Buffer.from(
        JSON.stringify({
          id: `chatcmpl-${name}`, object: "chat.completion", created: 1_700_000_000, model,
          choices: [{ index: 0, message: { role: "assistant", content: `hello from ${name}` }, finish_reason: "stop" }],
          usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 } },
        }),
      );
      fake.answers.push(text);
      return void res.writeHead(200, { "content-type": "application/json", "content-length": text.length, "x-upstream": name }).end(text);
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown): string =>
      `data: ${JSON.stringify({ id: `chatcmpl-${name}`, object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(includeUsage ? { usage: usage ?? null } : {}) })}\n\n`;
    const parts = [
      chunk({ role: "assistant", content: "" }, null),
      chunk({ content: "hello" }, null),
      chunk({ content: ` from ${name}` }, null),
      chunk({}, "stop"),
      ...(includeUsage ? [`data: ${JSON.stringify({ id: `chatcmpl-${name}`, object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 } })}\n\n`] : []),
      "data: [DONE]\n\n",
    ];
    fake.answers.push(Buffer.from(parts.join("")));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-upstream": name });
    res.write(parts[0]);
    await sleep(m.firstTokenDelayMs ?? 0);
    for (const part of parts.slice(1)) {
      res.write(part);
      await sleep(1);
    }
    res.end();
  });
  await listen(server, 0);
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

/** A wire event as the fake Vigil received it. */
export interface IngestedEvent {
  id: string;
  type: string;
  body: Record<string, unknown>;
}

/** A running fake Vigil. */
export interface FakeVigil {
  url: string;
  /** Models served on `GET /api/v1/models`. */
  models: unknown[];
  /** Events received on `POST /api/v1/ingest`. */
  ingested: IngestedEvent[];
  /** Paths requested, in order. */
  paths: string[];
  /** Sets a view and pushes it to the route's open streams. */
  publish(view: RouteView): void;
  /** Stops listening and drops every connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts a fake Vigil serving the given registry and views. */
export async function startFakeVigil(models: unknown[], views: RouteView[]): Promise<FakeVigil> {
  const routes = new Map(views.map((v) => [v.route, v]));
  const streams = new Map<string, Set<ServerResponse>>();
  const sse = (view: RouteView): string => `event: route\ndata: ${JSON.stringify(view)}\n\n`;
  const json = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  let port = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0]!;
    fake.paths.push(`${req.method} ${path}`);
    if (req.method === "POST" && path === "/api/v1/ingest") {
      const events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: IngestedEvent[] }).events;
      fake.ingested.push(...events);
      return json(res, 207, { successes: events.map((e, index) => ({ index, id: e.id })), errors: [] });
    }
    if (path === "/api/v1/models") return json(res, 200, { models: fake.models });
    if (path === "/api/v1/routes") return json(res, 200, { routes: [...routes.values()] });
    const stream = /^\/api\/v1\/routes\/([^/]+)\/stream$/.exec(path);
    if (stream) {
      const route = decodeURIComponent(stream[1]!);
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const view = routes.get(route);
      if (view) res.write(sse(view));
      const set = streams.get(route) ?? new Set();
      streams.set(route, set);
      set.add(res);
      res.on("close", () => set.delete(res));
      return;
    }
    const one = /^\/api\/v1\/routes\/([^/]+)$/.exec(path);
    const view = one ? routes.get(decodeURIComponent(one[1]!)) : undefined;
    if (view) return json(res, 200, view);
    return json(res, 404, { error: { code: "NOT_FOUND", message: `${path} not found` } });
  });
  const fake: FakeVigil = {
    url: "",
    models,
    ingested: [],
    paths: [],
    publish: (view) => {
      routes.set(view.route, view);
      for (const res of streams.get(view.route) ?? []) res.write(sse(view));
    },
    stop: () => closeServer(server),
    start: () => listen(server, port),
  };
  await listen(server, 0);
  port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}`;
  return fake;
}

/** A registry model whose upstream is a fake. */
export function registryModel(id: string, upstream: FakeUpstream | string, fields: { provider?: string; model?: string; keyEnv?: string } = {}): Record<string, unknown> {
  return {
    id, name: id, provider: fields.provider ?? "fake", version: "1.0.0", status: "active",
    upstream: { base_url: typeof upstream === "string" ? upstream : upstream.baseUrl, api_key_env: fields.keyEnv ?? null, model: fields.model ?? null },
  };
}

/** A route view with defaults: `summarize` on `model-a`, backups `model-b`, `model-c`. */
export function routeView(fields: Partial<RouteView> & { revision: number }): RouteView {
  return {
    route: "summarize", active_model: "model-a", primary: "model-a", backups: ["model-b", "model-c"], state: "normal",
    since: "2026-11-21T10:00:00Z", reason: null, split: null, pin: null, switch_back: "auto", health: {}, ...fields,
  };
}

/** A base URL on which nothing listens (a port that was just freed). */
export async function deadBaseUrl(): Promise<string> {
  const server = createServer();
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}/v1`;
}

/** A seeded uniform random source in [0, 1) (the tests' one generator), so statistical tests are deterministic. */
export { rng as seededRandom } from "../core/seeded-random.test-support.js";

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
