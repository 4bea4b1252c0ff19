/**
 * The `alerting:` section of the config file (docs/alerting.md): rules file, evaluation interval,
 * channels, routes, inhibition and retry policy, resolved into the shapes the alerting services use.
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseRuleDuration } from "../core/alerting/duration.js";
import { parseMatcher } from "../core/alerting/matchers.js";
import { DEFAULT_RETRY, type InhibitRule, type NotificationRoute, type RetryPolicy } from "../core/alerting/routing.js";
import type { Matcher } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";

const Dur = Type.String({ minLength: 1 });
const Matchers = Type.Array(Type.String({ minLength: 1 }), { description: 'Alertmanager-style matchers such as severity="critical" or agent_name=~"react.*"' });
const Timing = {
  group_by: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  group_wait: Type.Optional(Dur),
  group_interval: Type.Optional(Dur),
  repeat_interval: Type.Optional(Dur),
};

/** Schema of the `alerting:` section. */
export const AlertingSchema = Type.Object(
  {
    rules_file: Type.Optional(Type.String({ minLength: 1 })),
    default_rules: Type.Optional(Type.Boolean()),
    evaluation_interval: Type.Optional(Dur),
    external_url: Type.Optional(Type.String({ minLength: 1 })),
    resolved_retention: Type.Optional(Dur),
    alertmanager_resend: Type.Optional(Dur),
    max_groups_per_rule: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    channels: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), type: Type.String({ minLength: 1 }) }, { additionalProperties: true }))),
    default_route: Type.Optional(Type.Object({ channels: Type.Optional(Type.Array(Type.String({ minLength: 1 }))), ...Timing }, { additionalProperties: false })),
    routes: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.Optional(Type.String({ minLength: 1 })), matchers: Type.Optional(Matchers), channels: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), continue: Type.Optional(Type.Boolean()), ...Timing }, { additionalProperties: false }),
      ),
    ),
    inhibit_rules: Type.Optional(Type.Array(Type.Object({ source_matchers: Matchers, target_matchers: Matchers, equal: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }))),
    retry: Type.Optional(Type.Object({ initial: Type.Optional(Dur), max: Type.Optional(Dur), max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
/** The `alerting:` section as written. */
export type AlertingFile = Static<typeof AlertingSchema>;

/** The resolved alerting settings. */
export interface AlertingConfig {
  rulesFile: string | null;
  defaultRules: boolean;
  evaluationIntervalMs: number;
  externalUrl: string | null;
  resolvedRetentionMs: number;
  alertmanagerResendMs: number;
  /** Most groups (agents, models...) one rule evaluates per cycle. */
  maxGroupsPerRule: number;
  /** Channel configurations as written; validated by the channel registry. */
  channels: Record<string, unknown>[];
  routes: NotificationRoute[];
  /** Channels of the default route; null means every configured channel. */
  defaultRouteChannels: string[] | null;
  defaultRoute: Omit<NotificationRoute, "channels">;
  inhibit: InhibitRule[];
  retry: RetryPolicy;
}

/** Default timing, as Alertmanager's: wait 30 s to group, 5 min between changes, repeat every 4 h. */
export const ALERTING_DEFAULTS = { evaluationInterval: "10s", groupWait: "30s", groupInterval: "5m", repeatInterval: "4h", resolvedRetention: "30d", alertmanagerResend: "1m" } as const;

/** The default inhibition: a critical alert mutes warnings and infos of the same category and group. */
export const DEFAULT_INHIBIT: readonly InhibitRule[] = Object.freeze([
  { source: [{ label: "severity", op: "=", value: "critical" }], target: [{ label: "severity", op: "=~", value: "warning|info" }], equal: ["category", "agent_name", "model", "route", "tenant_id", "mode", "query_class", "component", "service", "endpoint"] },
]);

/** Resolves the `alerting:` section (and the `--rules` / `VIGIL_RULES` override of the rules file). */
export function resolveAlerting(file: AlertingFile | undefined, rulesOverride: string | undefined): AlertingConfig {
  const f = file ?? {};
  const dur = (v: string | undefined, dflt: string, where: string, min = 0) => {
    const ms = parseRuleDuration(v ?? dflt);
    if (ms === null) throw new VigilError("CONFIG_INVALID", `alerting.${where} must be a duration such as 30s or 5m, got "${v}"`);
    if (ms < min) throw new VigilError("CONFIG_INVALID", `alerting.${where} must be at least ${min / 1000}s`);
    return ms;
  };
  const matchers = (list: string[] | undefined, where: string): Matcher[] =>
    (list ?? []).map((text, i) => {
      try {
        return parseMatcher(text);
      } catch (err) {
        throw new VigilError("CONFIG_INVALID", `alerting.${where}[${i}]: ${(err as Error).message}`);
      }
    });
  const timing = (t: { group_by?: string[]; group_wait?: string; group_interval?: string; repeat_interval?: string } | undefined, where: string, base: { group_by: string[]; group_wait_ms: number; group_interval_ms: number; repeat_interval_ms: number }) => ({
    group_by: t?.group_by ?? base.group_by,
    group_wait_ms: t?.group_wait !== undefined ? dur(t.group_wait, "", `${where}.group_wait`) : base.group_wait_ms,
    group_interval_ms: t?.group_interval !== undefined ? dur(t.group_interval, "", `${where}.group_interval`, 1000) : base.group_interval_ms,
    repeat_interval_ms: t?.repeat_interval !== undefined ? dur(t.repeat_interval, "", `${where}.repeat_interval`, 1000) : base.repeat_interval_ms,
  });
  const base = timing(f.default_route, "default_route", {
    group_by: ["alertname"],
    group_wait_ms: dur(undefined, ALERTING_DEFAULTS.groupWait, "group_wait"),
    group_interval_ms: dur(undefined, ALERTING_DEFAULTS.groupInterval, "group_interval"),
    repeat_interval_ms: dur(undefined, ALERTING_DEFAULTS.repeatInterval, "repeat_interval"),
  });
  const routes: NotificationRoute[] = (f.routes ?? []).map((r, i) => ({
    name: r.name ?? `route-${i + 1}`,
    matchers: matchers(r.matchers, `routes[${i}].matchers`),
    channels: r.channels,
    continue: r.continue ?? false,
    ...timing(r, `routes[${i}]`, base),
  }));
  const names = new Set<string>();
  for (const r of routes) {
    if (names.has(r.name) || r.name === "default") throw new VigilError("CONFIG_INVALID", `alerting.routes: two routes are named "${r.name}" (or one is named "default", which is the fallback's)`);
    names.add(r.name);
  }
  const retry = f.retry ?? {};
  return {
    rulesFile: rulesOverride ?? f.rules_file ?? null,
    defaultRules: f.default_rules ?? true,
    evaluationIntervalMs: dur(f.evaluation_interval, ALERTING_DEFAULTS.evaluationInterval, "evaluation_interval", 1000),
    externalUrl: f.external_url ?? null,
    resolvedRetentionMs: dur(f.resolved_retention, ALERTING_DEFAULTS.resolvedRetention, "resolved_retention", 60_000),
    alertmanagerResendMs: dur(f.alertmanager_resend, ALERTING_DEFAULTS.alertmanagerResend, "alertmanager_resend", 1000),
    maxGroupsPerRule: f.max_groups_per_rule ?? 1000,
    channels: (f.channels ?? []) as Record<string, unknown>[],
    routes,
    defaultRouteChannels: f.default_route?.channels ?? null,
    defaultRoute: { name: "default", matchers: [], continue: false, ...base },
    inhibit: f.inhibit_rules ? f.inhibit_rules.map((r, i) => ({ source: matchers(r.source_matchers, `inhibit_rules[${i}].source_matchers`), target: matchers(r.target_matchers, `inhibit_rules[${i}].target_matchers`), equal: r.equal ?? [] })) : [...DEFAULT_INHIBIT],
    retry: {
      initial_ms: retry.initial !== undefined ? dur(retry.initial, "", "retry.initial", 10) : DEFAULT_RETRY.initial_ms,
      max_ms: retry.max !== undefined ? dur(retry.max, "", "retry.max", 10) : DEFAULT_RETRY.max_ms,
      max_attempts: retry.max_attempts ?? DEFAULT_RETRY.max_attempts,
    },
  };
}
