/**
 * Posting batches over Node's own HTTP client, where the runtime has one. Node's fetch (undici) spends two to
 * three times as long on the caller's thread per request as `http.request` with a keep-alive agent (about 1 ms
 * against 0.4 ms for a batch of 500 runs), and was most of what a flush cost. The modules are found at run time through
 * `process.getBuiltinModule` (Node 20.16+, Bun, Deno): nothing is imported, so bundlers and browsers never see
 * them, and a runtime without it posts with fetch.
 */
import { utf8Length } from "./wire.js";

/** What an ingest request answered: enough to classify it. */
export interface RawAnswer {
  /** HTTP status. */
  status: number;
  /** The answer's body. */
  text: string;
  /** The Retry-After header, when present. */
  retryAfter: string | null;
}

/** Sends one body to the ingest URL; rejects on a network error, or when `signal` fires. */
export type Poster = (body: string | Uint8Array, signal: AbortSignal) => Promise<RawAnswer>;

/** The slice of `node:http` / `node:https` used here. */
interface HttpModule {
  Agent: new (options: { keepAlive: boolean; timeout: number }) => object;
  request(url: URL, options: { method: string; agent: object; headers: Record<string, string> }, onResponse: (res: IncomingAnswer) => void): OutgoingRequest;
}

interface OutgoingRequest {
  /** True when the request went out on a kept-alive connection used before. */
  reusedSocket?: boolean;
  on(event: "error", listener: (err: Error & { code?: string }) => void): unknown;
  destroy(err: Error): unknown;
  end(body: string | Uint8Array): unknown;
}

interface IncomingAnswer {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  complete: boolean;
  setEncoding(encoding: "utf8"): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * Idle connections are closed after this long: under the 5 s for which Vigil keeps one open, so that a batch is
 * not written to a connection the server is closing.
 */
const IDLE_MS = 4000;

/**
 * A poster to `url` over Node's http or https module with one keep-alive agent (its idle connections do not hold
 * the process open), or undefined where the runtime has no `process.getBuiltinModule` or the URL is not http(s).
 */
export function nodePoster(url: string, headers: Readonly<Record<string, string>>): Poster | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return undefined;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const id = target.protocol === "http:" ? "node:http" : target.protocol === "https:" ? "node:https" : undefined;
  let http: HttpModule | undefined;
  try {
    http = id === undefined ? undefined : (proc.getBuiltinModule(id) as HttpModule | undefined);
  } catch {
    http = undefined;
  }
  if (typeof http?.request !== "function" || typeof http.Agent !== "function") return undefined;
  const request = http.request.bind(http);
  const agent = new http.Agent({ keepAlive: true, timeout: IDLE_MS });
  return (body, signal) =>
    new Promise<RawAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: RawAnswer): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(answer!);
      };
      const length = typeof body === "string" ? utf8Length(body) : body.byteLength;
      let current: OutgoingRequest | null = null;
      const onAbort = (): void => void current?.destroy(new Error("request aborted"));
      signal.addEventListener("abort", onAbort, { once: true });
      const attempt = (fresh: boolean): void => {
        let answered = false;
        const req = request(target, { method: "POST", agent, headers: { ...headers, "content-length": String(length) } }, (res) => {
          answered = true;
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => {
            const retryAfter = res.headers["retry-after"];
            settle(undefined, { status: res.statusCode ?? 0, text, retryAfter: typeof retryAfter === "string" ? retryAfter : null });
          });
          res.on("error", (err) => settle(err));
          res.on("close", () => {
            if (!res.complete) settle(new Error("connection closed before the answer ended"));
          });
        });
        current = req;
        req.on("error", (err: Error & { code?: string }) => {
          // A kept-alive connection the server closed just as it was reused: send again at once on a
          // new one (the batch is idempotent), rather than waiting out a retry backoff.
          if (!fresh && !answered && !signal.aborted && req.reusedSocket === true && (err.code === "ECONNRESET" || err.code === "EPIPE")) return attempt(true);
          settle(err);
        });
        req.end(body);
      };
      attempt(false);
    });
}
