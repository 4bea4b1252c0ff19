/**
 * The one owner of the baselines (docs/baselines.md): the config file's (read-only), and those set or
 * captured through the API, kept in the settings store under `baselines` so that every instance and
 * every restart reads the same. A captured baseline's value, the report's comparison and the metrics
 * API all read a window's figures through the same MetricsService function, so they agree.
 */
import type { Baseline, BaselineCaptureResponse, BaselineCompareResponse, BaselineReportEntry, Metrics } from "@vigil/contract";
import type { AlertStore } from "../core/alerting/types.js";
import { catalogueEntry, CUSTOM_PREFIX } from "../core/alerting/catalogue.js";
import { parseRuleDuration } from "../core/alerting/duration.js";
import { compareToBaseline, DEFAULT_CAPTURE_METRICS, invalidBaselines, knownDirection, MAX_BASELINES, metricProblem, scopeWithin, validateBaseline, type BaselineProblem } from "../core/baselines.js";
import { VigilError } from "../core/errors.js";
import { HOUR, MINUTE } from "../core/rollup-index.js";
import type { Stepped } from "../core/stepped.js";
import { DIMENSIONS } from "../core/stored-event.js";
import { isEmpty } from "../core/trends.js";
import { elapsedMinutes, type Window } from "../core/window-bounds.js";
import type { MetricsService } from "./metrics-service.js";
import { SerialQueue } from "./serial-queue.js";

/** Key of the stored baselines in the settings store. */
export const BASELINES_KEY = "baselines";

/** Where API and captured baselines are kept: the settings of the alert store, one key. */
export type BaselineStore = Pick<AlertStore, "getSetting" | "putSetting">;

/** What the baseline service needs. */
export interface BaselineServiceDeps {
  store: BaselineStore;
  /** The config file's baselines, validated at start-up. */
  config: readonly Baseline[];
  /** The window figures (the metrics API's own functions). */
  metrics: Pick<MetricsService, "window" | "metricsOf" | "custom" | "minuteResolutionFrom">;
  /** Runs stepped work in slices (the cooperative runner). */
  run<T>(work: Stepped<T>): Promise<T>;
  now(): number;
  /** True when several instances share the store: reads then re-read the stored baselines first. */
  shared?: boolean;
}

/** One metric's figure for a window and scope, and the samples behind it. */
export interface Figure {
  value: number | null;
  samples: number;
}

/** The baselines in force, their changes, captures and comparisons. */
export class BaselineService {
  private stored: Baseline[] = [];
  private effective = new Map<string, Baseline>();
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: BaselineServiceDeps) {
    this.apply([]);
  }

  /** Reads the stored baselines (at start, and before each change or evaluation on a shared store). */
  async refresh(): Promise<void> {
    const raw = await this.deps.store.getSetting(BASELINES_KEY);
    const list: Baseline[] = [];
    if (Array.isArray(raw)) {
      for (const item of raw) {
        if (!isObj(item)) continue;
        const source = item.source === "captured" ? "captured" : "api";
        const rest: Record<string, unknown> = { ...item };
        delete rest.source;
        // One a later release wrote and this one cannot read is left out rather than failing every read.
        const r = validateBaseline(rest, "", source, this.deps.now());
        if (r.baseline) list.push(r.baseline);
      }
    }
    this.apply(list);
  }

  /** Re-reads the stored baselines when another instance may have changed them (a shared store). */
  async current(): Promise<void> {
    if (this.deps.shared) await this.refresh();
  }

  /** Every baseline in force, config first, then by name. */
  list(): Baseline[] {
    return [...this.effective.values()];
  }

  /** The baseline of this name, or null. */
  get(name: string): Baseline | null {
    return this.effective.get(name) ?? null;
  }

  /** Creates (POST) or replaces (PUT with the URL's name) an API baseline; config baselines are read-only. */
  put(body: unknown, name?: string): Promise<{ baseline: Baseline; created: boolean }> {
    return this.queue.run(async () => {
      await this.refresh();
      let input = body;
      if (name !== undefined && isObj(body)) {
        if (body.name !== undefined && body.name !== name) throw invalidBaselines([{ path: "/name", message: `must match the baseline in the URL ("${name}")` }]);
        input = { ...body, name };
      }
      const { baseline, problems } = validateBaseline(input, "", "api", this.deps.now());
      if (!baseline) throw invalidBaselines(problems);
      // These read as the capture and compare routes, never as a baseline's own.
      if (baseline.name === "capture" || baseline.name === "compare") throw invalidBaselines([{ path: "/name", message: `"${baseline.name}" is reserved (POST /api/v1/baselines/capture, GET /api/v1/baselines/compare)` }]);
      const existing = this.get(baseline.name);
      if (name === undefined && existing) throw new VigilError("CONFLICT", `a baseline named "${baseline.name}" exists; PUT /api/v1/baselines/${baseline.name} replaces it`);
      if (existing?.source === "config") throw readOnly(existing.name);
      if (!existing && this.effective.size >= MAX_BASELINES) throw invalidBaselines([{ path: "/name", message: `${MAX_BASELINES} baselines are kept at most; delete one first` }]);
      await this.save([...this.stored.filter((b) => b.name !== baseline.name), baseline]);
      return { baseline, created: !existing };
    });
  }

  /** Deletes an API or captured baseline; resolves it, or null when there is none of that name. */
  delete(name: string): Promise<Baseline | null> {
    return this.queue.run(async () => {
      await this.refresh();
      const b = this.get(name);
      if (!b) return null;
      if (b.source === "config") throw readOnly(name);
      await this.save(this.stored.filter((x) => x.name !== name));
      return b;
    });
  }

  /**
   * `POST /api/v1/baselines/capture`: the figure of each metric over the window ending at `end`
   * (default now) for `scope`, stored as `<name>.<metric>`; a metric without samples there is skipped.
   */
  async capture(body: unknown): Promise<BaselineCaptureResponse> {
    const problems: BaselineProblem[] = [];
    const b = isObj(body) ? body : {};
    if (!isObj(body)) problems.push({ path: "/", message: "must be an object {window, scope?, metrics?, name?, end?, category?}" });
    for (const k of Object.keys(b)) if (!["name", "metrics", "window", "end", "scope", "category"].includes(k)) problems.push({ path: `/${k}`, message: `unknown field "${k}"` });
    const prefix = b.name === undefined ? "captured" : b.name;
    if (typeof prefix !== "string" || !/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/.test(prefix)) problems.push({ path: "/name", message: "must start with a letter and hold only letters, digits, _ . : - (at most 64)" });
    const ms = typeof b.window === "string" ? parseRuleDuration(b.window) : null;
    if (ms === null || ms < MINUTE) problems.push({ path: "/window", message: "is required: a duration of at least 1m, such as 1h" });
    const now = this.deps.now();
    let end = now;
    if (b.end !== undefined) {
      const t = typeof b.end === "string" ? Date.parse(b.end) : NaN;
      if (!Number.isFinite(t)) problems.push({ path: "/end", message: "must be an ISO-8601 time" });
      else if (t > now + MINUTE) problems.push({ path: "/end", message: "is in the future" });
      else end = t;
    }
    const metrics = b.metrics === undefined ? [...DEFAULT_CAPTURE_METRICS] : b.metrics;
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > 50) problems.push({ path: "/metrics", message: "must be a list of 1 to 50 metrics" });
    else
      metrics.forEach((m, i) => {
        const p = typeof m !== "string" ? "must be a metric name" : metricProblem(m) ?? (m.startsWith(CUSTOM_PREFIX) ? "custom metrics are not captured: set their baseline with POST /api/v1/baselines" : knownDirection(m) === null ? `which way is better for ${m} is not known: set its baseline with POST /api/v1/baselines and a direction` : null);
        if (p) problems.push({ path: `/metrics/${i}`, message: p });
      });
    const scope: Record<string, string> = {};
    if (b.scope !== undefined) {
      if (!isObj(b.scope)) problems.push({ path: "/scope", message: `must be a map of dimension to value (${DIMENSIONS.join(", ")})` });
      else
        for (const [k, v] of Object.entries(b.scope)) {
          if (!(DIMENSIONS as readonly string[]).includes(k)) problems.push({ path: `/scope/${k}`, message: `unknown dimension "${k}"; use ${DIMENSIONS.join(", ")}` });
          else if (typeof v !== "string" || v === "") problems.push({ path: `/scope/${k}`, message: "must be a non-empty string" });
          else scope[k] = v;
        }
    }
    if (problems.length) throw invalidBaselines(problems);
    const w = this.windowEnding(ms!, end);
    const m = await this.deps.run(this.deps.metrics.metricsOf(w, scope));
    const windowIso = { start: new Date(w.from).toISOString(), end: new Date(w.to).toISOString() };
    const captured: Baseline[] = [];
    const skipped: BaselineCaptureResponse["skipped"] = [];
    for (const metric of metrics as string[]) {
      const f = figureIn(metric, m, elapsedMinutes(w));
      if (f.value === null || f.samples === 0) {
        skipped.push({ metric, reason: "no samples in the window" });
        continue;
      }
      const r = validateBaseline(
        { name: `${prefix as string}.${metric}`, metric, value: f.value, scope, ...(b.category !== undefined ? { category: b.category } : {}), test_conditions: { window: b.window, start: windowIso.start, end: windowIso.end, scope, samples: f.samples }, measured_at: windowIso.end, window: windowIso },
        "",
        "captured",
        now,
      );
      if (!r.baseline) throw invalidBaselines(r.problems.map((p) => (p.path === "/category" ? p : { ...p, path: `/metrics/${(metrics as string[]).indexOf(metric)}` })));
      captured.push(r.baseline);
    }
    if (captured.length) {
      await this.queue.run(async () => {
        await this.refresh();
        for (const c of captured) if (this.get(c.name)?.source === "config") throw readOnly(c.name);
        const names = new Set(captured.map((c) => c.name));
        const next = [...this.stored.filter((x) => !names.has(x.name)), ...captured];
        if (next.length + this.deps.config.length > MAX_BASELINES) throw invalidBaselines([{ path: "/metrics", message: `${MAX_BASELINES} baselines are kept at most; delete some first` }]);
        await this.save(next);
      });
    }
    return { captured, skipped, window: windowIso };
  }

  /** The report's `baselines` section: each active baseline whose scope is within `filter`, against the window's figure for its scope. */
  async report(w: Window, filter: Readonly<Record<string, string | undefined>> = {}): Promise<BaselineReportEntry[]> {
    await this.current();
    const out: BaselineReportEntry[] = [];
    // Baselines of one scope read one metrics block: most share a few scopes.
    const blocks = new Map<string, Promise<Metrics>>();
    for (const b of this.list()) {
      if (!b.active || !scopeWithin(b.scope, filter)) continue;
      const f = await this.figure(b.metric, w, b.scope, blocks);
      out.push({ name: b.name, metric: b.metric, unit: b.unit, scope: b.scope, category: b.category, samples: f.samples, ...compareToBaseline(b, f.samples > 0 ? f.value : null) });
    }
    return out;
  }

  /** `GET /api/v1/baselines/compare`: the window of length `ms` read now (as the metrics API reads it) and the baselines within `filter` against it. */
  async compare(ms: number, filter: Readonly<Record<string, string | undefined>>): Promise<BaselineCompareResponse> {
    const w = this.deps.metrics.window(ms);
    return { window: { start: new Date(w.from).toISOString(), end: new Date(w.to).toISOString() }, baselines: await this.report(w, filter) };
  }

  /** One metric's figure for a window and scope, as the metrics API computes it. */
  async figure(metric: string, w: Window, scope: Readonly<Record<string, string>>, blocks = new Map<string, Promise<Metrics>>()): Promise<Figure> {
    if (metric.startsWith(CUSTOM_PREFIX)) {
      const name = metric.slice(CUSTOM_PREFIX.length);
      const rows = (await this.deps.metrics.custom(w, { name })).metrics.filter((r) => r.name === name);
      const count = rows.reduce((s, r) => s + r.count, 0);
      return { value: count > 0 ? rows.reduce((s, r) => s + r.sum, 0) / count : null, samples: count };
    }
    const key = JSON.stringify(Object.entries(scope).sort());
    let m = blocks.get(key);
    if (!m) blocks.set(key, (m = this.deps.run(this.deps.metrics.metricsOf(w, scope))));
    return figureIn(metric, await m, elapsedMinutes(w));
  }

  /** The window of length `ms` ending at `end` (whole minutes, or whole hours past the minute tier), refused past the rollup horizon. */
  private windowEnding(ms: number, end: number): Window {
    const now = this.deps.now();
    if (now - end < MINUTE) return this.deps.metrics.window(ms);
    const len = Math.ceil(ms / MINUTE) * MINUTE;
    const to = end - (end % MINUTE);
    // Reaching past the rollups is refused as the metrics API refuses it, naming the capture's fields.
    try {
      this.deps.metrics.window(now - (to - len));
    } catch (err) {
      if (!(err instanceof VigilError)) throw err;
      throw invalidBaselines([{ path: "/end", message: `with this window, ${err.message.replace(/^query parameter "window" /, "")}` }]);
    }
    if (to - len >= this.deps.metrics.minuteResolutionFrom()) return { from: to - len, to };
    const toH = end - (end % HOUR);
    return { from: toH - Math.ceil(ms / HOUR) * HOUR, to: toH };
  }

  private async save(stored: Baseline[]): Promise<void> {
    await this.deps.store.putSetting(BASELINES_KEY, stored);
    this.apply(stored);
  }

  private apply(stored: Baseline[]): void {
    const byName = new Map<string, Baseline>();
    for (const b of this.deps.config) byName.set(b.name, b);
    // The config file's baselines win: a stored one of the same name (made before the file named it) is hidden.
    this.stored = stored.filter((b) => !this.deps.config.some((c) => c.name === b.name));
    for (const b of [...this.stored].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) byName.set(b.name, b);
    this.effective = byName;
  }
}

/** A catalogue metric's figure in a metrics block of a window of `minutes` minutes. */
export function figureIn(metric: string, m: Metrics, minutes: number): Figure {
  const e = catalogueEntry(metric);
  if (!e) return { value: null, samples: 0 };
  const v = e.value(m, minutes);
  return { value: v !== null && Number.isFinite(v) ? v : null, samples: e.samples(m) === Number.MAX_SAFE_INTEGER ? (isEmpty(m) ? 0 : 1) : e.samples(m) };
}

function readOnly(name: string): VigilError {
  return new VigilError("CONFLICT", `baseline "${name}" comes from the config file and is read-only through the API; change it in the config file`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
