/**
 * The PagerDuty channel: Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/),
 * one event per alert, deduplicated by the alert's fingerprint so that trigger, acknowledge and
 * resolve act on the same PagerDuty alert.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier, NotifiedAlert, Severity } from "../../core/alerting/types.js";
import { REDACTED, HttpUrlSchema, TimeoutSchema, checkHttpUrl, redactUrl, timeoutMs, type ChannelDeps } from "../channel.js";
import { postJson } from "../http-delivery.js";
import { alertSummary, alertUrl, isoTime, truncate } from "../render.js";

/** PagerDuty's enqueue endpoint (US service region). */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
/** Timeout when the config sets none. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of a PagerDuty channel. */
export const PagerDutyConfigSchema = Type.Object(
  {
    /** The integration key of an Events API v2 integration on a PagerDuty service. */
    routing_key: Type.String({ minLength: 1 }),
    /** The events endpoint; change it for the EU region (https://events.eu.pagerduty.com/v2/enqueue). */
    url: Type.Optional(HttpUrlSchema),
    /** `payload.source` when an alert has no `agent_name` label; defaults to the Vigil host. */
    source: Type.Optional(Type.String({ minLength: 1 })),
    timeout: Type.Optional(TimeoutSchema),
  },
  { additionalProperties: false },
);
/** A PagerDuty channel's settings. */
export type PagerDutyConfig = Static<typeof PagerDutyConfigSchema>;

/** What PagerDuty should do with the alert the dedup key names. */
export type PagerDutyAction = "trigger" | "acknowledge" | "resolve";

/** An Events API v2 event. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  /** Only on trigger: PagerDuty ignores a payload on acknowledge and resolve. */
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/** PagerDuty's longest `payload.summary`. */
const SUMMARY_MAX = 1024;

/** Our severities map one to one; PagerDuty's fourth, `error`, is not used. */
const SEVERITY: Record<Severity, "critical" | "warning" | "info"> = { critical: "critical", warning: "warning", info: "info" };

/** The action for one alert: the notification's kind for resolved and acknowledged notifications, else the alert's status. */
export function pagerDutyAction(n: Notification, a: NotifiedAlert): PagerDutyAction {
  if (n.kind === "resolved" || a.status === "resolved") return "resolve";
  if (n.kind === "acknowledged" || a.status === "acknowledged") return "acknowledge";
  return "trigger";
}

/** The event for one alert of a notification. */
export function pagerDutyEvent(n: Notification, a: NotifiedAlert, config: Pick<PagerDutyConfig, "routing_key" | "source">): PagerDutyEvent {
  const event_action = pagerDutyAction(n, a);
  const event: PagerDutyEvent = { routing_key: config.routing_key, event_action, dedup_key: a.fingerprint };
  if (event_action !== "trigger") return event;
  let host = "vigil";
  try {
    host = new URL(n.external_url).host || host;
  } catch {
    // No usable external URL: "vigil" still names the sender.
  }
  event.payload = {
    summary: truncate(`${a.rule}: ${alertSummary(a)}`, SUMMARY_MAX),
    source: a.labels.agent_name ?? config.source ?? host,
    severity: SEVERITY[a.severity],
    timestamp: isoTime(a.starts_at),
    class: a.rule,
    custom_details: { labels: a.labels, annotations: a.annotations, value: a.value, threshold: a.threshold },
  };
  // PagerDuty's component is the part of the source that is affected: for an agent, its model.
  if (a.labels.model) event.payload.component = a.labels.model;
  if (a.labels.route) event.payload.group = a.labels.route;
  // The alert's own page first: it is what the responder wants; the root stays for everything else.
  const links: { href: string; text: string }[] = [];
  const page = alertUrl(n, a);
  if (page !== null) links.push({ href: page, text: "Open this alert in Vigil" });
  if (/^https?:\/\//.test(n.external_url)) links.push({ href: n.external_url, text: "View in Vigil" });
  if (links.length > 0) {
    event.links = links;
    event.client_url = links[0]!.href;
  }
  event.client = "Vigil";
  return event;
}

/**
 * Creates a PagerDuty channel. PagerDuty answers 202 `{status:"success", dedup_key}`; 400 (bad event)
 * is not retried, 429 and 5xx are. Events go one by one; a retryable failure stops the rest, and the
 * retry sends them all again, which is harmless because each carries its dedup key.
 */
export function createPagerDutyChannel(name: string, config: PagerDutyConfig, deps: ChannelDeps): Notifier {
  const url = config.url ?? PAGERDUTY_EVENTS_URL;
  checkHttpUrl(url, "url", name);
  const timeout = timeoutMs(config.timeout, DEFAULT_TIMEOUT_MS, name);
  return {
    name,
    type: "pagerduty",
    async send(n: Notification): Promise<DeliveryResult> {
      const errors: string[] = [];
      let status: number | undefined;
      for (const a of n.alerts) {
        const r = await postJson({ url, body: JSON.stringify(pagerDutyEvent(n, a, config)), timeoutMs: timeout, now: deps.now });
        if (r.ok) continue;
        if (r.retryable) return { ...r, error: `alert ${a.fingerprint}: ${r.error}` };
        errors.push(`alert ${a.fingerprint}: ${r.error}`);
        status = r.status;
      }
      if (errors.length === 0) return { ok: true, detail: `${n.alerts.length} event(s) accepted` };
      return status === undefined ? { ok: false, retryable: false, error: errors.join("; ") } : { ok: false, retryable: false, status, error: errors.join("; ") };
    },
    describe: () => ({ name, type: "pagerduty", url: redactUrl(url), routing_key: REDACTED, source: config.source ?? null, timeout_ms: timeout }),
  };
}
