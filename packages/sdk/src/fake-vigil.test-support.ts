/**
 * Test support for the connector, follower and router suites: a fake Vigil (node:http on 127.0.0.1:0) that
 * serves the models-and-routes API as the server will (views, SSE stream, switch, pin, thresholds, health,
 * ingest), with canned replies queued ahead of the real handling; plus a seeded random source and a fake clock.
 * Used only by tests; the SDK itself never imports node:*.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelHealth, RouteView, WireEvent } from "@vigil/contract";
import type { Clock } from "./clock.js";

/** A canned answer for the next non-stream request: a status (with headers and body), a stall, or a dropped socket. */
export type CannedReply = { status: number; headers?: Record<string, string>; body?: unknown } | "stall" | "drop";

/** One request the fake received. */
export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running fake Vigil and the handles a test steers it with. */
export interface FakeVigil {
  url: string;
  /** Every request, in arrival order. */
  requests: FakeRequest[];
  /** Events received on `POST /api/v1/ingest`. */
  ingested: WireEvent[];
  /** Answers for the next non-stream, non-ingest requests, in order. */
  replies: CannedReply[];
  /** Status the stream endpoint answers with (200: an event stream). */
  streamStatus: number;
  /** A `retry:` field sent at the start of each stream, when set. */
  streamRetryMs: number | null;
  /** Streams currently open. */
  openStreams(): number;
  /** The view served for a route. */
  view(route: string): RouteView | undefined;
  /** Sets the view served for its route, without pushing it. */
  setView(view: RouteView): void;
  /** Sets the view and pushes it to the route's open streams. */
  publish(view: RouteView): void;
  /** Writes raw text to every open stream of a route. */
  write(route: string, text: string): void;
  /** Ends every open stream. */
  endStreams(): void;
  /** Stops listening and destroys every connection (Vigil is gone). */
  stop(): Promise<void>;
}

/** A route view with sensible defaults, for tests. */
export function routeView(fields: Partial<RouteView> & { revision: number }): RouteView {
  return {
    route: "summarize", active_model: "model-a", primary: "model-a", backups: ["model-b"], state: "normal",
    since: "2026-11-21T10:00:00Z", reason: null, split: null, pin: null, switch_back: "auto", health: {}, ...fields,
  };
}

/** Starts a fake Vigil serving the given views. */
export async function startFakeVigil(views: RouteView[] = []): Promise<FakeVigil> {
  const routes = new Map(views.map((v) => [v.route, v]));
  const streams = new Map<string, Set<ServerResponse>>();
  const stalled = new Set<ServerResponse>();
  const sse = (view: RouteView): string => `event: route\ndata: ${JSON.stringify(view)}\n\n`;
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string): void => answer(res, 404, { error: { code: "NOT_FOUND", message: `${what} not found` } });
  const fake: FakeVigil = {
    url: "",
    requests: [],
    ingested: [],
    replies: [],
    streamStatus: 200,
    streamRetryMs: null,
    openStreams: () => [...streams.values()].reduce((n, set) => n + set.size, 0),
    view: (route) => routes.get(route),
    setView: (view) => void routes.set(view.route, view),
    publish: (view) => {
      routes.set(view.route, view);
      fake.write(view.route, sse(view));
    },
    write: (route, text) => {
      for (const res of streams.get(route) ?? []) res.write(text);
    },
    endStreams: () => {
      for (const set of streams.values()) for (const res of set) res.end();
    },
    stop: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    fake.requests.push({ method, path: url.pathname + url.search, headers: req.headers, body });

    if (method === "POST" && url.pathname === "/api/v1/ingest") {
      const events = (body as { events?: WireEvent[] } | undefined)?.events ?? [];
      fake.ingested.push(...events);
      return answer(res, 207, { successes: events.map((e, index) => ({ index, id: e.id ?? `srv-${index}` })), errors: [] });
    }
    const stream = /^\/api\/v1\/routes\/([^/]+)\/stream$/.exec(url.pathname);
    if (stream && method === "GET") {
      const route = decodeURIComponent(stream[1] as string);
      if (fake.streamStatus !== 200) return answer(res, fake.streamStatus, { error: { code: "UNAVAILABLE", message: "stream down" } });
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if (fake.streamRetryMs !== null) res.write(`retry: ${fake.streamRetryMs}\n\n`);
      const view = routes.get(route);
      if (view) res.write(sse(view));
      const set = streams.get(route) ?? new Set();
      streams.set(route, set);
      set.add(res);
      res.on("close", () => set.delete(res));
      return;
    }

    const reply = fake.replies.shift();
    if (reply === "stall") return void stalled.add(res);
    if (reply === "drop") return void res.socket?.destroy();
    if (reply) {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      return void res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? { error: { code: "CANNED", message: `canned ${reply.status}` } }));
    }

    const health = /^\/api\/v1\/models\/([^/]+)\/health$/.exec(url.pathname);
    if (health && method === "GET") {
      const answerBody: ModelHealth = { status: "healthy", reasons: [], samples: 42 };
      return answer(res, 200, answerBody);
    }
    const match = /^\/api\/v1\/routes\/([^/]+)(\/switch|\/pin)?$/.exec(url.pathname);
    if (!match) return notFound(res, url.pathname);
    const route = decodeURIComponent(match[1] as string);
    const view = routes.get(route);
    if (!view) return notFound(res, `route ${route}`);
    const change = (fields: Partial<RouteView>): void => {
      fake.publish({ ...view, ...fields, revision: view.revision + 1 });
      answer(res, 200, routes.get(route));
    };
    if (method === "GET" && !match[2]) return answer(res, 200, view);
    if (method === "POST" && match[2] === "/switch") {
      const req2 = body as { to: string; reason?: string; by?: string };
      return change({ active_model: req2.to, state: "pinned", pin: { model: req2.to, until: null, by: req2.by ?? null, reason: req2.reason ?? null } });
    }
    if (method === "DELETE" && match[2] === "/pin") return change({ active_model: view.primary, state: "normal", pin: null });
    if (method === "PATCH" && !match[2]) return change({});
    return notFound(res, `${method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** A URL on which nothing listens (a port that was just freed). */
export async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A seeded uniform random source in [0, 1) (mulberry32), so statistical tests are deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock whose time moves only by `advance` and by `sleep` (which resolves at once and records the wait). */
export function fakeClock(start = 1_000_000): Clock & { sleeps: number[]; advance(ms: number): void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    advance: (ms) => void (t += ms),
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** Polls `predicate` every few milliseconds until it holds, failing after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 1500, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
