/**
 * The Slack channel: a message with Block Kit blocks through an incoming webhook
 * (https://api.slack.com/messaging/webhooks), kept inside Slack's documented limits.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier, NotifiedAlert } from "../../core/alerting/types.js";
import { HttpUrlSchema, TimeoutSchema, checkHttpUrl, timeoutMs, type ChannelDeps } from "../channel.js";
import { postJson } from "../http-delivery.js";
import { alertFacts, alertSummary, alertUrl, labelItems, title, truncate } from "../render.js";

/** Timeout when the config sets none. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Slack's limits (Block Kit reference): header text, section text, blocks per message. */
export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, blocks: 50, fallbackText: 3000 } as const;

/** Settings of a Slack channel. */
export const SlackConfigSchema = Type.Object(
  {
    /** The incoming webhook URL (its path is the credential). */
    webhook_url: HttpUrlSchema,
    /** Channel override; only legacy webhooks honour it, app webhooks post to their own channel. */
    channel: Type.Optional(Type.String({ minLength: 1 })),
    /** Sender name override; like `channel`, only legacy webhooks honour it. */
    username: Type.Optional(Type.String({ minLength: 1 })),
    timeout: Type.Optional(TimeoutSchema),
  },
  { additionalProperties: false },
);
/** A Slack channel's settings. */
export type SlackConfig = Static<typeof SlackConfigSchema>;

/** A Block Kit block, as far as this channel builds them. */
export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: true } }
  | { type: "section"; text: { type: "mrkdwn"; text: string } }
  | { type: "context"; elements: { type: "mrkdwn"; text: string }[] };

/** The JSON an incoming webhook receives. */
export interface SlackMessage {
  /** Fallback for notifications and clients that do not show blocks. */
  text: string;
  blocks: SlackBlock[];
  channel?: string;
  username?: string;
}

/** Escapes the three characters Slack's mrkdwn treats as control (`<!channel>`, links) in user text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function statusEmoji(a: NotifiedAlert): string {
  if (a.status === "resolved") return ":white_check_mark:";
  if (a.status === "acknowledged") return ":eyes:";
  return a.severity === "critical" ? ":red_circle:" : a.severity === "warning" ? ":large_orange_circle:" : ":large_blue_circle:";
}

/** A mrkdwn link; `|` would end the address early, so it is percent-encoded there. */
function mrkdwnLink(url: string, text: string): string {
  return `<${escapeMrkdwn(url).replace(/\|/g, "%7C")}|${escapeMrkdwn(text)}>`;
}

function alertSection(n: Notification, a: NotifiedAlert): SlackBlock {
  const lines = [`${statusEmoji(a)} *${escapeMrkdwn(a.rule)}* · ${a.severity} · ${a.status}`];
  for (const f of alertFacts(a)) {
    if (f.label === "Summary") lines.push(escapeMrkdwn(f.value));
    else if (f.label === "Labels") lines.push(`*Labels:* ${labelItems(a.labels).map((l) => `\`${escapeMrkdwn(l)}\``).join(" ")}`);
    else lines.push(`*${escapeMrkdwn(f.label)}:* ${escapeMrkdwn(f.value)}`);
  }
  const url = alertUrl(n, a);
  if (url === null) return { type: "section", text: { type: "mrkdwn", text: truncate(lines.join("\n"), SLACK_LIMITS.sectionText) } };
  // The link goes last and whole: long annotations are cut before it, never through it.
  const link = mrkdwnLink(url, "Open in Vigil");
  return { type: "section", text: { type: "mrkdwn", text: `${truncate(lines.join("\n"), SLACK_LIMITS.sectionText - link.length - 1)}\n${link}` } };
}

/**
 * The Slack message for a notification: a header with the title, one section per alert (ending
 * with a link to the alert's page), and a context line linking back to Vigil. Past 50 blocks the
 * last section says how many alerts were left out.
 */
export function slackMessage(n: Notification, config: Pick<SlackConfig, "channel" | "username"> = {}): SlackMessage {
  const heading = title(n);
  const blocks: SlackBlock[] = [{ type: "header", text: { type: "plain_text", text: truncate(heading, SLACK_LIMITS.headerText), emoji: true } }];
  const link = /^https?:\/\//.test(n.external_url) ? `<${n.external_url}|View in Vigil>` : "Vigil";
  const group = Object.entries(n.group_labels).map(([k, v]) => `${k}=${v}`).join(", ");
  const context: SlackBlock = { type: "context", elements: [{ type: "mrkdwn", text: truncate(group ? `${link} · group ${escapeMrkdwn(group)}` : link, SLACK_LIMITS.sectionText) }] };
  // Header and context take two of the 50 blocks; when alerts do not fit, one more goes to "and N more".
  const room = SLACK_LIMITS.blocks - 2;
  const shown = n.alerts.length <= room ? n.alerts : n.alerts.slice(0, room - 1);
  for (const a of shown) blocks.push(alertSection(n, a));
  const hidden = n.alerts.length - shown.length;
  if (hidden > 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: `_…and ${hidden} more alert${hidden === 1 ? "" : "s"}; see Vigil for all of them._` } });
  blocks.push(context);
  const first = n.alerts[0];
  const more = n.alerts.length > 1 ? ` (and ${n.alerts.length - 1} more)` : "";
  const text = truncate(escapeMrkdwn(first ? `${heading} — ${alertSummary(first)}${more}` : heading), SLACK_LIMITS.fallbackText);
  const msg: SlackMessage = { text, blocks };
  if (config.channel !== undefined) msg.channel = config.channel;
  if (config.username !== undefined) msg.username = config.username;
  return msg;
}

/**
 * Creates a Slack channel. Slack answers 200 "ok"; 400 `invalid_payload`, 403, 404 and 410
 * (revoked, archived) will not pass on retry; 429 (with Retry-After) and 5xx are retried.
 */
export function createSlackChannel(name: string, config: SlackConfig, deps: ChannelDeps): Notifier {
  const url = checkHttpUrl(config.webhook_url, "webhook_url", name);
  const timeout = timeoutMs(config.timeout, DEFAULT_TIMEOUT_MS, name);
  return {
    name,
    type: "slack",
    send: (n: Notification): Promise<DeliveryResult> => postJson({ url: config.webhook_url, body: JSON.stringify(slackMessage(n, config)), timeoutMs: timeout, now: deps.now }),
    describe: () => ({
      name,
      type: "slack",
      // The webhook path is the credential: anyone holding it can post to the workspace.
      webhook_url: `${url.origin}/<redacted>`,
      channel: config.channel ?? null,
      username: config.username ?? null,
      timeout_ms: timeout,
    }),
  };
}
