/**
 * The email channel: one message per notification over SMTP (nodemailer), with a plain-text and
 * an HTML body that say the same thing.
 */
import { Type, type Static } from "@sinclair/typebox";
import nodemailer from "nodemailer";
import type { DeliveryResult, Notification, Notifier } from "../../core/alerting/types.js";
import { REDACTED, TimeoutSchema, timeoutMs, type ChannelDeps } from "../channel.js";
import { alertFacts, alertHeading, alertUrl, plainText, title, titleParts } from "../render.js";

/** Timeout of each SMTP step (connect, greeting, every command) when the config sets none. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** Settings of an email channel. */
export const EmailConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
    secure: Type.Optional(Type.Boolean()),
    /** Refuse to send unless the server upgrades with STARTTLS (no plain-text fallback). */
    require_tls: Type.Optional(Type.Boolean()),
    user: Type.Optional(Type.String({ minLength: 1 })),
    pass: Type.Optional(Type.String()),
    from: Type.String({ minLength: 3 }),
    to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
    subject_prefix: Type.Optional(Type.String()),
    timeout: Type.Optional(TimeoutSchema),
  },
  { additionalProperties: false },
);
/** An email channel's settings. */
export type EmailConfig = Static<typeof EmailConfigSchema>;

/** The subject line: `[Vigil] [FIRING:1] HighErrorRate — warning`. */
export function emailSubject(n: Notification, prefix = "[Vigil]"): string {
  const p = titleParts(n);
  // Line breaks in a header would end it early; rule names come from users.
  return `${prefix ? `${prefix} ` : ""}${p.tag} ${p.rules} — ${p.severity}`.replace(/[\r\n]+/g, " ");
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** The HTML body: the title, then per alert a table of facts and a link to its page; every piece of text is escaped. */
export function emailHtml(n: Notification): string {
  const parts = [`<!doctype html><html><body style="font-family:sans-serif">`, `<h2>${escapeHtml(title(n))}</h2>`];
  for (const a of n.alerts) {
    parts.push(`<h3>${escapeHtml(alertHeading(a))}</h3>`, `<table cellpadding="4" style="border-collapse:collapse">`);
    for (const f of alertFacts(a)) parts.push(`<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`);
    parts.push(`</table>`);
    const url = alertUrl(n, a);
    if (url !== null) parts.push(`<p><a href="${escapeHtml(url)}">Open in Vigil</a></p>`);
  }
  if (/^https?:\/\//.test(n.external_url)) parts.push(`<p><a href="${escapeHtml(n.external_url)}">View in Vigil</a></p>`);
  parts.push(`</body></html>`);
  return parts.join("\n");
}

/**
 * Maps a nodemailer failure to a DeliveryResult. SMTP reply codes run the other way from HTTP's:
 * 4xx is a transient refusal ("try again later": greylisting, full mailbox, rate limit) and is
 * retried, while 5xx is permanent (unknown user, policy rejection, authentication failure) and is
 * not. Without a reply code the connection failed (refused, DNS, TLS, timeout) and may work later,
 * except for errors in the message or the settings themselves.
 */
export function smtpFailure(err: unknown): DeliveryResult {
  const e = (err ?? {}) as { responseCode?: unknown; code?: unknown; message?: unknown; response?: unknown };
  const message = typeof e.message === "string" ? e.message : String(err);
  if (typeof e.responseCode === "number") {
    // nodemailer's `response` is the server's reply line, which already starts with the code.
    const reply = typeof e.response === "string" ? e.response : message;
    const error = reply.startsWith(String(e.responseCode)) ? `SMTP ${reply}` : `SMTP ${e.responseCode} ${reply}`;
    return { ok: false, retryable: e.responseCode >= 400 && e.responseCode < 500, error };
  }
  const permanent = e.code === "EAUTH" || e.code === "EENVELOPE" || e.code === "EMESSAGE" || e.code === "ECONFIG";
  return { ok: false, retryable: !permanent, error: `${typeof e.code === "string" ? `${e.code}: ` : ""}${message}` };
}

/** Creates an email channel; its SMTP transport opens a connection per message. */
export function createEmailChannel(name: string, config: EmailConfig, _deps: ChannelDeps): Notifier {
  const timeout = timeoutMs(config.timeout, DEFAULT_TIMEOUT_MS, name);
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? false,
    requireTLS: config.require_tls ?? false,
    auth: config.user !== undefined ? { user: config.user, pass: config.pass ?? "" } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    name,
    type: "email",
    async send(n: Notification): Promise<DeliveryResult> {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: emailSubject(n, config.subject_prefix),
          text: plainText(n),
          html: emailHtml(n),
          // The same Message-ID on every attempt lets mail systems recognise a retried message.
          messageId: `<${n.id.replace(/[^A-Za-z0-9._-]/g, "_")}@vigil.notification>`,
          headers: { "X-Vigil-Notification-Id": n.id },
        });
        const rejected = ((info.rejected ?? []) as (string | { address: string })[]).map((r) => (typeof r === "string" ? r : r.address));
        // Some recipients got it: retrying would send it to them again, so report rather than retry.
        const detail = rejected.length > 0 ? `${info.response}; rejected: ${rejected.join(", ")}` : info.response;
        return { ok: true, detail };
      } catch (err) {
        return smtpFailure(err);
      }
    },
    describe: () => ({
      name,
      type: "email",
      host: config.host,
      port: config.port,
      secure: config.secure ?? false,
      require_tls: config.require_tls ?? false,
      user: config.user ?? null,
      pass: config.pass === undefined ? null : REDACTED,
      from: config.from,
      to: config.to,
      subject_prefix: config.subject_prefix ?? "[Vigil]",
      timeout_ms: timeout,
    }),
    close: async () => transport.close(),
  };
}
