/**
 * Sends one attempt upstream over keep-alive agents (one per protocol, shared by every model), with a timeout to
 * the answer's first byte. A failure to get an answer is returned as a value (`connect` or `timeout`), never thrown;
 * an HTTP answer of any status is returned with its body unread, for the caller to stream or discard.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Hangup } from "./hangup.js";

/** Why an attempt got no HTTP answer. */
export type SendFailure = "connect" | "timeout";

/** The outcome of one attempt: the upstream's answer (body unread), or why there was none. */
export type SendResult = { ok: true; res: IncomingMessage } | { ok: false; failure: SendFailure; message: string };

/** Options of an {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  /** Time allowed from sending the request to the answer's first byte, in milliseconds. */
  timeoutMs: number;
}

/** Posts request bodies to upstreams over pooled keep-alive connections. */
export class UpstreamClient {
  private readonly timeoutMs: number;
  // LIFO reuses the most recently used (warm) socket first, so idle ones age out instead of all staying half-used.
  private readonly httpAgent = new HttpAgent({ keepAlive: true, scheduling: "lifo" });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: "lifo" });

  /** Builds a client; it opens connections on first use. */
  constructor(options: UpstreamClientOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * POSTs `body` to `url`. Resolves when the answer's headers arrive, or with a failure on a connection error or
   * the timeout; the caller hanging up aborts the attempt, resolving with a `connect` failure.
   */
  async send(url: URL, headers: OutgoingHttpHeaders, body: Buffer, hangup?: Hangup): Promise<SendResult> {
    const first = await this.once(url, headers, body, hangup);
    // A pooled socket the upstream closed while it sat idle fails at once with a reset: that says nothing about the
    // upstream's health, so the attempt is sent again once on a fresh connection before it counts as a failure.
    if (!first.ok && first.reused && first.failure === "connect" && !hangup?.gone) return this.once(url, headers, body, hangup);
    return first;
  }

  /** Closes every pooled connection. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private once(url: URL, headers: OutgoingHttpHeaders, body: Buffer, hangup: Hangup | undefined): Promise<SendResult & { reused?: boolean }> {
    return new Promise((resolve) => {
      const https = url.protocol === "https:";
      const options = { method: "POST", headers, agent: https ? this.httpsAgent : this.httpAgent };
      const req = https ? httpsRequest(url, options) : httpRequest(url, options);
      let settled = false;
      let timedOut = false;
      const onAbort = (): void => void req.destroy(new Error("the caller went away"));
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settle = (result: SendResult & { reused?: boolean }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        hangup?.listen(null);
        resolve(result);
      };
      req.once("response", (res) => settle({ ok: true, res }));
      req.once("error", (err: NodeJS.ErrnoException) => {
        const message = err.code ? `${err.code}: ${err.message}` : err.message;
        settle({ ok: false, failure: timedOut ? "timeout" : "connect", message, reused: req.reusedSocket && err.code === "ECONNRESET" });
      });
      hangup?.listen(onAbort);
      req.end(body);
    });
  }
}
