/**
 * An SLO's recording and alerting rules for Prometheus users (`vigil rules export --format
 * prometheus`), read from the `/metrics` families: per burn-rate window, the share of the class's
 * requests that failed the SLI (`vigil:slo_errors_per_request:ratio_rate5m{slo=...}`, as Sloth
 * names them), and the page and ticket alerts of burn.ts's scheme over those shares with the same
 * factors — written as `share / (1 - target) > factor`, the burn rate Vigil compares, so both
 * fire on the same evaluations. Availability reads `vigil_runs_total{status}` or
 * `vigil_llm_calls_total{status}`; latency reads the duration histograms, whose bounds are the
 * latency ladder, so a threshold on the ladder has its exact `le` bucket. What cannot be counted
 * from the families (off-ladder thresholds, ratings, accuracy, time slices) is skipped with why.
 */
import { map, scalar, type PrometheusAlertingRule } from "../alerting/prometheus-rules-yaml.js";
import { mappingOf, tenantMappingOf } from "../alerting/promql-mappings.js";
import { ladderIndex, LATENCY_LADDER_MS } from "../sli-ladder.js";
import type { Dimension } from "../stored-event.js";
import { BURN_SCHEME, burnFactor } from "./burn.js";
import { BURN_WINDOWS, type BurnWindow } from "./spans.js";
import type { SloSpec } from "./spec.js";

/** How an SLO's alerts are labelled (the written form's `alerting`). */
export interface SloAlertingOptions {
  enabled?: boolean;
  page_severity?: string;
  ticket_severity?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Prometheus recording rule. */
export interface PrometheusRecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

/** One rule group per SLO. */
export interface SloRuleGroup {
  name: string;
  rules: (PrometheusRecordingRule | PrometheusAlertingRule)[];
}

/** The SLOs' rule groups, the SLOs left out and why, and where an export differs from Vigil. */
export interface SloPrometheusExport {
  groups: SloRuleGroup[];
  skipped: { slo: string; reason: string }[];
  notes: { slo: string; note: string }[];
  /** A whole rules file of the groups. */
  yaml: string;
  /** The groups as entries of a `groups:` list, to append to another rules file's. */
  groupsYaml: string;
}

/** The name of the recorded error share over a window. */
export function errorRatioRecord(w: BurnWindow): string {
  return `vigil:slo_errors_per_request:ratio_rate${w}`;
}

/** The family an SLI reads and the label matchers of its class, or why it cannot be read. */
interface Source {
  /** PromQL of the failed requests' and all requests' increase over a window. */
  errors(w: string): string;
  total(w: string): string;
  /** Requests over the latency maximum in 5 minutes, when the SLO has one on the ladder. */
  over: string | null;
}

const ladderList = () => `${LATENCY_LADDER_MS.join(", ")} ms`;

function matchersOf(spec: SloSpec, labels: readonly Dimension[], family: string): string[] | { reason: string } {
  const out: string[] = [];
  for (const [d, v] of Object.entries(spec.filter) as [Dimension, string | undefined][]) {
    if (v === undefined) continue;
    if (!labels.includes(d)) return { reason: `${family} has no ${d} label (it carries ${labels.join(", ") || "no dimensions"})` };
    out.push(`${d}=${JSON.stringify(v)}`);
  }
  return out;
}

const sel = (metric: string, matchers: readonly string[], w: string) => `${metric}${matchers.length ? `{${matchers.join(", ")}}` : ""}[${w}]`;
const inc = (metric: string, matchers: readonly string[], w: string) => `sum(increase(${sel(metric, matchers, w)}))`;
const le = (ms: number) => `le="${ms / 1000}"`;

function sourceOf(spec: SloSpec, notes: string[]): Source | { reason: string } {
  if (spec.budgeting.kind === "timeslices") return { reason: "time-slice budgeting has no counterpart in Prometheus rules, which count requests" };
  const sli = spec.sli;
  if (sli.kind === "satisfaction") return { reason: "/metrics has no counter of ratings at or above a threshold" };
  if (sli.kind === "accuracy") return { reason: "/metrics' vigil_outcome_accuracy histogram counts scores at or below its bounds, not at or above a threshold" };
  const runs = sli.events === "runs";
  if (sli.kind === "availability") {
    const tenantOnly = Object.keys(spec.filter).length === 1 && spec.filter.tenant_id !== undefined;
    const mapping = (runs ? (tenantOnly ? tenantMappingOf("error_rate") : mappingOf("error_rate")) : mappingOf("llm_error_rate"))!;
    const family = mapping.family.name;
    const m = matchersOf(spec, mapping.family.labels, family);
    if ("reason" in m) return m;
    const bad = runs ? 'status=~"failure|timeout"' : 'status="failure"';
    return { errors: (w) => inc(family, [bad, ...m], w), total: (w) => inc(family, m, w), over: null };
  }
  const mapping = mappingOf(runs ? "p95_latency_ms" : "llm_p95_latency_ms")!;
  const family = mapping.family.name;
  if (ladderIndex(sli.threshold_ms) < 0) return { reason: `threshold_ms ${sli.threshold_ms} is not a bound of ${family} (the latency ladder: ${ladderList()}), so Prometheus cannot count the requests under it` };
  const m = matchersOf(spec, mapping.family.labels, family);
  if ("reason" in m) return m;
  const errorsOver = (ms: number, w: string) => `(${inc(`${family}_count`, m, w)} - ${inc(`${family}_bucket`, [le(ms), ...m], w)})`;
  let over: string | null = null;
  if (spec.maxMs !== null) {
    if (ladderIndex(spec.maxMs) >= 0) over = errorsOver(spec.maxMs, "5m");
    else notes.push(`max_ms ${spec.maxMs} is not a bound of ${family} (the latency ladder), so its breach alert is not exported`);
  }
  return { errors: (w) => errorsOver(sli.threshold_ms, w), total: (w) => inc(`${family}_count`, m, w), over };
}

/** The recording and alerting rules of one SLO, or why it cannot be exported. */
export function sloRuleGroup(spec: SloSpec, alerting: SloAlertingOptions = {}): { group: SloRuleGroup; notes: string[] } | { reason: string } {
  const notes: string[] = [];
  const src = sourceOf(spec, notes);
  if ("reason" in src) return src;
  const slo = { slo: spec.name };
  const rules: SloRuleGroup["rules"] = BURN_WINDOWS.map((w) => ({
    record: errorRatioRecord(w),
    // No failure at all is a share of 0, not no value; no requests at all is no value (Vigil's null).
    expr: `(${src.errors(w)} or ${src.total(w)} * 0) / (${src.total(w)} > 0)`,
    labels: slo,
  }));
  if (alerting.enabled === false) {
    notes.push("alerting is disabled: only the recording rules are exported");
    return { group: { name: `vigil-slo-${spec.name}`, rules }, notes };
  }
  const allowed = `(1 - ${spec.target})`;
  const burnOver = (w: BurnWindow, factor: number) => `${errorRatioRecord(w)}{slo=${JSON.stringify(spec.name)}} / ${allowed} > ${factor}`;
  for (const kind of ["page", "ticket"] as const) {
    const expr = BURN_SCHEME.filter((r) => r.kind === kind)
      .map((r) => `(${burnOver(r.long, burnFactor(spec, r))} and ${burnOver(r.short, burnFactor(spec, r))})`)
      .join(" or ");
    const severity = (kind === "page" ? alerting.page_severity : alerting.ticket_severity) ?? (kind === "page" ? "critical" : "warning");
    rules.push({
      alert: `${spec.name}_burn_${kind}`,
      expr,
      labels: { ...alerting.labels, ...slo, severity },
      annotations: { summary: `SLO ${spec.name} burns its error budget ${kind === "page" ? "fast (page)" : "steadily (ticket)"}`, ...alerting.annotations },
    });
  }
  if (src.over !== null) {
    rules.push({
      alert: `${spec.name}_max_breach`,
      expr: `${src.over} > 0`,
      labels: { ...alerting.labels, ...slo, severity: alerting.page_severity ?? "critical" },
      annotations: { summary: `SLO ${spec.name}: requests over ${spec.maxMs} ms in the last 5 minutes`, ...alerting.annotations },
    });
  }
  return { group: { name: `vigil-slo-${spec.name}`, rules }, notes };
}

/**
 * The rule groups of every SLO that can be read from `/metrics` (`alerting` gives an SLO's alert
 * options by name), the others listed in `skipped` with the reason.
 */
export function sloPrometheusRules(specs: readonly SloSpec[], alerting: (name: string) => SloAlertingOptions | undefined = () => undefined): SloPrometheusExport {
  const groups: SloRuleGroup[] = [];
  const skipped: SloPrometheusExport["skipped"] = [];
  const notes: SloPrometheusExport["notes"] = [];
  for (const spec of specs) {
    const g = sloRuleGroup(spec, alerting(spec.name));
    if ("reason" in g) {
      skipped.push({ slo: spec.name, reason: g.reason });
      continue;
    }
    groups.push(g.group);
    for (const note of g.notes) notes.push({ slo: spec.name, note });
  }
  const groupsYaml = groupLines(groups, skipped).join("\n");
  const head = ["# Prometheus recording and alerting rules of Vigil's SLOs (vigil rules export --format prometheus).", "# They read the families of Vigil's /metrics endpoint."];
  const yaml = `${[...head, groups.length ? "groups:" : "groups: []", ...(groupsYaml ? [groupsYaml] : [])].join("\n")}\n`;
  return { groups, skipped, notes, yaml, groupsYaml: groupsYaml ? `${groupsYaml}\n` : "" };
}

function groupLines(groups: readonly SloRuleGroup[], skipped: SloPrometheusExport["skipped"]): string[] {
  const lines: string[] = [];
  for (const s of skipped) lines.push(`  # skipped SLO ${s.slo}: ${s.reason.replace(/[\r\n]+/g, " ")}`);
  for (const g of groups) {
    lines.push(`  - name: ${scalar(g.name)}`, "    rules:");
    for (const r of g.rules) {
      if ("record" in r) lines.push(`      - record: ${r.record}`, `        expr: ${scalar(r.expr)}`, ...map("        ", "labels", r.labels));
      else lines.push(`      - alert: ${scalar(r.alert)}`, `        expr: ${scalar(r.expr)}`, ...map("        ", "labels", r.labels), ...map("        ", "annotations", r.annotations));
    }
  }
  return lines;
}
