/**
 * The console channel: one structured log line per notification, through the server's logger.
 * It needs no setup, so every installation has at least one channel that works.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier } from "../../core/alerting/types.js";
import type { ChannelDeps } from "../channel.js";
import { alertSummary, isoTime, title } from "../render.js";

/** Settings of a console channel (none yet; unknown keys are refused). */
export const ConsoleConfigSchema = Type.Object({}, { additionalProperties: false });
/** A console channel's settings. */
export type ConsoleConfig = Static<typeof ConsoleConfigSchema>;

/** The structured fields of a notification's log line. */
export function consoleFields(channel: string, n: Notification): Record<string, unknown> {
  return {
    channel,
    notification_id: n.id,
    kind: n.kind,
    group_key: n.group_key,
    group_labels: n.group_labels,
    severity: n.severity,
    alerts: n.alerts.map((a) => ({
      id: a.id,
      fingerprint: a.fingerprint,
      rule: a.rule,
      severity: a.severity,
      status: a.status,
      summary: alertSummary(a),
      value: a.value,
      threshold: a.threshold,
      labels: a.labels,
      starts_at: isoTime(a.starts_at),
      ends_at: a.ends_at === null ? null : isoTime(a.ends_at),
      acknowledged_by: a.acknowledged_by,
    })),
  };
}

/** Creates a console channel that logs firing notifications at warn and the rest at info. */
export function createConsoleChannel(name: string, _config: ConsoleConfig, deps: ChannelDeps): Notifier {
  return {
    name,
    type: "console",
    async send(n: Notification): Promise<DeliveryResult> {
      const fields = consoleFields(name, n);
      try {
        // Firing is what an operator watching the log must not miss; the rest is information.
        if (n.kind === "firing") deps.log.warn(fields, title(n));
        else deps.log.info(fields, title(n));
      } catch (err) {
        // A logger that throws will throw again; retrying only fills the outbox.
        return { ok: false, retryable: false, error: `logger failed: ${(err as Error).message}` };
      }
      return { ok: true };
    },
    describe: () => ({ name, type: "console" }),
  };
}
