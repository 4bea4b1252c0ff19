/**
 * Service classes and SLOs as written (config file `service_classes:` / `slos:` and API bodies)
 * checked and turned into the normalised `SloSpec` the budget math works on (docs/slo.md). Every
 * problem is named by its JSON pointer (`/slos/2/target`), all of them at once, so a refused
 * change says everything that is wrong and leaves what was in force unchanged.
 */
import type { ServiceClass, SloDefinition, SloSliDefinition } from "@vigil/contract";
import { parseRuleDuration } from "./alerting/duration.js";
import { SEVERITIES, type Severity } from "./alerting/types.js";
import { VigilError } from "./errors.js";
import type { SloSpec } from "./slo/spec.js";
import { DIMENSIONS, type Dimension } from "./stored-event.js";

/** One problem with a written class or SLO: where (JSON pointer) and what. */
export interface SloProblem {
  path: string;
  message: string;
}

/** How far back the rollups reach: minute rollups (slices under an hour) and hour rollups (everything else). */
export interface RollupHorizon {
  minuteMs: number;
  hourMs: number;
}

/** A checked service class. */
export interface ClassEntry {
  name: string;
  description: string | null;
  match: Readonly<Partial<Record<Dimension, string>>>;
}

/** How an SLO's generated alerts are labelled, defaults filled in. */
export interface SloAlertingSettings {
  enabled: boolean;
  pageSeverity: Severity;
  ticketSeverity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A checked SLO: its written form with every default filled in, its normalised spec and its alert settings. */
export interface SloEntry {
  definition: SloDefinition;
  spec: SloSpec;
  alerting: SloAlertingSettings;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Calendar months run up to 31 days: the hour rollups must reach that far. */
const LONGEST_MONTH_MS = 31 * DAY_MS;
const SLO_FIELDS = new Set(["name", "description", "class", "sli", "target", "period", "budgeting", "timeslice", "alerting"]);
const SLI_FIELDS: Record<string, readonly string[]> = {
  latency: ["kind", "events", "threshold_ms", "max_ms"],
  availability: ["kind", "events"],
  satisfaction: ["kind", "min_rating", "mean_at_least"],
  accuracy: ["kind", "min_score"],
};
const EVENTS = ["runs", "llm_calls"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isDimension = (d: string): d is Dimension => (DIMENSIONS as readonly string[]).includes(d);
const days = (ms: number) => `${Math.round((ms / DAY_MS) * 100) / 100}d`;

/** Checks one written service class; `path` is its pointer (`/service_classes/simple_queries`). */
export function parseServiceClass(name: string, raw: unknown, path: string): { entry: ClassEntry | null; problems: SloProblem[] } {
  const problems: SloProblem[] = [];
  const bad = (at: string, message: string) => problems.push({ path: path + at, message });
  if (!NAME.test(name)) bad("", `class name "${name}" must start with a letter and hold only letters, digits, _ . : - (at most 128)`);
  if (!isObject(raw)) {
    bad("", "must be an object with `match` (dimension → value) and an optional `description`");
    return { entry: null, problems };
  }
  for (const k of Object.keys(raw)) if (k !== "match" && k !== "description" && k !== "name") bad(`/${k}`, "unknown field (a class has match and description)");
  if (raw.description !== undefined && typeof raw.description !== "string") bad("/description", "must be a string");
  const match: Partial<Record<Dimension, string>> = {};
  if (!isObject(raw.match)) bad("/match", `must be an object of dimension → value over ${DIMENSIONS.join(", ")}`);
  else {
    for (const [d, v] of Object.entries(raw.match)) {
      if (!isDimension(d)) bad(`/match/${d}`, `unknown dimension "${d}" (known: ${DIMENSIONS.join(", ")})`);
      else if (typeof v !== "string" || v === "") bad(`/match/${d}`, "must be a non-empty string");
      else match[d] = v;
    }
  }
  if (problems.length) return { entry: null, problems };
  return { entry: { name, description: (raw.description as string | undefined) ?? null, match: Object.freeze(match) }, problems };
}

/**
 * Checks one written SLO against the classes in force and the rollup horizon; `path` is its pointer
 * (`/slos/2`, or "" for an API body).
 */
export function parseSlo(raw: unknown, classes: ReadonlyMap<string, ClassEntry>, horizon: RollupHorizon, path: string): { entry: SloEntry | null; problems: SloProblem[] } {
  const problems: SloProblem[] = [];
  const bad = (at: string, message: string) => problems.push({ path: `${path}/${at}`, message });
  if (!isObject(raw)) return { entry: null, problems: [{ path: path || "/", message: "must be an object (name, class, sli, target, period...)" }] };
  for (const k of Object.keys(raw)) if (!SLO_FIELDS.has(k)) bad(k, `unknown field (an SLO has ${[...SLO_FIELDS].join(", ")})`);
  const name = raw.name;
  if (typeof name !== "string" || !NAME.test(name)) bad("name", "must start with a letter and hold only letters, digits, _ . : - (at most 128)");
  if (raw.description !== undefined && typeof raw.description !== "string") bad("description", "must be a string");
  const cls = typeof raw.class === "string" ? classes.get(raw.class) : undefined;
  if (typeof raw.class !== "string") bad("class", "must name a service class");
  else if (!cls) bad("class", `unknown service class "${raw.class}"${classes.size ? ` (known: ${[...classes.keys()].join(", ")})` : " (no class is defined)"}`);
  const target = raw.target;
  if (typeof target !== "number" || !Number.isFinite(target) || target <= 0 || target >= 1) bad("target", "must be a number between 0 and 1, both excluded (0.995 for 99.5%)");

  const periodText = raw.period ?? "30d";
  let period: SloSpec["period"] | null = null;
  let periodMs = 0;
  if (periodText === "calendar_month") {
    period = { kind: "calendar_month" };
    periodMs = LONGEST_MONTH_MS;
    if (LONGEST_MONTH_MS > horizon.hourMs) bad("period", `a calendar month needs 31d of hour rollups; retention.hour_rollups keeps ${days(horizon.hourMs)}`);
  } else if (typeof periodText !== "string" || !/^[1-9]\d{0,3}d$/.test(periodText)) bad("period", 'must be a whole number of days ("7d", "28d", "30d") or "calendar_month"');
  else {
    periodMs = Number(periodText.slice(0, -1)) * DAY_MS;
    if (periodMs > horizon.hourMs) bad("period", `${periodText} is longer than the rollup horizon: hour rollups are kept ${days(horizon.hourMs)} (raise retention.hour_rollups)`);
    else period = { kind: "rolling", ms: periodMs };
  }

  const budgetingText = raw.budgeting ?? "events";
  if (budgetingText !== "events" && budgetingText !== "timeslices") bad("budgeting", 'must be "events" or "timeslices"');
  const slices = budgetingText === "timeslices";
  const { sli, maxMs, meanAtLeast } = parseSli(raw.sli, bad);
  if (meanAtLeast !== null && !slices && budgetingText === "events") bad("sli/mean_at_least", 'a mean rating is judged per time slice: set budgeting: timeslices (or use min_rating for the share of ratings at or above it)');

  let budgeting: SloSpec["budgeting"] = { kind: "events" };
  let timeslice: SloDefinition["timeslice"];
  if (!slices) {
    if (raw.timeslice !== undefined) bad("timeslice", "only time-slice SLOs (budgeting: timeslices) have a timeslice");
  } else if (!isObject(raw.timeslice)) bad("timeslice", "time-slice budgeting needs timeslice: {window: 5m, target: 0.95}");
  else {
    const ts = raw.timeslice;
    for (const k of Object.keys(ts)) if (k !== "window" && k !== "target") bad(`timeslice/${k}`, "unknown field (a timeslice has window and target)");
    const sliceMs = typeof ts.window === "string" ? parseRuleDuration(ts.window) : null;
    const sliceTarget = ts.target ?? (typeof target === "number" ? target : 0.5);
    if (sliceMs === null || sliceMs < 60_000 || sliceMs % 60_000 !== 0) bad("timeslice/window", "must be a whole number of minutes (1m, 5m, 10m, 1h...)");
    else if (sliceMs >= HOUR_MS && sliceMs % HOUR_MS !== 0) bad("timeslice/window", "slices of an hour or more must be whole hours (1h, 2h, 1d...)");
    else if (periodMs > 0 && sliceMs > periodMs) bad("timeslice/window", "must be shorter than the period");
    else if (sliceMs < HOUR_MS && periodMs > horizon.minuteMs) bad("timeslice/window", `slices under an hour read minute rollups for the whole period, and they are kept ${days(horizon.minuteMs)}: raise retention.minute_rollups to at least the period, or use slices of 1h or more`);
    if (typeof sliceTarget !== "number" || !(sliceTarget > 0 && sliceTarget <= 1)) bad("timeslice/target", "must be a number above 0 and at most 1");
    if (sliceMs !== null && typeof sliceTarget === "number") budgeting = { kind: "timeslices", sliceMs, sliceTarget, meanRatingAtLeast: meanAtLeast };
    timeslice = { window: String(ts.window), target: sliceTarget as number };
  }

  const alerting = parseAlerting(raw.alerting, bad);
  if (problems.length || !cls || !sli || !period) return { entry: null, problems };
  const definition: SloDefinition = {
    name: name as string,
    ...(raw.description !== undefined ? { description: raw.description as string } : {}),
    class: cls.name,
    sli: writtenSli(sli, maxMs, meanAtLeast),
    target: target as number,
    period: periodText as string,
    budgeting: slices ? "timeslices" : "events",
    ...(timeslice ? { timeslice } : {}),
    alerting: { enabled: alerting.enabled, page_severity: alerting.pageSeverity, ticket_severity: alerting.ticketSeverity, labels: alerting.labels, annotations: alerting.annotations },
  };
  const spec: SloSpec = { name: name as string, filter: { ...cls.match }, sli, maxMs, target: target as number, period, budgeting };
  return { entry: { definition, spec, alerting }, problems };
}

/** The written SLI back from the normalised one (defaults filled in). */
function writtenSli(sli: SloSpec["sli"], maxMs: number | null, meanAtLeast: number | null): SloSliDefinition {
  if (sli.kind === "latency") return { kind: "latency", events: sli.events, threshold_ms: sli.threshold_ms, ...(maxMs !== null ? { max_ms: maxMs } : {}) };
  if (sli.kind === "availability") return { kind: "availability", events: sli.events };
  if (sli.kind === "satisfaction") return meanAtLeast !== null ? { kind: "satisfaction", mean_at_least: meanAtLeast } : { kind: "satisfaction", min_rating: sli.min_rating };
  return { kind: "accuracy", min_score: sli.min_score };
}

function parseSli(raw: unknown, bad: (at: string, message: string) => void): { sli: SloSpec["sli"] | null; maxMs: number | null; meanAtLeast: number | null } {
  const none = { sli: null, maxMs: null, meanAtLeast: null };
  if (!isObject(raw)) {
    bad("sli", "must be an object with a kind: latency, availability, satisfaction or accuracy");
    return none;
  }
  const kind = raw.kind;
  const allowed = typeof kind === "string" ? SLI_FIELDS[kind] : undefined;
  if (!allowed) {
    bad("sli/kind", `unknown SLI kind ${JSON.stringify(kind)} (known: ${Object.keys(SLI_FIELDS).join(", ")})`);
    return none;
  }
  let ok = true;
  const fail = (at: string, message: string) => {
    ok = false;
    bad(`sli/${at}`, message);
  };
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) fail(k, `unknown field for a ${String(kind)} SLI (it has ${allowed.join(", ")})`);
  const events = raw.events ?? "runs";
  if (allowed.includes("events") && !EVENTS.includes(events as (typeof EVENTS)[number])) fail("events", 'must be "runs" or "llm_calls"');
  const positive = (k: string): number => {
    const v = raw[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail(k, "must be a positive number of milliseconds");
    return v as number;
  };
  const inRange = (k: string, lo: number, hi: number, what: string): number => {
    const v = raw[k];
    if (typeof v !== "number" || !(v >= lo && v <= hi)) fail(k, `must be ${what} between ${lo} and ${hi}`);
    return v as number;
  };
  const ev = events as "runs" | "llm_calls";
  let sli: SloSpec["sli"] | null = null;
  let maxMs: number | null = null;
  let meanAtLeast: number | null = null;
  if (kind === "latency") {
    const threshold = positive("threshold_ms");
    if (raw.max_ms !== undefined) {
      maxMs = positive("max_ms");
      if (ok && maxMs <= threshold) fail("max_ms", "must be above threshold_ms");
    }
    sli = { kind: "latency", events: ev, threshold_ms: threshold };
  } else if (kind === "availability") sli = { kind: "availability", events: ev };
  else if (kind === "satisfaction") {
    if ((raw.min_rating === undefined) === (raw.mean_at_least === undefined)) fail("min_rating", "give exactly one of min_rating (share of ratings at or above it) and mean_at_least (mean rating per time slice)");
    else if (raw.mean_at_least !== undefined) {
      meanAtLeast = inRange("mean_at_least", 1, 5, "a rating");
      sli = { kind: "satisfaction", min_rating: meanAtLeast };
    } else sli = { kind: "satisfaction", min_rating: inRange("min_rating", 1, 5, "a rating") };
  } else sli = { kind: "accuracy", min_score: inRange("min_score", 0, 1, "a score") };
  return ok ? { sli, maxMs, meanAtLeast } : none;
}

function parseAlerting(raw: unknown, bad: (at: string, message: string) => void): SloAlertingSettings {
  const out: SloAlertingSettings = { enabled: true, pageSeverity: "critical", ticketSeverity: "warning", labels: {}, annotations: {} };
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    bad("alerting", "must be an object (enabled, page_severity, ticket_severity, labels, annotations)");
    return out;
  }
  for (const k of Object.keys(raw)) if (!["enabled", "page_severity", "ticket_severity", "labels", "annotations"].includes(k)) bad(`alerting/${k}`, "unknown field");
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== "boolean") bad("alerting/enabled", "must be true or false");
    else out.enabled = raw.enabled;
  }
  for (const [k, field] of [["page_severity", "pageSeverity"], ["ticket_severity", "ticketSeverity"]] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (!SEVERITIES.includes(v as Severity)) bad(`alerting/${k}`, `must be one of ${SEVERITIES.join(", ")}`);
    else out[field] = v as Severity;
  }
  for (const k of ["labels", "annotations"] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (!isObject(v)) {
      bad(`alerting/${k}`, "must be an object of name → text");
      continue;
    }
    for (const [n, text] of Object.entries(v)) {
      if (!LABEL_NAME.test(n)) bad(`alerting/${k}/${n}`, "names hold letters, digits and _ and do not start with a digit");
      else if (typeof text !== "string") bad(`alerting/${k}/${n}`, "must be a string");
      else out[k][n] = text;
    }
  }
  if (out.labels.slo !== undefined || out.labels.slo_class !== undefined || out.labels.severity !== undefined) bad("alerting/labels", "slo, slo_class and severity are set by Vigil");
  return out;
}

/** The checked classes and SLOs of one document (the config file, or the API's stored set). */
export interface SloSection {
  classes: Map<string, ClassEntry>;
  slos: SloEntry[];
}

/**
 * SLOs and service classes in force at most (config file and API together). Each SLO keeps a
 * ledger and four burn-rate conditions evaluated every cycle; the bound keeps both, and the
 * listing, within a known size.
 */
export const MAX_SLOS = 1000;
export const MAX_SERVICE_CLASSES = 1000;

/** The problem of a set holding more than the bound (null: within it). */
export function overBound(path: string, n: number, what: "SLOs" | "service classes"): SloProblem | null {
  const max = what === "SLOs" ? MAX_SLOS : MAX_SERVICE_CLASSES;
  return n > max ? { path, message: `${n} ${what} in force; at most ${max} (config file and API together): delete some first` } : null;
}

/**
 * Checks a whole set — classes first, then each SLO against them (`base` classes, e.g. the config
 * file's, are known too) — and throws VALIDATION_FAILED naming every problem by pointer.
 */
export function parseSloSection(classesRaw: unknown, slosRaw: unknown, horizon: RollupHorizon, base: ReadonlyMap<string, ClassEntry> = new Map(), prefix = { classes: "/service_classes", slos: "/slos" }): SloSection {
  const problems: SloProblem[] = [];
  const classes = new Map(base);
  if (!isObject(classesRaw)) problems.push({ path: prefix.classes, message: "must be an object of class name → {match, description}" });
  else
    for (const [name, raw] of Object.entries(classesRaw)) {
      const r = parseServiceClass(name, raw, `${prefix.classes}/${name}`);
      problems.push(...r.problems);
      if (r.entry) classes.set(name, r.entry);
    }
  const slos: SloEntry[] = [];
  if (!Array.isArray(slosRaw)) problems.push({ path: prefix.slos, message: "must be a list of SLOs" });
  else {
    const seen = new Set<string>();
    slosRaw.forEach((raw, i) => {
      const r = parseSlo(raw, classes, horizon, `${prefix.slos}/${i}`);
      problems.push(...r.problems);
      if (!r.entry) return;
      if (seen.has(r.entry.spec.name)) problems.push({ path: `${prefix.slos}/${i}/name`, message: `duplicate SLO name "${r.entry.spec.name}"` });
      seen.add(r.entry.spec.name);
      slos.push(r.entry);
    });
  }
  for (const p of [overBound(prefix.classes, classes.size, "service classes"), overBound(prefix.slos, slos.length, "SLOs")]) if (p) problems.push(p);
  if (problems.length) throw sloError("the SLOs were refused", problems);
  return { classes, slos };
}

/** A VALIDATION_FAILED error listing every problem with its pointer. */
export function sloError(origin: string, problems: readonly SloProblem[]): VigilError {
  return new VigilError("VALIDATION_FAILED", `${origin}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems.map((p) => ({ ...p })));
}

/** Class for `ServiceClass` wire answers. */
export function classToWire(c: ClassEntry): ServiceClass {
  return { ...(c.description !== null ? { description: c.description } : {}), match: { ...c.match } as Record<string, string> };
}
