/**
 * What every channel shares: the dependencies the composition root hands in, the timeout setting,
 * and redaction of secrets for `describe()`.
 */
import { Type } from "@sinclair/typebox";
import { VigilError } from "../core/errors.js";

/** The slice of a pino logger the channels use (`log.info(obj, msg)`), so tests can pass a recorder. */
export interface NotifyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the channels receive from the composition root. */
export interface ChannelDeps {
  log: NotifyLogger;
  /** Wall clock in epoch milliseconds (webhook signatures, Retry-After dates); defaults to Date.now. */
  now?: () => number;
}

/** Placeholder shown instead of a secret. */
export const REDACTED = "<redacted>";

/** A delivery timeout as written in config: `500ms`, `10s` or `1m`. */
export const TimeoutSchema = Type.String({ pattern: "^\\d{1,6}(ms|s|m)$" });

/** An absolute http(s) URL. */
export const HttpUrlSchema = Type.String({ pattern: "^https?://[^\\s]+$" });

const TIMEOUT_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/**
 * Milliseconds of a timeout setting, or `fallbackMs` when unset; a zero or malformed value is a
 * configuration error naming the channel, found at start-up rather than at the first alert.
 */
export function timeoutMs(text: string | undefined, fallbackMs: number, channel: string): number {
  if (text === undefined) return fallbackMs;
  const m = /^(\d{1,6})(ms|s|m)$/.exec(text);
  const ms = m ? Number(m[1]) * TIMEOUT_UNITS[m[2]!]! : 0;
  if (ms <= 0) throw new VigilError("CONFIG_INVALID", `channel "${channel}": timeout must be a positive duration such as 10s or 500ms, got "${text}"`);
  return ms;
}

/** Checks that a setting parses as an http(s) URL, so a typo is reported at start-up. */
export function checkHttpUrl(url: string, setting: string, channel: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VigilError("CONFIG_INVALID", `channel "${channel}": ${setting} is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new VigilError("CONFIG_INVALID", `channel "${channel}": ${setting} must be an http:// or https:// URL`);
  return parsed;
}

/**
 * A URL safe to show: the password and every query value are replaced, since tokens often ride
 * there (`?token=...`), and an unparsable URL is hidden whole.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return REDACTED;
  }
  if (u.password) u.password = "redacted";
  for (const key of [...new Set(u.searchParams.keys())]) u.searchParams.set(key, "redacted");
  return u.toString();
}
