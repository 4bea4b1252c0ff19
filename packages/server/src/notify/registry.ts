/**
 * Builds the notification channels from configuration: one schema for every channel type,
 * validation with messages that name the channel, and the map of channels by name.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Type, type Static, type TObject, type TProperties } from "@sinclair/typebox";
import type { Notifier } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import type { ChannelDeps } from "./channel.js";
import { ConsoleConfigSchema, createConsoleChannel } from "./console/console.js";
import { WebhookConfigSchema, createWebhookChannel } from "./webhook/webhook.js";
import { SlackConfigSchema, createSlackChannel } from "./slack/slack.js";
import { EmailConfigSchema, createEmailChannel } from "./email/email.js";
import { PagerDutyConfigSchema, createPagerDutyChannel } from "./pagerduty/pagerduty.js";
import { AlertmanagerConfigSchema, createAlertmanagerChannel } from "./alertmanager/alertmanager.js";

/** Name of the console channel every installation has unless a channel of that name is configured. */
export const DEFAULT_CHANNEL = "console";

/** A channel name: it appears in URLs (`/api/v1/channels/:name/test`) and routes, so it stays URL-safe. */
const ChannelName = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$" });

function channel<K extends string, P extends TProperties>(type: K, schema: TObject<P>) {
  return Type.Object({ type: Type.Literal(type), name: ChannelName, ...schema.properties }, { additionalProperties: false });
}

const CHANNEL_SCHEMAS = {
  console: channel("console", ConsoleConfigSchema),
  webhook: channel("webhook", WebhookConfigSchema),
  slack: channel("slack", SlackConfigSchema),
  email: channel("email", EmailConfigSchema),
  pagerduty: channel("pagerduty", PagerDutyConfigSchema),
  alertmanager: channel("alertmanager", AlertmanagerConfigSchema),
};

/** Channel types, as written in `type`. */
export const CHANNEL_TYPES = Object.keys(CHANNEL_SCHEMAS) as (keyof typeof CHANNEL_SCHEMAS)[];

/** One configured channel: `type` selects the settings, `name` is how routes refer to it. */
export const ChannelConfigSchema = Type.Union([
  CHANNEL_SCHEMAS.console,
  CHANNEL_SCHEMAS.webhook,
  CHANNEL_SCHEMAS.slack,
  CHANNEL_SCHEMAS.email,
  CHANNEL_SCHEMAS.pagerduty,
  CHANNEL_SCHEMAS.alertmanager,
]);
/** One configured channel. */
export type ChannelConfig = Static<typeof ChannelConfigSchema>;

/** One validator per type, so that errors speak about the type the user chose rather than every branch of the union. */
function compileValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return new Map(Object.entries(CHANNEL_SCHEMAS).map(([t, s]) => [t, ajv.compile(s)]));
}

function formatError(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") return `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}: is not a known setting`;
  return `${e.instancePath || "/"}: ${e.message ?? "is invalid"}`;
}

/**
 * Validates the `channels` list of the configuration; throws CONFIG_INVALID listing every problem,
 * each prefixed with the channel's position and name.
 */
export function parseChannelConfigs(raw: unknown): ChannelConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new VigilError("CONFIG_INVALID", "channels must be a list");
  const validators = compileValidators();
  const problems: string[] = [];
  raw.forEach((item: unknown, i) => {
    const obj = (typeof item === "object" && item !== null ? item : {}) as { type?: unknown; name?: unknown };
    const where = `channels[${i}]${typeof obj.name === "string" ? ` (${obj.name})` : ""}`;
    const validate = typeof obj.type === "string" ? validators.get(obj.type) : undefined;
    if (!validate) {
      problems.push(`${where}: type must be one of ${CHANNEL_TYPES.join(", ")}`);
      return;
    }
    if (!validate(item)) for (const e of validate.errors ?? []) problems.push(`${where}${formatError(e)}`);
  });
  if (problems.length > 0) throw new VigilError("CONFIG_INVALID", `notification channels are invalid:\n  ${problems.join("\n  ")}`, problems);
  return raw as ChannelConfig[];
}

function create(c: ChannelConfig, deps: ChannelDeps): Notifier {
  // Each factory reads only its own settings, so the entry (with its type and name) is passed as it is.
  switch (c.type) {
    case "console":
      return createConsoleChannel(c.name, {}, deps);
    case "webhook":
      return createWebhookChannel(c.name, c, deps);
    case "slack":
      return createSlackChannel(c.name, c, deps);
    case "email":
      return createEmailChannel(c.name, c, deps);
    case "pagerduty":
      return createPagerDutyChannel(c.name, c, deps);
    case "alertmanager":
      return createAlertmanagerChannel(c.name, c, deps);
  }
}

/**
 * Builds every configured channel, keyed by name, plus a console channel named "console" unless a
 * channel of that name is configured (so alerts always reach at least the log). Refuses two
 * channels with one name, since routes could not tell them apart.
 */
export function buildChannels(configs: readonly ChannelConfig[], deps: ChannelDeps): Map<string, Notifier> {
  const channels = new Map<string, Notifier>();
  for (const c of configs) {
    if (channels.has(c.name)) throw new VigilError("CONFIG_INVALID", `notification channel "${c.name}" is defined more than once; channel names must be unique`);
    channels.set(c.name, create(c, deps));
  }
  if (!channels.has(DEFAULT_CHANNEL)) channels.set(DEFAULT_CHANNEL, createConsoleChannel(DEFAULT_CHANNEL, {}, deps));
  return channels;
}
