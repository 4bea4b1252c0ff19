/**
 * `vigil rules export --format prometheus [--rules FILE] [--slos FILE] [--out FILE]`: writes the
 * rules in force (the shipped pack, replaced by name by the rules file) as a Prometheus rules file
 * over the `/metrics` families, for teams that alert from their own Prometheus, and with `--slos`
 * each SLO's recording and burn-rate alerting rules (docs/slo.md). Rules and SLOs that cannot be
 * written, and the ways exported rules differ from Vigil's, are reported on stderr.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parse } from "yaml";
import { defaultRules } from "../../core/alerting/default-rules.js";
import { exportPrometheusRules } from "../../core/alerting/prometheus-rules.js";
import { parseRuleSet } from "../../core/alerting/rule.js";
import { applyThresholdUpdate, initialThresholds } from "../../core/alerting/threshold-settings.js";
import type { AlertRule } from "../../core/alerting/types.js";
import { invalidBaselines, validateBaseline, withBaselineThreshold, type BaselineProblem } from "../../core/baselines.js";
import { parseRuleDuration } from "../../core/alerting/duration.js";
import { parseSloSection, type SloEntry } from "../../core/slo-definitions.js";
import { sloPrometheusRules } from "../../core/slo/prometheus.js";

/** Export formats this command writes. */
export const EXPORT_FORMATS = ["prometheus"] as const;

/** Options of `vigil rules export`. */
export interface RulesExportOptions {
  /** YAML rules file (as given to `vigil serve --rules`); its rules replace shipped ones of the same name. */
  rulesFile?: string;
  format: string;
  /** Where to write the export; stdout when absent. */
  out?: string;
  /** Threshold values by key (e.g. `{error_rate_max: 0.1}`) for rules with `threshold_key`, over the defaults. */
  thresholds?: Record<string, number>;
  /** YAML or JSON thresholds file, shaped as the body of `PUT /api/v1/thresholds` (only `global` is exported). */
  thresholdsFile?: string;
  /**
   * YAML or JSON baselines for rules with `baseline`: a list, or `{baselines: [...]}` (the config
   * file, or the answer of `GET /api/v1/baselines`). Such a rule exports as factor × the value given.
   */
  baselinesFile?: string;
  /**
   * A Vigil config file (YAML or JSON) whose `service_classes` and `slos` are exported as recording
   * and alerting rules, checked as the server checks them (against its `retention`).
   */
  slosFile?: string;
  /** Leave the shipped rule pack out (export only the rules file). */
  noDefaults?: boolean;
  /** Output streams (tests capture them). */
  io?: { stdout(text: string): void; stderr(text: string): void };
}

const processIo = { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };

/** The rules in force: the shipped pack with the file's rules replacing or adding by name. */
async function loadRules(opts: RulesExportOptions): Promise<AlertRule[]> {
  const byName = new Map<string, AlertRule>();
  if (!opts.noDefaults) for (const r of defaultRules()) byName.set(r.name, r);
  if (opts.rulesFile) {
    const text = await readFile(opts.rulesFile, "utf8");
    for (const r of parseRuleSet(parse(text), "file", opts.rulesFile)) byName.set(r.name, r);
  }
  return [...byName.values()];
}

/** Global thresholds: the defaults, then the thresholds file, then explicit values (each validated). */
async function loadThresholds(opts: RulesExportOptions): Promise<Record<string, number>> {
  let settings = initialThresholds(undefined);
  if (opts.thresholdsFile) settings = applyThresholdUpdate(settings, parse(await readFile(opts.thresholdsFile, "utf8")));
  if (opts.thresholds) settings = applyThresholdUpdate(settings, { global: opts.thresholds });
  const out: Record<string, number> = {};
  for (const [k, e] of Object.entries(settings.global.keys)) if (e) out[k] = e.trip;
  if (settings.global.min_samples !== null) out.min_samples = settings.global.min_samples;
  return out;
}

/** The baselines file's values by name (none without a file); entries are checked as the API checks them. */
async function loadBaselines(opts: RulesExportOptions): Promise<Map<string, { value: number; active: boolean }>> {
  const out = new Map<string, { value: number; active: boolean }>();
  if (!opts.baselinesFile) return out;
  const doc: unknown = parse(await readFile(opts.baselinesFile, "utf8"));
  const list = Array.isArray(doc) ? doc : typeof doc === "object" && doc !== null ? (doc as { baselines?: unknown }).baselines : undefined;
  const base = Array.isArray(doc) ? "" : "/baselines";
  if (!Array.isArray(list)) throw invalidBaselines([{ path: base || "/", message: "must be a list of baselines" }]);
  const problems: BaselineProblem[] = [];
  list.forEach((item, i) => {
    // The API's answer carries what Vigil set (source); the rest is checked as written.
    const { source, ...rest } = typeof item === "object" && item !== null ? (item as Record<string, unknown>) : { source: undefined };
    const r = validateBaseline(typeof item === "object" && item !== null ? rest : item, `${base}/${i}`, source === "captured" ? "captured" : "api", Date.now());
    problems.push(...r.problems);
    if (r.baseline) out.set(r.baseline.name, r.baseline);
  });
  if (problems.length) throw invalidBaselines(problems);
  return out;
}

/** The config file's SLOs, checked as `vigil serve` checks them (none without `--slos`). */
async function loadSlos(opts: RulesExportOptions): Promise<SloEntry[]> {
  if (!opts.slosFile) return [];
  const doc: unknown = parse(await readFile(opts.slosFile, "utf8"));
  const file = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const retention = (typeof file.retention === "object" && file.retention !== null ? file.retention : {}) as Record<string, unknown>;
  const horizon = (key: string, fallback: string) => parseRuleDuration(typeof retention[key] === "string" ? (retention[key] as string) : fallback) ?? parseRuleDuration(fallback)!;
  return parseSloSection(file.service_classes ?? {}, file.slos ?? [], { minuteMs: horizon("minute_rollups", "48h"), hourMs: horizon("hour_rollups", "35d") }).slos;
}

/** Runs the export; resolves the process exit code (0 written, 1 invalid input, 2 unknown format). */
export async function rulesExportCommand(opts: RulesExportOptions): Promise<number> {
  const io = opts.io ?? processIo;
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    io.stderr(`vigil rules export: unknown format "${opts.format}"; use ${EXPORT_FORMATS.join(", ")}\n`);
    return 2;
  }
  let rules: AlertRule[];
  let thresholds: Record<string, number>;
  let slos: SloEntry[] = [];
  try {
    slos = await loadSlos(opts);
    rules = await loadRules(opts);
    thresholds = await loadThresholds(opts);
    const baselines = await loadBaselines(opts);
    rules = rules.map((r) => (r.baseline ? withBaselineThreshold(r, baselines.get(r.baseline.name) ?? null) : r));
  } catch (err) {
    io.stderr(`vigil rules export: ${(err as Error).message}\n`);
    return 1;
  }
  const result = exportPrometheusRules(rules, thresholds);
  const byName = new Map(slos.map((e) => [e.spec.name, e.definition.alerting]));
  const sloResult = sloPrometheusRules(
    slos.map((e) => e.spec),
    (name) => byName.get(name),
  );
  // The SLOs' groups continue the file's `groups:` list after the `vigil` group.
  const yaml = result.yaml + sloResult.groupsYaml;
  if (opts.out) await writeFile(opts.out, yaml);
  else io.stdout(yaml);

  const exported = rules.length - result.skipped.length;
  io.stderr(`vigil rules export: ${exported} of ${rules.length} rules exported${opts.out ? ` to ${opts.out}` : ""}\n`);
  for (const s of result.skipped) io.stderr(`  skipped ${s.rule}: ${s.reason}\n`);
  // One line per kind of difference, naming its rules, rather than the same sentence per rule.
  const byNote = new Map<string, string[]>();
  for (const n of result.notes) byNote.set(n.note, [...(byNote.get(n.note) ?? []), n.rule]);
  for (const [note, names] of byNote) io.stderr(`  note (${names.join(", ")}): ${note}\n`);
  if (opts.slosFile) {
    io.stderr(`vigil rules export: ${sloResult.groups.length} of ${slos.length} SLOs exported as recording and alerting rules\n`);
    for (const s of sloResult.skipped) io.stderr(`  skipped SLO ${s.slo}: ${s.reason}\n`);
    const bySloNote = new Map<string, string[]>();
    for (const n of sloResult.notes) bySloNote.set(n.note, [...(bySloNote.get(n.note) ?? []), n.slo]);
    for (const [note, names] of bySloNote) io.stderr(`  note (SLO ${names.join(", ")}): ${note}\n`);
  }
  return 0;
}
