/**
 * The generic webhook channel: the notification as versioned JSON, POSTed to any URL, optionally
 * signed so that the receiver can tell it came from this Vigil and is fresh.
 */
import { createHmac } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier, NotifiedAlert } from "../../core/alerting/types.js";
import { REDACTED, HttpUrlSchema, TimeoutSchema, checkHttpUrl, redactUrl, timeoutMs, type ChannelDeps } from "../channel.js";
import { postJson } from "../http-delivery.js";
import { alertUrl, isoTime } from "../render.js";

/** Timeout when the config sets none. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of a webhook channel. */
export const WebhookConfigSchema = Type.Object(
  {
    url: HttpUrlSchema,
    /** Extra request headers (e.g. Authorization); the X-Vigil-* and Content-Type headers cannot be replaced. */
    headers: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }), Type.String())),
    /** HMAC key for X-Vigil-Signature; at least 16 characters so it cannot be guessed. */
    secret: Type.Optional(Type.String({ minLength: 16 })),
    timeout: Type.Optional(TimeoutSchema),
  },
  { additionalProperties: false },
);
/** A webhook channel's settings. */
export type WebhookConfig = Static<typeof WebhookConfigSchema>;

/** An alert in the webhook body: the notified alert with ISO 8601 times and the link to its page. */
export interface WebhookAlert extends Omit<NotifiedAlert, "starts_at" | "ends_at"> {
  starts_at: string;
  ends_at: string | null;
  /** The alert's page in the dashboard (`alertUrl`); null without an http(s) external URL and for test alerts. */
  url: string | null;
}

/** The webhook body, version 1: receivers should ignore fields they do not know. */
export interface WebhookPayload {
  version: "1";
  id: string;
  kind: Notification["kind"];
  group_key: string;
  group_labels: Record<string, string>;
  severity: Notification["severity"];
  alerts: WebhookAlert[];
  external_url: string;
  created_at: string;
}

/** The body a webhook receives for a notification. */
export function webhookPayload(n: Notification): WebhookPayload {
  return {
    version: "1",
    id: n.id,
    kind: n.kind,
    group_key: n.group_key,
    group_labels: n.group_labels,
    severity: n.severity,
    alerts: n.alerts.map((a) => ({ ...a, starts_at: isoTime(a.starts_at), ends_at: a.ends_at === null ? null : isoTime(a.ends_at), url: alertUrl(n, a) })),
    external_url: n.external_url,
    created_at: isoTime(n.created_at),
  };
}

/**
 * The signature of a request: `sha256=` and the hex HMAC-SHA256, keyed with the secret, of
 * `<timestamp>.<raw body>`.
 *
 * Scheme (for receivers): read `X-Vigil-Timestamp` (Unix seconds at sending) and the raw body bytes
 * before any JSON parsing; compute HMAC-SHA256(secret, timestamp + "." + body) in hex; compare it
 * with `X-Vigil-Signature` minus its `sha256=` prefix in constant time; reject the request when
 * they differ or when the timestamp is more than a few minutes from your clock. Because the
 * timestamp is inside the signed text, a captured request cannot be replayed later (its timestamp
 * goes stale and cannot be changed without the secret). Each retry is signed anew with a fresh
 * timestamp and keeps the same `X-Vigil-Notification-Id`, which receivers use to drop duplicates.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Creates a webhook channel that POSTs `webhookPayload(n)` to the configured URL. */
export function createWebhookChannel(name: string, config: WebhookConfig, deps: ChannelDeps): Notifier {
  checkHttpUrl(config.url, "url", name);
  const timeout = timeoutMs(config.timeout, DEFAULT_TIMEOUT_MS, name);
  const now = deps.now ?? Date.now;
  return {
    name,
    type: "webhook",
    async send(n: Notification): Promise<DeliveryResult> {
      const body = JSON.stringify(webhookPayload(n));
      const headers = new Headers(config.headers);
      headers.set("x-vigil-notification-id", n.id);
      if (config.secret !== undefined) {
        const timestamp = Math.floor(now() / 1000);
        headers.set("x-vigil-timestamp", String(timestamp));
        headers.set("x-vigil-signature", signWebhook(config.secret, timestamp, body));
      }
      return postJson({ url: config.url, body, headers, timeoutMs: timeout, now });
    },
    describe: () => ({
      name,
      type: "webhook",
      url: redactUrl(config.url),
      // Header values are often credentials (Authorization); their names are enough to check the setup.
      headers: Object.fromEntries(Object.keys(config.headers ?? {}).map((k) => [k, REDACTED])),
      secret: config.secret === undefined ? null : REDACTED,
      timeout_ms: timeout,
    }),
  };
}
