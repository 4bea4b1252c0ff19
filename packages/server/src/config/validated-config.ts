/**
 * The configuration a server starts from: the resolved Config with everything it names read and
 * checked — the rules file parsed, the notification channels validated, the alerting routes checked
 * against the channels, the config-file models and routes validated — deeply frozen. Built before
 * anything is opened, so a bad rules file or channel stops the start before the store is touched.
 */
import { initialThresholds } from "../core/alerting/threshold-settings.js";
import type { ThresholdSettings } from "../core/threshold-model.js";
import { parseModel, parseRoute } from "../core/failover/registry.js";
import type { AlertRule } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { DEFAULT_CHANNEL, parseChannelConfigs, type ChannelConfig } from "../notify/registry.js";
import type { AlertingConfig } from "./alerting-config.js";
import { isLoopback, type Config } from "./config.js";
import { loadRulesFile } from "./rules-file.js";
import { resourceSettings, type ResourceSettings } from "./resource-limits.js";
import { parseSloSection, type SloSection } from "../core/slo-definitions.js";
import type { Baseline } from "@vigil/contract";
import { parseBaselines } from "../core/baselines.js";

/** The alerting settings with the rules file read and the channels parsed. */
export interface ValidatedAlerting extends AlertingConfig {
  /** The rules file's rules (none without a rules file). */
  fileRules: readonly AlertRule[];
  /** The channel configurations, validated per type. */
  channelConfigs: readonly ChannelConfig[];
  /** Names of the channels the server will have: the configured ones, then `console` unless configured. */
  channelNames: readonly string[];
}

/** A Config checked whole, deeply frozen: what `startServer` wires. */
export interface ValidatedConfig extends Config {
  readonly alerting: ValidatedAlerting;
  /** The threshold model's configuration layer: the defaults under the config file's `thresholds`. */
  readonly thresholdSettings: ThresholdSettings;
  /** Resource limits per component with their generated rules, and the collector's settings (docs/resources.md). */
  readonly resources: ResourceSettings;
  /** The config file's service classes and SLOs, checked (docs/slo.md). */
  readonly sloSection: SloSection;
  /** The config file's `baselines:`, checked (docs/baselines.md); read-only through the API. */
  readonly configBaselines: readonly Baseline[];
}

const validated = new WeakSet<object>();

/**
 * Checks everything the configuration names, in the order a reader meets it, and returns it deeply
 * frozen; throws CONFIG_INVALID naming the file, rule, channel, model or field at fault. Calling it
 * again on its result returns that result.
 */
export function validateConfig(cfg: Config, now: number = Date.now()): ValidatedConfig {
  if (validated.has(cfg)) return cfg as ValidatedConfig;
  if (!isLoopback(cfg.host) && cfg.apiKeys.length === 0) {
    throw new VigilError("CONFIG_INVALID", `refusing to listen on ${cfg.host} without API keys: anyone who can reach it could write and read your data. Configure auth.keys in the config file or VIGIL_API_KEYS, or listen on 127.0.0.1.`);
  }
  const a = cfg.alerting;
  const fileRules = a.rulesFile ? loadRulesFile(a.rulesFile) : [];
  const channelConfigs = parseChannelConfigs(a.channels);
  const names: string[] = [];
  for (const c of channelConfigs) {
    if (names.includes(c.name)) throw new VigilError("CONFIG_INVALID", `notification channel "${c.name}" is defined more than once; channel names must be unique`);
    names.push(c.name);
  }
  if (!names.includes(DEFAULT_CHANNEL)) names.push(DEFAULT_CHANNEL);
  for (const r of a.routes) for (const c of r.channels) if (!names.includes(c)) throw new VigilError("CONFIG_INVALID", `alerting route "${r.name}" sends to channel "${c}", which is not configured (channels: ${names.join(", ")})`);
  for (const c of a.defaultRouteChannels ?? []) if (!names.includes(c)) throw new VigilError("CONFIG_INVALID", `alerting.default_route sends to channel "${c}", which is not configured`);
  checkFailover(cfg.failover, now);
  let thresholdSettings: ThresholdSettings;
  try {
    thresholdSettings = initialThresholds(cfg.thresholds);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    throw new VigilError("CONFIG_INVALID", `invalid thresholds in the config file: ${((err.details ?? []) as { path: string; message: string }[]).map((p) => `thresholds${p.path.replace(/^\/thresholds/, "")} ${p.message}`).join("; ")}`, err.details, { cause: err });
  }
  let configBaselines: Baseline[];
  try {
    configBaselines = parseBaselines(cfg.baselines, "/baselines", "config", now);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    throw new VigilError("CONFIG_INVALID", `invalid baselines in the config file: ${((err.details ?? []) as { path: string; message: string }[]).map((p) => `${p.path} ${p.message}`).join("; ")}`, err.details, { cause: err });
  }
  const resources = resourceSettings(cfg.resourceLimits, cfg.collector);
  const out: ValidatedConfig = { ...cfg, configBaselines, alerting: { ...a, fileRules, channelConfigs, channelNames: names }, thresholdSettings, resources, sloSection: sloSectionOf(cfg) };
  deepFreeze(out);
  validated.add(out);
  return out;
}

/**
 * The config-file models and routes, checked as the route service checks them at start. A route
 * may name a model registered through the API, which only the store knows: whether the models a
 * route names exist is left to the route service.
 */
function checkFailover(f: Config["failover"], now: number): void {
  const problems: string[] = [];
  f.models.forEach((m, i) => {
    const r = parseModel(m, "config", now, null, f.upstreams);
    if ("problems" in r) problems.push(...r.problems.map((p) => `failover.models[${i}]${p.path}: ${p.message}`));
  });
  if (problems.length) throw new VigilError("CONFIG_INVALID", `invalid models in the config file:\n  ${problems.join("\n  ")}`);
  f.routes.forEach((r, i) => {
    const p = parseRoute(r, "config", now, referencedModels(r));
    if ("problems" in p) problems.push(...p.problems.map((x) => `failover.routes[${i}]${x.path}: ${x.message}`));
  });
  if (problems.length) throw new VigilError("CONFIG_INVALID", `invalid routes in the config file:\n  ${problems.join("\n  ")}`);
}

/** The model ids a route names, taken as registered for the structural check. */
function referencedModels(route: unknown): Set<string> {
  const r = (typeof route === "object" && route !== null ? route : {}) as { primary?: unknown; backups?: unknown };
  const ids = [r.primary, ...(Array.isArray(r.backups) ? r.backups : [])];
  return new Set(ids.filter((x): x is string => typeof x === "string"));
}

/** Freezes an object and everything reachable from it (plain objects and arrays). */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set) return value;
  seen.add(value);
  for (const v of Object.values(value)) deepFreeze(v, seen);
  return Object.freeze(value);
}

/** The config file's service classes and SLOs, checked against the rollup horizon; a problem refuses the start naming its path. */
function sloSectionOf(cfg: Config): SloSection {
  try {
    return parseSloSection(cfg.serviceClasses, cfg.slos, { minuteMs: cfg.minuteRollupsMs, hourMs: cfg.hourRollupsMs });
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    const problems = (err.details ?? []) as { path: string; message: string }[];
    throw new VigilError("CONFIG_INVALID", `invalid SLOs in the config file${cfg.configFile ? ` ${cfg.configFile}` : ""}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, err.details, { cause: err });
  }
}
