/**
 * The rules in force. Rules come from three layers, the later
 * replacing the earlier by name: the shipped pack, the rules file (`--rules`), and the API
 * (stored, so they survive restarts and reach every instance); beside them, the rules generated
 * from each SLO (read-only). A change that fails validation
 * is refused whole and the previous rule set stays in force.
 */
import { VigilError } from "../core/errors.js";
import { NOT_WITH_ANOMALY } from "../core/alerting/anomaly-rule.js";
import { formatRuleDuration } from "../core/alerting/duration.js";
import { parseRuleSet, ruleToInput, rulesError, validateRule } from "../core/alerting/rule.js";
import type { ThresholdSettings } from "../core/threshold-model.js";
import type { AlertRule, AlertStore } from "../core/alerting/types.js";
import type { ThresholdService } from "./threshold-service.js";
import { withBaselineThreshold } from "../core/baselines.js";
import type { BaselineService } from "./baseline-service.js";

/** What the rule book needs. */
export interface RuleBookDeps {
  store: Pick<AlertStore, "listRules" | "putRule" | "deleteRule">;
  defaults: readonly AlertRule[];
  fileRules: readonly AlertRule[];
  /** The one threshold model, which `threshold_key` rules read (and which is re-read with the rules). */
  thresholds: Pick<ThresholdService, "settings" | "refresh">;
  /** The baselines `baseline` rules take their threshold from (re-read with the rules); absent: such rules read no threshold. */
  baselines?: Pick<BaselineService, "get" | "refresh" | "current">;
}

/** The rules in force. */
export class RuleBook {
  private apiRules = new Map<string, AlertRule>();
  private effective: AlertRule[] = [];
  private fileRules: readonly AlertRule[];
  /** Rules generated from other definitions (each SLO's burn-rate rules): read-only, replaced whole. */
  private generated: readonly AlertRule[] = [];
  private hasBaselineRules = false;

  constructor(private readonly deps: RuleBookDeps) {
    this.fileRules = deps.fileRules;
    this.rebuild();
  }

  /** Reads the API rules and thresholds from the store (at start, and on every evaluation of a shared store). */
  async refresh(): Promise<void> {
    const rules = await this.deps.store.listRules();
    this.apiRules = new Map(rules.map((r) => [r.name, r]));
    await this.deps.thresholds.refresh();
    await this.deps.baselines?.refresh();
    this.rebuild();
  }

  private rebuild(): void {
    const byName = new Map<string, AlertRule>();
    for (const r of this.deps.defaults) byName.set(r.name, r);
    for (const r of this.fileRules) byName.set(r.name, r);
    for (const r of this.apiRules.values()) byName.set(r.name, r);
    for (const r of this.generated) byName.set(r.name, r);
    this.effective = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    this.hasBaselineRules = this.effective.some((r) => r.baseline);
  }

  /** Every rule in force (enabled or not), by name; a `baseline` rule with the threshold its baseline gives now. */
  rules(): readonly AlertRule[] {
    if (!this.hasBaselineRules) return this.effective;
    return this.effective.map((r) => this.resolved(r));
  }

  /** The rule of this name, or null. */
  get(name: string): AlertRule | null {
    const r = this.effective.find((x) => x.name === name);
    return r === undefined ? null : this.resolved(r);
  }

  /** A `baseline` rule with the threshold in force (resolved at every read, so a changed baseline counts at the next evaluation). */
  private resolved(r: AlertRule): AlertRule {
    if (!r.baseline) return r;
    return withBaselineThreshold(r, this.deps.baselines?.get(r.baseline.name) ?? null);
  }

  /**
   * Creates or replaces a rule through the API. With `name`, the body's name (if any) must match,
   * and a body without `metric` is a change to the existing rule's fields.
   * Resolves whether the rule was new.
   */
  async put(body: unknown, name?: string): Promise<{ rule: AlertRule; created: boolean }> {
    let input = body;
    if (name !== undefined && typeof body === "object" && body !== null && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (b.name !== undefined && b.name !== name) throw new VigilError("VALIDATION_FAILED", `rule "${name}", field "name": the body names "${String(b.name)}"; rename by creating the new rule and deleting the old one`, [{ path: "/name", message: "must match the rule in the URL" }]);
      const existing = this.get(name);
      // A body without a metric changes fields of the existing rule (e.g. {"enabled": false}).
      input = existing && b.metric === undefined ? { ...ruleToInput(existing, formatRuleDuration), ...b, name } : { ...b, name };
      if (existing && b.metric === undefined && b.threshold !== undefined) delete (input as Record<string, unknown>).threshold_key;
      if (existing && b.metric === undefined && b.threshold_key !== undefined) delete (input as Record<string, unknown>).threshold;
      // A change to where the threshold comes from replaces the existing rule's source of it.
      if (existing && b.metric === undefined && (b.threshold !== undefined || b.threshold_key !== undefined) && b.baseline === undefined) {
        delete (input as Record<string, unknown>).baseline;
        delete (input as Record<string, unknown>).factor;
      }
      if (existing && b.metric === undefined && b.baseline !== undefined) {
        delete (input as Record<string, unknown>).threshold;
        delete (input as Record<string, unknown>).threshold_key;
      }
      // An anomaly block makes the rule an anomaly rule (its comparator, threshold and window go); a comparator makes it a threshold rule again.
      if (existing && b.metric === undefined && b.anomaly !== undefined && b.anomaly !== null) {
        for (const k of [...NOT_WITH_ANOMALY, "factor"]) if (b[k] === undefined) delete (input as Record<string, unknown>)[k];
      }
      if (existing && b.metric === undefined && b.comparator !== undefined && b.anomaly === undefined) delete (input as Record<string, unknown>).anomaly;
    }
    const target = name ?? (typeof body === "object" && body !== null ? (body as Record<string, unknown>).name : undefined);
    if (typeof target === "string" && this.get(target)?.source === "slo") throw new VigilError("CONFLICT", `rule "${target}" is generated from an SLO and is read-only; change the SLO (PUT /api/v1/slos/:name)`);
    const { rule, problems } = validateRule(input, "", "api");
    if (!rule) throw rulesError("the rule was refused", problems);
    // Another instance may have made the baseline since this one last read them.
    if (rule.baseline && this.deps.baselines) await this.deps.baselines.current();
    if (rule.baseline && this.deps.baselines && !this.deps.baselines.get(rule.baseline.name)) {
      throw rulesError("the rule was refused", [{ path: "/baseline", rule: rule.name, field: "baseline", message: `no baseline named "${rule.baseline.name}"; GET /api/v1/baselines lists them` }]);
    }
    const created = this.get(rule.name) === null;
    await this.deps.store.putRule(rule);
    this.apiRules.set(rule.name, rule);
    this.rebuild();
    return { rule, created };
  }

  /** Deletes a rule created through the API; shipped and file rules can only be disabled. */
  async delete(name: string): Promise<AlertRule | null> {
    const api = this.apiRules.get(name);
    if (!api) {
      const other = this.get(name);
      if (!other) return null;
      if (other.source === "slo") throw new VigilError("CONFLICT", `rule "${name}" is generated from an SLO and is read-only; change or delete the SLO`);
      throw new VigilError("CONFLICT", `rule "${name}" comes from the ${other.source === "file" ? "rules file" : "default rule pack"} and cannot be deleted; PUT it with "enabled": false to turn it off`);
    }
    await this.deps.store.deleteRule(name);
    this.apiRules.delete(name);
    this.rebuild();
    return api;
  }

  /**
   * Replaces the rules file's rules (on SIGHUP). The document is validated first: on any problem
   * this throws naming each rule and field, and the rules in force stay as they were.
   */
  replaceFileRules(doc: unknown, origin: string): AlertRule[] {
    const rules = parseRuleSet(doc, "file", origin);
    this.fileRules = rules;
    this.rebuild();
    return rules;
  }

  /** Replaces the generated rules (an SLO's burn-rate and maximum rules); they win over any rule of the same name. */
  setGenerated(rules: readonly AlertRule[]): void {
    this.generated = rules;
    this.rebuild();
  }

  /** The thresholds settings in force (the threshold model's). */
  thresholds(): ThresholdSettings {
    return this.deps.thresholds.settings();
  }
}
