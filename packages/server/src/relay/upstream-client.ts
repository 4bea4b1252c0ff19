/**
 * Sends one attempt upstream over keep-alive agents (one per protocol, shared by every model), with a timeout to
 * the answer's first byte. A failure to get an answer is returned as a value (`connect` or `timeout`), never thrown;
 * an HTTP answer of any status is returned with its body unread, for the caller to stream or discard (redirects
 * are answers too: never followed).
 *
 * Every connection goes through the upstream policy: an address written in the URL is judged before anything is
 * opened, and a host name's addresses are judged as they are resolved, just before the socket connects, so that a
 * name that resolves (or is rebound) to a refused address never gets a connection, let alone the key.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { addressKind, addressRefusal, DEFAULT_UPSTREAM_POLICY, type UpstreamPolicy } from "../core/failover/upstream-policy.js";
import type { Hangup } from "./hangup.js";

/** Resolves a host name to all its addresses, as `dns.lookup` with `{all: true}` does. */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** The error code of a connection the upstream policy refused. */
export const REFUSED_CODE = "EUPSTREAMREFUSED";

/** Why an attempt got no HTTP answer. */
export type SendFailure = "connect" | "timeout";

/** The outcome of one attempt: the upstream's answer (body unread), or why there was none. */
export type SendResult = { ok: true; res: IncomingMessage } | { ok: false; failure: SendFailure; message: string };

/** Options of an {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  /** Time allowed from sending the request to the answer's first byte, in milliseconds. */
  timeoutMs: number;
  /** Which addresses may be connected to (default: public ones only). */
  policy?: UpstreamPolicy;
  /** Name resolution (default: the system's, `dns.lookup`). */
  resolve?: Resolver;
}

/** Posts request bodies to upstreams over pooled keep-alive connections. */
export class UpstreamClient {
  private readonly timeoutMs: number;
  private readonly policy: UpstreamPolicy;
  private readonly lookup: LookupFunction;
  /** The verdict on each target URL's written host, computed once per URL object (targets are built per registry change). */
  private readonly literal = new WeakMap<URL, string | null>();
  // LIFO reuses the most recently used (warm) socket first, so idle ones age out instead of all staying half-used.
  private readonly httpAgent = new HttpAgent({ keepAlive: true, scheduling: "lifo" });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: "lifo" });

  /** Builds a client; it opens connections on first use. */
  constructor(options: UpstreamClientOptions) {
    this.timeoutMs = options.timeoutMs;
    this.policy = options.policy ?? DEFAULT_UPSTREAM_POLICY;
    this.lookup = guardedLookup(this.policy, options.resolve ?? (dnsLookup as Resolver));
  }

  /**
   * POSTs `body` to `url`. Resolves when the answer's headers arrive, or with a failure on a connection error or
   * the timeout; the caller hanging up aborts the attempt, resolving with a `connect` failure.
   */
  async send(url: URL, headers: OutgoingHttpHeaders, body: Buffer, hangup?: Hangup): Promise<SendResult> {
    const refused = this.literalRefusal(url);
    if (refused !== null) return { ok: false, failure: "connect", message: `${REFUSED_CODE}: upstream refused: ${refused}` };
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

  /** Node connects to an address written in the URL without resolving it, so the lookup never sees it: it is judged here. */
  private literalRefusal(url: URL): string | null {
    let verdict = this.literal.get(url);
    if (verdict === undefined) {
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      verdict = addressKind(host) === null ? null : addressRefusal(this.policy, host);
      this.literal.set(url, verdict);
    }
    return verdict;
  }

  private once(url: URL, headers: OutgoingHttpHeaders, body: Buffer, hangup: Hangup | undefined): Promise<SendResult & { reused?: boolean }> {
    return new Promise((resolve) => {
      const https = url.protocol === "https:";
      const options = { method: "POST", headers, agent: https ? this.httpsAgent : this.httpAgent, lookup: this.lookup };
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

/**
 * A `lookup` for sockets that resolves every address of the name and keeps only those the policy permits; with
 * none left the connection fails before it is opened.
 */
export function guardedLookup(policy: UpstreamPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { family: options.family, hints: options.hints, all: true }, (err, addresses) => {
      if (err) return void callback(err, "", 0);
      const permitted = addresses.filter((a) => addressRefusal(policy, a.address, hostname) === null);
      if (permitted.length === 0) {
        const reasons = addresses.map((a) => addressRefusal(policy, a.address, hostname)).filter((r) => r !== null);
        const error: NodeJS.ErrnoException = new Error(`upstream refused: ${reasons.join("; ") || `${hostname} resolves to no address`}`);
        error.code = REFUSED_CODE;
        return void callback(error, "", 0);
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, permitted);
      else callback(null, permitted[0]!.address, permitted[0]!.family);
    });
  };
}
