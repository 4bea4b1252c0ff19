/**
 * The Alertmanager channel: hands alerts to a Prometheus Alertmanager through its API v2
 * (`POST /api/v2/alerts`), so teams that route everything through Alertmanager keep doing so.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier, NotifiedAlert } from "../../core/alerting/types.js";
import { REDACTED, HttpUrlSchema, TimeoutSchema, checkHttpUrl, redactUrl, timeoutMs, type ChannelDeps } from "../channel.js";
import { postJson } from "../http-delivery.js";
import { alertUrl, isoTime } from "../render.js";

/** Timeout when the config sets none. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of an Alertmanager channel. */
export const AlertmanagerConfigSchema = Type.Object(
  {
    /** Base URL of Alertmanager, e.g. http://127.0.0.1:9093 (a path prefix is kept). */
    url: HttpUrlSchema,
    basic_auth: Type.Optional(Type.Object({ username: Type.String(), password: Type.String() }, { additionalProperties: false })),
    timeout: Type.Optional(TimeoutSchema),
  },
  { additionalProperties: false },
);
/** An Alertmanager channel's settings. */
export type AlertmanagerConfig = Static<typeof AlertmanagerConfigSchema>;

/** An alert as Alertmanager's API v2 takes it (`postableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * The alert Alertmanager receives. Labels identify it there, so they are the alert's labels as they
 * are (empty values dropped: Alertmanager treats them as absent). A firing alert has no endsAt:
 * Alertmanager then keeps it active for its `resolve_timeout` (5m by default), so the alert engine's
 * repeat notifications must come more often than that. A resolved alert carries its resolution
 * time as endsAt, which ends it at once. Acknowledgement has no meaning in Alertmanager (silences
 * are its tool), so acknowledged alerts stay active there. generatorURL is the alert's page in
 * Vigil (the Vigil root for a test alert, which has no page).
 */
export function postableAlert(n: Notification, a: NotifiedAlert): PostableAlert {
  const labels = Object.fromEntries(Object.entries({ alertname: a.rule, severity: a.severity, ...a.labels }).filter(([, v]) => v !== ""));
  const annotations = Object.fromEntries(Object.entries(a.annotations).filter(([, v]) => v !== ""));
  if (a.acknowledged_by !== null) annotations.acknowledged_by = a.acknowledged_by;
  const out: PostableAlert = { labels, annotations, startsAt: isoTime(a.starts_at) };
  if (n.kind === "resolved" || a.status === "resolved") out.endsAt = isoTime(a.ends_at ?? n.created_at);
  // Prometheus links generatorURL to where the alert came from: here, the alert's page in Vigil.
  const generator = alertUrl(n, a) ?? (/^https?:\/\//.test(n.external_url) ? n.external_url : null);
  if (generator !== null) out.generatorURL = generator;
  return out;
}

/** The alerts endpoint under a base URL, keeping any path prefix (`/am` → `/am/api/v2/alerts`). */
export function alertsEndpoint(base: string): string {
  return `${base.replace(/\/+$/, "")}/api/v2/alerts`;
}

/** Creates an Alertmanager channel. Alertmanager answers 200 with an empty body; 400 means an invalid alert. */
export function createAlertmanagerChannel(name: string, config: AlertmanagerConfig, deps: ChannelDeps): Notifier {
  checkHttpUrl(config.url, "url", name);
  const endpoint = alertsEndpoint(config.url);
  const timeout = timeoutMs(config.timeout, DEFAULT_TIMEOUT_MS, name);
  const headers: Record<string, string> = {};
  if (config.basic_auth) headers.authorization = `Basic ${Buffer.from(`${config.basic_auth.username}:${config.basic_auth.password}`).toString("base64")}`;
  return {
    name,
    type: "alertmanager",
    send: (n: Notification): Promise<DeliveryResult> => postJson({ url: endpoint, body: JSON.stringify(n.alerts.map((a) => postableAlert(n, a))), headers, timeoutMs: timeout, now: deps.now }),
    describe: () => ({
      name,
      type: "alertmanager",
      url: redactUrl(config.url),
      basic_auth: config.basic_auth ? { username: config.basic_auth.username, password: REDACTED } : null,
      timeout_ms: timeout,
    }),
  };
}
