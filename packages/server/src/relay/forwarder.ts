/**
 * One chat completions request through the relay: tries the planned upstreams in order until one answers, passes
 * that answer to the caller unchanged (status, headers, JSON body or event stream, byte for byte), and records
 * every attempt as an `llm_call`. An attempt that fails before anything was sent to the caller (no connection, no
 * first byte within the timeout, HTTP 5xx or 429) moves on to the next candidate; the last candidate's answer is
 * passed through whatever it is.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { LlmCallInput } from "@vigil/sdk";
import { upstreamBody, type ChatRequest } from "./chat-body.js";
import type { Hangup } from "./hangup.js";
import type { RelayLogger } from "./relay-logger.js";
import type { UpstreamClient } from "./upstream-client.js";
import { SseUsageScanner, usageOfJson } from "./usage-scanner.js";
import type { UpstreamTarget } from "./upstreams.js";

/** Largest JSON answer kept in memory to read its `usage` after it was passed on. */
const MAX_KEPT_ANSWER = 8 << 20;
/** Response headers that belong to one connection, not to the answer. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

/** How one attempt failed: no connection, no first byte in time, an HTTP error, or a stream cut after it started. */
export type AttemptErrorType = "connect" | "timeout" | "http_5xx" | "http_429" | "http_4xx" | "upstream_aborted";

/** Everything a forward needs about the request. */
export interface ForwardRequest {
  /** The route served, or null for a model named directly. */
  route: string | null;
  /** Upstreams to try, in order. */
  targets: readonly UpstreamTarget[];
  /** The parsed body. */
  chat: ChatRequest;
  /** Caller headers to send upstream (no authorization, hop-by-hop, length or encoding headers). */
  headers: OutgoingHttpHeaders;
  /** Tenant recorded with the calls (`x-vigil-tenant`). */
  tenant: string | undefined;
  /** Says when the caller goes away. */
  hangup: Hangup;
}

/** What a {@link Forwarder} needs. */
export interface ForwarderDeps {
  client: UpstreamClient;
  /** Records one `llm_call` (the Vigil client's `recordLlmCall`); never throws. */
  record: (input: LlmCallInput) => void;
  logger: RelayLogger;
  /** A streamed answer silent this long after it started is cut, in milliseconds. */
  idleTimeoutMs: number;
}

/** Forwards requests to upstreams with retries on the next candidate, recording each attempt. */
export class Forwarder {
  private readonly deps: ForwarderDeps;

  /** Builds a forwarder over an upstream client. */
  constructor(deps: ForwarderDeps) {
    this.deps = deps;
  }

  /** Serves `req` to `res`; resolves once the answer is passed on (or the caller went away). Never rejects. */
  async forward(req: ForwardRequest, res: ServerResponse): Promise<void> {
    const failures: string[] = [];
    let lastFailure: "connect" | "timeout" = "connect";
    let body: Buffer | null = null;
    let bodyModel = "";
    for (let i = 0; i < req.targets.length; i++) {
      const target = req.targets[i]!;
      const attempt = i + 1;
      const last = i === req.targets.length - 1;
      if (body === null || bodyModel !== target.upstreamModel) {
        body = upstreamBody(req.chat, target.upstreamModel);
        bodyModel = target.upstreamModel;
      }
      const headers: OutgoingHttpHeaders = { ...req.headers, "content-length": body.length };
      if (target.authorization !== null) headers.authorization = target.authorization;
      const sentAt = performance.now();
      const sent = await this.deps.client.send(target.url, headers, body, req.hangup);
      if (req.hangup.gone) {
        if (sent.ok) sent.res.destroy();
        return;
      }
      if (!sent.ok) {
        lastFailure = sent.failure;
        failures.push(`${target.modelId}: ${sent.failure} (${sent.message})`);
        this.failed(req, target, attempt, sentAt, sent.failure, undefined, sent.message, last);
        continue;
      }
      const status = sent.res.statusCode ?? 502;
      if ((status >= 500 || status === 429) && !last) {
        // Nothing has reached the caller yet: discard this answer (reading it frees the connection) and move on.
        sent.res.resume();
        failures.push(`${target.modelId}: HTTP ${status}`);
        this.failed(req, target, attempt, sentAt, status === 429 ? "http_429" : "http_5xx", status, `HTTP ${status}`, last);
        continue;
      }
      return this.passOn(req, target, attempt, sentAt, sent.res, res);
    }
    const timeout = lastFailure === "timeout";
    const what = req.route === null ? `model ${req.chat.model}` : `route ${req.route}`;
    sendError(res, timeout ? 504 : 502, timeout ? "upstream_timeout" : "upstream_unavailable", `${what}: no upstream answered (${failures.join("; ")})`, req.route);
  }

  /**
   * Passes the chosen answer on and records the call once it is complete. Piped by hand rather than with
   * `stream.pipeline`, which builds an AbortController and a DOMException per call: a measurable share of the
   * relay's overhead on small answers.
   */
  private passOn(req: ForwardRequest, target: UpstreamTarget, attempt: number, sentAt: number, up: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const status = up.statusCode ?? 502;
      res.writeHead(status, answerHeaders(up.headers, req.route, target.modelId));
      const sse = (up.headers["content-type"] ?? "").includes("text/event-stream");
      const scanner = sse ? new SseUsageScanner() : null;
      let kept: Buffer[] | null = !sse && status < 300 && up.headers["content-encoding"] === undefined ? [] : null;
      let keptBytes = 0;
      let idle = false;
      let done = false;
      const timer = setTimeout(() => {
        idle = true;
        up.destroy(new Error(`the upstream sent nothing for ${this.deps.idleTimeoutMs} ms`));
      }, this.deps.idleTimeoutMs);
      const finish = (error: Error | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.hangup.listen(null);
        const latencyMs = performance.now() - sentAt;
        resolve();
        // The caller hanging up says nothing about the model: such a call is not recorded.
        if (req.hangup.gone) return;
        if (error !== null) {
          const errorType = idle ? "timeout" : "upstream_aborted";
          this.record(req, target, attempt, latencyMs, "failure", errorType, status, undefined);
          this.deps.logger.warn({ route: req.route, model: target.modelId, attempt, error_type: errorType, err: error.message }, "upstream answer cut short");
          return;
        }
        const usage = scanner !== null ? scanner.usage : kept !== null ? usageOfJson(kept.length === 1 ? kept[0]! : Buffer.concat(kept, keptBytes)) : null;
        const ttftMs = scanner?.firstTokenAt != null ? Math.max(0, scanner.firstTokenAt - sentAt) : undefined;
        const errorType = status === 429 ? "http_429" : status >= 500 ? "http_5xx" : status >= 400 ? "http_4xx" : undefined;
        this.record(req, target, attempt, latencyMs, errorType === undefined ? "success" : "failure", errorType, status, { ...usage, ttftMs });
        if (errorType !== undefined) this.deps.logger.warn({ route: req.route, model: target.modelId, attempt, error_type: errorType, http_status: status }, "upstream answer passed to the caller");
      };
      up.on("data", (chunk: Buffer) => {
        timer.refresh();
        if (scanner !== null) scanner.push(chunk, performance.now());
        else if (kept !== null) {
          keptBytes += chunk.length;
          if (keptBytes > MAX_KEPT_ANSWER) kept = null;
          else kept.push(chunk);
        }
      });
      // An upstream cut short: the caller's answer cannot be completed either, so its connection is closed.
      up.once("error", (err) => {
        res.destroy();
        finish(err);
      });
      up.once("close", () => {
        if (!up.complete) {
          res.destroy();
          finish(new Error("the upstream closed the connection before the end of its answer"));
        }
      });
      res.once("finish", () => finish(null));
      req.hangup.listen(() => {
        up.destroy();
        finish(null);
      });
      up.pipe(res);
    });
  }

  private failed(req: ForwardRequest, target: UpstreamTarget, attempt: number, sentAt: number, errorType: AttemptErrorType, httpStatus: number | undefined, message: string, last: boolean): void {
    this.record(req, target, attempt, performance.now() - sentAt, "failure", errorType, httpStatus, undefined);
    this.deps.logger.warn(
      { route: req.route, model: target.modelId, attempt, error_type: errorType, http_status: httpStatus, err: message },
      last ? "upstream attempt failed; no candidate left" : "upstream attempt failed; trying the next candidate",
    );
  }

  private record(
    req: ForwardRequest, target: UpstreamTarget, attempt: number, latencyMs: number, status: "success" | "failure", errorType: AttemptErrorType | undefined,
    httpStatus: number | undefined, figures: Pick<LlmCallInput, "inputTokens" | "outputTokens" | "cachedInputTokens" | "ttftMs"> | undefined,
  ): void {
    this.deps.record({
      model: target.modelId,
      provider: target.provider,
      route: req.route ?? undefined,
      tenantId: req.tenant,
      latencyMs: Math.max(0, latencyMs),
      ...figures,
      status,
      errorType,
      httpStatus,
      metadata: { relay: true, attempt },
    });
  }
}

/** The upstream's response headers for the caller: all but hop-by-hop ones, plus which route and model served. */
export function answerHeaders(headers: IncomingHttpHeaders, route: string | null, model: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const key in headers) if (!HOP_BY_HOP.has(key)) out[key] = headers[key];
  if (route !== null) out["x-vigil-route"] = route;
  out["x-vigil-model"] = model;
  return out;
}

/** Answers with an error in the OpenAI shape (`{"error": {message, type, param, code}}`), which OpenAI clients surface. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, route: string | null = null): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  const type = status === 401 ? "authentication_error" : status < 500 ? "invalid_request_error" : "relay_error";
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  const headers: OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
  if (route !== null) headers["x-vigil-route"] = route;
  res.writeHead(status, headers);
  res.end(body);
}
