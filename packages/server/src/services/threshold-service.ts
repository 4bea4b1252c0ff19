/**
 * The one owner of the thresholds (docs/thresholds.md): the limits and minimum sample counts every
 * verdict reads — alert rules, report breaches, recommendations, health scores, model health and
 * failover. Two layers: the configuration (defaults, the config file's `thresholds`, and the
 * thresholds of config-file models and routes) and the API (`PUT /api/v1/thresholds` and its aliases
 * `PATCH /models/:id`, `POST|PUT /routes`), kept in the settings store so that every instance and
 * every restart reads the same. For a named subject the API's scope replaces the configuration's.
 */
import type { AlertStore } from "../core/alerting/types.js";
import { limitsFor, minSamplesFor, NAMED_SCOPES, resolveLimit, scopeOf, scopeRecord, type Limit, type NamedScope, type ScopeThresholds, type SubjectLabels, type ThresholdKey, type ThresholdSettings } from "../core/threshold-model.js";
import { applyThresholdUpdate, settingsToWire, withScope, type WireThresholds } from "../core/threshold-wire.js";
import { SerialQueue } from "./serial-queue.js";

/** Key of the thresholds in the settings store. */
export const THRESHOLDS_KEY = "thresholds";

/** What the threshold service needs. */
export interface ThresholdServiceDeps {
  store: Pick<AlertStore, "getSetting" | "putSetting">;
  /** The configuration's layer: defaults, the config file's global thresholds, config-file models and routes. */
  base: ThresholdSettings;
}

/** The thresholds in force, and their changes. */
export class ThresholdService {
  private base: ThresholdSettings;
  /** What the API set (stored): global keys over the base, and named scopes by subject. */
  private api: ThresholdSettings;
  private effective: ThresholdSettings;
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: ThresholdServiceDeps) {
    this.base = deps.base;
    this.api = { global: deps.base.global, tenants: {}, routes: {}, models: {}, agents: {} };
    this.effective = merge(this.base, this.api);
  }

  /** Reads the API layer from the store (at start, and periodically when several instances share it). */
  async refresh(): Promise<void> {
    const stored = await this.deps.store.getSetting(THRESHOLDS_KEY);
    const empty: ThresholdSettings = { global: this.base.global, tenants: {}, routes: {}, models: {}, agents: {} };
    let api = empty;
    if (stored !== null) {
      try {
        api = applyThresholdUpdate(empty, stored);
      } catch {
        // A setting a later release wrote and this one cannot read: keep the configuration's.
        api = empty;
      }
    }
    this.apply(api);
  }

  /** Replaces the configuration's scopes of one kind (config-file models and routes are known only once the registry loads). */
  setConfigScopes(kind: NamedScope, scopes: Record<string, ScopeThresholds>): void {
    this.base = { ...this.base, [kind]: scopes };
    this.apply(this.api);
  }

  /** The settings in force. */
  settings(): ThresholdSettings {
    return this.effective;
  }

  /** The settings in force, as `GET /api/v1/thresholds` answers them. */
  wire(): WireThresholds {
    return settingsToWire(this.effective);
  }

  /** The limit of one key for a subject, or null when it is not checked. */
  limit(key: ThresholdKey, labels: Readonly<SubjectLabels>): Limit | null {
    return resolveLimit(this.effective, key, labels);
  }

  /** Every checked key's limit for a subject. */
  limits(labels: Readonly<SubjectLabels>): Partial<Record<ThresholdKey, Limit>> {
    return limitsFor(this.effective, labels);
  }

  /** The minimum sample count for a subject. */
  minSamples(labels: Readonly<SubjectLabels>): number {
    return minSamplesFor(this.effective, labels);
  }

  /** Applies a `PUT /api/v1/thresholds` body (refused whole on any problem) and answers the settings in force. */
  update(body: unknown): Promise<WireThresholds> {
    return this.queue.run(async () => {
      // Read first: another instance may have changed them since.
      await this.refresh();
      const next = applyThresholdUpdate(this.api, body);
      await this.save(next);
      return this.wire();
    });
  }

  /** Sets (null: removes) one subject's API scope — what the registry's `thresholds` fields write. */
  setScope(kind: NamedScope, name: string, scope: ScopeThresholds | null): Promise<void> {
    return this.queue.run(async () => {
      // Read first: another instance may have changed them since.
      await this.refresh();
      await this.save(withScope(this.api, kind, name, scope));
    });
  }

  /** One subject's scope in force (API over configuration), or undefined. */
  scope(kind: NamedScope, name: string): ScopeThresholds | undefined {
    return scopeOf(this.effective[kind], name);
  }

  private async save(next: ThresholdSettings): Promise<void> {
    const wire = settingsToWire(next);
    await this.deps.store.putSetting(THRESHOLDS_KEY, wire);
    this.apply(next);
  }

  private apply(api: ThresholdSettings): void {
    this.api = api;
    this.effective = merge(this.base, api);
  }
}

/** The API layer over the configuration's: global as the API left it, named scopes by subject. */
function merge(base: ThresholdSettings, api: ThresholdSettings): ThresholdSettings {
  const out: ThresholdSettings = { global: api.global, tenants: {}, routes: {}, models: {}, agents: {} };
  for (const kind of NAMED_SCOPES) out[kind] = scopeRecord(base[kind], api[kind]);
  return out;
}

/** Thresholds that never change (tools and benchmarks that evaluate rules without a store). */
export function fixedThresholds(s: ThresholdSettings): Pick<ThresholdService, "settings" | "refresh"> {
  return { settings: () => s, refresh: async () => undefined };
}
