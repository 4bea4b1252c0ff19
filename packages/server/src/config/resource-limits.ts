/**
 * The `resource_limits:` and `collector:` sections of the config file (docs/resources.md), checked
 * when the server starts: every problem named by its JSON pointer, and nothing opened while any is
 * left. The limits' rules are made here too, so a limit whose rule could not load is refused at start.
 */
import { parseRuleDuration } from "../core/alerting/duration.js";
import type { AlertRule } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { parseResourceLimits, resourceLimitRules, type LimitProblem, type ResourceLimit } from "../core/resource-limits.js";

/** Whether the collector samples GPUs: `auto` where `nvidia-smi` is on PATH, or never. */
export type GpuMode = "auto" | "off";

/** The collector's settings, resolved. */
export interface CollectorSettings {
  enabled: boolean;
  intervalMs: number;
  /** Component its metric events carry (`vigil` unless set). */
  component: string;
  gpu: GpuMode;
}

/** Resource limits, their generated rules, and the collector's settings. */
export interface ResourceSettings {
  limits: readonly ResourceLimit[];
  rules: readonly AlertRule[];
  collector: CollectorSettings;
}

/** The collector's defaults: on, every 30 s (seed 002's metric_collection_interval), as component `vigil`, GPUs where present. */
export const DEFAULT_COLLECTOR: Readonly<CollectorSettings> = Object.freeze({ enabled: true, intervalMs: 30_000, component: "vigil", gpu: "auto" });

const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 3_600_000;
const COLLECTOR_FIELDS = new Set(["enabled", "interval", "component", "gpu"]);

/** Checks both sections; throws CONFIG_INVALID listing every problem by its path. */
export function resourceSettings(limitsInput: unknown, collectorInput: unknown): ResourceSettings {
  const { limits, problems } = parseResourceLimits(limitsInput);
  const collector = parseCollector(collectorInput, problems);
  if (problems.length) throw new VigilError("CONFIG_INVALID", `invalid resource settings in the config file:\n  ${problems.map((p) => `${p.path}: ${p.message}`).join("\n  ")}`, problems);
  return { limits, rules: resourceLimitRules(limits), collector };
}

function parseCollector(input: unknown, problems: LimitProblem[]): CollectorSettings {
  const out: CollectorSettings = { ...DEFAULT_COLLECTOR };
  if (input === undefined || input === null) return out;
  const bad = (field: string, message: string) => problems.push({ path: `/collector${field ? `/${field}` : ""}`, message });
  if (typeof input !== "object" || Array.isArray(input)) {
    bad("", "must be a map: {enabled, interval, component, gpu}");
    return out;
  }
  const c = input as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!COLLECTOR_FIELDS.has(k)) bad(k, `unknown field "${k}"; the collector takes enabled, interval, component and gpu`);
  if (c.enabled !== undefined) {
    if (typeof c.enabled !== "boolean") bad("enabled", "must be true or false");
    else out.enabled = c.enabled;
  }
  if (c.interval !== undefined) {
    const ms = typeof c.interval === "string" ? parseRuleDuration(c.interval) : null;
    if (ms === null || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) bad("interval", `must be a duration from 1s to 1h, such as 30s, got ${JSON.stringify(c.interval)}`);
    else out.intervalMs = ms;
  }
  if (c.component !== undefined) {
    if (typeof c.component !== "string" || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(c.component)) bad("component", "must start with a letter and hold only letters, digits, _ . - (at most 64)");
    else out.component = c.component;
  }
  if (c.gpu !== undefined) {
    if (c.gpu === "auto" || c.gpu === true) out.gpu = "auto";
    else if (c.gpu === false || c.gpu === "off") out.gpu = "off";
    else bad("gpu", 'must be auto (sample GPUs where nvidia-smi is on PATH) or off');
  }
  return out;
}
